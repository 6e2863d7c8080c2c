"""Forms of the multi-agency audit pages: opening one, closing its returns, naming panel
members, and the lawful bases' list.

The multi-agency service checks every value and words the messages; these forms carry the CSRF
token and the values, and the templates lay the fields out (the agencies taking part, each with
its questionnaire, are written by the page itself and read from the request).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import HiddenField, StringField


class OpenForm(FlaskForm):
    """Open a multi-agency audit: the page writes its fields; this carries the token."""


class CloseReturnsForm(FlaskForm):
    """Close the returns before every one is in: the reason (written by the page) and the
    version of the multi-agency audit the coordinator saw."""

    seen_version = HiddenField()


class PanelMemberForm(FlaskForm):
    """Name a person to the panel, or take one off: the person is chosen on the page."""


class LawfulBasisForm(FlaskForm):
    """A lawful basis's words, to add one to the list."""

    name = StringField("Lawful basis", widget=GovTextInput())


class ButtonForm(FlaskForm):
    """A form that is only a button (start a return, retire a lawful basis)."""
