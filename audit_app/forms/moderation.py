"""Forms of the group managers' moderation pages.

The moderation service checks every value and words the messages; these forms carry the CSRF
token and the values. Fields named with hyphens (a theme's grade) are read from the request by
the view.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField

from audit_app.forms.audits import VersionedForm


class ButtonForm(FlaskForm):
    """A form that is only a button (start, take over, request moderation, close)."""

    take_over = HiddenField()


class ModerationGradesForm(VersionedForm):
    pass


class OutcomeForm(VersionedForm):
    outcome = RadioField("Outcome", choices=[], validate_choice=False)
    comment = TextAreaField("Comment for the auditor")


class AcknowledgeForm(FlaskForm):
    acknowledgement = TextAreaField("What was done")
