"""Staff pages on the assessment: evaluation results (page and CSV), post-test totals and
the post-test item analysis (page and CSV)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from campus.accounts.auth import staff_required
from campus.exports import download_response
from course.access import get_published_course
from course.assessment import queries

bp = Blueprint("assessment_admin", __name__)


def _staff_assessment(slug: str):
    """The course and its assessment, for instructors and admins only."""
    course = get_published_course(slug)
    assessment = queries.get_assessment(course.id)
    if assessment is None:
        abort(404)
    return course, assessment


@bp.get("/admin/courses/<slug>/evaluation")
@staff_required
def evaluation_report(slug: str):
    course, assessment = _staff_assessment(slug)
    summary = queries.evaluation_summary(course.id, assessment.evaluation_items)
    return render_template(
        "course/assessment/evaluation_report.html",
        course=course,
        summary=summary,
        posttest=queries.posttest_summary(course.id),
        time=queries.time_comparison(course.id),
    )


@bp.get("/admin/courses/<slug>/evaluation.csv")
@staff_required
def evaluation_csv(slug: str):
    course, assessment = _staff_assessment(slug)
    return download_response(
        queries.evaluation_csv(course.id, assessment.evaluation_items),
        "text/csv",
        f"evaluation-{course.slug}.csv",
    )


@bp.get("/admin/courses/<slug>/item-analysis")
@staff_required
def item_analysis(slug: str):
    course, _ = _staff_assessment(slug)
    return render_template(
        "course/assessment/item_analysis.html",
        course=course,
        page=queries.item_analysis_page(course.id),
    )


@bp.get("/admin/courses/<slug>/item-analysis.csv")
@staff_required
def item_analysis_csv(slug: str):
    course, _ = _staff_assessment(slug)
    return download_response(
        queries.item_analysis_csv(queries.item_analysis_page(course.id)),
        "text/csv",
        f"item-analysis-{course.slug}.csv",
    )
