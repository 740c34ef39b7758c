"""Account forms: they validate and carry data, they never persist."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from campus.accounts.licenses import US_STATES
from campus.accounts.passwords import MAX_LENGTH
from campus.forms import BaseForm
from campus.timezones import is_zone, zone_choices

US_STATE = Regexp(r"^[A-Za-z]{2}$", message="Use the two-letter state code, e.g. OH.")


class SignupForm(BaseForm):
    full_name = StringField(
        "Full name, as it should appear on your certificates",
        validators=[DataRequired(), Length(max=200)],
    )
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    password = PasswordField(
        "Password (at least 10 characters; a phrase of a few words works well)",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    # Filled in by static/js/timezone.js from the browser; an unknown value is ignored.
    time_zone = HiddenField()
    code = StringField(
        "Enrollment code (optional: from your district or course provider)",
        validators=[Optional(), Length(max=40)],
    )


def known_zone(form, field) -> None:
    if not is_zone(field.data):
        raise ValidationError("Choose a time zone from the list.")


class LoginForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField("Keep me logged in on this device")


class ProfileForm(BaseForm):
    full_name = StringField(
        "Full name, as on your license", validators=[DataRequired(), Length(max=200)]
    )
    license_state = StringField("License state (optional)", validators=[Optional(), US_STATE])
    license_number = StringField(
        "License number (optional)", validators=[Optional(), Length(max=40)]
    )
    time_zone = SelectField(
        "Time zone", choices=zone_choices, validate_choice=False, validators=[known_zone]
    )


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords do not match.")],
    )


class ResetRequestForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])


class ResetPasswordForm(BaseForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class LicenseForm(BaseForm):
    """The license a board report names; campus.accounts.licenses checks its format."""

    license_state = SelectField(
        "State that issued your license",
        choices=[SelectChoice("", "Choose a state")]
        + [SelectChoice(code, name) for code, name in US_STATES.items()],
        validate_choice=False,
        validators=[DataRequired(message="Choose the state that issued your license.")],
    )
    license_number = StringField(
        "License number, exactly as on your license",
        validators=[DataRequired(message="Give your license number."), Length(max=40)],
    )
