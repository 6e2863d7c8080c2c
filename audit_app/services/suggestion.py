"""The suggested grade of a theme for answers still being typed: nothing is stored.

The theme page asks for it as the auditor changes an answer, so that the grade beside the
questions follows what is on the page before it is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from audit_app.core.answers import check_answer, drop_hidden
from audit_app.core.questionnaire import Questionnaire
from audit_app.core.scoring import NOT_GRADED, format_percent, score_audit
from audit_app.services.audits import with_typed

LEAD_IN = "Suggested grade for this theme: "


@dataclass(frozen=True)
class Suggestion:
    """The suggested grade ("Not graded" when no answer counts yet), its percent ("62.3%", or ""
    when not graded) and a sentence saying both, as the theme page does, for a screen reader."""

    grade: str
    percent: str
    text: str


def theme_suggestion(
    questionnaire: Questionnaire,
    stored: Mapping[str, str],
    theme_id: str,
    typed: Mapping[str, str],
    *,
    service: str | None = None,
) -> Suggestion:
    """Score the audit as it would be if this theme's answers were ``typed``.

    ``stored`` is the audit's saved answers (other themes' answers can show or hide this
    theme's questions); ``typed`` maps question ids to raw values and may hold other keys (a
    form's), which are ignored; ``service`` is the audited case's service. A blank value, or
    one that saving would refuse, counts as unanswered, and answers that others hide are
    dropped, as when the theme is saved.

    KeyError when the questionnaire has no theme ``theme_id``.
    """
    theme = next((t for t in questionnaire.themes if t.id == theme_id), None)
    if theme is None:
        raise KeyError(theme_id)
    answers = with_typed(theme, stored, typed, refused=check_answer)
    kept = drop_hidden(questionnaire, answers, service=service)
    score = score_audit(questionnaire, kept, service=service).theme(theme_id)
    if score.grade is None:
        return Suggestion(grade=NOT_GRADED, percent="", text=f"{LEAD_IN}{NOT_GRADED}")
    percent = format_percent(score.percent)
    return Suggestion(
        grade=score.grade, percent=percent, text=f"{LEAD_IN}{score.grade} ({percent})"
    )
