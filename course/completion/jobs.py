"""Completion jobs: the reminder email to a learner who stalled.

The reminder's audit row is written with the job (course.completion.services), keyed by
that row, so a retry or a second delivery of one reminder sends one email.
"""

from __future__ import annotations

from flask import render_template

from campus.accounts.models import User
from campus.extensions import db
from campus.jobs.registry import job
from campus.mail import send_email
from campus.urls import external_url
from course.completion.queries import checklist
from course.models import Course


@job("completion.reminder_email")
def email_reminder(course_id: int, learner_id: int) -> bool:
    """Email the learner what is left for them in the course. A mail failure raises, so
    the queue retries; the audit row already shows that a reminder was asked for."""
    course = db.session.get(Course, course_id)
    learner = db.session.get(User, learner_id)
    if course is None or learner is None:
        return False
    steps = checklist(learner, course)
    text = render_template(
        "course/completion/email_reminder.txt",
        course=course,
        learner=learner,
        left=steps.left if steps else "",
        course_url=external_url("course.course_page", slug=course.slug),
    )
    send_email(learner.email, f"Your course is waiting: {course.title}", text)
    return True
