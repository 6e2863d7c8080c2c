"""Forms of the auditor's journey, including the one factory that builds a theme page's form.

The forms carry the values and the CSRF token; the audit service checks them and words the
messages, limits included (one rule per limit, in one place), so these fields have no length
validators of their own.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from audit_app.core.questionnaire import Question, Questionnaire, Theme
from audit_app.core.repeats import page_fields
from audit_app.services.evidence import evidence_names


class VersionedForm(FlaskForm):
    """A form that carries the audit version it was rendered from (optimistic locking)."""

    version = HiddenField()

    def expected_version(self) -> int:
        try:
            return int(self.version.data or 0)
        except (TypeError, ValueError):
            return 0


class JudgementForm(VersionedForm):
    judgement = RadioField("Your judgement", choices=[], validate_choice=False)
    analysis = TextAreaField("Analysis")
    # What the page showed when it was opened, field by field (see audit_service.page_state):
    # a save is refused only when a field it changes was changed underneath it.
    loaded_state = HiddenField()


class SubmitForm(VersionedForm):
    pass


class StartAuditForm(FlaskForm):
    # The audit service says when either is missing, unknown or too long.
    questionnaire = RadioField("Which questionnaire?", choices=[], validate_choice=False)
    case_id = StringField("Case ID")
    # The subject whose words labelled the reference box ("case" unless the page said
    # otherwise): a questionnaire of another subject asks for its own reference first.
    asked_as = HiddenField()


class ConcernForm(FlaskForm):
    description = TextAreaField("Describe the concern")


class VoiceForm(VersionedForm):
    """The practitioner's voice: the discussion's date (day, month and year fields named with
    hyphens, read from the request by the view) and the worker's reflection."""

    reflection = TextAreaField("The worker's reflection")


def _field_for(question: Question) -> Field:
    if question.type == "choice":
        # The page renders the options from the questionnaire, and the audit service checks the
        # value, with messages in the users' words: the field only carries the value.
        return RadioField(question.text, choices=[], validate_choice=False)
    if question.type == "multi":
        # The options ticked, checked by the audit service like a choice question's.
        return SelectMultipleField(question.text, choices=[], validate_choice=False)
    if question.type == "text":
        return TextAreaField(question.text)
    return StringField(question.text)


def field_text(data: object) -> str:
    """A field's value as the audit service reads it: the options ticked of a multi question
    as one text, separated by spaces."""
    if isinstance(data, list):
        return " ".join(str(value) for value in data)
    return str(data or "")


_FORM_CLASSES: dict[tuple[int, str], tuple[Questionnaire, type[JudgementForm]]] = {}


def theme_form_class(questionnaire: Questionnaire, theme_id: str) -> type[JudgementForm]:
    """A form class with one field per question of the theme, named by question id.

    Built once per parsed questionnaire (those are cached by content) and theme.
    """
    key = (id(questionnaire), theme_id)
    cached = _FORM_CLASSES.get(key)
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    theme: Theme = next(t for t in questionnaire.themes if t.id == theme_id)
    fields = {key: _field_for(question) for key, question in page_fields(theme, {}, every=True)}
    for group in theme.repeats:
        # How many repeats the page shows: "Add another" and "Remove" change it.
        fields[group.id] = HiddenField()
    for name in evidence_names(theme):
        fields[name] = TextAreaField(name)
    form_class = type(f"ThemeForm_{theme_id}", (JudgementForm,), fields)
    if len(_FORM_CLASSES) > 512:
        _FORM_CLASSES.clear()
    _FORM_CLASSES[key] = (questionnaire, form_class)
    return form_class
