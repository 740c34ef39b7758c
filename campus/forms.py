"""The forms every area shares: BaseForm (CSRF for all) and EmptyForm (one-button POSTs)."""

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """All forms derive from this so CSRF and shared behaviour live in one place."""


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for one-button POSTs (log out, enroll, follow)."""
