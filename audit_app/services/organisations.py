"""The organisations: the home organisation (the council) and the partner agencies, each with
its own people and records (docs/organisations.md). Only the home organisation's admins list
and add them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from audit_app.core.organisations import KIND_NAMES, PARTNER_KINDS
from audit_app.models import Organisation, User
from audit_app.services import accounts
from audit_app.services.actor import Actor
from audit_app.services.errors import FieldErrors
from audit_app.services.trail import record_event

NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class FirstAdmin:
    """A new partner organisation's first admin, as typed (the password chosen for them)."""

    username: str
    password: str
    display_name: str = ""


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    people: int

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.organisation.kind, self.organisation.kind)


def home_organisation(*, session: Session) -> Organisation:
    """The home organisation (the migration seeds it; nothing removes it)."""
    return session.exec(select(Organisation).where(col(Organisation.is_home))).one()


def list_organisations(*, session: Session) -> list[OrganisationRow]:
    """Every organisation, the home one first, then by name, with how many people it has."""
    people = dict(
        session.exec(
            select(User.organisation_id, func.count()).group_by(col(User.organisation_id))
        ).all()
    )
    rows = session.exec(
        select(Organisation).order_by(col(Organisation.is_home).desc(), col(Organisation.name))
    )
    return [OrganisationRow(row, int(people.get(row.id, 0))) for row in rows]


def organisation_problems(name: str, kind: str, *, session: Session) -> dict[str, str]:
    """What is wrong with a new partner organisation's name and kind, by field."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "Enter the organisation's name"
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"The name must be {NAME_MAX_LENGTH} characters or fewer"
    elif _name_taken(name, session=session):
        errors["name"] = f"There is already an organisation called {name}: enter another name"
    if kind not in PARTNER_KINDS:
        errors["kind"] = "Select the kind of organisation"
    return errors


def _name_taken(name: str, *, session: Session) -> bool:
    same = func.lower(Organisation.name) == name.casefold()
    return session.exec(select(Organisation.id).where(same)).first() is not None


def add_partner(
    name: str,
    kind: str,
    admin: FirstAdmin,
    *,
    session: Session,
    actor: Actor,
    context_words: Iterable[str] | None = None,
) -> Organisation:
    """Add a partner organisation and its first admin, all or nothing; two-factor
    authentication is required of its people. FieldErrors says what is wrong, by field."""
    errors = organisation_problems(name, kind, session=session)
    if errors:
        raise FieldErrors(errors)
    organisation = Organisation(name=name.strip(), kind=kind, mfa_required=True)
    session.add(organisation)
    session.flush()
    record_event(
        "organisation.created",
        session=session,
        actor=actor,
        organisation=organisation.name,
        kind=kind,
        mfa_required=True,
    )
    accounts.create_user(
        admin.username,
        admin.password,
        "admin",
        session=session,
        actor=actor,
        display_name=admin.display_name,
        context_words=context_words,
        change_at_sign_in=True,
        organisation_id=organisation.id,
    )
    return organisation
