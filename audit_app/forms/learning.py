"""Forms of findings and learning: tagging a finding, the learning themes, choosing quotations.

The learning service checks every value and words the messages; these forms carry the CSRF
token and the values, and the templates lay the fields out (radios in fieldsets).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import HiddenField, StringField


class FindingForm(FlaskForm):
    """A finding tagged on an audit (its kind, learning theme and quotation are read from the
    request by the view). ``seen`` carries the findings the page showed, so that a
    form left open while they changed is refused with the latest shown."""

    seen = HiddenField()


class LearningThemeForm(FlaskForm):
    """A learning theme's name, to add one or rename one."""

    name = StringField("Name", widget=GovTextInput())


class ButtonForm(FlaskForm):
    """A form that is only a button (remove a finding, retire a theme, choose a quotation)."""

    seen = HiddenField()
