"""Account operations: sign up, confirm the address, authenticate, change password, reset
tokens, roles."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

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
CONFIRM_SALT = "campus.confirm-email"


def create_user(
    email: str,
    full_name: str,
    password: str,
    *,
    role: Role = Role.LEARNER,
    time_zone: str | None = None,
) -> User:
    """Create a confirmed account for staff tools (the CLI, the demo accounts), whose runner
    vouches for the address, and for a district invite, whose link came to that address.
    Visitors sign up through start_signup instead."""
    email = normalize_email(email)
    full_name = _clean_name(full_name)
    if find_user_by_email(email) is not None:
        raise UserError("An account with that email already exists. Log in or reset your password.")
    _check_password(password, email, full_name)
    user = User(email=email, role=role.value, email_confirmed_at=utcnow())
    _set_details(user, full_name, generate_password_hash(password), time_zone)
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class Signup:
    """What a sign-up led to, for the views and emails only, never for the visitor's page:
    `pending` is an unconfirmed account to send a confirmation link to; `existing` is the
    confirmed (or disabled) account that already holds the address."""

    pending: User | None = None
    existing: User | None = None


def start_signup(
    email: str, full_name: str, password: str, *, time_zone: str | None = None
) -> Signup:
    """Begin a visitor's sign-up without revealing whether the address has an account.

    Every check that can refuse the form depends only on what was typed, and the password is
    hashed on every path, so the answer and its timing are the same for a new address and a
    registered one. A new address gets an unconfirmed account. An address whose account was
    never confirmed is the same sign-up again: the latest details win, and links sent before
    stop working (they carry the old password's fingerprint), so whoever signed up first
    with someone else's address cannot confirm it.
    """
    email = normalize_email(email)
    full_name = _clean_name(full_name)
    _check_password(password, email, full_name)
    password_hash = generate_password_hash(password)
    user = find_user_by_email(email)
    if user is not None and (user.is_confirmed or user.is_disabled):
        return Signup(existing=user)
    if user is None:
        user = User(email=email, role=Role.LEARNER.value)
        db.session.add(user)
    _set_details(user, full_name, password_hash, time_zone)
    user.end_all_sessions()
    db.session.flush()
    return Signup(pending=user)


def _clean_name(full_name: str) -> str:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise UserError("Enter your name as it should appear on certificates.")
    return full_name


def _check_password(password: str, email: str, full_name: str) -> None:
    problem = password_problem(password, email=email, name=full_name)
    if problem:
        raise UserError(problem)


def _set_details(user: User, full_name: str, password_hash: str, time_zone: str | None) -> None:
    user.full_name = full_name
    user.password_hash = password_hash
    user.time_zone = time_zone if is_zone(time_zone) else None


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def make_confirmation_token(user: User, next_path: str | None = None) -> str:
    """A signed, expiring token for the confirmation link; `next_path` is where the
    learner was heading when they signed up (checked again when the link is opened)."""
    payload = {"uid": user.id, "pw": _password_fingerprint(user), "next": next_path or ""}
    return _confirm_serializer().dumps(payload)


@dataclass(frozen=True)
class Confirmation:
    user: User
    next_path: str
    already: bool  # the address was confirmed before this link was opened


def confirm_email(token: str) -> Confirmation:
    """Confirm the address a valid link was sent to. Expired, altered, superseded links (and
    those of disabled accounts) raise a UserError saying what to do instead."""
    max_age = current_app.config["EMAIL_CONFIRM_MAX_AGE"]
    try:
        data = _confirm_serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise UserError(
            "This confirmation link has expired. Sign up again with the same email to get a "
            "new one."
        ) from error
    except BadSignature as error:
        raise UserError(
            "This confirmation link is not valid: it may have been cut short when it was "
            "copied. Open it straight from the email, or sign up again to get a new one."
        ) from error
    data = data if isinstance(data, dict) else {}
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    fingerprint = str(data.get("pw", ""))
    if (
        user is None
        or user.is_disabled
        or not hmac.compare_digest(fingerprint, _password_fingerprint(user))
    ):
        raise UserError(
            "This confirmation link is no longer valid: a newer one was sent since. Use the "
            "latest email, or sign up again to get a new one."
        )
    already = user.is_confirmed
    mark_address_proven(user)
    return Confirmation(user, str(data.get("next") or ""), already)


def mark_address_proven(user: User) -> None:
    """The owner opened a link sent to the address (confirmation or password reset)."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.flush()


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
