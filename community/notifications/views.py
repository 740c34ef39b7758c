"""A member's own forum pages: notifications (the bell), email settings, unsubscribe."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from campus.extensions import csrf, db
from campus.forms import EmptyForm
from campus.inputs import int_field
from campus.security import safe_target
from community.forms import EmailPrefsForm
from community.models import EmailMode
from community.notifications import jobs, queries, services
from community.queries import post_url

bp = Blueprint("notifications", __name__, url_prefix="/forum")


@bp.get("/notifications")
@login_required
def notification_list():
    items = [
        (notification, title, actor, post_url(course_slug, notification.thread_id, number))
        for notification, title, course_slug, actor, number in queries.recent(
            current_user.id, current_user.is_staff
        )
    ]
    return render_template("community/notifications/list.html", items=items, form=EmptyForm())


@bp.post("/notifications/read")
@login_required
def notifications_read():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    raw_id = request.form.get("id")
    notification_id = int_field(raw_id)
    if raw_id and not notification_id:
        abort(404)
    services.mark_read(current_user.id, notification_id)
    db.session.commit()
    fallback = url_for("notifications.notification_list")
    return redirect(safe_target(request.form.get("next"), fallback))


@bp.route("/email", methods=["GET", "POST"])
@login_required
def email_settings():
    form = EmailPrefsForm(mode=queries.email_mode(current_user.id))
    if form.validate_on_submit():
        services.set_email_mode(current_user.id, form.mode.data)
        db.session.commit()
        flash("Your forum email setting is saved.", "success")
        return redirect(url_for("notifications.email_settings"))
    return render_template("community/notifications/email_settings.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
# RFC 8058 one-click: mail clients POST without a session; the signed token is the proof.
@csrf.exempt
def unsubscribe(token: str):
    user_id = jobs.user_from_token(token)
    if user_id is None:
        abort(404)
    if request.method == "POST":
        services.set_email_mode(user_id, EmailMode.OFF.value)
        db.session.commit()
        return render_template("community/notifications/unsubscribed.html", done=True)
    # A GET (e.g. a link scanner) changes nothing; the page has a button that POSTs.
    return render_template("community/notifications/unsubscribed.html", done=False, token=token)
