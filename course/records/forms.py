"""The audit packet's form: a date range."""

from __future__ import annotations

from wtforms import DateField
from wtforms.validators import InputRequired

from campus.forms import BaseForm


class PacketForm(BaseForm):
    starts_on = DateField("From (first day included)", validators=[InputRequired()])
    ends_on = DateField("To (last day included)", validators=[InputRequired()])
