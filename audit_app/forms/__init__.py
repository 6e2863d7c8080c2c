"""The pages' forms, one module per area: each carries the CSRF token and the values, and the
services check the values and word the messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import SelectField, ValidationError


def upload_field(what: str, description: str) -> FileField:
    """A file to upload, required: ``what`` names it ("CSV file of cases") in the label and in
    the message when none is chosen."""
    return FileField(
        f"Upload a {what}",
        description=description,
        widget=GovFileInput(),
        validators=[FileRequired(message=f"Select a {what}")],
    )


class ListedChoiceField(SelectField):
    """A choice that must be one of those listed, refused with ``refusal`` (in which
    ``{label}`` stands for the field's label) rather than WTForms' own words."""

    refusal = "Select {label} from the list"

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data not in {value for value, _ in self.choices or []}:
            raise ValidationError(self.refusal.format(label=self.label.text))
