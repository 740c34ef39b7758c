"""Account pages: sign up, log in and out, profile, password change and reset."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from campus.accounts import queries, services, throttle
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
from campus.enrollment.services import redeem_code
from campus.errors import UserError
from campus.extensions import db, limiter
from campus.forms import EmptyForm
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


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("course.dashboard"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.full_name.data,
                form.password.data,
                time_zone=form.time_zone.data,
            )
        except UserError as error:
            form.form_errors.append(error.message)
        else:
            return _welcome(user, form)
    status = 400 if form.is_submitted() else 200
    return render_template("campus/accounts/signup.html", form=form), status


def _welcome(user, form: SignupForm):
    """Redeem the optional code with the new account, all or nothing: a bad code creates no
    account, so the visitor corrects it (or clears it) and signs up again."""
    if form.code.data:
        try:
            redeem_code(user, form.code.data)
        except UserError as error:
            db.session.rollback()
            form.code.errors.append(error.message + " Nothing was saved yet.")
            return render_template("campus/accounts/signup.html", form=form), 400
    db.session.commit()
    target = url_for("course.dashboard") if form.code.data else _next_url("course.catalog")
    session.clear()  # nothing from before sign-in (a CSRF token) carries over
    login_user(user)
    start_session_clock()
    security_event("signup", "success", user.id)
    if form.code.data:
        flash("Welcome! Your code enrolled you: your course is on your dashboard.", "success")
    else:
        flash("Welcome! Your account is ready.", "success")
    return redirect(target)


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
            db.session.commit()
            security_event("password_reset", "success", user.id)
            flash("Your password is set. Log in with it now.", "success")
            return redirect(url_for("accounts.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("campus/accounts/reset_password.html", form=form), status
