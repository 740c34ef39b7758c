"""Completion work done after the response: the reminder email to a learner who stalled.

A job loads its rows by id and owns its transaction, so a job queue can run it as it is.
"""

from __future__ import annotations

import logging
import smtplib

from flask import render_template

from campus.accounts.models import User
from campus.extensions import db
from campus.mail import send_email
from campus.urls import external_url
from course.completion.queries import checklist
from course.models import Course

log = logging.getLogger(__name__)


def email_reminder(course_id: int, learner_id: int) -> bool:
    """Email the learner what is left for them in the course; a mail failure is logged.

    The reminder is already in the audit log (the view committed it), so a failed send is
    visible there and in the log, and the staff may send again after the interval.
    """
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
    try:
        send_email(learner.email, f"Your course is waiting: {course.title}", text)
    except (OSError, smtplib.SMTPException):
        log.exception("could not email a reminder to user %s for %s", learner_id, course.slug)
        return False
    return True
