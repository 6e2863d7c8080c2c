"""Multi-agency audits (docs/design/multi-agency.md, decision 3): opening one on a case or a
cohort of cases, each agency's return, the returns' seal, closing the returns, and the panel's
members; and the list of lawful bases a multi-agency audit may run under.

Each return is an ordinary audit of the agency's organisation, started from the multi-agency
audit's page (``case_scope.return_to_audit`` says who may) and tied to it by
``audit.multi_agency_audit_id``: like an exercise audit, it is seen by its auditor alone and,
submitted, takes the status ``exercise``, which no figure of the service counts. Every
participant sees each return's progress; its contents are sealed until the returns are closed
(every return in, or the coordinator closes them), and then the panel reads them all
(``visibility.may_read_return``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.lifecycle import EDITABLE
from audit_app.core.limits import TITLE_MAX_LENGTH
from audit_app.core.panel import MULTI_AGENCY_STATUS_NAMES
from audit_app.core.partnership import CONCLUDED, OPEN, RETURNS_CLOSED
from audit_app.core.roles import ADMIN, AUDITORS, MANAGER
from audit_app.core.subjects import DEFAULT_SUBJECT
from audit_app.models import (
    AgencyReturn,
    Audit,
    Case,
    LawfulBasis,
    MultiAgencyAudit,
    MultiAgencyCase,
    Organisation,
    PanelMember,
    QuestionnaireVersion,
    User,
)
from audit_app.services import case_scope, visibility
from audit_app.services.actor import Actor
from audit_app.services.audits import MAX_CASE_ID, date_from_parts
from audit_app.services.errors import FieldErrors, NotFound, Refused, Stale
from audit_app.services.questionnaires import current_versions, questionnaire_of
from audit_app.services.trail import record_event

STATUS_NAMES = MULTI_AGENCY_STATUS_NAMES
"""What each status of a multi-agency audit is called on the pages."""

NOT_STARTED = "Not started"
IN_PROGRESS = "In progress"
SUBMITTED = "Submitted"
"""A return's progress, which every participant sees."""

OTHER = "other"
"""The lawful basis chosen when none of the list fits: its words are then required."""
OPENERS = (ADMIN, MANAGER)
"""Who opens a multi-agency audit (of the home organisation) and names panel members (of each
agency taking part)."""
MAX_CASES = 60
MAX_WORDS = 2000
THEME_MAX_LENGTH = 120


class MultiAgencyNotFound(NotFound):
    """No such multi-agency audit, or not one this person takes part in."""


class LawfulBasisNotFound(NotFound):
    """No such lawful basis."""


# --- lawful bases ------------------------------------------------------------------------------


def lawful_bases(*, session: Session, current_only: bool = False) -> list[LawfulBasis]:
    """Every lawful basis (or only those not retired), by name."""
    query = select(LawfulBasis).order_by(col(LawfulBasis.name))
    if current_only:
        query = query.where(col(LawfulBasis.retired_at).is_(None))
    return list(session.exec(query))


def add_lawful_basis(name: str, *, session: Session, actor: Actor) -> LawfulBasis:
    """A new lawful basis, offered at once to whoever opens a multi-agency audit."""
    name = " ".join(name.split())
    problem = None
    if not name:
        problem = "Enter the lawful basis, for example UK GDPR Article 6(1)(e) and Article 9(2)(h)"
    elif len(name) > TITLE_MAX_LENGTH:
        problem = f"The lawful basis must be {TITLE_MAX_LENGTH} characters or fewer"
    elif session.exec(select(LawfulBasis).where(LawfulBasis.name == name)).first() is not None:
        problem = f"{name} is already in the list"
    if problem:
        raise FieldErrors({"name": problem})
    basis = LawfulBasis(name=name, created_by=actor.username)
    session.add(basis)
    session.flush()
    record_event("lawful_basis.added", session=session, actor=actor, basis=basis.id, name=name)
    return basis


def retire_lawful_basis(basis_id: int, retire: bool, *, session: Session, actor: Actor) -> str:
    """Retire a lawful basis (no longer offered; the audits that name it keep it), or bring it
    back; its name."""
    basis = session.get(LawfulBasis, basis_id)
    if basis is None:
        raise LawfulBasisNotFound(basis_id)
    if (basis.retired_at is not None) != retire:
        basis.retired_at = clock.now() if retire else None
        session.add(basis)
        record_event(
            "lawful_basis.retired" if retire else "lawful_basis.restored",
            session=session,
            actor=actor,
            basis=basis_id,
            name=basis.name,
        )
    return basis.name


# --- opening -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningValues:
    """What the coordinator typed to open a multi-agency audit, as typed."""

    title: str = ""
    theme: str = ""
    references: str = ""
    # The organisations ticked as taking part, each with the questionnaire version chosen for
    # its return ("" when none was chosen).
    agencies: Mapping[int, str] | None = None
    due: tuple[str, str, str] = ("", "", "")
    sharing_agreement: str = ""
    lawful_basis: str = ""
    lawful_basis_other: str = ""


def may_open(actor: Actor, *, session: Session) -> bool:
    """Whether the person opens multi-agency audits: an admin or a group manager of the home
    organisation."""
    return actor.role in OPENERS and visibility.is_home(actor, session=session)


def return_questionnaires(*, session: Session) -> list[QuestionnaireVersion]:
    """The questionnaires a return may use: those in use (published, not retired) on cases."""
    return [
        row
        for row in current_versions(session=session)
        if questionnaire_of(row).subject == DEFAULT_SUBJECT
    ]


def organisations(*, session: Session) -> list[Organisation]:
    """Every organisation that may take part, the home organisation first."""
    return list(
        session.exec(
            select(Organisation).order_by(col(Organisation.is_home).desc(), Organisation.name)
        )
    )


def open_multi_agency(
    values: OpeningValues, actor: Actor, *, session: Session, today: date
) -> MultiAgencyAudit:
    """Open a multi-agency audit, its coordinator the person opening it, with one return per
    agency per case; FieldErrors, by field, when a value will not do."""
    errors: dict[str, str] = {}
    title = _required(values.title, "title", "Enter the title", TITLE_MAX_LENGTH, errors)
    theme = " ".join(values.theme.split())
    if len(theme) > THEME_MAX_LENGTH:
        errors["theme"] = f"The theme must be {THEME_MAX_LENGTH} characters or fewer"
    cases = _cases(values.references, actor, session=session, errors=errors)
    agencies = _agencies(values.agencies or {}, session=session, errors=errors)
    due = _due(values.due, today, errors)
    agreement = _required(
        values.sharing_agreement,
        "sharing_agreement",
        "Enter the name of the data-sharing agreement",
        TITLE_MAX_LENGTH,
        errors,
    )
    basis_id, basis_other = _lawful_basis(values, session=session, errors=errors)
    if errors:
        raise FieldErrors(errors)
    assert due is not None
    multi_agency = MultiAgencyAudit(
        title=title,
        theme=theme,
        coordinator_id=actor.person_id,
        due=due,
        sharing_agreement=agreement,
        lawful_basis_id=basis_id,
        lawful_basis_other=basis_other,
    )
    session.add(multi_agency)
    session.flush()
    _add_returns(multi_agency, cases, agencies, session=session)
    _record(
        "multi_agency.opened",
        multi_agency,
        actor,
        session=session,
        cases=[case.case_ref for case in cases],
        agencies={org.name: version.id for org, version in agencies},
        due=due.isoformat(),
    )
    return multi_agency


def _add_returns(
    multi_agency: MultiAgencyAudit,
    cases: list[Case],
    agencies: list[tuple[Organisation, QuestionnaireVersion]],
    *,
    session: Session,
) -> None:
    """The multi-agency audit's cases, and a return of each agency on each case."""
    for case in cases:
        session.add(MultiAgencyCase(multi_agency_audit_id=multi_agency.id, case_id=case.id))  # type: ignore[arg-type]
        for organisation, version in agencies:
            session.add(
                AgencyReturn(
                    multi_agency_audit_id=multi_agency.id,  # type: ignore[arg-type]
                    organisation_id=organisation.id,  # type: ignore[arg-type]
                    case_id=case.id,  # type: ignore[arg-type]
                    questionnaire_version_id=version.id,  # type: ignore[arg-type]
                )
            )
    session.flush()


def _required(typed: str, field: str, missing: str, longest: int, errors: dict[str, str]) -> str:
    """The typed words, tidied; a problem under ``field`` when they are blank or too long."""
    text = " ".join(typed.split())
    if not text:
        errors[field] = missing
    elif len(text) > longest:
        errors[field] = f"Keep it to {longest} characters or fewer"
    return text


def references_of(typed: str) -> list[str]:
    """The case references typed one a line (or separated by commas), each once, in order."""
    seen: dict[str, None] = {}
    for line in typed.replace(",", "\n").splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return list(seen)


def _cases(typed: str, actor: Actor, *, session: Session, errors: dict[str, str]) -> list[Case]:
    """The home organisation's cases with the typed references; the references that are not
    one of them are named in the problem."""
    references = references_of(typed)
    if not references:
        errors["references"] = "Enter the case ID of each child, one a line"
        return []
    if len(references) > MAX_CASES:
        errors["references"] = f"Enter {MAX_CASES} case IDs or fewer"
        return []
    found = {
        case.case_ref: case
        for case in session.exec(
            select(Case).where(
                col(Case.case_ref).in_([r for r in references if len(r) <= MAX_CASE_ID]),
                Case.subject == DEFAULT_SUBJECT,
                col(Case.training).is_(False),
                visibility.cases_seen(actor),
            )
        )
    }
    missing = [reference for reference in references if reference not in found]
    if missing:
        errors["references"] = (
            f"There is no case with ID {', '.join(missing)} among the council's cases. Check "
            "the ID in the case management system"
            if len(missing) == 1
            else f"There are no cases with IDs {', '.join(missing)} among the council's cases. "
            "Check the IDs in the case management system"
        )
    return [found[reference] for reference in references if reference in found]


def _agencies(
    chosen: Mapping[int, str], *, session: Session, errors: dict[str, str]
) -> list[tuple[Organisation, QuestionnaireVersion]]:
    """The agencies ticked, each with its return's questionnaire; at least two."""
    versions = {str(row.id): row for row in return_questionnaires(session=session)}
    agencies = []
    for organisation in organisations(session=session):
        if organisation.id not in chosen:
            continue
        version = versions.get(chosen[organisation.id])  # type: ignore[index]
        if version is None:
            errors[f"questionnaire-{organisation.id}"] = (
                f"Select the questionnaire {organisation.name}'s return uses"
            )
        else:
            agencies.append((organisation, version))
    if len(chosen) < 2:
        errors["agencies"] = "Select at least two agencies taking part"
    return agencies


def _due(typed: tuple[str, str, str], today: date, errors: dict[str, str]) -> date | None:
    """The day the returns are due: today or later (England's day)."""
    due, problem = date_from_parts(*typed, "The due date")
    if problem is None and due is None:
        problem = "Enter the date the returns are due"
    elif due is not None and due < today:
        problem = "The due date must be today or in the future"
    if problem:
        errors["due"] = problem
    return due


def _lawful_basis(
    values: OpeningValues, *, session: Session, errors: dict[str, str]
) -> tuple[int | None, str | None]:
    """The lawful basis chosen from the list, or "other" with its words."""
    if values.lawful_basis == OTHER:
        other = " ".join(values.lawful_basis_other.split())
        if not other:
            errors["lawful_basis_other"] = "Enter the lawful basis the audit runs under"
        elif len(other) > MAX_WORDS:
            errors["lawful_basis_other"] = f"Keep it to {MAX_WORDS:,} characters or fewer"
        return None, other
    offered = {str(b.id): b for b in lawful_bases(session=session, current_only=True)}
    basis = offered.get(values.lawful_basis)
    if basis is None:
        errors["lawful_basis"] = "Select the lawful basis the audit runs under"
        return None, None
    return basis.id, None


def _record(
    action: str, multi_agency: MultiAgencyAudit, actor: Actor, *, session: Session, **detail: Any
) -> None:
    record_event(
        action,
        session=session,
        actor=actor,
        multi_agency_audit=multi_agency.id,
        title=multi_agency.title,
        **detail,
    )


# --- who takes part, and what they see -------------------------------------------------------


def sees_all(actor: Actor, multi_agency: MultiAgencyAudit, *, session: Session) -> bool:
    """The coordinator and the home organisation's admins see the whole multi-agency audit."""
    if actor.id is not None and actor.id == multi_agency.coordinator_id:
        return True
    return actor.role == ADMIN and visibility.is_home(actor, session=session)


def takes_part(actor: Actor, multi_agency: MultiAgencyAudit, *, session: Session) -> bool:
    """Whether the person's organisation has a return on the multi-agency audit."""
    return (
        session.exec(
            select(AgencyReturn.id).where(
                AgencyReturn.multi_agency_audit_id == multi_agency.id,
                AgencyReturn.organisation_id == actor.organisation_id,
            )
        ).first()
        is not None
    )


def get_multi_agency(multi_agency_id: int, actor: Actor, *, session: Session) -> MultiAgencyAudit:
    """The multi-agency audit, if the person sees it (the coordinator, a home admin, a person
    of an agency taking part); MultiAgencyNotFound otherwise, as for no such audit."""
    multi_agency = session.get(MultiAgencyAudit, multi_agency_id)
    if multi_agency is None or not (
        not visibility.is_limited(actor)
        or sees_all(actor, multi_agency, session=session)
        or takes_part(actor, multi_agency, session=session)
    ):
        raise MultiAgencyNotFound(multi_agency_id)
    return multi_agency


def progress_of(audit: Audit | None) -> str:
    """A return's progress: not started, in progress (with its auditor), submitted."""
    if audit is None:
        return NOT_STARTED
    return IN_PROGRESS if audit.status in EDITABLE else SUBMITTED


@dataclass(frozen=True)
class ListRow:
    """A multi-agency audit in the list, with the progress of the person's agency's returns."""

    multi_agency: MultiAgencyAudit
    status: str
    own_returns: int
    own_submitted: int


def list_for(actor: Actor, *, session: Session) -> list[ListRow]:
    """The multi-agency audits the person sees, soonest due first: every one for the home
    admins, those they coordinate, and those their organisation takes part in."""
    rows = session.exec(
        select(MultiAgencyAudit).order_by(col(MultiAgencyAudit.due), col(MultiAgencyAudit.id))
    ).all()
    listed = []
    for multi_agency in rows:
        own = _own_returns(multi_agency, actor, session=session)
        if own or sees_all(actor, multi_agency, session=session):
            submitted = sum(1 for _r, audit in own if progress_of(audit) == SUBMITTED)
            status = STATUS_NAMES[multi_agency.status]
            listed.append(ListRow(multi_agency, status, len(own), submitted))
    return listed


def _own_returns(
    multi_agency: MultiAgencyAudit, actor: Actor, *, session: Session
) -> list[tuple[AgencyReturn, Audit | None]]:
    """The person's organisation's returns on the multi-agency audit, with their audits."""
    return list(
        session.exec(
            select(AgencyReturn, Audit)
            .join(Audit, col(Audit.id) == AgencyReturn.audit_id, isouter=True)
            .where(
                AgencyReturn.multi_agency_audit_id == multi_agency.id,
                AgencyReturn.organisation_id == actor.organisation_id,
            )
        ).all()
    )


@dataclass(frozen=True)
class ReturnRow:
    """One return as the multi-agency audit's page shows it to this person: its progress, and
    what they may do with it (start or continue it, read it as the panel)."""

    return_id: int
    agency: str
    case_ref: str
    questionnaire: str
    progress: str
    audit_id: int | None
    may_start: bool
    may_continue: bool
    may_read: bool


@dataclass(frozen=True)
class MultiAgencyPage:
    """Everything the multi-agency audit's page shows."""

    multi_agency: MultiAgencyAudit
    status: str
    case_refs: list[str]
    agencies: list[str]
    lawful_basis: str
    coordinator: str
    returns: list[ReturnRow]
    is_coordinator: bool
    on_panel: bool
    may_name_panel: bool


def page_of(multi_agency_id: int, actor: Actor, *, session: Session) -> MultiAgencyPage:
    """The multi-agency audit's page for this person."""
    multi_agency = get_multi_agency(multi_agency_id, actor, session=session)
    returns = _return_rows(multi_agency, actor, session=session)
    coordinator = session.get(User, multi_agency.coordinator_id)
    return MultiAgencyPage(
        multi_agency=multi_agency,
        status=STATUS_NAMES[multi_agency.status],
        case_refs=list(dict.fromkeys(row.case_ref for row in returns)),
        agencies=list(dict.fromkeys(row.agency for row in returns)),
        lawful_basis=_basis_words(multi_agency, session=session),
        coordinator=(coordinator.display_name or coordinator.username) if coordinator else "",
        returns=returns,
        is_coordinator=actor.id == multi_agency.coordinator_id,
        on_panel=visibility.is_on_panel(actor, multi_agency, session=session),
        may_name_panel=may_name_panel(actor, multi_agency, session=session),
    )


def _basis_words(multi_agency: MultiAgencyAudit, *, session: Session) -> str:
    if multi_agency.lawful_basis_id is None:
        return multi_agency.lawful_basis_other or ""
    basis = session.get(LawfulBasis, multi_agency.lawful_basis_id)
    return basis.name if basis is not None else ""


def _return_rows(
    multi_agency: MultiAgencyAudit, actor: Actor, *, session: Session
) -> list[ReturnRow]:
    """Each return, by case then agency (the home organisation first), with its progress."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            AgencyReturn, Organisation, Case, QuestionnaireVersion, Audit
        )
        .join(Organisation, col(Organisation.id) == AgencyReturn.organisation_id)
        .join(Case, col(Case.id) == AgencyReturn.case_id)
        .join(
            QuestionnaireVersion,
            col(QuestionnaireVersion.id) == AgencyReturn.questionnaire_version_id,
        )
        .join(Audit, col(Audit.id) == AgencyReturn.audit_id, isouter=True)
        .where(AgencyReturn.multi_agency_audit_id == multi_agency.id)
        .order_by(col(Case.case_ref), col(Organisation.is_home).desc(), col(Organisation.name))
    ).all()
    may_start_any = multi_agency.status == OPEN
    on_panel = visibility.is_on_panel(actor, multi_agency, session=session)
    return [
        ReturnRow(
            return_id=agency_return.id,
            agency=organisation.name,
            case_ref=case.case_ref,
            questionnaire=version.title,
            progress=progress_of(audit),
            audit_id=audit.id if audit is not None else None,
            may_start=may_start_any
            and audit is None
            and actor.organisation_id == organisation.id
            and actor.role in AUDITORS,
            may_continue=audit is not None and audit.auditor_id == actor.id,
            may_read=multi_agency.status != OPEN and on_panel and progress_of(audit) == SUBMITTED,
        )
        for agency_return, organisation, case, version, audit in rows
    ]


# --- the returns ---------------------------------------------------------------------------


def start_return(return_id: int, actor: Actor, *, session: Session) -> Audit:
    """Start the agency's return: an ordinary audit of the person's organisation of the
    return's case, on the return's questionnaire version; the audit already started when the
    person started it before. NotFound when the return is not theirs to audit."""
    agency_return = case_scope.return_to_audit(return_id, actor, session=session)
    if agency_return is None:
        raise NotFound(return_id)
    if agency_return.audit_id is not None:
        audit = session.get(Audit, agency_return.audit_id)
        assert audit is not None
        if audit.auditor_id != actor.id:
            raise Refused(
                "Someone else of your organisation has started this return: only they can "
                "complete it."
            )
        return audit
    return _new_return_audit(agency_return, actor, session=session)


def _new_return_audit(agency_return: AgencyReturn, actor: Actor, *, session: Session) -> Audit:
    """A draft audit for the return, tied to it, recorded in the trail."""
    audit = Audit(
        case_id=agency_return.case_id,
        questionnaire_version_id=agency_return.questionnaire_version_id,
        auditor_id=actor.person_id,
        organisation_id=actor.organisation_id,
        multi_agency_audit_id=agency_return.multi_agency_audit_id,
    )
    session.add(audit)
    session.flush()
    agency_return.audit_id = audit.id
    session.add(agency_return)
    session.flush()
    case = session.get(Case, agency_return.case_id)
    version = session.get(QuestionnaireVersion, agency_return.questionnaire_version_id)
    assert case is not None and version is not None
    record_event(
        "audit.created",
        session=session,
        actor=actor,
        audit_id=audit.id,
        case_ref=case.case_ref,
        questionnaire_id=version.questionnaire_id,
        version=version.version,
        multi_agency_audit=agency_return.multi_agency_audit_id,
        agency_return=agency_return.id,
    )
    return audit


def close_when_all_in(multi_agency_id: int, actor: Actor, *, session: Session) -> bool:
    """Close the returns when every return is submitted (called as one is); whether it did."""
    multi_agency = session.get(MultiAgencyAudit, multi_agency_id)
    if multi_agency is None or multi_agency.status != OPEN:
        return False
    rows = session.exec(
        select(Audit)
        .select_from(AgencyReturn)
        .join(Audit, col(Audit.id) == AgencyReturn.audit_id, isouter=True)
        .where(AgencyReturn.multi_agency_audit_id == multi_agency_id)
    ).all()
    if any(progress_of(audit) != SUBMITTED for audit in rows):
        return False
    _close(multi_agency, actor, session=session, reason=None)
    return True


def close_returns(
    multi_agency_id: int, reason: str, expected_version: int, actor: Actor, *, session: Session
) -> MultiAgencyAudit:
    """The coordinator closes the returns before every one is in, giving the reason: the panel
    then reads the returns submitted."""
    multi_agency = get_multi_agency(multi_agency_id, actor, session=session)
    if actor.id != multi_agency.coordinator_id:
        raise Refused("Only the coordinator of this multi-agency audit can close its returns.")
    if multi_agency.status != OPEN:
        raise Refused("The returns of this multi-agency audit are already closed.")
    if multi_agency.version != expected_version:
        raise Stale("This multi-agency audit changed since you opened the page: look again.")
    words = " ".join(reason.split())
    if not words:
        raise FieldErrors({"reason": "Enter why the returns are closed before every one is in"})
    if len(words) > MAX_WORDS:
        raise FieldErrors({"reason": f"Keep it to {MAX_WORDS:,} characters or fewer"})
    _close(multi_agency, actor, session=session, reason=words)
    return multi_agency


def _close(
    multi_agency: MultiAgencyAudit, actor: Actor, *, session: Session, reason: str | None
) -> None:
    multi_agency.status = RETURNS_CLOSED
    multi_agency.returns_closed_at = clock.now()
    multi_agency.version += 1
    session.add(multi_agency)
    session.flush()
    _record(
        "multi_agency.returns_closed",
        multi_agency,
        actor,
        session=session,
        every_return_in=reason is None,
        reason=reason,
    )


def return_opened(audit_id: int, actor: Actor, *, session: Session, how: str) -> None:
    """The trail's record that a person other than its auditor opened an agency's return (the
    panel, once the returns are closed); nothing for any other audit."""
    audit = session.get(Audit, audit_id)
    if audit is None or audit.multi_agency_audit_id is None or audit.auditor_id == actor.id:
        return
    case = session.get(Case, audit.case_id)
    record_event(
        "multi_agency.return_opened",
        session=session,
        actor=actor,
        audit_id=audit.id,
        case_ref=case.case_ref if case is not None else None,
        multi_agency_audit=audit.multi_agency_audit_id,
        organisation=audit.organisation_id,
        how=how,
    )


# --- the panel's members -------------------------------------------------------------------


def may_name_panel(actor: Actor, multi_agency: MultiAgencyAudit, *, session: Session) -> bool:
    """Whether the person names their agency's people to the panel: an admin or a group
    manager of an agency taking part, until the panel concludes."""
    return (
        actor.role in OPENERS
        and multi_agency.status != CONCLUDED
        and takes_part(actor, multi_agency, session=session)
    )


@dataclass(frozen=True)
class PanelMemberRow:
    user_id: int
    name: str
    agency: str
    removable: bool


def panel_of(
    multi_agency: MultiAgencyAudit, actor: Actor, *, session: Session
) -> list[PanelMemberRow]:
    """The panel: the coordinator first, then the people the agencies named, by agency."""
    coordinator = session.get(User, multi_agency.coordinator_id)
    assert coordinator is not None
    rows = [_member_row(coordinator, actor, session=session, removable=False)]
    named = session.exec(
        select(User)
        .join(PanelMember, col(PanelMember.user_id) == User.id)
        .where(
            PanelMember.multi_agency_audit_id == multi_agency.id,
            User.id != multi_agency.coordinator_id,
        )
        .order_by(col(User.organisation_id), col(User.display_name), col(User.username))
    ).all()
    manages = may_name_panel(actor, multi_agency, session=session)
    for user in named:
        removable = manages and user.organisation_id == actor.organisation_id
        rows.append(_member_row(user, actor, session=session, removable=removable))
    return rows


def _member_row(user: User, actor: Actor, *, session: Session, removable: bool) -> PanelMemberRow:
    organisation = session.get(Organisation, user.organisation_id)
    return PanelMemberRow(
        user_id=user.id,  # type: ignore[arg-type]
        name=user.display_name or user.username,
        agency=organisation.name if organisation is not None else "",
        removable=removable,
    )


def panel_candidates(
    multi_agency: MultiAgencyAudit, actor: Actor, *, session: Session
) -> list[User]:
    """The active people of the person's organisation not on the panel yet."""
    on_panel = select(PanelMember.user_id).where(
        PanelMember.multi_agency_audit_id == multi_agency.id
    )
    return list(
        session.exec(
            select(User)
            .where(
                User.organisation_id == actor.organisation_id,
                col(User.active).is_(True),
                User.id != multi_agency.coordinator_id,
                col(User.id).not_in(on_panel),
            )
            .order_by(col(User.display_name), col(User.username))
        )
    )


def add_panel_member(
    multi_agency_id: int, typed_user: str, actor: Actor, *, session: Session
) -> User:
    """Name a person of the actor's agency to the panel; FieldErrors when none was chosen."""
    multi_agency = _naming(multi_agency_id, actor, session=session)
    chosen = {str(u.id): u for u in panel_candidates(multi_agency, actor, session=session)}
    user = chosen.get(typed_user)
    if user is None:
        raise FieldErrors({"user": "Select the person to name to the panel"})
    session.add(PanelMember(multi_agency_audit_id=multi_agency_id, user_id=user.id))  # type: ignore[arg-type]
    session.flush()
    _record("multi_agency.panel_member_added", multi_agency, actor, session=session, user=user.id)
    return user


def remove_panel_member(
    multi_agency_id: int, user_id: int, actor: Actor, *, session: Session
) -> User:
    """Take a person of the actor's agency off the panel."""
    multi_agency = _naming(multi_agency_id, actor, session=session)
    member = session.get(PanelMember, (multi_agency_id, user_id))
    user = session.get(User, user_id)
    if member is None or user is None or user.organisation_id != actor.organisation_id:
        raise NotFound(user_id)
    session.delete(member)
    session.flush()
    _record("multi_agency.panel_member_removed", multi_agency, actor, session=session, user=user_id)
    return user


def _naming(multi_agency_id: int, actor: Actor, *, session: Session) -> MultiAgencyAudit:
    multi_agency = get_multi_agency(multi_agency_id, actor, session=session)
    if not may_name_panel(actor, multi_agency, session=session):
        raise Refused(
            "Only an admin or a group manager of an agency taking part names its people to "
            "the panel, until the panel concludes."
        )
    return multi_agency
