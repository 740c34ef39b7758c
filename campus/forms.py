"""BaseForm: every form inherits CSRF protection from Flask-WTF."""

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """All forms derive from this so CSRF and shared behaviour live in one place."""
