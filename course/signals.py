"""What the course wing announces to the wings above it (blinker signals, sent after a flush).

The forum depends on course, never the other way round: where course work must be
followed by forum work, course sends a signal here and community connects to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()

#: Sent by the importer with the Course as sender, and ``spec`` (CourseSpec) and
#: ``report`` (ImportReport) as keywords, inside the import's transaction.
course_imported = _signals.signal("course-imported")


@dataclass(frozen=True)
class DashboardPanel:
    """A section an upper wing adds to a course's instructor dashboard: its template and
    that template's context."""

    template: str
    context: dict


#: Sent by the instructor dashboard with the Course as sender and ``now`` as keyword; each
#: receiver returns a DashboardPanel (or None). The forum's queue of unanswered questions
#: arrives this way, so the dashboard shows forum data without course importing community.
dashboard_panels = _signals.signal("dashboard-panels")
