"""Account emails sent after the response: password reset, sign-up confirmation, and the
note to an address's owner when someone signs up with it again.

Each is a plain function of ids (no request state), called through
`after_response(function, *args)`, so it can move to a job queue unchanged.
"""

from __future__ import annotations

from flask import current_app, render_template

from campus.accounts import services
from campus.accounts.models import User
from campus.extensions import db
from campus.mail import send_email
from campus.urls import external_url


def send_reset_email(user_id: int) -> None:
    """Email a reset link; runs after the response, so a slow or failing server is not shown."""
    user = db.session.get(User, user_id)
    token = services.make_reset_token(user)
    link = external_url("accounts.reset_password", token=token)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_email(
        user.email,
        "Reset your campus password",
        render_template("campus/accounts/email/reset.txt", user=user, link=link, minutes=minutes),
    )


def confirmation_link(user: User, next_path: str | None = None) -> str:
    return external_url(
        "accounts.confirm_email", token=services.make_confirmation_token(user, next_path)
    )


def send_confirmation_email(user_id: int, next_path: str | None = None) -> None:
    """Email the link that confirms a new account's address (and signs its owner in)."""
    user = db.session.get(User, user_id)
    if user is None or user.is_confirmed or user.is_disabled:
        return
    days = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // (24 * 60 * 60)
    send_email(
        user.email,
        "Confirm your email for campus",
        render_template(
            "campus/accounts/email/confirm.txt",
            user=user,
            link=confirmation_link(user, next_path),
            days=max(days, 1),
        ),
    )


def send_signup_attempt_email(user_id: int) -> None:
    """Tell an address's owner that someone signed up with it: the sign-up page says the
    same thing for every address, so this email is where the owner learns what happened."""
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled:
        return
    send_email(
        user.email,
        "Someone tried to sign up with your email",
        render_template(
            "campus/accounts/email/signup_attempt.txt",
            user=user,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.reset_request"),
        ),
    )
