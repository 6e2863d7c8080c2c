"""Forms of the QA leads' workshop: uploading questionnaires, comparing and rescoring versions.

The workshop service does not check the rescoring period, so its date fields check the dates
themselves (through the one GOV.UK date-input parser, ``services.audits.date_from_parts``).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import DateField, HiddenField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from audit_app.forms import ListedChoiceField, upload_field
from audit_app.services.audits import date_from_parts


class UploadForm(FlaskForm):
    questionnaire_file = upload_field(
        "questionnaire file", "The questionnaire's workbook (.xlsx) or JSON file."
    )
    check_submit = SubmitField("Check the file", widget=GovSubmitInput())


class ConfirmUploadForm(FlaskForm):
    """The checked file, sent back to be checked again and loaded."""

    content = HiddenField()
    sha256 = HiddenField()
    source = HiddenField()
    compared_with = HiddenField()
    confirm_submit = SubmitField("Load this version", widget=GovSubmitInput())


class ConfirmChangeForm(FlaskForm):
    """The confirmation of publishing, retiring, reinstating or discarding a version, with the
    questionnaire's versions as the page saw them (a confirmation from a page made before
    another admin's change is refused)."""

    state = HiddenField()


class VersionField(ListedChoiceField):
    """A choice of loaded version, with a message in the users' words."""

    refusal = "Select a version for “{label}” from the list"


class DayField(DateField):
    """A GOV.UK date input: day, month and year sent as three values of one name."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, data=data, extra_filters=extra_filters)
        # The widget shows three boxes whatever was sent, so a crafted address cannot break it.
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = [*self.raw_data, "", "", ""][:3]

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [value.strip() for value in valuelist]
        name = self.label.text.lower()
        self.data = None
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"Enter the {name} as a day, month and year, for example 1 4 2025")
        day, month, year = parts
        on, problem = date_from_parts(day, month, year, f"The {name}")
        if problem or on is None:
            raise ValueError(f"The {name} must be a real date, for example 1 4 2025")
        self.data = on


class CompareForm(FlaskForm):
    class Meta:
        csrf = False

    before = VersionField("Older version", widget=GovSelect())
    after = VersionField("Newer version", widget=GovSelect())
    compare_submit = SubmitField("Compare", widget=GovSubmitInput())


class ImpactForm(FlaskForm):
    class Meta:
        csrf = False

    before = VersionField("Audits of version", widget=GovSelect())
    after = VersionField("Rescored with the rules of version", widget=GovSelect())
    start = DayField(
        "Start date",
        description="Audits submitted on or after this day. For example, 1 4 2025",
        validators=[InputRequired(message="Enter the start date")],
    )
    end = DayField(
        "End date",
        description="Audits submitted on or before this day. For example, 31 3 2026",
        validators=[InputRequired(message="Enter the end date")],
    )
    impact_submit = SubmitField("Work out the impact", widget=GovSubmitInput())

    def validate_end(self, field: DayField) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("The end date must be the same as or after the start date")
