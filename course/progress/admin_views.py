"""Staff pages on progress: the learner list (with enroll by email and withdraw) and each
learner's time-on-task ledger (CSV too). Instructors and admins both manage learners."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from campus.accounts.queries import find_user_by_email
from campus.enrollment.forms import EnrollByEmailForm
from campus.enrollment.services import enroll, withdraw
from campus.errors import UserError, user_errors_flashed
from campus.exports import download_response
from campus.extensions import db
from campus.forms import EmptyForm
from campus.inputs import int_arg
from campus.timezones import moment_formatter, zone_of
from course.access import get_course_learner, get_staff_course
from course.progress import queries

bp = Blueprint("progress_admin", __name__)


def _list_args() -> queries.LearnerListArgs:
    """The learner list's search, sort and page from the query string; a page that is not
    a whole number or an unknown sort is a 400, as on the forum."""
    sort = request.args.get("sort") or "name"
    if sort not in queries.LEARNER_SORTS:
        abort(400, f"'sort' must be one of: {', '.join(queries.LEARNER_SORTS)}.")
    search = request.args.get("q", "").strip()[: queries.SEARCH_MAX_LENGTH]
    return queries.LearnerListArgs(search, sort, int_arg("page", 1))


def _list_state(args: queries.LearnerListArgs, page: int | None = None) -> dict:
    """The list's query arguments, defaults left out, for links and for the forms' actions
    (so enrolling or withdrawing goes back to the same search and page)."""
    page = args.page if page is None else page
    state: dict = {}
    if args.search:
        state["q"] = args.search
    if args.sort != "name":
        state["sort"] = args.sort
    if page > 1:
        state["page"] = page
    return state


PLACEHOLDER_ID = 0  # never a user's id (they start at 1): marks where each row's id goes


def _per_learner(endpoint: str, **values) -> Callable[[int], str]:
    """url_for once, then each row's id in its place: three url_for calls a row were a
    third of the time a page of 50 learners took to render."""
    path, mark, query = url_for(endpoint, user_id=PLACEHOLDER_ID, **values).partition("?")
    head, _, tail = path.rpartition(f"/{PLACEHOLDER_ID}/")
    return lambda user_id: f"{head}/{user_id}/{tail}{mark}{query}"


def _list_url(slug: str) -> str:
    """Where a form on the list goes back to: built from its own arguments, never a URL
    the browser sent, so it cannot redirect off the site."""
    return url_for("progress_admin.learners", slug=slug, **_list_state(_list_args()))


@bp.get("/courses/<slug>/learners")
@login_required
def learners(slug: str):
    course = get_staff_course(slug)
    args = _list_args()
    page = queries.learner_page(course, args)
    state = _list_state(args, page.page)
    return render_template(
        "course/progress/learners.html",
        course=course,
        page=page,
        sorts=queries.LEARNER_SORTS,
        search_max=queries.SEARCH_MAX_LENGTH,
        state=state,
        page_url=lambda n: url_for("progress_admin.learners", slug=slug, **_list_state(args, n)),
        day=moment_formatter(current_user, "iso-date"),
        ledger_url=_per_learner("progress_admin.learner_ledger", slug=slug),
        ledger_csv_url=_per_learner("progress_admin.learner_ledger_csv", slug=slug),
        withdraw_url=_per_learner("progress_admin.withdraw_learner", slug=slug, **state),
        enroll_form=EnrollByEmailForm(),
        form=EmptyForm(),
    )


@bp.post("/courses/<slug>/learners/enroll")
@login_required
def enroll_learner(slug: str):
    course = get_staff_course(slug)
    back = _list_url(slug)
    form = EnrollByEmailForm()
    if not form.validate_on_submit():
        flash("Enter the email address of an existing account.", "error")
        return redirect(back)
    with user_errors_flashed():
        learner = find_user_by_email(form.email.data)
        if learner is None:
            raise UserError(
                "No account has that email. Ask them to sign up first (or give them an "
                "enrollment code), then enroll them here."
            )
        enroll(current_user, learner, course.id, is_open=course.is_open)
        db.session.commit()
        flash(f"{learner.full_name} is enrolled in {course.title}.", "success")
    return redirect(back)


@bp.post("/courses/<slug>/learners/<int:user_id>/withdraw")
@login_required
def withdraw_learner(slug: str, user_id: int):
    course = get_staff_course(slug)
    learner = get_course_learner(course, user_id)
    back = _list_url(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with user_errors_flashed():
        withdraw(
            current_user, learner, course.id, started=queries.has_started(learner.id, course.id)
        )
        db.session.commit()
        flash(f"{learner.full_name} is withdrawn; their records are kept.", "success")
    return redirect(back)


@bp.get("/courses/<slug>/learners/<int:user_id>/time-on-task")
@login_required
def learner_ledger(slug: str, user_id: int):
    course, learner, report = _ledger(slug, user_id)
    return render_template(
        "course/progress/ledger.html",
        course=course,
        learner=learner,
        report=report,
        learner_zone=zone_of(learner),
    )


@bp.get("/courses/<slug>/learners/<int:user_id>/time-on-task.csv")
@login_required
def learner_ledger_csv(slug: str, user_id: int):
    course, learner, report = _ledger(slug, user_id)
    filename = f"time-on-task-{course.slug}-{learner.id}.csv"
    return download_response(queries.ledger_csv(course, learner, report), "text/csv", filename)


def _ledger(slug: str, user_id: int):
    """The course, one of its learners (404 for anyone else) and their time-on-task report."""
    course = get_staff_course(slug)
    learner = get_course_learner(course, user_id)
    return course, learner, queries.learner_report(course, learner)
