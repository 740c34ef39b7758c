"""Forms for verification lookups and the admin's revoke and reissue actions."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from campus.accounts.licenses import US_STATES
from campus.forms import BaseForm
from course.certificates import board_files
from course.certificates.models import REVOCATION_CATEGORIES


class VerifyForm(BaseForm):
    """A GET form: looking a code up changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    code = StringField("Certificate code", validators=[DataRequired(), Length(max=40)])


class RevokeForm(BaseForm):
    category = SelectField(
        "Category (public: shown by the machine-readable verification)",
        choices=[SelectChoice(value, label) for value, label in REVOCATION_CATEGORIES.items()],
        default="other",
    )
    reason = TextAreaField(
        "Reason (shown on the verification page)", validators=[DataRequired(), Length(max=500)]
    )


class ReissueForm(BaseForm):
    reason = StringField("Why reissue (e.g. legal name change)", validators=[Length(max=400)])


class BoardReportForm(BaseForm):
    """A board export marked as reported; the service checks both choices."""

    file_format = SelectField(
        "Format",
        choices=[SelectChoice(value, label) for value, label in board_files.FORMATS.items()],
        validate_choice=False,
    )
    state = SelectField(
        "Learners licensed in",
        choices=[SelectChoice("", "Every state")]
        + [SelectChoice(code, name) for code, name in US_STATES.items()],
        validate_choice=False,
    )
