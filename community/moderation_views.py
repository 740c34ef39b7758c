"""Instructor tools on the forum: pin, lock, hide and move threads, hide posts, review
reported posts in the queue, read edit histories and suspend members."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campus.accounts.forms import EmptyForm
from campus.accounts.models import User
from campus.errors import UserError
from campus.extensions import db
from community import bp, moderation, queries, services
from community.access import get_category, get_forum_course, get_post, get_thread, require_staff
from community.forms import SuspendForm
from community.views import PREFIX, thread_action

THREAD_MESSAGES = {
    "pin": "Thread pinned.",
    "unpin": "Thread unpinned.",
    "lock": "Thread locked.",
    "unlock": "Thread unlocked.",
    "hide": "Thread hidden from learners.",
    "unhide": "Thread visible again.",
}


@bp.post(PREFIX + "/t/<int:thread_id>/moderate")
def moderate_thread(slug: str, thread_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread = get_thread(course, thread_id)
    action = request.form.get("action", "")
    return thread_action(
        course,
        thread,
        lambda: moderation.set_thread_flag(current_user, thread, action),
        THREAD_MESSAGES.get(action, "Thread updated."),
    )


@bp.post(PREFIX + "/t/<int:thread_id>/move")
def move(slug: str, thread_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread = get_thread(course, thread_id)
    category = get_category(course, request.form.get("category", ""))
    return thread_action(
        course,
        thread,
        lambda: services.move_thread(current_user, thread, category),
        f"Moved to {category.title}.",
    )


@bp.get(PREFIX + "/p/<int:post_id>/history")
def post_history(slug: str, post_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread, post = get_post(course, post_id)
    revisions = queries.revisions(post.id)
    return render_template(
        "community/history.html", course=course, thread=thread, post=post, revisions=revisions
    )


@bp.post(PREFIX + "/p/<int:post_id>/moderate")
def moderate_post(slug: str, post_id: int):
    course = get_forum_course(slug)
    require_staff()
    thread, post = get_post(course, post_id)
    action = request.form.get("action", "")
    if action in ("restore", "hide") and request.form.get("from") == "queue":
        thread_action(
            course,
            thread,
            lambda: moderation.resolve_reports(current_user, post, action),
            "Reports resolved.",
        )
        return redirect(url_for("community.moderation_queue", slug=course.slug))
    hidden = {"hide": True, "restore": False}.get(action)
    if hidden is None:
        abort(400)
    return thread_action(
        course,
        thread,
        lambda: moderation.resolve_reports(current_user, post, action),
        "Post hidden." if hidden else "Post restored.",
    )


@bp.get(PREFIX + "/moderation")
def moderation_queue(slug: str):
    course = get_forum_course(slug)
    require_staff()
    return render_template(
        "community/moderation.html",
        course=course,
        items=moderation.moderation_queue(course.id),
        form=EmptyForm(),
    )


@bp.post(PREFIX + "/members/<int:user_id>/suspend")
def suspend(slug: str, user_id: int):
    course = get_forum_course(slug)
    require_staff()
    target = db.session.get(User, user_id) or abort(404)
    form = SuspendForm()
    if not form.validate_on_submit():
        abort(400)
    suspended = request.form.get("action", "suspend") == "suspend"
    try:
        moderation.set_suspension(current_user, target, suspended, form.reason.data or "")
        db.session.commit()
        flash(
            f"{target.full_name} is {'suspended' if suspended else 'no longer suspended'}.",
            "success",
        )
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(
        request.referrer
        if _same_site(request.referrer)
        else url_for("community.forum_index", slug=course.slug)
    )


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)
