"""What a theme page, or the overall judgement page, shows after a save from it.

A save that goes through shows the stored audit (perhaps with a notice); one that is refused
shows what was typed, with a message at each field that needs the auditor: a value the
service refused, or one changed in another tab or by someone else since the page was opened
(shown both ways, so that the auditor chooses which to keep). Nothing here reads the request
or writes: the view saves, then asks this module what to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit_app.core.answers import holds, shown_questions
from audit_app.core.questionnaire import Section, Theme
from audit_app.core.repeats import page_fields, repeat_counts, split_key
from audit_app.services import evidence
from audit_app.services.audits import (
    ANALYSIS,
    CONFLICT_MESSAGE,
    JUDGEMENT,
    AuditFile,
    EditConflict,
    SaveOutcome,
    StaleAudit,
    analysis_question,
    differences,
    overall_values,
    page_state,
    theme_values,
    typed_theme_score,
)

CHANGED_UNDERNEATH = (
    "{label}: changed in another tab or by someone else since you opened this page. Choose "
    "which version to keep, then save again"
)
NEWLY_SHOWN = "Your answers mean that more questions apply. Answer them, then save again."
OVERALL_LABELS = {"judgement": "Your overall judgement", "analysis": "Analysis"}
# Both ways: by the id of the page element, what is saved now and what was typed.
Conflicts = dict[str, dict[str, str]]


@dataclass(frozen=True)
class PageAfterSave:
    """What an edit page shows beside the stored audit: all blank for a page just opened.

    ``shown_back`` is what the fields show instead of what is stored (None: what is stored);
    ``page_version`` and ``page_state`` what the page carries instead of the stored audit's.
    """

    shown_back: dict[str, str] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: Conflicts = field(default_factory=dict)
    notice: str | None = None
    status: int = 200
    page_version: str | None = None
    page_state: str | None = None


# --- what was typed, and where on the page ------------------------------------------------


def typed_values(posted: Mapping[str, str], theme: Theme) -> dict[str, str]:
    """What was typed, keyed as :func:`theme_values` keys what is stored."""
    typed = {key: posted.get(key, "") for key, _ in page_fields(theme, posted)}
    typed.update(repeat_counts(theme, posted))
    typed.update(evidence.posted_evidence(theme, posted))
    typed[JUDGEMENT] = posted.get("judgement", "")
    if analysis_question(theme) is None:
        typed[ANALYSIS] = posted.get("analysis", "")
    return typed


def judgement_typed(posted: Mapping[str, str], theme: Theme) -> tuple[str, str]:
    """The grade and the analysis typed on a theme page (its own analysis question's box)."""
    own_analysis = analysis_question(theme)
    analysis_name = own_analysis.id if own_analysis else "analysis"
    return posted.get("judgement", ""), posted.get(analysis_name, "")


def element_id(name: str) -> str:
    """The id of the page element that shows a field of :func:`theme_values`."""
    if evidence.is_evidence_key(name):
        return evidence.element_id(name)
    return {JUDGEMENT: "judgement", ANALYSIS: "analysis"}.get(name, name)


def in_page_order(theme: Theme, errors: Mapping[str, str]) -> dict[str, str]:
    """Errors by element id, in the order the page shows the fields (the error summary's)."""
    own_analysis = analysis_question(theme)
    order: list[str] = []
    for key, question in page_fields(theme, {}, every=True):
        if own_analysis is None or question.id != own_analysis.id:
            order.append(key)
        if question.comment is not None:
            order.append(evidence.element_id(evidence.comment_key(question.id)))
    order += ["judgement", own_analysis.id if own_analysis else "analysis"]
    order += [evidence.element_id(evidence.evidence_key(name)) for name in theme.evidence or ()]
    ranked = {name: position for position, name in enumerate(order)}
    return dict(sorted(errors.items(), key=lambda item: ranked.get(item[0], len(order))))


def repeat_label_of(theme: Theme, key: str) -> str:
    """ "Visit 2: " for a key of one of the theme's groups' questions in a repeat; else ""."""
    question_id, number = split_key(key)
    group = next((g for g in theme.repeats if question_id in {q.id for q in g.questions}), None)
    return f"{group.title} {number}: " if group is not None and number else ""


def both_ways(saved: Mapping[str, str], typed: Mapping[str, str]) -> Conflicts:
    """Each field changed underneath, by element id: what is saved now and what was typed."""
    return {
        element_id(name): {"saved": value, "typed": typed.get(name, "")}
        for name, value in saved.items()
    }


def conflict_errors(theme: Theme, conflicts: Conflicts, other: Mapping[str, str]) -> dict[str, str]:
    """A message at each field changed underneath, then any other problem with the values."""
    labels = {
        key: repeat_label_of(theme, key) + q.text for key, q in page_fields(theme, {}, every=True)
    }
    labels["judgement"] = "Your judgement"
    labels["analysis"] = "Analysis"
    for question in evidence.commented(theme):
        labels[evidence.element_id(evidence.comment_key(question.id))] = (
            f"Your comment on “{question.text}”"
        )
    for name in evidence.evidence_fields(theme):
        labels[evidence.element_id(evidence.evidence_key(name))] = evidence.evidence_label(name)
    errors = {
        element_id: CHANGED_UNDERNEATH.format(label=labels.get(element_id, element_id))
        for element_id in conflicts
    }
    for name, message in other.items():
        errors.setdefault(name, message)
    return in_page_order(theme, errors)


# --- a theme page after a save ------------------------------------------------------------


def typed_back(theme: Theme, posted: Mapping[str, str], errors: dict[str, str]) -> PageAfterSave:
    """A page sent with problems of its own (its form did not validate): nothing was saved."""
    return PageAfterSave(shown_back=typed_values(posted, theme), errors=errors, status=400)


def after_field_errors(
    theme: Theme,
    typed: dict[str, str],
    errors: Mapping[str, str],
    *,
    version: str | None,
    state: str | None,
) -> PageAfterSave:
    """Values the service refused: what was typed, each problem at its field, in page order.

    The page keeps the version and state it was opened with, so that a corrected save is
    checked against what the auditor saw, not against what they typed.
    """
    return PageAfterSave(
        shown_back=typed,
        errors=in_page_order(theme, errors),
        status=400,
        page_version=version,
        page_state=state,
    )


def after_conflict(
    audit_file: AuditFile, theme: Theme, typed: dict[str, str], conflict: EditConflict
) -> PageAfterSave:
    """Fields this save changed were changed underneath: what the auditor typed in the fields
    they changed, what is stored now in the others, each conflict shown both ways."""
    stored = theme_values(audit_file, theme)
    conflicts = both_ways(conflict.saved, typed)
    return PageAfterSave(
        shown_back={k: typed[k] if k in conflict.mine else v for k, v in stored.items()},
        errors=conflict_errors(theme, conflicts, conflict.errors),
        conflicts=conflicts,
        notice=str(conflict),
        status=409,
    )


def after_stale(
    audit_file: AuditFile, theme: Theme, typed: dict[str, str], refused: StaleAudit
) -> PageAfterSave:
    """A page that did not say what it showed, saved after someone else's save: every field
    typed differently from what is stored now is shown both ways, and what was typed is kept."""
    saved = differences(audit_file, theme, typed)
    if not saved:
        return PageAfterSave(notice=str(refused), status=409)
    conflicts = both_ways(saved, typed)
    return PageAfterSave(
        shown_back=typed,
        errors=conflict_errors(theme, conflicts, {}),
        conflicts=conflicts,
        notice=CONFLICT_MESSAGE,
        status=409,
    )


def saved_notice(
    audit_file: AuditFile, theme_id: str, outcome: SaveOutcome, after_save: str
) -> str | None:
    """What a theme page says once saved, when it stays open: more questions now apply, or
    (the "update" button) the suggested grade the saved answers give. None: nothing to say."""
    if outcome.newly_shown:
        return NEWLY_SHOWN
    if after_save == "update":
        score = audit_file.score.theme(theme_id)
        return (
            "Your answers are saved. The suggested grade for this theme is now "
            f"{score.grade_label}. Record your judgement, then save and continue."
        )
    return None


def theme_page_context(audit_file: AuditFile, theme: Theme, page: PageAfterSave) -> dict[str, Any]:
    """What the theme page's template needs beside the audit, the theme and the form."""
    stored = theme_values(audit_file, theme)
    values = page.shown_back if page.shown_back is not None else stored
    theme_score = (
        typed_theme_score(audit_file, theme.id, values)
        if page.shown_back is not None
        else audit_file.score.theme(theme.id)
    )
    answers = answers_for_shown(audit_file, values)
    shown = shown_questions(audit_file.questionnaire, answers, service=audit_file.service)
    return {
        "theme_score": theme_score,
        "values": values,
        "errors": page.errors,
        "conflicts": page.conflicts,
        "notice": page.notice,
        "shown": shown,
        "shown_sections": shown_sections(theme, answers, shown, audit_file.service),
        "analysis_question": analysis_question(theme),
        "page_version": page.page_version or str(audit_file.audit.version),
        "loaded_state": page.page_state or page_state(stored),
    }


def shown_sections(
    theme: Theme, answers: Mapping[str, str], shown: set[str], service: str | None = None
) -> set[int]:
    """The positions among the theme's items of the sections shown, given the answers and the
    audited case's service."""
    return {
        n
        for n, item in enumerate(theme.items)
        if isinstance(item, Section)
        and holds(item.section.show_if, answers, shown, service=service)
    }


def answers_for_shown(audit_file: AuditFile, values: Mapping[str, str]) -> dict[str, str]:
    """The audit's answers with the page's values in place: what decides the questions shown."""
    merged = dict(audit_file.answers)
    merged.update({k: v for k, v in values.items() if not k.startswith("__")})
    return merged


# --- the overall judgement page after a save ----------------------------------------------


def overall_after_conflict(
    audit_file: AuditFile, typed: dict[str, str], conflict: EditConflict
) -> PageAfterSave:
    """The overall judgement changed underneath: as :func:`after_conflict`, for its two fields."""
    stored = overall_values(audit_file)
    conflicts = both_ways(conflict.saved, typed)
    errors = {
        element_id: CHANGED_UNDERNEATH.format(label=OVERALL_LABELS[element_id])
        for element_id in sorted(conflicts, key=("judgement", "analysis").index)
    }
    for name, message in conflict.errors.items():
        errors.setdefault(name, message)
    return PageAfterSave(
        shown_back={k: typed[k] if k in conflict.mine else v for k, v in stored.items()},
        errors=errors,
        conflicts=conflicts,
        notice=str(conflict),
        status=409,
    )


def overall_page_context(audit_file: AuditFile, page: PageAfterSave) -> dict[str, Any]:
    """What the overall judgement page's template needs beside the audit and the form."""
    return {
        "errors": page.errors,
        "conflicts": page.conflicts,
        "notice": page.notice,
        "page_version": page.page_version or str(audit_file.audit.version),
        "loaded_state": page.page_state or page_state(overall_values(audit_file)),
    }
