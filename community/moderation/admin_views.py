"""Instructor tools on the forum: pin, lock, hide and move threads, hide posts, review
reported posts in the queue, read edit histories and suspend members."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campus.accounts.models import User
from campus.errors import user_errors_flashed
from campus.extensions import db
from campus.forms import EmptyForm
from campus.security import safe_target
from community import services
from community.access import get_category, get_forum_course, get_post, get_thread, require_staff
from community.forms import SuspendForm
from community.moderation import queries
from community.moderation import services as moderation

bp = Blueprint("moderation", __name__, url_prefix="/courses/<slug>/forum")

THREAD_MESSAGES = {
    "pin": "Thread pinned.",
    "unpin": "Thread unpinned.",
    "lock": "Thread locked.",
    "unlock": "Thread unlocked.",
    "hide": "Thread hidden from learners.",
    "unhide": "Thread visible again.",
}


@bp.post("/t/<int:thread_id>/moderate")
def moderate_thread(slug: str, thread_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread = get_thread(course, thread_id)
    action = request.form.get("action", "")
    _check_empty_form()
    with user_errors_flashed():
        moderation.set_thread_flag(current_user, thread, action)
        db.session.commit()
        flash(THREAD_MESSAGES.get(action, "Thread updated."), "success")
    return redirect(_thread_url(course, thread))


@bp.post("/t/<int:thread_id>/move")
def move(slug: str, thread_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread = get_thread(course, thread_id)
    category = get_category(course, request.form.get("category", ""))
    _check_empty_form()
    with user_errors_flashed():
        services.move_thread(current_user, thread, category)
        db.session.commit()
        flash(f"Moved to {category.title}.", "success")
    return redirect(_thread_url(course, thread))


@bp.get("/p/<int:post_id>/history")
def post_history(slug: str, post_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread, post = get_post(course, post_id)
    revisions = queries.revisions(post.id)
    return render_template(
        "community/moderation/history.html",
        course=course,
        thread=thread,
        post=post,
        revisions=revisions,
    )


@bp.post("/p/<int:post_id>/moderate")
def moderate_post(slug: str, post_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread, post = get_post(course, post_id)
    action = request.form.get("action", "")
    if action not in ("restore", "hide"):
        abort(400)
    _check_empty_form()
    with user_errors_flashed():
        moderation.resolve_reports(current_user, post, action)
        db.session.commit()
        flash("Post hidden." if action == "hide" else "Post restored.", "success")
    if request.form.get("from") == "queue":
        return redirect(url_for("moderation.moderation_queue", slug=course.slug))
    return redirect(_thread_url(course, thread))


@bp.get("/moderation")
def moderation_queue(slug: str):
    course = get_forum_course(slug)
    require_staff()
    return render_template(
        "community/moderation/queue.html",
        course=course,
        items=queries.moderation_queue(course.id),
        form=EmptyForm(),
    )


@bp.post("/members/<int:user_id>/suspend")
def suspend(slug: str, user_id: int):
    course = get_forum_course(slug)
    require_staff()
    target = db.session.get(User, user_id) or abort(404)
    form = SuspendForm()
    if not form.validate_on_submit():
        abort(400)
    suspended = request.form.get("action", "suspend") == "suspend"
    with user_errors_flashed():
        moderation.set_suspension(current_user, target, suspended, form.reason.data or "")
        db.session.commit()
        state = "suspended" if suspended else "no longer suspended"
        flash(f"{target.full_name} is {state}.", "success")
    fallback = url_for("community.forum_index", slug=course.slug)
    return redirect(safe_target(request.referrer, fallback))


def _check_empty_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _thread_url(course, thread) -> str:
    return url_for("community.thread_page", slug=course.slug, thread_id=thread.id)
