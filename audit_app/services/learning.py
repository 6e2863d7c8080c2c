"""Findings and learning: the learning themes the QA lead manages, and the findings auditors and
moderators tag on audits.

A **learning theme** ("Voice of the child", "Chronology") is added, renamed and retired by a QA
lead (an admin) in Admin > Learning themes; it is never removed, so every finding keeps its
theme. A retired theme is offered to no one but still counts in the learning report.

A **finding** is a strength, an area for development or a learning, tagged with one current
learning theme by the audit's auditor (before the audit closes) or by a manager of its service
(once it is submitted, as its moderator). It may carry a **quotation**: a short passage of the
tagger's own words in this audit, copied as they wrote it. A quotation that is not found in what
they wrote is refused: it then adds nothing the audit does not already hold, so it can name no
one the audit does not, and the board reads the auditor's or moderator's own words. A QA lead
chooses quotations for the board paper. The report counts findings by team and service, never
by worker.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.lifecycle import MODERATED, SUBMITTED, VOICE_STATUSES
from audit_app.core.limits import LEARNING_THEME_MAX_LENGTH, QUOTATION_MAX_LENGTH
from audit_app.models import (
    FINDING_KINDS,
    Audit,
    Finding,
    LearningTheme,
    Moderation,
    ModerationGrade,
)
from audit_app.services import errors, visibility
from audit_app.services.actor import Actor
from audit_app.services.audits import (
    AuditError,
    AuditFile,
    AuditNotFound,
    FieldErrors,
    StaleAudit,
    load_audit,
)
from audit_app.services.trail import record_event

DEFAULT_THEMES = (
    "Voice of the child",
    "Management oversight",
    "Chronology",
    "Assessment and analysis",
    "Planning",
    "Multi-agency working",
    "Risk and safety",
    "Recording",
    "Supervision",
    "Family and network",
    "Identity and culture",
    "Permanence",
)
"""The learning themes a new database starts with (migration 0022 seeds them)."""

KIND_NAMES = {
    "strength": "Strength",
    "area_for_development": "Area for development",
    "learning": "Learning",
}
"""Each kind of finding as the pages name it, in the order they list them."""
KIND_PLURALS = {
    "strength": "Strengths",
    "area_for_development": "Areas for development",
    "learning": "Learning",
}
"""Each kind of finding as a column of counts is headed."""
assert tuple(KIND_NAMES) == FINDING_KINDS

AUDITOR = "auditor"
MODERATOR = "moderator"
STALE = (
    "The findings on this audit changed since you opened this page (in another tab or window, "
    "or by someone else): check them below, then save yours again."
)


class LearningThemeNotFound(errors.NotFound):
    """No such learning theme."""


class FindingNotFound(errors.NotFound):
    """No such finding on this audit, or not one this person tagged."""


class StaleFindings(StaleAudit):
    """The findings the page showed are not the audit's findings now."""


# --- the vocabulary ---------------------------------------------------------------------------


def learning_themes(*, session: Session, current_only: bool = False) -> list[LearningTheme]:
    """Every learning theme (or only those not retired), by name."""
    query = select(LearningTheme).order_by(col(LearningTheme.name))
    if current_only:
        query = query.where(col(LearningTheme.retired_at).is_(None))
    return list(session.exec(query))


def theme_usage(*, session: Session) -> dict[int, int]:
    """How many findings each learning theme has, by its id."""
    counts: dict[int, int] = {}
    for theme_id in session.exec(select(Finding.learning_theme_id)):
        counts[theme_id] = counts.get(theme_id, 0) + 1
    return counts


def check_theme_name(name: str, *, session: Session, theme_id: int | None = None) -> str:
    """The name, tidied; FieldErrors on ``name`` when it is blank, too long or taken."""
    name = " ".join(name.split())
    problem = None
    if not name:
        problem = "Enter the learning theme's name, for example Voice of the child"
    elif len(name) > LEARNING_THEME_MAX_LENGTH:
        problem = f"The name must be {LEARNING_THEME_MAX_LENGTH} characters or fewer"
    else:
        taken = session.exec(
            select(LearningTheme).where(
                LearningTheme.name == name, LearningTheme.id != (theme_id or 0)
            )
        ).first()
        if taken is not None:
            problem = f"There is already a learning theme called {name}: choose another name"
    if problem:
        raise FieldErrors({"name": problem})
    return name


def add_theme(name: str, *, session: Session, actor: Actor) -> LearningTheme:
    """A new learning theme, offered to taggers at once; recorded in the trail."""
    name = check_theme_name(name, session=session)
    theme = LearningTheme(name=name, created_by=actor.username)
    session.add(theme)
    session.flush()
    record_event("learning_theme.added", session=session, actor=actor, theme=theme.id, name=name)
    return theme


def get_theme(theme_id: int, *, session: Session) -> LearningTheme:
    theme = session.get(LearningTheme, theme_id)
    if theme is None:
        raise LearningThemeNotFound(theme_id)
    return theme


def rename_theme(theme_id: int, name: str, *, session: Session, actor: Actor) -> bool:
    """Rename a learning theme (its findings keep it); False when the name is unchanged."""
    theme = get_theme(theme_id, session=session)
    name = check_theme_name(name, session=session, theme_id=theme_id)
    if name == theme.name:
        return False
    before, theme.name = theme.name, name
    session.add(theme)
    record_event(
        "learning_theme.renamed",
        session=session,
        actor=actor,
        theme=theme_id,
        before=before,
        name=name,
    )
    return True


def retire_theme(theme_id: int, retire: bool, *, session: Session, actor: Actor) -> bool:
    """Retire a learning theme (no longer offered; its findings still count), or bring one
    back; False when it already was so."""
    theme = get_theme(theme_id, session=session)
    if (theme.retired_at is not None) == retire:
        return False
    theme.retired_at = clock.now() if retire else None
    session.add(theme)
    record_event(
        "learning_theme.retired" if retire else "learning_theme.restored",
        session=session,
        actor=actor,
        theme=theme_id,
        name=theme.name,
    )
    return True


# --- who tags ---------------------------------------------------------------------------------


def tagging_refusal(audit_file: AuditFile, actor: Actor, tagged_as: str) -> str | None:
    """Why this person may not tag findings on the audit in this role, if they may not."""
    audit = audit_file.audit
    if audit.exercise_id is not None:
        return "An audit made for a calibration exercise has no findings."
    if audit.multi_agency_audit_id is not None:
        # Its learning is the panel's, and goes back to the agency through the panel's actions.
        return "A return to a multi-agency audit has no findings: the panel draws its learning."
    if tagged_as == AUDITOR:
        if audit.status not in VOICE_STATUSES:
            return "This audit is closed: its findings can no longer change."
        return None
    if audit.status not in (SUBMITTED, MODERATED):
        return "Findings are tagged in moderation once the audit is submitted, until it closes."
    return None


def load_for_tagging(audit_id: int, actor: Actor, tagged_as: str, *, session: Session) -> AuditFile:
    """The audit, for its auditor (``auditor``) or a manager of its service (``moderator``);
    anyone else gets AuditNotFound."""
    audit_file = load_audit(audit_id, actor, session=session)
    if tagged_as == AUDITOR and audit_file.audit.auditor_id != actor.id:
        raise AuditNotFound(audit_id)
    if tagged_as == MODERATOR and (
        actor.role != "manager" or audit_file.team.service_id not in actor.managed_service_ids
    ):
        raise AuditNotFound(audit_id)
    return audit_file


# --- findings on an audit ---------------------------------------------------------------------


@dataclass(frozen=True)
class ListedFinding:
    """A finding as the audit's findings page lists it."""

    id: int
    kind: str
    learning_theme: str
    tagged_as: str
    quotation: str | None
    mine: bool
    chosen: bool

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]


def _findings(audit_id: int, *, session: Session) -> list[tuple[Finding, LearningTheme]]:
    rows = session.exec(
        select(Finding, LearningTheme)
        .join(LearningTheme, col(LearningTheme.id) == Finding.learning_theme_id)
        .where(Finding.audit_id == audit_id)
        .order_by(col(Finding.id))
    )
    return list(rows)


def findings_of(
    audit_id: int, actor: Actor, *, session: Session, auditors_hidden: bool = False
) -> list[ListedFinding]:
    """The audit's findings, oldest first; the auditor's left out when ``auditors_hidden``
    (blind moderation, before the moderator has recorded their grades)."""
    return [
        ListedFinding(
            id=finding.id,  # type: ignore[arg-type]
            kind=finding.kind,
            learning_theme=theme.name,
            tagged_as=finding.tagged_as,
            quotation=finding.quotation,
            mine=finding.tagged_by_id == actor.id,
            chosen=finding.chosen_at is not None,
        )
        for finding, theme in _findings(audit_id, session=session)
        if not (auditors_hidden and finding.tagged_as == AUDITOR)
    ]


def findings_state(audit_id: int, *, session: Session) -> str:
    """A short digest of the audit's findings, which a page carries to tell a stale form."""
    ids = ",".join(str(f.id) for f, _theme in _findings(audit_id, session=session))
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def _check_state(audit_id: int, seen: str, *, session: Session) -> None:
    if seen != findings_state(audit_id, session=session):
        raise StaleFindings(STALE)


# --- quotations -------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_QUOTES = "\"'“”‘’"


def _plain(text: str) -> str:
    """Text as quotations are compared: spaces and line breaks as one space, ignoring case."""
    return _SPACES.sub(" ", text).strip().casefold()


def own_words(
    audit_file: AuditFile, actor: Actor, tagged_as: str, *, session: Session
) -> list[str]:
    """What this person wrote in the audit, in the role they tag in: the auditor's answers
    written in words, comments, judgements' analysis and evidence and overall analysis; a
    moderator's rationales and comments in their moderations of it."""
    if tagged_as == AUDITOR:
        return _auditors_words(audit_file)
    moderations = session.exec(
        select(Moderation).where(
            Moderation.audit_id == audit_file.audit.id, Moderation.moderator_id == actor.id
        )
    ).all()
    words = [m.overall_rationale or "" for m in moderations] + [
        m.comment or "" for m in moderations
    ]
    ids = [m.id for m in moderations]
    grades = session.exec(
        select(ModerationGrade).where(col(ModerationGrade.moderation_id).in_(ids))
    ).all()
    return words + [g.rationale or "" for g in grades]


def _auditors_words(audit_file: AuditFile) -> list[str]:
    questions = audit_file.questionnaire.questions
    words = [
        value
        for qid, value in audit_file.answers.items()
        if qid in questions and questions[qid].type == "text"
    ]
    words += list(audit_file.comments.values())
    for judgement in audit_file.judgements.values():
        fields = (judgement.analysis, judgement.strengths, judgement.areas_for_development)
        words += [text or "" for text in (*fields, judgement.recommendations)]
    return [*words, audit_file.audit.overall_analysis or ""]


def tidy_quotation(typed: str) -> str:
    """A quotation as kept: on one line, without quotation marks around it."""
    return " ".join(typed.split()).strip(_QUOTES).strip()


def quotation_problem(quotation: str, words: Iterable[str]) -> str | None:
    """What is wrong with a quotation, if anything: too long, or not the tagger's own words."""
    if len(quotation) > QUOTATION_MAX_LENGTH:
        return f"The quotation must be {QUOTATION_MAX_LENGTH} characters or fewer"
    wanted = _plain(quotation)
    if wanted and not any(wanted in _plain(text) for text in words):
        return (
            "The quotation must be copied from what you wrote in this audit (your analysis, "
            "evidence, comments or rationale), word for word: it was not found there"
        )
    return None


# --- tagging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    """A finding as the form sends it: its kind, learning theme (an id, as text) and quotation."""

    kind: str
    learning_theme: str
    quotation: str = ""


def _theme_id(tag: Tag) -> int | None:
    """The learning theme's id the form sent, if it is one (a few ASCII digits)."""
    sent = tag.learning_theme.strip()
    return int(sent) if sent.isascii() and sent.isdigit() and len(sent) <= 9 else None


def _tag_problems(tag: Tag, words: list[str], *, session: Session) -> dict[str, str]:
    problems: dict[str, str] = {}
    if tag.kind not in KIND_NAMES:
        problems["kind"] = "Select whether it is a strength, an area for development or learning"
    theme = session.get(LearningTheme, _theme_id(tag)) if _theme_id(tag) else None
    if theme is None or theme.retired_at is not None:
        problems["learning_theme"] = "Select the learning theme"
    problem = quotation_problem(tidy_quotation(tag.quotation), words)
    if problem:
        problems["quotation"] = problem
    return problems


def tag_finding(
    audit_file: AuditFile,
    tagged_as: str,
    tag: Tag,
    seen: str,
    actor: Actor,
    *,
    session: Session,
) -> Finding:
    """Tag a finding on the audit; refused if the page was stale or the tag has problems."""
    refusal = tagging_refusal(audit_file, actor, tagged_as)
    if refusal:
        raise AuditError(refusal)
    audit_id: int = audit_file.audit.id  # type: ignore[assignment]
    _check_state(audit_id, seen, session=session)
    words = own_words(audit_file, actor, tagged_as, session=session)
    problems = _tag_problems(tag, words, session=session)
    if problems:
        raise FieldErrors(problems)
    finding = Finding(
        audit_id=audit_id,
        learning_theme_id=_theme_id(tag) or 0,
        kind=tag.kind,
        tagged_as=tagged_as,
        tagged_by_id=actor.person_id,
        quotation=tidy_quotation(tag.quotation) or None,
    )
    session.add(finding)
    session.flush()
    _record(audit_file, "finding.tagged", finding, actor, session=session)
    return finding


def _record(
    audit_file: AuditFile, action: str, finding: Finding, actor: Actor, *, session: Session
) -> None:
    record_event(
        action,
        session=session,
        actor=actor,
        audit_id=audit_file.audit.id,
        case_ref=audit_file.case.case_ref,
        finding=finding.id,
        kind=finding.kind,
        learning_theme=finding.learning_theme_id,
        tagged_as=finding.tagged_as,
        quoted=finding.quotation is not None,
    )


def remove_finding(
    audit_file: AuditFile, tagged_as: str, finding_id: int, actor: Actor, *, session: Session
) -> None:
    """Remove a finding the person tagged in this role, while they may still tag."""
    refusal = tagging_refusal(audit_file, actor, tagged_as)
    if refusal:
        raise AuditError(refusal)
    finding = session.get(Finding, finding_id)
    if (
        finding is None
        or finding.audit_id != audit_file.audit.id
        or finding.tagged_by_id != actor.id
        or finding.tagged_as != tagged_as
    ):
        raise StaleFindings("That finding has already been removed.")
    _record(audit_file, "finding.removed", finding, actor, session=session)
    session.delete(finding)
    session.flush()


def choose_quotation(finding_id: int, chosen: bool, actor: Actor, *, session: Session) -> bool:
    """Mark a finding's quotation chosen for the board paper (a QA lead), or no longer chosen;
    False when it already was so."""
    finding = session.get(Finding, finding_id)
    if finding is None or finding.quotation is None:
        raise FindingNotFound(finding_id)
    audit = session.get(Audit, finding.audit_id)
    if audit is None or not visibility.may_see_audit(actor, audit):
        raise FindingNotFound(finding_id)  # another organisation's: as if there were none
    if (finding.chosen_at is not None) == chosen:
        return False
    now: datetime | None = clock.now() if chosen else None
    finding.chosen_at, finding.chosen_by_id = now, actor.person_id if chosen else None
    session.add(finding)
    record_event(
        "finding.chosen" if chosen else "finding.unchosen",
        session=session,
        actor=actor,
        audit_id=finding.audit_id,
        finding=finding_id,
    )
    return True


__all__ = [
    "DEFAULT_THEMES",
    "KIND_NAMES",
    "KIND_PLURALS",
    "ListedFinding",
    "Tag",
    "add_theme",
    "choose_quotation",
    "findings_of",
    "findings_state",
    "learning_themes",
    "load_for_tagging",
    "quotation_problem",
    "remove_finding",
    "rename_theme",
    "retire_theme",
    "tag_finding",
    "tagging_refusal",
    "theme_usage",
]
