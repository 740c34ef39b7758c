"""The job queue: an outbox of jobs in the app's own database, carried by Huey.

See docs/architecture.md ("Jobs") for why both: the row is written in the same transaction
as the change that calls for it and is what makes a job durable, retried and visible; Huey
(SQLite by default, Redis in production) wakes a worker and runs the schedule.
"""
