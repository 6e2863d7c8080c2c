"""Forms of calibration exercises. The pages write their own fields (the auditors to choose and
the agreed answers depend on the data); these carry the CSRF token, and the service checks the
values and words the messages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ExerciseForm(FlaskForm):
    """Making an exercise: title, case_id, questionnaire and auditors, read from the request."""


class AgreedForm(FlaskForm):
    """The agreed answers and grades: ``answer-<question>`` and ``grade-<theme>`` fields."""


class ExerciseActionForm(FlaskForm):
    """Starting one's audit for an exercise, or revealing it: a button."""
