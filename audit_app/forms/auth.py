"""Forms for signing in and for the account's own security settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length


class SignInForm(FlaskForm):
    username = StringField(
        "Username",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your username"), Length(max=80)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=1024)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Security code",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the security code"), Length(max=20)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    # The account service limits a new password's length (and says so in its message); the
    # current one is only limited here, so that nobody makes the server hash a huge string.
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password"), Length(max=1024)],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter the new password again")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class MfaSetupForm(FlaskForm):
    """The first code from the app, with the password again: enrolment changes how one signs in."""

    code = StringField(
        "Code from your app",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the code your app shows"), Length(max=20)],
    )
    current_password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=1024)],
    )
    submit = SubmitField("Turn on two-factor authentication", widget=GovSubmitInput())
