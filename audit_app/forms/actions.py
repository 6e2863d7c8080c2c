"""Forms of the actions agreed from audits: setting one, completing it and cancelling it.

The actions service checks every value and words the messages; these forms carry the CSRF
token and the values. The due date's day, month and year (fields named with hyphens) are read
from the request by the view.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField

from audit_app.forms.audits import VersionedForm


class NewActionForm(FlaskForm):
    description = TextAreaField("What must happen")
    for_whom = RadioField("Who is the action for?", choices=[], validate_choice=False)
    owner = StringField("Owner")


class CompleteActionForm(VersionedForm):
    completion_note = TextAreaField("What was done")


class CancelActionForm(VersionedForm):
    cancel_reason = TextAreaField("Why is the action cancelled?")
