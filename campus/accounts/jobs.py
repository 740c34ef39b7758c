"""Account work done after the response: the password-reset email."""

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
