"""A member's own forum pages: notifications (the bell), email settings, unsubscribe."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from campus.accounts.forms import EmptyForm
from campus.extensions import csrf, db
from community import bp, notifications, queries
from community.forms import EmailPrefsForm
from community.models import EmailMode


@bp.get("/forum/notifications")
@login_required
def notification_list():
    per_page = queries.posts_per_page()
    items = [
        (
            notification,
            title,
            actor,
            _post_url(course_slug, notification.thread_id, number, per_page),
        )
        for notification, title, course_slug, actor, number in notifications.recent(
            current_user.id, current_user.is_staff
        )
    ]
    return render_template("community/notifications.html", items=items, form=EmptyForm())


def _post_url(course_slug: str, thread_id: int, number: int | None, per_page: int) -> str:
    """The thread page that shows the post, scrolled to it."""
    if number is None:
        return url_for("community.thread_page", slug=course_slug, thread_id=thread_id)
    page = (number - 1) // per_page + 1
    return url_for(
        "community.thread_page",
        slug=course_slug,
        thread_id=thread_id,
        page=page if page > 1 else None,
        _anchor=f"post-{number}",
    )


@bp.post("/forum/notifications/read")
@login_required
def notifications_read():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    notification_id = request.form.get("id", type=int)
    notifications.mark_read(current_user.id, notification_id)
    db.session.commit()
    target = request.form.get("next", "")
    if target.startswith("/courses/") and "//" not in target:
        return redirect(target)
    return redirect(url_for("community.notification_list"))


@bp.route("/forum/email", methods=["GET", "POST"])
@login_required
def email_settings():
    form = EmailPrefsForm(mode=notifications.email_mode(current_user.id))
    if form.validate_on_submit():
        notifications.set_email_mode(current_user.id, form.mode.data)
        db.session.commit()
        flash("Your forum email setting is saved.", "success")
        return redirect(url_for("community.email_settings"))
    return render_template("community/email_settings.html", form=form)


@bp.route("/forum/unsubscribe/<token>", methods=["GET", "POST"])
# RFC 8058 one-click: mail clients POST without a session; the signed token is the proof.
@csrf.exempt
def unsubscribe(token: str):
    user_id = notifications.user_from_token(token)
    if user_id is None:
        abort(404)
    if request.method == "POST":
        notifications.set_email_mode(user_id, EmailMode.OFF.value)
        db.session.commit()
        return render_template("community/unsubscribed.html", done=True)
    # A GET (e.g. a link scanner) changes nothing; the page has a button that POSTs.
    return render_template("community/unsubscribed.html", done=False, token=token)
