"""Organisation forms: create one, name a manager, sell a seat pack, upload an invite list."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from campus.accounts.passwords import MAX_LENGTH
from campus.enrollment.models import MAX_PACK_SEATS
from campus.forms import BaseForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class OrganisationForm(BaseForm):
    name = StringField("Name (e.g. a school district)", [DataRequired(), Length(max=200)])
    managers = TextAreaField(
        "Managers: email addresses of existing accounts, one per line",
        validators=[DataRequired(), Length(max=5000)],
    )

    def manager_emails(self) -> list[str]:
        return [e for e in self.managers.data.replace(",", "\n").split() if e]


class ManagerForm(BaseForm):
    email = EmailField(
        "Manager's email",
        filters=[_strip],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class SeatPackForm(BaseForm):
    course_id = SelectField("Course", coerce=int, validators=[DataRequired()])
    seats = IntegerField(
        "Seats", validators=[DataRequired(), NumberRange(min=1, max=MAX_PACK_SEATS)]
    )
    expires_on = DateField("Seats expire after (optional)", validators=[Optional()])
    reference = StringField(
        "Invoice or PO reference", filters=[_strip], validators=[DataRequired(), Length(max=120)]
    )


class InviteUploadForm(BaseForm):
    file = FileField(
        "CSV file with a name and an email column",
        validators=[FileRequired("Choose a CSV file to upload.")],
    )


class AcceptInviteForm(BaseForm):
    """Accepting an invite without an account: the name (prefilled from the list) and a
    password make the account; the address is the one the invite was sent to."""

    full_name = StringField(
        "Full name, as it should appear on your certificates",
        validators=[DataRequired(), Length(max=200)],
    )
    password = PasswordField(
        "Password (at least 10 characters; a phrase of a few words works well)",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    time_zone = HiddenField()
