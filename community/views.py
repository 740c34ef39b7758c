"""Course forum pages: index, threads, posting, answers, edits, reports and moderation."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from campus.accounts.forms import EmptyForm
from campus.accounts.models import User
from campus.after_response import after_response
from campus.errors import UserError
from campus.extensions import db, limiter
from campus.markup import render_markdown
from community import bp, moderation, notifications, queries, services
from community.access import get_category, get_forum_course, get_post, get_thread
from community.forms import (
    EditPostForm,
    MoveForm,
    NewThreadForm,
    ReplyForm,
    ReportForm,
    SummaryForm,
    SuspendForm,
)
from community.search import search_posts

PREFIX = "/courses/<slug>/forum"
PREVIEW_LIMIT = "60 per minute"


def _page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _thread_url(course, thread, **kwargs) -> str:
    return url_for("community.thread_page", slug=course.slug, thread_id=thread.id, **kwargs)


def _check_form(form) -> None:
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors] or ["The form was incomplete."]
        raise UserError(" ".join(str(e) for e in errors))


@bp.get(PREFIX + "/")
def forum_index(slug: str):
    course = get_forum_course(slug)
    categories = queries.categories(course.id)
    current = request.args.get("category")
    category = get_category(course, current) if current else None
    filter_name = request.args.get("filter", "all")
    if filter_name not in queries.FILTERS:
        abort(400)
    rows, has_more = queries.thread_list(
        course.id,
        current_user,
        page=_page_arg(),
        category_id=category.id if category else None,
        filter_name=filter_name,
    )
    return render_template(
        "community/index.html",
        course=course,
        categories=categories,
        category=category,
        filter_name=filter_name,
        rows=rows,
        has_more=has_more,
        page=_page_arg(),
        filters=queries.FILTERS,
    )


def _new_thread_form(course) -> NewThreadForm:
    form = NewThreadForm()
    form.category.choices = [
        SelectChoice(c.slug, c.title)
        for c in queries.categories(course.id)
        if current_user.is_staff or not c.is_staff_only
    ]
    return form


@bp.route(PREFIX + "/new", methods=["GET", "POST"])
def new_thread(slug: str):
    course = get_forum_course(slug)
    form = _new_thread_form(course)
    if request.method == "GET":
        form.category.data = request.args.get("category") or form.category.data
        form.lesson.data = request.args.get("lesson", "")
        form.second.data = request.args.get("t", type=int)
        # "Ask about this moment" is a question: an answer to it can then be accepted.
        form.is_question.data = bool(form.lesson.data)
    lesson = queries.lesson_for(course.id, form.lesson.data)
    status = 200
    if request.method == "POST":
        try:
            _check_form(form)
            thread = services.start_thread(
                current_user,
                course,
                get_category(course, form.category.data),
                form.title.data,
                form.body.data,
                is_question=form.is_question.data,
                lesson=lesson,
                second=form.second.data,
            )
            db.session.commit()
        except UserError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = error.status_code
        else:
            after_response(notifications.send_event_emails, thread.id)
            return redirect(_thread_url(course, thread))
    return render_template(
        "community/new_thread.html", course=course, form=form, lesson=lesson
    ), status


@bp.get(PREFIX + "/t/<int:thread_id>")
def thread_page(slug: str, thread_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    page = queries.thread_page(thread, current_user, _page_arg())
    last_shown = page.posts[-1].post.number if page.posts else 0
    reading_new = last_shown > page.last_read
    if reading_new:  # before rendering, so the bell on this page already counts them read
        notifications.mark_thread_read(current_user.id, thread.id, last_shown)
    response = _render_thread(course, thread, page, ReplyForm(body=_quote_prefill(course)))
    if reading_new:  # unread tracking: the only writes a page view makes
        # After rendering: a commit expires the loaded posts, and re-reading them would
        # cost a query per post.
        services.mark_read(current_user, thread, last_shown)
        db.session.commit()
    return response


def _csrf_field() -> Markup:
    """The hidden CSRF input, built once for the dozens of small forms on a thread page."""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()


def _quote_prefill(course) -> str | None:
    post_id = request.args.get("quote", type=int)
    if not post_id:
        return None
    _, post = get_post(course, post_id)
    if post.is_hidden:
        return None
    author = db.session.get(User, post.author_id)
    return services.quote_source(post, author.full_name)


def _render_thread(course, thread, page, reply_form, status: int = 200):
    categories = queries.categories(course.id)
    move_form = MoveForm()
    move_form.category.choices = [SelectChoice(c.slug, c.title) for c in categories]
    return render_template(
        "community/thread.html",
        course=course,
        thread=thread,
        page=page,
        reply_form=reply_form,
        category=next(c for c in categories if c.id == thread.category_id),
        summary_form=SummaryForm(summary=thread.solution_summary_source),
        move_form=move_form,
        report_form=ReportForm(),
        suspend_form=SuspendForm(),
        form=EmptyForm(),
        can_accept=services.can_accept(current_user, thread),
        lesson=queries.lesson_by_id(thread.lesson_id) if thread.lesson_id else None,
        handle=notifications.mention_handle,
        is_staff=current_user.is_staff,
        my_id=current_user.id,
        forum_base=url_for("community.forum_index", slug=course.slug),
        thread_url=_thread_url(course, thread),
        csrf_field=_csrf_field(),
    ), status


@bp.post(PREFIX + "/t/<int:thread_id>/reply")
def reply(slug: str, thread_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    form = ReplyForm()
    try:
        _check_form(form)
        post = services.reply(current_user, thread, form.body.data)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
        thread = get_thread(course, thread_id)
        page = queries.thread_page(thread, current_user, 10**6)
        return _render_thread(course, thread, page, form, error.status_code)
    after_response(notifications.send_event_emails, thread.id)
    page = (post.number - 1) // queries.posts_per_page() + 1
    return redirect(_thread_url(course, thread, page=page, _anchor=f"post-{post.number}"))


def thread_action(course, thread, action, message: str):
    """Run a small POST action: check CSRF, act, commit once, flash, back to the thread."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action()
        db.session.commit()
        flash(message, "success")
    except UserError as error:
        db.session.rollback()
        if error.status_code in (403, 404):
            abort(error.status_code)
        flash(error.message, "error")
    return redirect(_thread_url(course, thread))


@bp.post(PREFIX + "/t/<int:thread_id>/accept/<int:post_id>")
def accept(slug: str, thread_id: int, post_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    _, post = get_post(course, post_id)
    return thread_action(
        course,
        thread,
        lambda: services.accept_answer(current_user, thread, post),
        "Accepted answer updated.",
    )


@bp.post(PREFIX + "/t/<int:thread_id>/summary")
def summary(slug: str, thread_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    text = SummaryForm().summary.data or ""
    return thread_action(
        course, thread, lambda: services.set_summary(current_user, thread, text), "Summary saved."
    )


@bp.post(PREFIX + "/t/<int:thread_id>/follow")
def follow(slug: str, thread_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    if request.form.get("action") == "unfollow":
        return thread_action(
            course,
            thread,
            lambda: services.unfollow(current_user, thread),
            "You no longer follow this thread.",
        )
    return thread_action(
        course, thread, lambda: services.follow(current_user, thread), "You follow this thread."
    )


@bp.route(PREFIX + "/p/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(slug: str, post_id: int):
    course = get_forum_course(slug)
    thread, post = get_post(course, post_id)
    if not (current_user.is_staff or current_user.id == post.author_id):
        abort(403)
    form = EditPostForm(body=post.body_source, title=thread.title if post.number == 1 else None)
    status = 200
    if request.method == "POST":
        try:
            _check_form(form)
            title = form.title.data if post.number == 1 else None
            services.edit_post(current_user, thread, post, form.body.data, title)
            db.session.commit()
            flash("Your changes are saved.", "success")
            page = (post.number - 1) // queries.posts_per_page() + 1
            return redirect(_thread_url(course, thread, page=page, _anchor=f"post-{post.number}"))
        except UserError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = error.status_code
    return render_template(
        "community/edit_post.html", course=course, thread=thread, post=post, form=form
    ), status


@bp.post(PREFIX + "/p/<int:post_id>/report")
def report(slug: str, post_id: int):
    course = get_forum_course(slug)
    thread, post = get_post(course, post_id)
    form = ReportForm()
    try:
        _check_form(form)
        hidden = moderation.report_post(current_user, post, form.reason.data)
        db.session.commit()
        flash(
            "Thank you. A moderator will review the post."
            + (" It is hidden until then." if hidden else ""),
            "success",
        )
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(_thread_url(course, thread))


@bp.post(PREFIX + "/preview")
@limiter.limit(PREVIEW_LIMIT, key_func=lambda: f"forum-preview:{current_user.get_id()}")
def preview(slug: str):
    """Markdown preview through the same server-side renderer used at write time."""
    get_forum_course(slug)
    source = (request.get_json(silent=True) or {}).get("source", "")
    if not isinstance(source, str) or len(source) > services.MAX_BODY:
        return jsonify(error="Nothing to preview, or too long."), 400
    return jsonify(html=str(render_markdown(source)))


@bp.get(PREFIX + "/search")
def search(slug: str):
    course = get_forum_course(slug)
    q = services.clean_text(request.args.get("q")).strip()[:200]
    category = request.args.get("category") or None
    solved = request.args.get("solved") or None
    if solved not in (None, "solved", "unsolved"):
        abort(400)
    category_obj = get_category(course, category) if category else None
    results = (
        search_posts(
            course.id,
            current_user,
            q,
            category_id=category_obj.id if category_obj else None,
            solved=solved,
        )
        if q
        else []
    )
    return render_template(
        "community/search.html",
        course=course,
        q=q,
        results=results,
        categories=queries.categories(course.id),
        category=category,
        solved=solved,
    )
