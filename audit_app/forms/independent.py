"""Forms of the independent auditor's pages: assigning audits and cases, changing a window,
revoking, a challenge and the service's response.

The independent auditor service checks every value and words the messages; these forms carry
the CSRF token and the values. The window's days (fields named with hyphens) and the audits
ticked are read from the request by the view.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField

from audit_app.forms.audits import VersionedForm


class AssignForm(FlaskForm):
    """An assignment: the independent auditor, a title, and the cases to look at."""

    auditor = RadioField("Independent auditor", choices=[], validate_choice=False)
    title = StringField("Title")
    cases = TextAreaField("Cases to look at")


class ButtonForm(FlaskForm):
    """A button: starting a re-audit, revoking, changing a window (its days from the request)."""


class ChallengeForm(FlaskForm):
    """A challenge: on the audit as a whole or one of its themes, and its words."""

    theme = RadioField("What is your challenge about?", choices=[], validate_choice=False)
    text = TextAreaField("Your challenge")


class ResponseForm(VersionedForm):
    """The service's response to a challenge."""

    response = TextAreaField("The service's response")
