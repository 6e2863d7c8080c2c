"""Forms of the programme pages: planning a programme, its quotas, its list of cases, its draw.

The programme service checks the values and words the messages; these carry them and the CSRF
token.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectChoice, StringField, SubmitField

from audit_app.forms import upload_field
from audit_app.forms.workshop import DayField
from audit_app.services.programmes import KIND_NAMES


class PlanForm(FlaskForm):
    """Plan a programme: what the service needs, each checked by it (``plan_programme``)."""

    name = StringField(
        "Name",
        description="For example, Practice week spring 2027.",
        widget=GovTextInput(),
    )
    kind = RadioField(
        "Kind of programme",
        choices=[SelectChoice(kind, name) for kind, name in KIND_NAMES.items()],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    questionnaire = RadioField(
        "Questionnaire",
        description="Questionnaires in use: retired ones are not listed.",
        widget=GovRadioInput(),
        validate_choice=False,
    )
    start = DayField(
        "Start date", description="The first day of the programme. For example, 1 4 2027"
    )
    end = DayField(
        "End date",
        description="The last day: the drawn cases are due then. For example, 7 4 2027",
    )
    strata_by = RadioField(
        "Strata",
        description="Each stratum gets a quota of cases.",
        choices=[SelectChoice("team", "Teams"), SelectChoice("service", "Services")],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField("Plan programme", widget=GovSubmitInput())


class QuotasForm(FlaskForm):
    """The quotas: one box per stratum, written by the page itself; this carries the token."""

    quotas_submit = SubmitField("Save quotas", widget=GovSubmitInput())


class CaseListForm(FlaskForm):
    cases_file = upload_field(
        "CSV file of cases",
        "An extract from the case management system with a case_id column.",
    )
    import_submit = SubmitField("Import the list", widget=GovSubmitInput())


class ProgrammeDrawForm(FlaskForm):
    seed = StringField(
        "Seed (optional)",
        description="Leave blank for a new draw. To repeat a draw, enter its seed.",
        widget=GovTextInput(),
    )
    draw_submit = SubmitField("Draw cases", widget=GovSubmitInput())
