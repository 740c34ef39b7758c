"""Forum forms: they validate and carry data, they never persist."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from campus.forms import BaseForm
from community.services import MAX_BODY, MAX_SUMMARY, MAX_TITLE

BODY_HELP = (
    "Markdown: **bold**, *italic*, [links](https://…), > quotes, lists. @first-last mentions."
)


class NewThreadForm(BaseForm):
    category = SelectField("Category", validators=[DataRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    body = TextAreaField("Your post", validators=[DataRequired(), Length(max=MAX_BODY)])
    is_question = BooleanField("This is a question (someone's answer can be accepted)")
    lesson = HiddenField()
    second = IntegerField(validators=[Optional(), NumberRange(min=0, max=24 * 3600)])


class ReplyForm(BaseForm):
    body = TextAreaField("Your reply", validators=[DataRequired(), Length(max=MAX_BODY)])


class EditPostForm(BaseForm):
    title = StringField("Title", validators=[Optional(), Length(max=MAX_TITLE)])
    body = TextAreaField("Post", validators=[DataRequired(), Length(max=MAX_BODY)])


class SummaryForm(BaseForm):
    summary = TextAreaField(
        "What worked (shown at the top)", validators=[Optional(), Length(max=MAX_SUMMARY)]
    )


class ReportForm(BaseForm):
    reason = StringField(
        "What is wrong with this post?", validators=[DataRequired(), Length(max=500)]
    )


class MoveForm(BaseForm):
    category = SelectField("Move to", validators=[DataRequired()])


class SuspendForm(BaseForm):
    reason = StringField("Reason (shown to the member)", validators=[Optional(), Length(max=500)])


class EmailPrefsForm(BaseForm):
    mode = RadioField(
        "Forum email",
        choices=[
            SelectChoice(
                "event", "An email for each reply, mention, accepted answer or announcement"
            ),
            SelectChoice("digest", "One daily digest"),
            SelectChoice("off", "No forum email (notifications stay in the bell)"),
        ],
        validators=[DataRequired()],
    )
