"""The audit record: one submitted audit, whole, for the child's file or a subject access request.

Everything the audit's page shows of a submitted audit, in one place: the case reference, the
questionnaire and its version, the auditor, the dates, every answer shown (a question hidden by
an earlier answer is left out, as on the page), the grades of each theme and overall (computed,
judged, moderated and final), the moderations, the actions and the practitioner's voice.
:func:`as_data` gives the same as JSON data, attached to the record's PDF.

Who may see an audit may have its record, and so may the panel of a multi-agency audit that of
each agency's return once the returns are closed; while blind moderation keeps the auditor's
judgements from a group manager, the record is withheld from them too (:class:`RecordWithheld`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from audit_app.core.questionnaire import Question, Theme
from audit_app.core.repeats import answer_rows, split_key
from audit_app.core.subjects import DEFAULT_SUBJECT, labelled_reference
from audit_app.models import Moderation, Service, User
from audit_app.services import actions as action_service
from audit_app.services import moderation as moderation_service
from audit_app.services.actor import Actor
from audit_app.services.audits import AuditError, AuditFile, AuditNotFound, load_audit
from audit_app.services.evidence import evidence_fields, evidence_label

RECORD_FORMAT = "case-file-audit-record"
RECORD_FORMAT_VERSION = 1
MODERATED = ("agreed", "grade_changed")
FOR_WHOM = {"child": "For the child", "record": "For the record"}
ACTION_STATUSES = {"open": "Open", "done": "Done", "cancelled": "Cancelled"}


class RecordWithheld(AuditError):
    """Blind moderation keeps the auditor's judgements, and so the record, from this person."""

    def __init__(self) -> None:
        super().__init__(
            "The audit record shows the auditor's judgements, which blind moderation keeps "
            "from you until you have recorded your moderation grades. Record them first."
        )


@dataclass(frozen=True)
class RecordAnswer:
    """One question shown to the auditor and what they answered, in the questionnaire's words."""

    question_id: str
    question: str
    value: str | None
    answer: str
    repeat: int = 0  # the repeat of a repeating group's question ("Visit 2"), else 0
    comment: str | None = None  # the auditor's comment under the question (format 2)


@dataclass(frozen=True)
class RecordGrade:
    """A theme's grades, or the whole audit's (``key`` "overall")."""

    key: str
    title: str
    percent: Decimal | None
    computed: str | None
    judged: str | None
    moderated: str | None
    final: str | None
    by_judgement: bool
    analysis: str | None


@dataclass(frozen=True)
class RecordTheme:
    id: str
    title: str
    answers: list[RecordAnswer]
    # The theme's evidence fields the auditor wrote: (label, text), in the questionnaire's order.
    evidence: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RecordAction:
    description: str
    for_whom: str
    owner: str
    due: date
    status: str
    note: str | None


@dataclass(frozen=True)
class RecordModeration:
    moderator: str
    completed_at: datetime | None
    outcome: str
    comment: str | None


@dataclass(frozen=True)
class AuditRecord:
    """One submitted audit as its record shows it."""

    audit_id: int
    case_ref: str
    service: str
    team: str
    questionnaire_id: str
    questionnaire_title: str
    questionnaire_version: int
    auditor: str
    status: str
    started_at: datetime
    submitted_at: datetime | None
    moderated_at: datetime | None
    closed_at: datetime | None
    grades: list[RecordGrade]
    themes: list[RecordTheme]
    moderations: list[RecordModeration]
    actions: list[RecordAction]
    discussed_with_worker_on: date | None
    worker_reflection: str | None
    marking: str
    made_on: date
    subject: str = DEFAULT_SUBJECT

    @property
    def overall(self) -> RecordGrade:
        return self.grades[-1]

    @property
    def title(self) -> str:
        """The record's title, also the PDF's."""
        reference = labelled_reference(self.case_ref, self.subject)
        return f"Audit record: {reference}, audit {self.audit_id}"

    @property
    def file_name(self) -> str:
        return f"audit-record-{self.audit_id}-{self.subject}-{self.case_ref}"


def audit_record(
    audit_id: int,
    actor: Actor,
    *,
    session: Session,
    blind: bool,
    marking: str,
    today: date,
) -> AuditRecord:
    """The record of a submitted audit that this person may see; AuditNotFound for a draft, an
    audit returned to its auditor or one they may not see, RecordWithheld under blind
    moderation."""
    audit_file = load_audit(audit_id, _reader(actor), session=session, as_panel=True)
    if audit_file.editable:
        raise AuditNotFound(audit_id)
    if moderation_service.judgements_hidden(audit_file, actor, session=session, blind=blind):
        raise RecordWithheld()
    return _record(audit_file, session=session, marking=marking, today=today)


def _reader(actor: Actor) -> Actor:
    """Who reads the audit: the person; the command line, run on the server and able to export
    every audit already (``flask export``), reads any audit as an admin would."""
    if actor.id is None:
        return Actor(id=None, username=actor.username, role="admin")
    return actor


def _record(audit_file: AuditFile, *, session: Session, marking: str, today: date) -> AuditRecord:
    audit = audit_file.audit
    assert audit.id is not None
    service = session.get(Service, audit_file.team.service_id)
    moderations = _moderations(audit_file, session=session)
    return AuditRecord(
        audit_id=audit.id,
        case_ref=audit_file.case.case_ref,
        subject=audit_file.case.subject,
        service=service.name if service else "",
        team=audit_file.team.name,
        questionnaire_id=audit_file.version_row.questionnaire_id,
        questionnaire_title=audit_file.version_row.title,
        questionnaire_version=audit_file.version_row.version,
        auditor=audit_file.auditor.display_name or audit_file.auditor.username,
        status=audit.status,
        started_at=audit.created_at,
        submitted_at=audit.submitted_at,
        moderated_at=_moderated_at(audit.id, session=session),
        closed_at=audit.closed_at,
        grades=_grades(audit_file, session=session),
        themes=_themes(audit_file),
        moderations=moderations,
        actions=_actions(audit.id, session=session, today=today),
        discussed_with_worker_on=audit.discussed_with_worker_on,
        worker_reflection=audit.worker_reflection,
        marking=marking,
        made_on=today,
    )


def _grades(audit_file: AuditFile, *, session: Session) -> list[RecordGrade]:
    """Each shown theme's stored grades, then overall's; a theme graded by judgement alone
    has no percent."""
    by_judgement = {t.id for t in audit_file.questionnaire.themes if t.graded_by == "judgement"}
    return [
        RecordGrade(
            key=row.key,
            title=row.title,
            percent=None if row.key in by_judgement else _decimal(row.percent),
            computed=row.computed,
            judged=row.judged,
            moderated=row.moderated,
            final=row.final,
            by_judgement=row.key in by_judgement,
            analysis=row.analysis or None,
        )
        for row in moderation_service.grade_rows(audit_file, session=session)
    ]


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _themes(audit_file: AuditFile) -> list[RecordTheme]:
    """The shown themes, each with its shown questions and their answers."""
    themes = []
    for theme in audit_file.shown_themes:
        scored = audit_file.score.theme(theme.id)
        shown = [q.question_id for q in scored.questions if q.shown]
        rows = answer_rows(audit_file.questionnaire, theme.id, audit_file.answers, shown)
        answers = [
            replace(
                _answer(question, audit_file.answers.get(key), label, split_key(key)[1]),
                comment=audit_file.comments.get(key) or None,
            )
            for key, label, question in rows
        ]
        themes.append(
            RecordTheme(
                id=theme.id,
                title=theme.title,
                answers=answers,
                evidence=_evidence(audit_file, theme),
            )
        )
    return themes


def _evidence(audit_file: AuditFile, theme: Theme) -> list[tuple[str, str]]:
    """The theme's evidence fields with what the auditor wrote in them."""
    judgement = audit_file.judgements.get(theme.id)
    written = [
        (evidence_label(name), getattr(judgement, name, None) or "")
        for name in evidence_fields(theme)
    ]
    return [(label, text) for label, text in written if text]


def _answer(question: Question, value: str | None, label: str, repeat: int) -> RecordAnswer:
    return RecordAnswer(
        question_id=question.id,
        question=label,
        value=value if value not in (None, "") else None,
        answer=answer_words(question, value),
        repeat=repeat,
    )


def answer_words(question: Question, value: str | None) -> str:
    """An answer in the questionnaire's words: an option's label, every option ticked, a date
    the UK way (27 March 2026), a number with its unit."""
    if value is None or value == "":
        return "Not answered"
    if question.type == "choice":
        option = question.option(value)
        return option.label if option else value
    if question.type == "multi":
        return ", ".join(
            option.label if (option := question.option(part)) else part for part in value.split()
        )
    if question.type == "date":
        try:
            return f"{date.fromisoformat(value):%-d %B %Y}"
        except ValueError:
            return value
    unit = getattr(question, "unit", None)
    if question.type == "number" and unit:
        return f"{value} {unit}"
    return value


def _moderated_at(audit_id: int, *, session: Session) -> datetime | None:
    """When the audit was last moderated to an outcome that stands (agreed or grade changed)."""
    return session.exec(
        select(Moderation.completed_at)
        .where(Moderation.audit_id == audit_id, col(Moderation.outcome).in_(MODERATED))
        .order_by(col(Moderation.completed_at).desc())
    ).first()


def _moderations(audit_file: AuditFile, *, session: Session) -> list[RecordModeration]:
    """Every finished moderation, oldest first."""
    rows = session.exec(
        select(Moderation, User)
        .join(User, col(User.id) == Moderation.moderator_id)
        .where(Moderation.audit_id == audit_file.audit.id, col(Moderation.outcome).is_not(None))
        .order_by(col(Moderation.completed_at), col(Moderation.id))
    )
    return [
        RecordModeration(
            moderator=user.display_name or user.username,
            completed_at=moderation.completed_at,
            outcome=moderation_service.OUTCOMES.get(moderation.outcome or "", "Taken over"),
            comment=moderation.comment,
        )
        for moderation, user in rows
    ]


def _actions(audit_id: int, *, session: Session, today: date) -> list[RecordAction]:
    return [
        RecordAction(
            description=row.action.description,
            for_whom=FOR_WHOM.get(row.action.for_whom, row.action.for_whom),
            owner=row.action.owner,
            due=row.action.due,
            status=ACTION_STATUSES.get(row.action.status, row.action.status),
            note=row.action.completion_note or row.action.cancel_reason,
        )
        for row in action_service.actions_of_audit(audit_id, session=session, today=today)
    ]


# --- as data -------------------------------------------------------------------------------


def _moment(value: datetime | None) -> str | None:
    """A stored moment as ISO 8601 in UTC with Z, to the second, as in the board's exports."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _grade_data(grade: RecordGrade) -> dict[str, Any]:
    return {
        "percent": None if grade.percent is None else f"{grade.percent:.1f}",
        "graded_by_judgement": grade.by_judgement,
        "grade_computed": grade.computed,
        "grade_judged": grade.judged,
        "grade_moderated": grade.moderated,
        "grade_final": grade.final,
        "analysis": grade.analysis,
    }


def _theme_data(record: AuditRecord) -> list[dict[str, Any]]:
    grades = {g.key: g for g in record.grades}
    return [
        {
            "id": theme.id,
            "title": theme.title,
            **(_grade_data(grades[theme.id]) if theme.id in grades else {}),
            "answers": [
                {
                    "question_id": a.question_id,
                    # Only a repeating group's answers say which repeat they belong to.
                    **({"repeat": a.repeat} if a.repeat else {}),
                    "question": a.question,
                    "value": a.value,
                    "answer": a.answer,
                    **({"comment": a.comment} if a.comment else {}),
                }
                for a in theme.answers
            ],
            # Only a theme with evidence fields written lists them.
            **(
                {"evidence": [{"field": label, "text": text} for label, text in theme.evidence]}
                if theme.evidence
                else {}
            ),
        }
        for theme in record.themes
    ]


def as_data(record: AuditRecord) -> dict[str, Any]:
    """The record as JSON data: moments in UTC (ISO 8601 with Z), days as YYYY-MM-DD, percents
    to one decimal place as text, stored answers beside their words."""
    return {
        "format": RECORD_FORMAT,
        "format_version": RECORD_FORMAT_VERSION,
        "protective_marking": record.marking,
        "made_on": record.made_on.isoformat(),
        "audit_id": record.audit_id,
        "case_ref": record.case_ref,
        **({} if record.subject == DEFAULT_SUBJECT else {"subject": record.subject}),
        "service": record.service,
        "team": record.team,
        "questionnaire": {
            "id": record.questionnaire_id,
            "title": record.questionnaire_title,
            "version": record.questionnaire_version,
        },
        "auditor": record.auditor,
        "status": record.status,
        "started_at": _moment(record.started_at),
        "submitted_at": _moment(record.submitted_at),
        "moderated_at": _moment(record.moderated_at),
        "closed_at": _moment(record.closed_at),
        "themes": _theme_data(record),
        "overall": _grade_data(record.overall),
        "moderations": [
            {
                "moderator": m.moderator,
                "completed_at": _moment(m.completed_at),
                "outcome": m.outcome,
                "comment": m.comment,
            }
            for m in record.moderations
        ],
        "actions": [
            {
                "description": a.description,
                "for_whom": a.for_whom,
                "owner": a.owner,
                "due": a.due.isoformat(),
                "status": a.status,
                "note": a.note,
            }
            for a in record.actions
        ],
        "practitioners_voice": _voice_data(record),
    }


def _voice_data(record: AuditRecord) -> dict[str, str | None]:
    discussed = record.discussed_with_worker_on
    return {
        "discussed_with_worker_on": discussed.isoformat() if discussed else None,
        "worker_reflection": record.worker_reflection,
    }


__all__ = [
    "AuditRecord",
    "RecordWithheld",
    "answer_words",
    "as_data",
    "audit_record",
]
