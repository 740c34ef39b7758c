"""What the course wing announces to the wings above it (blinker signals, sent after a flush).

The forum depends on course, never the other way round: where course work must be
followed by forum work, course sends a signal here and community connects to it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent by the importer with the Course as sender, and ``spec`` (CourseSpec) and
#: ``report`` (ImportReport) as keywords, inside the import's transaction.
course_imported = _signals.signal("course-imported")
