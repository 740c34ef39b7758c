"""Account pages: sign up, log in and out, profile, password change and reset."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from campus.accounts import jobs, queries, services, throttle
from campus.accounts.auth import start_session_clock
from campus.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from campus.accounts.models import normalize_email
from campus.enrollment.queries import has_any_enrollment
from campus.enrollment.services import check_code, redeem_code
from campus.errors import UserError
from campus.extensions import db, limiter
from campus.forms import EmptyForm
from campus.jobs.services import enqueue
from campus.security import safe_target
from campus.security_log import security_event
from campus.timezones import default_zone_name

bp = Blueprint("accounts", __name__, url_prefix="/account")
THROTTLED = (
    "Too many attempts to sign in to this account from here. Wait a few minutes, sign in "
    "from a device you have used before, or reset your password."
)


def _next_url(default: str = "course.dashboard") -> str:
    return safe_target(request.args.get("next") or request.form.get("next"), url_for(default))


def _next_path() -> str | None:
    """Where a visitor was heading (a path on this site), carried through the email link."""
    return safe_target(request.args.get("next") or request.form.get("next"), "") or None


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """Sign up. The answer is the same page, status and (about) time whether or not the
    email has an account; the email that follows tells the owner which it was."""
    if current_user.is_authenticated:
        return redirect(url_for("course.dashboard"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            outcome = services.start_signup(
                form.email.data,
                form.full_name.data,
                form.password.data,
                time_zone=form.time_zone.data,
            )
            _take_code(outcome, form.code.data)
        except _CodeRefused as refused:
            db.session.rollback()
            form.code.errors.append(refused.message + " Nothing was saved yet.")
        except UserError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            return _check_your_email(outcome)
    status = 400 if form.is_submitted() else 200
    return render_template("campus/accounts/signup.html", form=form), status


class _CodeRefused(UserError):
    """The enrollment code typed at sign-up cannot be used (shown beside the code field)."""


def _take_code(outcome: services.Signup, code: str | None) -> None:
    """A code at sign-up: redeemed with a new (still unconfirmed) account, so the course is
    there once the address is confirmed; for an address that has an account it is only
    checked, so a bad code is refused the same way and nobody is enrolled by a stranger."""
    if not code:
        return
    try:
        if outcome.pending is None:
            check_code(code)
        else:
            redeem_code(outcome.pending, code)
    except UserError as error:
        if error.status_code == 409 and "already enrolled" in error.message:
            return  # the same unconfirmed sign-up again, with the same code
        raise _CodeRefused(error.message, error.status_code) from error


def _check_your_email(outcome: services.Signup):
    """The one answer to every accepted sign-up, and the email that tells the truth: a job
    committed with the sign-up either way, so both answers cost the same."""
    next_path = _next_path()
    if outcome.pending is not None:
        user, what = outcome.pending, "new"
        enqueue("accounts.confirmation_email", user.id, next_path)
    else:
        user, what = outcome.existing, "existing_email"
        enqueue("accounts.signup_attempt_email", user.id)
    db.session.commit()
    security_event("signup", what, user.id)
    return render_template(
        "campus/accounts/check_email.html",
        email=user.email,
        development_link=_development_link(outcome, next_path),
    )


def _development_link(outcome: services.Signup, next_path: str | None) -> str | None:
    """With FLASK_DEBUG on and mail written to files (make run), the page shows the link the
    email carries, so a developer needs no mail server. Never in production."""
    if not current_app.debug or current_app.config.get("MAIL_SERVER"):
        return None
    if outcome.pending is not None:
        return jobs.confirmation_link(outcome.pending, next_path)
    return url_for("accounts.login")


@bp.get("/confirm/<token>")
@limiter.limit("30 per hour")
def confirm_email(token: str):
    """The link from the confirmation email: confirms the address and signs its owner in."""
    try:
        confirmation = services.confirm_email(token)
    except UserError as error:
        security_event("email_confirm", "invalid_link")
        page = render_template("campus/accounts/confirm_invalid.html", message=error.message)
        return page, error.status_code
    user = confirmation.user
    db.session.commit()
    if confirmation.already:
        security_event("email_confirm", "already_confirmed", user.id)
        flash("Your email is already confirmed. Log in to continue.", "info")
        return redirect(url_for("accounts.login"))
    security_event("email_confirm", "success", user.id)
    session.clear()  # nothing from before sign-in (a CSRF token) carries over
    login_user(user)
    start_session_clock()
    enrolled = has_any_enrollment(user.id)
    fallback = url_for("course.dashboard" if enrolled else "course.catalog")
    if enrolled:
        flash("Welcome! Your email is confirmed and your course is on your dashboard.", "success")
    else:
        flash("Welcome! Your email is confirmed and your account is ready.", "success")
    response = redirect(safe_target(confirmation.next_path, fallback))
    throttle.set_device_cookie(response, user.id)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        account = queries.find_user_by_email(form.email.data)
        account_id = account.id if account is not None else None
        budget = throttle.budget_for(normalize_email(form.email.data), account_id)
        # Counted before the password check, so parallel guesses cannot overshoot.
        if not budget.spend():
            security_event("login", "throttled", account_id)
            form.form_errors.append(THROTTLED)
            page = render_template("campus/accounts/login.html", form=form)
            return page, 429, {"Retry-After": str(budget.retry_after())}
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and not user.is_confirmed:
            return _confirm_first(form, user)
        if user is not None:
            db.session.commit()
            budget.clear()
            target = _next_url()
            # A fresh session: nothing from before sign-in (e.g. its CSRF secret) carries over.
            session.clear()
            login_user(user, remember=form.remember.data)
            start_session_clock()
            security_event("login", "success", user.id)
            response = redirect(target)
            throttle.set_device_cookie(response, user.id)
            return response
        security_event("login", "failure", account_id)
        form.form_errors.append("That email and password do not match an account.")
    status = 401 if form.is_submitted() else 200
    return render_template("campus/accounts/login.html", form=form), status


def _confirm_first(form: LoginForm, user):
    """The right password for an account whose address is not confirmed yet: no sign-in,
    and a fresh link (the first email may be lost). Only the password's owner sees this."""
    db.session.rollback()  # no last_login_at for a sign-in that did not happen
    security_event("login", "unconfirmed", user.id)
    enqueue("accounts.confirmation_email", user.id, _next_path())
    db.session.commit()
    form.form_errors.append(
        "Confirm your email address first: we have just sent a new link to it. Open the "
        "link in that email to sign in."
    )
    return render_template("campus/accounts/login.html", form=form), 403


@bp.post("/logout")
@login_required
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("course.catalog"))
    # Rotating the token ends this session everywhere, copied cookies included.
    user_id = current_user.id
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    security_event("logout", "success", user_id)
    flash("You are logged out.", "info")
    return redirect(url_for("course.catalog"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.time_zone.data = current_user.time_zone or default_zone_name()
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                form.full_name.data,
                form.license_state.data or "",
                form.license_number.data or "",
                form.time_zone.data,
            )
        except UserError as error:
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash("Your profile is saved.", "success")
            return redirect(url_for("accounts.profile"))
    status = 400 if form.is_submitted() else 200
    return render_template("campus/accounts/profile.html", form=form), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
            security_event("password_change", "failure")
        else:
            try:
                services.change_password(current_user, form.new_password.data)
            except UserError as error:
                form.new_password.errors.append(error.message)
            else:
                db.session.commit()
                security_event("password_change", "success")
                # This session continues under the new token; other sessions end.
                login_user(current_user._get_current_object())
                flash("Password changed. Your other sessions have been logged out.", "success")
                return redirect(url_for("accounts.profile"))
    status = 400 if form.is_submitted() else 200
    return render_template("campus/accounts/password.html", form=form), status


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = queries.find_user_by_email(form.email.data)
        security_event("password_reset_request", "accepted", user.id if user else None)
        if user is not None and not user.is_disabled:
            # A job: the answer takes as long whether or not the account exists, and a
            # mail-server failure is retried by the queue instead of shown.
            services.request_password_reset(user)
            db.session.commit()
        # The same answer either way, so the form does not reveal who has an account.
        flash("If that email has an account, a reset link is on its way.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("campus/accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except UserError as error:
        security_event("password_reset", "invalid_link")
        return render_template("campus/accounts/reset_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.password.data)
        except UserError as error:
            form.password.errors.append(error.message)
        else:
            services.mark_address_proven(user)  # the reset link reached the mailbox
            db.session.commit()
            security_event("password_reset", "success", user.id)
            flash("Your password is set. Log in with it now.", "success")
            return redirect(url_for("accounts.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("campus/accounts/reset_password.html", form=form), status
