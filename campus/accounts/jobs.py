"""Account jobs: the password-reset email, the sign-up confirmation, and the note to an
address's owner when someone signs up with it again."""

from __future__ import annotations

from flask import current_app, render_template

from campus.accounts import services
from campus.accounts.models import User
from campus.extensions import db
from campus.jobs.registry import job
from campus.mail import send_email
from campus.urls import external_url


@job("accounts.reset_email")
def send_reset_email(user_id: int) -> None:
    """Email a reset link, made when the email goes out (so a retry after a mail-server
    outage sends a link with its full lifetime). A failure raises: the queue retries."""
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled:
        return
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


@job("accounts.confirmation_email")
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


@job("accounts.signup_attempt_email")
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
