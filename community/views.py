"""Course forum pages: index, threads, posting, answers, edits, reports, preview and search.

Each POST view reads: load (404/403), validate, call a service, commit once, flash, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from campus.accounts.models import User
from campus.errors import UserError, user_errors_flashed
from campus.extensions import db, limiter
from campus.forms import EmptyForm
from campus.inputs import decode_json_object, int_arg, int_field
from campus.markup import render_markdown
from campus.timezones import moment_formatter, zone_of
from community import access, post_fragments, queries, services
from community.access import get_category, get_forum_course, get_post, get_thread
from community.forms import (
    EditPostForm,
    MoveForm,
    NewThreadForm,
    ReplyForm,
    ReportForm,
    SummaryForm,
)
from community.moderation import services as moderation
from community.notifications import queries as notification_queries
from community.notifications import services as notifications

bp = Blueprint("community", __name__, url_prefix="/courses/<slug>/forum")
PREVIEW_LIMIT = "60 per minute"


def _page_arg() -> int:
    return int_arg("page", 1)


def _thread_url(course, thread) -> str:
    return url_for("community.thread_page", slug=course.slug, thread_id=thread.id)


def _check_form(form) -> None:
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors] or ["The form was incomplete."]
        raise UserError(" ".join(str(e) for e in errors))


@bp.get("/")
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
        can_start_here=category is None or access.can_start_in(current_user, category),
        forum_base=url_for("community.forum_index", slug=course.slug),
        when=moment_formatter(access.resolved(current_user)),
    )


def _new_thread_form(course) -> NewThreadForm:
    form = NewThreadForm()
    form.category.choices = [
        SelectChoice(c.slug, c.title)
        for c in queries.categories(course.id)
        if access.can_start_in(current_user, c)
    ]
    return form


@bp.route("/new", methods=["GET", "POST"])
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
            return redirect(_thread_url(course, thread))
    return render_template(
        "community/new_thread.html", course=course, form=form, lesson=lesson
    ), status


@bp.get("/t/<int:thread_id>")
def thread_page(slug: str, thread_id: int):
    """Reading writes nothing: the page's script POSTs to mark_read once it is shown."""
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    page = queries.thread_page(thread, current_user, _page_arg())
    return _render_thread(course, thread, page, ReplyForm(body=_quote_prefill(course, thread)))


@bp.post("/t/<int:thread_id>/read")
def mark_read(slug: str, thread_id: int):
    """The thread page, once shown, marks its posts read (and their notifications).

    A POST from the page rather than a write on GET: link checkers, prefetching and
    reloads no longer change state, and a page view costs no transaction.
    """
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    number = int_field(request.form.get("number"))
    if not number:
        return jsonify(error="Say which post you read up to."), 400
    number = min(number, thread.post_count)
    services.mark_read(current_user, thread, number)
    notifications.mark_thread_read(current_user.id, thread.id, number)
    db.session.commit()
    unread = notification_queries.unread_count(current_user.id, current_user.is_staff)
    return jsonify(read=number, unread=unread)


def _csrf_field() -> Markup:
    """The hidden CSRF input, built once for the dozens of small forms on a thread page."""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()


def _quote_prefill(course, thread) -> str | None:
    """?quote=<post id>: a visible post of this thread, quoted into the reply box."""
    post_id = int_arg("quote")
    if post_id is None:
        return None
    quoted_thread, post = get_post(course, post_id)
    if quoted_thread.id != thread.id:
        abort(404)
    if post.is_hidden and not access.sees_hidden(current_user):
        return None
    author = db.session.get(User, post.author_id)
    return services.quote_source(post, author.full_name)


def _move_form(categories) -> MoveForm:
    form = MoveForm()
    form.category.choices = [SelectChoice(c.slug, c.title) for c in categories]
    return form


def _render_thread(course, thread, page, reply_form, status: int = 200):
    categories = queries.categories(course.id)
    viewer = access.resolved(current_user)
    zone = zone_of(viewer)
    context = dict(
        course=course,
        thread=thread,
        page=page,
        reply_form=reply_form,
        category=next(c for c in categories if c.id == thread.category_id),
        # The moderators' and the asker's forms, built only for those who see them.
        summary_form=SummaryForm(summary=thread.solution_summary_source)
        if page.can_accept and thread.is_solved
        else None,
        move_form=_move_form(categories) if page.can_moderate else None,
        form=EmptyForm(),
        lesson=queries.lesson_by_id(thread.lesson_id) if thread.lesson_id else None,
        handle=notifications.mention_handle,
        forum_base=url_for("community.forum_index", slug=course.slug),
        thread_url=_thread_url(course, thread),
        accepted_url=queries.post_url(course.slug, thread.id, page.accepted.post.number)
        if page.accepted
        else None,
        csrf_field=_csrf_field(),
        when=moment_formatter(viewer),
    )
    context["posts_html"] = post_fragments.render_posts(
        page.posts, context, zone.key, context["csrf_field"]
    )
    return render_template("community/thread.html", **context), status


@bp.post("/t/<int:thread_id>/reply")
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
    return redirect(queries.post_url(course.slug, thread.id, post.number))


def _check_empty_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.post("/t/<int:thread_id>/accept/<int:post_id>")
def accept(slug: str, thread_id: int, post_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    _, post = get_post(course, post_id)
    _check_empty_form()
    with user_errors_flashed():
        services.accept_answer(current_user, thread, post)
        db.session.commit()
        flash("Accepted answer updated.", "success")
    return redirect(_thread_url(course, thread))


@bp.post("/t/<int:thread_id>/summary")
def summary(slug: str, thread_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    form = SummaryForm()
    if not form.validate_on_submit():
        abort(400)
    with user_errors_flashed():
        services.set_summary(current_user, thread, form.summary.data or "")
        db.session.commit()
        flash("Summary saved.", "success")
    return redirect(_thread_url(course, thread))


@bp.post("/t/<int:thread_id>/follow")
def follow(slug: str, thread_id: int):
    course = get_forum_course(slug)
    thread = get_thread(course, thread_id)
    _check_empty_form()
    with user_errors_flashed():
        if request.form.get("action") == "unfollow":
            services.unfollow(current_user, thread)
            message = "You no longer follow this thread."
        else:
            services.follow(current_user, thread)
            message = "You follow this thread."
        db.session.commit()
        flash(message, "success")
    return redirect(_thread_url(course, thread))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(slug: str, post_id: int):
    course = get_forum_course(slug)
    thread, post = get_post(course, post_id)
    if not access.can_edit(current_user, post):
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
            return redirect(queries.post_url(course.slug, thread.id, post.number))
        except UserError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = error.status_code
    return render_template(
        "community/edit_post.html", course=course, thread=thread, post=post, form=form
    ), status


@bp.post("/p/<int:post_id>/report")
def report(slug: str, post_id: int):
    course = get_forum_course(slug)
    thread, post = get_post(course, post_id)
    form = ReportForm()
    with user_errors_flashed():  # a moderator's report is refused with a 403, not a flash
        _check_form(form)
        hidden = moderation.report_post(current_user, post, form.reason.data)
        db.session.commit()
        flash(
            "Thank you. A moderator will review the post."
            + (" It is hidden until then." if hidden else ""),
            "success",
        )
    return redirect(_thread_url(course, thread))


@bp.post("/preview")
@limiter.limit(PREVIEW_LIMIT, key_func=lambda: f"forum-preview:{current_user.get_id()}")
def preview(slug: str):
    """Markdown preview through the same server-side renderer used at write time."""
    get_forum_course(slug)
    try:
        source = decode_json_object(request.get_data(), "The preview request").get("source", "")
    except UserError as error:
        return jsonify(error=error.message), error.status_code
    if not isinstance(source, str) or len(source) > services.MAX_BODY:
        return jsonify(error="Nothing to preview, or too long."), 400
    return jsonify(html=str(render_markdown(source)))


@bp.get("/search")
def search(slug: str):
    course = get_forum_course(slug)
    q = services.clean_text(request.args.get("q")).strip()[:200]
    category = request.args.get("category") or None
    solved = request.args.get("solved") or None
    if solved not in (None, "solved", "unsolved"):
        abort(400)
    category_obj = get_category(course, category) if category else None
    results = (
        queries.search_posts(
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
