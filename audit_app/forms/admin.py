"""Forms of the admin pages: users, cases and allocations.

The account and allocation services own the rules; validators here that call them
(password rules, username, services for a role) only run those rules on the form's values so
the messages sit beside their fields.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    ValidationError,
)

from audit_app.auth import current_actor
from audit_app.core.organisations import PARTNER_KINDS
from audit_app.db import get_session
from audit_app.forms import ListedChoiceField, upload_field
from audit_app.models import User
from audit_app.services import accounts
from audit_app.services import allocations as allocation_service
from audit_app.services import users as user_service
from audit_app.services.accounts import AccountError

# --- users ---------------------------------------------------------------------------------


def password_context_words() -> tuple[str, ...]:
    """Words about this service that a password must not be built from."""
    return tuple(current_app.config["PASSWORD_CONTEXT_WORDS"])


def _check_password_rules(form: FlaskForm, field: Field) -> None:
    """The password rules, with the words about this service and the person's own username and
    name (the form's ``password_owner``)."""
    username, display_name = form.password_owner()  # type: ignore[attr-defined]
    try:
        accounts.check_password_rules(
            field.data or "",
            context_words=password_context_words(),
            username=username,
            display_name=display_name,
        )
    except AccountError as error:
        raise ValidationError(str(error)) from None


def _password_fields(words: str) -> tuple[PasswordField, PasswordField]:
    """A password chosen for someone, held to the rules, and the same typed again; ``words``
    name it in labels and messages ("password", "new password")."""
    password = PasswordField(
        words.capitalize(),
        description=f"At least {accounts.MIN_PASSWORD_LENGTH} characters.",
        widget=GovPasswordInput(),
        validators=[InputRequired(message=f"Enter a {words}"), _check_password_rules],
    )
    again = PasswordField(
        f"Confirm {words}",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message=f"Enter the {words} again"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )
    return password, again


class _NewAccount:
    """A form adding an account: its username must be free, and its password is checked against
    the username and name it is for."""

    username: Any
    display_name: Any

    def validate_username(self, field: Field) -> None:
        try:
            user_service.check_username(field.data or "", session=get_session())
        except AccountError as error:
            raise ValidationError(str(error)) from None

    def password_owner(self) -> tuple[str, str]:
        return self.username.data or "", self.display_name.data or ""


class _UserDetailsForm(FlaskForm):
    display_name = StringField(
        "Name",
        description="As colleagues know them. Leave blank to show the username.",
        widget=GovTextInput(),
        validators=[Length(max=120, message="Name must be 120 characters or fewer")],
    )
    role = RadioField(
        "Role",
        description="What they can see and do.",
        choices=[SelectChoice(role, name) for role, name in user_service.ROLE_NAMES.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose a role")],
        validate_choice=True,
    )
    team = SelectField(
        "Team (optional)",
        description="The team they work in, if any.",
        widget=GovSelect(),
        default="",
        validate_choice=True,
    )
    services = SelectMultipleField(
        "Services managed",
        description="For group managers only. Select every service they manage.",
        widget=GovCheckboxesInput(),
    )

    def fill_choices(self) -> None:
        db = get_session()
        self.team.choices = [SelectChoice("", "No team")] + [
            SelectChoice(team, f"{team} ({service})")
            for team, service in user_service.team_names(session=db, actor=current_actor())
        ]
        self.services.choices = [
            SelectChoice(name)
            for name in user_service.service_names(session=db, actor=current_actor())
        ]

    def validate_services(self, field: Field) -> None:
        try:
            user_service.check_services_for_role(self.role.data or "", field.data or [])
        except AccountError as error:
            raise ValidationError(str(error)) from None


class NewUserForm(_NewAccount, _UserDetailsForm):
    username = StringField(
        "Username",
        description="What they type to sign in, for example their council email address.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter a username")],
    )
    password, confirm_password = _password_fields("password")
    submit = SubmitField("Add user", widget=GovSubmitInput())

    def fields_in_page_order(self) -> list[Field]:
        return [
            self.username,
            self.display_name,
            self.role,
            self.team,
            self.services,
            self.password,
            self.confirm_password,
        ]


class EditUserForm(_UserDetailsForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def fields_in_page_order(self) -> list[Field]:
        return [self.display_name, self.role, self.team, self.services]


class SetPasswordForm(FlaskForm):
    """An admin sets someone else's password (they change it at their next sign-in)."""

    password, confirm_password = _password_fields("new password")
    submit = SubmitField("Set password", widget=GovSubmitInput())
    owner: User | None = None  # whose password it is: set before validating

    def password_owner(self) -> tuple[str, str]:
        return (self.owner.username, self.owner.display_name) if self.owner else ("", "")

    def fields_in_page_order(self) -> list[Field]:
        return [self.password, self.confirm_password]


class StatusForm(FlaskForm):
    """Deactivate or reactivate. The intended state is explicit, so a second click is harmless."""

    action = HiddenField(validators=[AnyOf(("deactivate", "reactivate"))])
    # "yes" once the admin has seen the warning that the user is the last active manager of a
    # service (the confirmation page sends it).
    confirmed = HiddenField()


class ResetMfaForm(FlaskForm):
    """Turn off someone's two-factor authentication, saying how their identity was checked."""

    identity_checked = BooleanField(
        "I have checked that I am dealing with this person, as carefully as when their account "
        "was set up",
        description="Not only by the phone number or email address they contacted you from: "
        "those may not be theirs.",
        widget=GovCheckboxInput(),
        validators=[DataRequired(message="Confirm that you have checked who they are")],
    )
    reason = TextAreaField(
        "How did you check who they are?",
        description="For example: met in person and saw their staff ID card, or called them "
        "back on the number in the staff directory. This goes in the audit trail.",
        widget=GovTextArea(),
        # The value only: the service's rule (users.check_reset_reason) says what it must be.
    )
    submit = SubmitField("Reset two-factor authentication", widget=GovSubmitInput())

    def fields_in_page_order(self) -> list[Field]:
        return [self.identity_checked, self.reason]


class EndSessionsForm(FlaskForm):
    """End every session of a user (the form carries its CSRF token only)."""


# --- cases and allocations -----------------------------------------------------------------


class CasesUploadForm(FlaskForm):
    cases_file = upload_field(
        "CSV file of cases", "Columns case_id, service and team, and optionally worker."
    )
    import_submit = SubmitField("Import cases", widget=GovSubmitInput())


class AllocationsUploadForm(FlaskForm):
    allocations_file = upload_field(
        "CSV file of allocations", "Columns case_id, questionnaire_id, auditor and due."
    )
    import_submit = SubmitField("Import allocations", widget=GovSubmitInput())


class MonthField(ListedChoiceField):
    refusal = "Select a month from the list"


class DrawForm(FlaskForm):
    month = MonthField(
        "Month",
        description="Allocations are due on the last day of the month.",
        widget=GovSelect(),
        validators=[InputRequired(message="Select a month from the list")],
    )
    # The number as typed: the allocation service says what it must be (read_per_auditor).
    per_auditor = StringField(
        "Cases per auditor",
        description=f"A whole number from 1 to {allocation_service.MAX_PER_AUDITOR}.",
        widget=GovTextInput(),
        default="2",
    )
    questionnaire = RadioField(
        "Questionnaire",
        description="Questionnaires in use: retired ones are not listed.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the questionnaire the auditors will use")],
    )
    draw_submit = SubmitField("Draw allocations", widget=GovSubmitInput())

    def validate_per_auditor(self, field: Field) -> None:
        """The service's rule, so that its message sits beside the field even when another
        field is wrong too (and the draw is not tried)."""
        try:
            allocation_service.read_per_auditor(field.data or "")
        except allocation_service.DrawRefused as refused:
            raise ValidationError(str(refused)) from None


class KindForm(FlaskForm):
    """Declare a kind of audit, or rename one (Admin > Kinds of audit)."""

    name = StringField(
        "Name in questionnaires",
        description='What a questionnaire\'s "kind" says: lower-case letters, digits and _ '
        "only, for example dip_sample. To rename a kind, enter its name here.",
        widget=GovTextInput(),
    )
    display_name = StringField(
        "Name people read",
        description="Shown in the reports' filters and lists, for example Dip sample.",
        widget=GovTextInput(),
    )
    submit = SubmitField("Save kind", widget=GovSubmitInput())


# --- organisations -------------------------------------------------------------------------


class OrganisationForm(_NewAccount, FlaskForm):
    """Add a partner organisation and its first admin (Admin > Organisations)."""

    name = StringField(
        "Name of the organisation",
        description="As its people know it, for example Metropolitan Police Service.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the organisation's name")],
    )
    kind = RadioField(
        "Kind of organisation",
        choices=[SelectChoice(kind, name) for kind, name in PARTNER_KINDS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the kind of organisation")],
        validate_choice=True,
    )
    username = StringField(
        "Username of its first admin",
        description="What they type to sign in, for example their work email address. They "
        "add the organisation's other people.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter a username for its first admin")],
    )
    display_name = StringField(
        "Name of its first admin (optional)",
        widget=GovTextInput(),
        validators=[Length(max=120, message="Name must be 120 characters or fewer")],
    )
    password, confirm_password = _password_fields("password")
    submit = SubmitField("Add organisation", widget=GovSubmitInput())

    def fields_in_page_order(self) -> list[Field]:
        return [
            self.name,
            self.kind,
            self.username,
            self.display_name,
            self.password,
            self.confirm_password,
        ]
