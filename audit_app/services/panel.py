"""The panel of a multi-agency audit and its discussion (docs/design/multi-agency.md,
decisions 3 and 6; docs/multi-agency-audits.md, The panel).

Who is who: the coordinator is ``multi_agency_audit.coordinator_id``; the panel is the
coordinator and the ``panel_member`` rows; an agency is an organisation with an
``agency_return`` in the multi-agency audit.

Once the returns are closed, the panel records a grade on the Ofsted scale and an analysis for
each domain, saved as drafts as often as it likes; the coordinator concludes, and the
conclusions are final. The panel reads the discussion from the returns' closing; each agency's
people read the conclusions once concluded. Anyone else, and everyone before the returns are
closed, is told there is no such page.

Every save bumps ``multi_agency_audit.version`` (optimistic locking): a save from a page opened
before someone else's save changes nothing. The trail records grades and which analyses
changed, never their words: the home organisation's admins read the trail, and the words are
the panel's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session, col, select

from audit_app.core.panel import AFTER_RETURNS, grade_problem, missing_domains
from audit_app.core.partnership import CONCLUDED, DOMAINS, RETURNS_CLOSED
from audit_app.core.roles import READERS
from audit_app.models import (
    AgencyReturn,
    MultiAgencyAudit,
    Organisation,
    PanelConclusion,
    utcnow,
)
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.audits import (
    MAX_TEXT,
    AuditError,
    AuditNotFound,
    FieldErrors,
    StaleAudit,
)
from audit_app.services.trail import record_event

STALE_MESSAGE = (
    "The discussion was saved by someone else after you opened this page, so nothing was "
    "saved. What you typed is kept below, beside what is saved now: choose what to keep, then "
    "save again."
)
CONCLUDED_MESSAGE = "The panel has concluded: its conclusions are final and cannot change."

# What a person typed for each domain: its grade ("" for none yet) and its analysis.
Typed = Mapping[str, tuple[str, str]]


class MultiAgencyNotFound(AuditNotFound):
    """No such multi-agency audit, or not one this person may open here (never told apart)."""


class StaleDiscussion(StaleAudit):
    """Someone saved the discussion after this page was opened; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE)


# --- who is who ------------------------------------------------------------------------------


is_on_panel = visibility.is_on_panel
"""Whether the person is on the multi-agency audit's panel: its coordinator, or named."""


def agencies(audit_id: int, *, session: Session) -> dict[int, str]:
    """The agencies of the multi-agency audit (organisations with a return), by id, by name."""
    rows = session.exec(
        select(Organisation.id, Organisation.name)
        .where(
            col(Organisation.id).in_(
                select(AgencyReturn.organisation_id).where(
                    AgencyReturn.multi_agency_audit_id == audit_id
                )
            )
        )
        .order_by(col(Organisation.name))
    )
    return {org_id: name for org_id, name in rows if org_id is not None}


def is_agency_reader(actor: Actor, audit_id: int, *, session: Session) -> bool:
    """Whether the person is one of an agency's people who read its records (not a viewer, who
    sees reports only)."""
    if actor.role not in READERS or actor.organisation_id is None:
        return False
    return actor.organisation_id in agencies(audit_id, session=session)


def after_returns(audit_id: int, *, session: Session) -> MultiAgencyAudit:
    """The multi-agency audit once its returns are closed; MultiAgencyNotFound before that."""
    audit = session.get(MultiAgencyAudit, audit_id)
    if audit is None or audit.status not in AFTER_RETURNS:
        raise MultiAgencyNotFound(audit_id)
    return audit


# --- the discussion --------------------------------------------------------------------------


@dataclass(frozen=True)
class Discussion:
    """The discussion as one person may see it, and what they may do with it."""

    audit: MultiAgencyAudit
    conclusions: dict[str, PanelConclusion] = field(default_factory=dict)
    on_panel: bool = False
    is_coordinator: bool = False

    @property
    def concluded(self) -> bool:
        return self.audit.status == CONCLUDED

    @property
    def may_edit(self) -> bool:
        return self.on_panel and self.audit.status == RETURNS_CLOSED

    @property
    def may_conclude(self) -> bool:
        return self.is_coordinator and self.audit.status == RETURNS_CLOSED

    def grades(self) -> dict[str, str | None]:
        return {domain: row.grade for domain, row in self.conclusions.items()}

    def missing(self) -> list[str]:
        """The domains, as people read them, with no grade yet."""
        return missing_domains(self.grades())


def load_discussion(audit_id: int, actor: Actor, *, session: Session) -> Discussion:
    """The discussion, for the panel once the returns are closed, and for the agencies' people
    once concluded; MultiAgencyNotFound for anyone else."""
    audit = after_returns(audit_id, session=session)
    on_panel = is_on_panel(actor, audit, session=session)
    concluded_reader = audit.status == CONCLUDED and is_agency_reader(
        actor, audit_id, session=session
    )
    if not (on_panel or concluded_reader):
        raise MultiAgencyNotFound(audit_id)
    rows = session.exec(
        select(PanelConclusion).where(PanelConclusion.multi_agency_audit_id == audit_id)
    )
    return Discussion(
        audit=audit,
        conclusions={row.domain: row for row in rows},
        on_panel=on_panel,
        is_coordinator=actor.id == audit.coordinator_id,
    )


def open_discussion(audit_id: int, actor: Actor, *, session: Session) -> Discussion:
    """The discussion page's discussion; opening the concluded conclusions, a record shared with
    every agency, is in the trail."""
    discussion = load_discussion(audit_id, actor, session=session)
    if discussion.concluded:
        record_event(
            "multi_agency.conclusions_opened",
            session=session,
            actor=actor,
            multi_agency_audit_id=audit_id,
            on_panel=discussion.on_panel,
        )
    return discussion


def typed_problems(typed: Typed) -> dict[str, str]:
    """The problems with what was typed, by field name (``<domain>-grade``, ``-analysis``)."""
    errors: dict[str, str] = {}
    for domain, label in DOMAINS.items():
        grade, analysis = typed.get(domain, ("", ""))
        problem = grade_problem(grade)
        if problem:
            errors[f"{domain}-grade"] = f"{label}: {problem.lower()}"
        if len(analysis.strip()) > MAX_TEXT:
            errors[f"{domain}-analysis"] = (
                f"{label}: the analysis must be {MAX_TEXT:,} characters or fewer"
            )
    return errors


def save_discussion(
    audit_id: int, typed: Typed, expected_version: int, actor: Actor, *, session: Session
) -> Discussion:
    """Save the panel's draft grades and analyses as typed, if the page was of the latest
    version; StaleDiscussion (nothing saved) if not."""
    discussion = load_discussion(audit_id, actor, session=session)
    if not discussion.may_edit:
        if discussion.concluded:
            raise AuditError(CONCLUDED_MESSAGE)
        raise MultiAgencyNotFound(audit_id)
    errors = typed_problems(typed)
    if errors:
        raise FieldErrors(errors)
    if not _claim_version(audit_id, expected_version, session=session):
        raise StaleDiscussion()
    changed = _store(discussion, typed, actor, session=session)
    record_event(
        "multi_agency.discussion_saved",
        session=session,
        actor=actor,
        multi_agency_audit_id=audit_id,
        grades={domain: typed[domain][0] or None for domain in changed},
        analyses_changed=[domain for domain, analysis in changed.items() if analysis],
    )
    return load_discussion(audit_id, actor, session=session)


def _claim_version(
    audit_id: int, expected_version: int, *, session: Session, to_status: str | None = None
) -> bool:
    """Move the multi-agency audit on one version (and to ``to_status``) if it is still at
    the version the page showed, with its returns closed; whether it was.

    One conditional UPDATE, so that of two saves from the same version only the first wins.
    """
    values: dict[str, object] = {"version": expected_version + 1}
    if to_status is not None:
        values.update(status=to_status, concluded_at=utcnow())
    result = session.execute(
        update(MultiAgencyAudit)
        .where(
            col(MultiAgencyAudit.id) == audit_id,
            col(MultiAgencyAudit.version) == expected_version,
            col(MultiAgencyAudit.status) == RETURNS_CLOSED,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    claimed: int = result.rowcount  # type: ignore[attr-defined]
    return claimed == 1


def _store(
    discussion: Discussion, typed: Typed, actor: Actor, *, session: Session
) -> dict[str, bool]:
    """Write each domain whose grade or analysis changed; the domains written, each with
    whether its analysis changed."""
    changed = {}
    for domain in DOMAINS:
        typed_grade, typed_analysis = typed.get(domain, ("", ""))
        grade, analysis = typed_grade or None, typed_analysis.strip()
        row = discussion.conclusions.get(domain)
        before = (row.grade, row.analysis) if row is not None else (None, "")
        if before == (grade, analysis):
            continue
        if row is None:
            row = PanelConclusion(
                multi_agency_audit_id=discussion.audit.id,  # type: ignore[arg-type]
                domain=domain,
                recorded_by_id=actor.person_id,
            )
        row.grade, row.analysis = grade, analysis
        row.recorded_by_id, row.recorded_at = actor.person_id, utcnow()
        session.add(row)
        changed[domain] = before[1] != analysis
    session.flush()
    return changed


def conclude(
    audit_id: int, expected_version: int, confirmed: bool, actor: Actor, *, session: Session
) -> Discussion:
    """The coordinator concludes the discussion: every domain graded, confirmed, from the
    latest version. After this the conclusions are final."""
    discussion = load_discussion(audit_id, actor, session=session)
    if not discussion.is_coordinator:
        raise MultiAgencyNotFound(audit_id)
    if discussion.concluded:
        raise AuditError(CONCLUDED_MESSAGE)
    errors = conclude_problems(discussion, confirmed)
    if errors:
        raise FieldErrors(errors)
    if not _claim_version(audit_id, expected_version, session=session, to_status=CONCLUDED):
        raise StaleDiscussion()
    record_event(
        "multi_agency.concluded",
        session=session,
        actor=actor,
        multi_agency_audit_id=audit_id,
        grades=discussion.grades(),
    )
    session.expire(discussion.audit)
    return load_discussion(audit_id, actor, session=session)


def conclude_problems(discussion: Discussion, confirmed: bool) -> dict[str, str]:
    """Why the discussion cannot be concluded yet, by field name; none when it can."""
    errors: dict[str, str] = {}
    missing = discussion.missing()
    if missing:
        errors["grades"] = "Grade every domain before concluding. Not graded yet: " + ", ".join(
            missing
        )
    if not confirmed:
        errors["confirm"] = "Confirm that these are the panel's final conclusions"
    return errors
