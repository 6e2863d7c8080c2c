"""One agency's download of a multi-agency audit (docs/design/multi-agency.md, decision 6).

The file carries that agency's rows only: its returns (case reference, questionnaire, status,
theme grades, overall grade, submitted date), its actions, and the panel's conclusions, which
every agency shares once concluded. The coordinator may download any agency's; an agency's group
managers and admins their own. Every cell of text is neutralised against spreadsheet formulas,
and every download is in the trail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.grades import final_grade
from audit_app.core.lifecycle import EXERCISE, STATUS_NAMES, SUBMITTED
from audit_app.core.panel import ACTION_STATUS_NAMES
from audit_app.core.partnership import CONCLUDED, DOMAINS
from audit_app.models import (
    AgencyAction,
    AgencyReturn,
    Audit,
    AuditResult,
    Case,
    MultiAgencyAudit,
    PanelConclusion,
    QuestionnaireVersion,
    ThemeResult,
)
from audit_app.reporting.cells import neutralise
from audit_app.reporting.exports import BOM
from audit_app.services.actor import Actor
from audit_app.services.agency_actions import may_export
from audit_app.services.panel import MultiAgencyNotFound, after_returns, agencies
from audit_app.services.questionnaires import questionnaire_of
from audit_app.services.trail import record_event

HEADER = [
    "Part",
    "Case reference",
    "Questionnaire",
    "Status",
    "Theme or domain",
    "Grade",
    "Date",
    "Text",
    "Note",
]
RETURN, THEME, ACTION, CONCLUSION = "Return", "Return theme", "Action", "Panel conclusion"
NOT_STARTED = "Not started"


def agency_export(
    audit_id: int, organisation_id: int | None, actor: Actor, *, session: Session
) -> tuple[str, list[list[str]]]:
    """The file name and rows (header first) of one agency's download, in the trail;
    MultiAgencyNotFound when the person may not have it."""
    audit = after_returns(audit_id, session=session)
    named = agencies(audit_id, session=session)
    if organisation_id not in named or not may_export(actor, audit, organisation_id):
        raise MultiAgencyNotFound(audit_id)
    rows = [
        *_return_rows(audit_id, organisation_id, session=session),
        *_action_rows(audit_id, organisation_id, session=session),
        *_conclusion_rows(audit, session=session),
    ]
    record_event(
        "report.exported",
        session=session,
        actor=actor,
        kind="multi_agency",
        format="csv",
        via="web",
        multi_agency_audit_id=audit_id,
        organisation_id=organisation_id,
        rows=len(rows),
        completed=True,
    )
    name = f"multi-agency-audit-{audit_id}-organisation-{organisation_id}.csv"
    return name, [HEADER, *rows]


def _return_rows(audit_id: int, organisation_id: int, *, session: Session) -> Iterator[list[str]]:
    """The agency's returns: a row for each, with its overall grade, then one per theme."""
    found = session.exec(
        select(Case, QuestionnaireVersion, Audit, AuditResult)
        .select_from(AgencyReturn)
        .join(Case, col(Case.id) == AgencyReturn.case_id)
        .join(
            QuestionnaireVersion,
            col(QuestionnaireVersion.id) == AgencyReturn.questionnaire_version_id,
        )
        .join(Audit, col(Audit.id) == AgencyReturn.audit_id, isouter=True)
        .join(AuditResult, col(AuditResult.audit_id) == Audit.id, isouter=True)
        .where(
            AgencyReturn.multi_agency_audit_id == audit_id,
            AgencyReturn.organisation_id == organisation_id,
        )
        .order_by(col(Case.case_ref), col(AgencyReturn.id))
    )
    for case, version, audit, result in found:
        case_ref = case.case_ref
        status = _status(audit)
        submitted = _day(audit.submitted_at) if audit else ""
        overall = _grade(result)
        yield [RETURN, case_ref, version.title, status, "Overall", overall, submitted, "", ""]
        if audit is not None and audit.organisation_id == organisation_id:
            for title, grade in _theme_grades(audit, version, session=session):
                yield [THEME, case_ref, version.title, status, title, grade, submitted, "", ""]


def _status(audit: Audit | None) -> str:
    """A return's status as people read it: a submitted return is kept out of every figure by
    the status of an exercise audit, and is named "Submitted"."""
    if audit is None:
        return NOT_STARTED
    if audit.status == EXERCISE:
        return STATUS_NAMES[SUBMITTED]
    return STATUS_NAMES.get(audit.status, audit.status)


def _day(moment: datetime | None) -> str:
    """The day in England of a moment, as YYYY-MM-DD ("" for none)."""
    return clock.local(moment).date().isoformat() if moment else ""


def _grade(result: AuditResult | ThemeResult | None) -> str:
    if result is None:
        return ""
    return (
        final_grade(
            computed=result.grade_computed,
            judged=result.grade_judged,
            moderated=result.grade_moderated,
        )
        or ""
    )


def _theme_grades(
    audit: Audit, version: QuestionnaireVersion, *, session: Session
) -> list[tuple[str, str]]:
    """Each theme's title and final grade, in the questionnaire's order."""
    results = {
        row.theme_id: row
        for row in session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit.id))
    }
    themes = questionnaire_of(version).themes
    return [(theme.title, _grade(results[theme.id])) for theme in themes if theme.id in results]


def _action_rows(audit_id: int, organisation_id: int, *, session: Session) -> Iterator[list[str]]:
    """The agency's actions, by due date."""
    found = session.exec(
        select(AgencyAction)
        .where(
            AgencyAction.multi_agency_audit_id == audit_id,
            AgencyAction.organisation_id == organisation_id,
        )
        .order_by(col(AgencyAction.due), col(AgencyAction.id))
    )
    for action in found:
        note = action.completion_note or action.cancel_reason or ""
        status = ACTION_STATUS_NAMES.get(action.status, action.status)
        yield [ACTION, "", "", status, "", "", action.due.isoformat(), action.description, note]


def _conclusion_rows(audit: MultiAgencyAudit, *, session: Session) -> Iterator[list[str]]:
    """The panel's conclusions, shared with every agency once concluded (none before)."""
    if audit.status != CONCLUDED:
        return
    rows = {
        row.domain: row
        for row in session.exec(
            select(PanelConclusion).where(PanelConclusion.multi_agency_audit_id == audit.id)
        )
    }
    day = _day(audit.concluded_at)
    for domain, label in DOMAINS.items():
        row = rows.get(domain)
        grade, analysis = (row.grade or "", row.analysis) if row else ("", "")
        yield [CONCLUSION, "", "", "Concluded", label, grade, day, analysis, ""]


def csv_text(rows: list[list[str]]) -> bytes:
    """The rows as a CSV file in UTF-8 with a byte-order mark (so that spreadsheets read it as
    UTF-8), every cell neutralised against formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")
