"""Account operations: sign up, authenticate, change password, reset tokens, roles."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from campus.accounts.licenses import normalize_license
from campus.accounts.models import Role, User, normalize_email
from campus.accounts.passwords import password_problem
from campus.accounts.queries import find_user_by_email
from campus.audit.services import record
from campus.errors import UserError
from campus.extensions import db
from campus.jobs.services import enqueue
from campus.models import utcnow
from campus.security_log import security_event
from campus.timezones import is_zone

RESET_SALT = "campus.password-reset"


def create_user(
    email: str,
    full_name: str,
    password: str,
    *,
    role: Role = Role.LEARNER,
    time_zone: str | None = None,
) -> User:
    """Create an account after checking the email is free and the password acceptable."""
    email = normalize_email(email)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise UserError("Enter your name as it should appear on certificates.")
    if find_user_by_email(email) is not None:
        raise UserError("An account with that email already exists. Log in or reset your password.")
    problem = password_problem(password, email=email, name=full_name)
    if problem:
        raise UserError(problem)
    user = User(
        email=email,
        full_name=full_name,
        role=role.value,
        time_zone=time_zone if is_zone(time_zone) else None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Disabled accounts never authenticate."""
    user = find_user_by_email(email)
    if user is None:
        # Spend the same hashing time as a real check so timing does not reveal accounts.
        User(password_hash=_dummy_hash()).check_password(password)
        return None
    if not user.check_password(password) or user.is_disabled:
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        from werkzeug.security import generate_password_hash

        _DUMMY_HASH.append(generate_password_hash("not a real password"))
    return _DUMMY_HASH[0]


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every other session of this user."""
    problem = password_problem(new_password, email=user.email, name=user.full_name)
    if problem:
        raise UserError(problem)
    user.set_password(new_password)
    user.end_all_sessions()
    db.session.flush()


def set_disabled(actor: User | None, user: User, disabled: bool) -> None:
    """Disable (or re-enable) an account and end its sessions; audited (actor None: CLI)."""
    before = user.is_disabled
    user.is_disabled = disabled
    user.end_all_sessions()
    db.session.flush()
    record(
        actor,
        "user.disable" if disabled else "user.enable",
        "user",
        user.id,
        before={"is_disabled": before},
        after={"is_disabled": disabled},
    )
    security_event("account_disabled" if disabled else "account_enabled", "success", user.id)


def set_role(actor: User | None, user: User, role: Role) -> None:
    """Give an account another role; its sessions end so the new role applies at once."""
    before = user.role
    user.role = Role(role).value
    user.end_all_sessions()
    db.session.flush()
    record(
        actor, "user.set_role", "user", user.id, before={"role": before}, after={"role": user.role}
    )
    security_event("role_change", "success", user.id, previous=before, role=user.role)


def update_profile(
    user: User, full_name: str, license_state: str, license_number: str, time_zone: str
) -> None:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise UserError("Your name cannot be empty.")
    if not is_zone(time_zone):
        raise UserError("Choose a time zone from the list.")
    user.time_zone = time_zone
    user.full_name = full_name
    if license_state.strip() or license_number.strip():
        set_license(user, license_state, license_number)
    else:  # optional on the profile; the CE gate asks for it before a certificate
        user.license_state = user.license_number = None
    db.session.flush()


def set_license(user: User, state: str, number: str) -> None:
    """Store the learner's license, checked (campus/accounts/licenses.py)."""
    user.license_state, user.license_number = normalize_license(state, number)
    db.session.flush()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does, which makes a used token worthless.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User:
    """The user a valid reset token belongs to; expired, reused or forged tokens raise."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise UserError("This reset link has expired. Ask for a new one.") from error
    except BadSignature as error:
        raise UserError("This reset link is not valid. Ask for a new one.") from error
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    fingerprint = str(data.get("pw", "")) if isinstance(data, dict) else ""
    if (
        user is None
        or user.is_disabled
        or not hmac.compare_digest(fingerprint, _password_fingerprint(user))
    ):
        raise UserError("This reset link has already been used or is no longer valid.")
    return user


def request_password_reset(user: User) -> None:
    """Queue the reset email (campus.accounts.jobs), committed with the caller's transaction."""
    enqueue("accounts.reset_email", user.id)
