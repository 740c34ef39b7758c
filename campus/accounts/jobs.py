"""Account jobs: the password-reset email."""

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
