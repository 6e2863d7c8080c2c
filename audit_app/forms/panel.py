"""Forms of a multi-agency audit's panel: the discussion, concluding it, and the actions given
to agencies.

The panel's services check every value and word the messages; these forms carry the CSRF token,
the version the page was opened at, and the values. The discussion's six domains (fields named
``<domain>-grade`` and ``<domain>-analysis``) and the due date's day, month and year are read
from the request by the view.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField

from audit_app.forms.actions import CancelActionForm, CompleteActionForm
from audit_app.forms.audits import VersionedForm


class DiscussionForm(VersionedForm):
    """The discussion's drafts: the version the page showed, and the domains in the request."""


class ConcludeForm(VersionedForm):
    confirm = BooleanField("These are the panel's final conclusions")


class NewAgencyActionForm(FlaskForm):
    organisation = RadioField("Which agency owns the action?", choices=[], validate_choice=False)
    description = TextAreaField("What must happen")


__all__ = [
    "CancelActionForm",
    "CompleteActionForm",
    "ConcludeForm",
    "DiscussionForm",
    "NewAgencyActionForm",
]
