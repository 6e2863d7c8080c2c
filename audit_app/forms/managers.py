"""Forms of the group managers' pages and the practitioner's voice.

The services check every value and word the messages; these forms carry the CSRF token and the
values. Fields named with hyphens (a date's day, month and year; a theme's grade) are read from
the request by the view.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField

from audit_app.forms.audits import VersionedForm


class ButtonForm(FlaskForm):
    """A form that is only a button (start, request moderation, close)."""

    take_over = HiddenField()


class ModerationGradesForm(VersionedForm):
    pass


class OutcomeForm(VersionedForm):
    outcome = RadioField("Outcome", choices=[], validate_choice=False)
    comment = TextAreaField("Comment for the auditor")


class ActionForm(FlaskForm):
    description = TextAreaField("What must happen")
    for_whom = RadioField("Who is the action for?", choices=[], validate_choice=False)
    owner = StringField("Owner")


class CompleteActionForm(VersionedForm):
    completion_note = TextAreaField("What was done")


class CancelActionForm(VersionedForm):
    cancel_reason = TextAreaField("Why is the action cancelled?")


class AcknowledgeForm(FlaskForm):
    acknowledgement = TextAreaField("What was done")


class VoiceForm(VersionedForm):
    reflection = TextAreaField("The worker's reflection")
