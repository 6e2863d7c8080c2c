"""Kinds of audit declared by the council (monthly, deep dive, supervision...).

Kinds are declared by admins (Admin > Kinds of audit) and kept in ``audit_kind``: a questionnaire
names one, loading a format 2 questionnaire that names an undeclared kind is refused, and every
report's kind filter lists the declared kinds by their names. A kind is added or renamed, never
removed, so a loaded questionnaire's kind stays declared. Format 1 questionnaires keep their two
kinds, ``monthly`` and ``deep_dive``, both in the default list.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from audit_app.core.limits import KIND_MAX_LENGTH, KIND_NAME_MAX_LENGTH
from audit_app.models import AuditKind
from audit_app.services.actor import Actor
from audit_app.services.errors import FieldErrors
from audit_app.services.trail import record_event

DEFAULT_KINDS: tuple[tuple[str, str], ...] = (
    ("monthly", "Monthly case-file audit"),
    ("deep_dive", "Deep dive"),
    ("thematic", "Thematic audit"),
    ("dip_sample", "Dip sample"),
    ("supervision", "Supervision audit"),
    ("multi_agency", "Multi-agency audit"),
    ("closure", "Closure audit"),
)
"""The kinds a new database starts with (migration 0019 seeds them)."""

_KIND = re.compile(r"[a-z][a-z0-9_]*")


def declared_kinds(*, session: Session) -> dict[str, str]:
    """Every declared kind: its name in questionnaires -> its name for people, in the order
    people read them."""
    rows = session.exec(select(AuditKind).order_by(col(AuditKind.display_name))).all()
    return {row.name: row.display_name for row in rows}


def undeclared_kind_message(kind: str, declared: dict[str, str]) -> str:
    """What a questionnaire naming a kind nobody declared is told."""
    listed = ", ".join(f'"{name}"' for name in sorted(declared)) or "none"
    return (
        f'"{kind}" is not a kind of audit declared here; an admin declares kinds in Admin > '
        f"Kinds of audit. The declared kinds are: {listed}"
    )


def check_kind(name: str, display_name: str, *, session: Session) -> tuple[str, str]:
    """The kind's two names, trimmed; FieldErrors saying what is wrong with either."""
    name, display_name = name.strip(), " ".join(display_name.split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter the kind's name in questionnaires, for example supervision"
    elif len(name) > KIND_MAX_LENGTH or not _KIND.fullmatch(name):
        errors["name"] = (
            f"The name in questionnaires must be at most {KIND_MAX_LENGTH} characters: lower-case "
            "letters, digits and _ only, starting with a letter, for example dip_sample"
        )
    if not display_name:
        errors["display_name"] = "Enter the name people read, for example Dip sample"
    elif len(display_name) > KIND_NAME_MAX_LENGTH:
        errors["display_name"] = (
            f"The name people read must be at most {KIND_NAME_MAX_LENGTH} characters"
        )
    else:
        taken = session.exec(
            select(AuditKind).where(AuditKind.display_name == display_name, AuditKind.name != name)
        ).first()
        if taken is not None:
            errors["display_name"] = (
                f'"{display_name}" is already the name of the kind {taken.name}: choose another'
            )
    if errors:
        raise FieldErrors(errors)
    return name, display_name


def declare_kind(name: str, display_name: str, *, session: Session, actor: Actor) -> str:
    """Declare a kind, or rename one already declared; "declared", "renamed" or "unchanged".
    Recorded in the trail."""
    name, display_name = check_kind(name, display_name, session=session)
    kind = session.get(AuditKind, name)
    if kind is not None and kind.display_name == display_name:
        return "unchanged"
    if kind is None:
        session.add(AuditKind(name=name, display_name=display_name, created_by=actor.username))
        record_event(
            "audit_kind.declared",
            session=session,
            actor=actor,
            kind=name,
            display_name=display_name,
        )
        session.flush()
        return "declared"
    before, kind.display_name = kind.display_name, display_name
    session.add(kind)
    record_event(
        "audit_kind.renamed",
        session=session,
        actor=actor,
        kind=name,
        before=before,
        display_name=display_name,
    )
    session.flush()
    return "renamed"


__all__ = [
    "DEFAULT_KINDS",
    "check_kind",
    "declare_kind",
    "declared_kinds",
    "undeclared_kind_message",
]
