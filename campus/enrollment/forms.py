"""Enrollment forms: redeem a code, enroll someone by email, create a code."""

from __future__ import annotations

from wtforms import DateField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from campus.enrollment.models import MAX_CODE_USES
from campus.forms import BaseForm


class RedeemCodeForm(BaseForm):
    code = StringField("Enrollment code", validators=[DataRequired(), Length(max=40)])


class EnrollByEmailForm(BaseForm):
    email = EmailField(
        "Learner's email",
        filters=[lambda value: value.strip() if value else value],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class CreateCodeForm(BaseForm):
    label = StringField("Label (who it is for, e.g. a district or PO number)", [Length(max=200)])
    max_uses = IntegerField(
        "Uses allowed (1 = single-use)",
        default=1,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_CODE_USES)],
    )
    expires_on = DateField("Expires after (optional)", validators=[Optional()])
    seat_pack_id = SelectField(
        "Draw on a seat pack (each new learner claims one of its seats)",
        coerce=int,
        default=0,
        validators=[Optional()],
    )
