"""No log handler outlives the standard error it was made under (campus.logs).

A handler that keeps the ``sys.stderr`` of the moment it was made, made while a CliRunner,
capsys or capfd held it, lost every later record, or, once that stream was closed, turned
each into "--- Logging error --- ValueError: I/O operation on closed file", which a later
command's output then carried into tests far from the cause.
"""

import io
import logging
from contextlib import contextmanager, redirect_stderr

from campus import logs, security_log
from campus.extensions import db


@contextmanager
def stderr_swapped_then_closed():
    """sys.stderr replaced for a while and closed after, as capsys and capfd leave it."""
    temporary = io.StringIO()
    with redirect_stderr(temporary):
        yield
    temporary.close()


def later_stderr(capsys) -> str:
    err = capsys.readouterr().err
    assert "Logging error" not in err, err
    return err


def test_warnings_after_a_migration_run_by_a_runner_reach_stderr(runner, capsys):
    """migrations/env.py configures logging from alembic.ini each time it loads, in the
    process that migrates: here under a runner, whose stderr is gone when the command ends."""
    db.session.remove()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    logging.getLogger("campus.jobs.runner").warning("a job failed after the command")
    assert "a job failed after the command" in later_stderr(capsys)


def test_warnings_after_a_migration_under_a_closed_stderr_reach_stderr(capsys):
    from flask_migrate import upgrade

    db.session.remove()
    with stderr_swapped_then_closed():
        upgrade()
    logging.getLogger("campus.jobs.runner").warning("a job failed after the migration")
    assert "a job failed after the migration" in later_stderr(capsys)


def test_the_application_log_made_under_a_closed_stderr_writes_to_stderr_after_it(
    app, capsys, monkeypatch
):
    root = logging.getLogger()
    with monkeypatch.context() as patch:
        patch.setattr(root, "handlers", [])  # as in a process whose first app was built there
        with stderr_swapped_then_closed():
            logs.configure(app)
        logging.getLogger("campus.jobs.runner").warning("a job failed after it closed")
    assert "a job failed after it closed" in later_stderr(capsys)


def test_the_security_log_made_under_a_closed_stderr_writes_to_stderr_after_it(capsys, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(logging.getLogger("campus.security"), "handlers", [])
        with stderr_swapped_then_closed():
            security_log.configure(testing=False)
        security_log.security_event("probe", "success")
    assert '"event":"probe"' in later_stderr(capsys)
