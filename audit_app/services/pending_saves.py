"""Answers sent from a theme page after the session ended, kept until their auditor signs in.

The page's answers are kept under a random token (the browser's session holds it); once the
auditor is signed in again, the theme page finds them, uses them once, and saves them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, select

from audit_app.models import PendingSave

# What a kept page carries beside its answers and is not kept: the old session's CSRF token.
NOT_KEPT = ("csrf_token",)


@dataclass(frozen=True)
class KeptAnswers:
    """A theme page's values as sent, by field name, with the version and state it carried."""

    posted: dict[str, str]
    version: int
    state: str


def keep(
    user_id: int, audit_id: int, theme_id: str, form: Mapping[str, str], *, session: Session
) -> str:
    """Keep what a theme page sent after its auditor's session ended; return the token."""
    payload = {k: v for k, v in form.items() if k not in NOT_KEPT}
    token = secrets.token_urlsafe(24)
    session.add(
        PendingSave(
            token=token,
            user_id=user_id,
            audit_id=audit_id,
            theme_id=theme_id,
            payload=json.dumps(payload),
        )
    )
    return token


def find(
    token: str, audit_id: int | None, theme_id: str, *, session: Session
) -> PendingSave | None:
    """The answers kept under ``token``, when they were sent from this audit's theme page."""
    pending = session.exec(select(PendingSave).where(PendingSave.token == token)).first()
    if pending is None or pending.audit_id != audit_id or pending.theme_id != theme_id:
        return None
    return pending


def kept_answers(pending: PendingSave) -> KeptAnswers:
    """The page's values as sent; a version that is not a whole number counts as 0."""
    payload = json.loads(pending.payload)
    try:
        version = int(payload.pop("version", 0))
    except (TypeError, ValueError):
        version = 0
    state = str(payload.pop("loaded_state", "") or "")
    posted = {str(k): str(v) for k, v in payload.items()}
    return KeptAnswers(posted=posted, version=version, state=state)


def forget(pending: PendingSave, *, session: Session) -> None:
    """Kept answers are used once: gone before the save they restore is tried."""
    session.delete(pending)
