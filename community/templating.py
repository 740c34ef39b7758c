"""What templates outside the forum need from it: the bell's unread count (one query, and
only when a page actually shows it) and the list of a lesson's threads."""

from __future__ import annotations

from flask_login import current_user

from community import queries
from community.notifications import queries as notification_queries
from course.signals import DashboardPanel


class _LazyCount:
    """Queried on first use, so pages that never render the bell cost nothing."""

    def __init__(self, user_id: int, is_staff: bool):
        self.user_id, self.is_staff, self._value = user_id, is_staff, None

    def __int__(self) -> int:
        if self._value is None:
            self._value = notification_queries.unread_count(self.user_id, self.is_staff)
        return self._value

    def __str__(self) -> str:
        return str(int(self))

    def __bool__(self) -> bool:
        return int(self) > 0


def forum_context() -> dict:
    if current_user.is_authenticated:
        return {"forum_unread": _LazyCount(current_user.id, current_user.is_staff)}
    return {}


def lesson_threads_for(lesson):
    """Threads started from this lesson's player, with their moments (one query)."""
    if not current_user.is_authenticated:
        return []
    return queries.lesson_threads(lesson.id, current_user)


def dashboard_panel(course, now, **_):
    """The forum's section of a course's instructor dashboard: unanswered questions by age
    (connected to course.signals.dashboard_panels)."""
    questions, total = queries.unanswered_questions(course.id, now)
    return DashboardPanel(
        "community/_dashboard_questions.html",
        {"questions": questions, "total": total, "shown": queries.UNANSWERED_SHOWN},
    )
