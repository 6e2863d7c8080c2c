"""Answers sent from a theme page after the session ended, kept until their auditor signs in.

The page's answers are kept under a random token (the browser's session holds it); once the
auditor is signed in again, the theme page finds them, uses them once, and saves them.

Only what the person could have saved is kept: the page's own fields, from a browser whose session
ended by inactivity (its record on the server not ended), of an active user, for a theme of their
own audit that can still change. One page is kept per person and audit (a later one replaces it),
of at most ``MAX_KEPT_BYTES``, for ``KEEP_FOR``: older answers are not restored, and are removed
when read or by ``retention purge`` (``forget_expired``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from audit_app.core.lifecycle import EDITABLE
from audit_app.core.questionnaire import Theme
from audit_app.core.roles import AUDITORS
from audit_app.models import Audit, PendingSave, QuestionnaireVersion, User, UserSession, utcnow
from audit_app.services import errors
from audit_app.services.evidence import evidence_names
from audit_app.services.questionnaires import questionnaire_of

# What a kept page carries beside its questions' answers: the grade, the analysis, and the
# version and state of the audit the page showed.
PAGE_FIELDS = ("judgement", "analysis", "version", "loaded_state")
KEEP_FOR = timedelta(hours=24)
# Far more than a page's answers can be (each box holds 10,000 characters), far less than a
# request can carry.
MAX_KEPT_BYTES = 256 * 1024

NOT_KEPT = (
    "What you typed on this page could not be kept, because your session had ended. Sign in "
    "again, then type it again."
)
TOO_LARGE = (
    "What you typed on this page could not be kept: it is more than the 256 KB that can be kept "
    "while you are signed out. Sign in again, then type it again."
)
TOO_OLD = (
    "What you typed on this page after your session ended was kept more than 24 hours ago, so "
    "it has not been saved. Type it again."
)


class NotKept(errors.Refused):
    """A page sent after the session ended whose answers are not kept; the message says so."""


@dataclass(frozen=True)
class EndedSession:
    """Whose session ended by inactivity, as the browser's cookie says, and its record on the
    server (None when the cookie names none)."""

    user_id: int
    record: UserSession | None


@dataclass(frozen=True)
class KeptAnswers:
    """A theme page's values as sent, by field name, with the version and state it carried."""

    posted: dict[str, str]
    version: int
    state: str


def keep(
    ended: EndedSession,
    audit_id: int,
    theme_id: str,
    form: Mapping[str, str],
    *,
    session: Session,
) -> str:
    """Keep what a theme page sent after its auditor's session ended; return the token.

    Raises ``NotKept`` when the page's answers may not be kept, or are too large.
    """
    user = _person_of(ended, session=session)
    theme = _theme_they_may_change(user, audit_id, theme_id, session=session)
    payload = page_payload(theme, form)
    token = secrets.token_urlsafe(24)
    pending = session.exec(
        select(PendingSave).where(
            PendingSave.user_id == ended.user_id, PendingSave.audit_id == audit_id
        )
    ).first()
    if pending is None:
        pending = PendingSave(
            token=token, user_id=ended.user_id, audit_id=audit_id, theme_id=theme.id, payload=""
        )
    # A later page replaces what was kept for this audit: its theme, answers and time.
    pending.token = token
    pending.theme_id = theme.id
    pending.payload = payload
    pending.created_at = utcnow()
    session.add(pending)
    return token


def _person_of(ended: EndedSession, *, session: Session) -> User:
    """The active user whose session this browser's was, unless it was ended on the server."""
    user = session.get(User, ended.user_id)
    record = ended.record
    if user is None or not user.active or user.role not in AUDITORS:
        raise NotKept(NOT_KEPT)
    if record is None or record.user_id != user.id or record.ended_at is not None:
        raise NotKept(NOT_KEPT)  # signed out, ended by an admin, or another person's session
    return user


def _theme_they_may_change(user: User, audit_id: int, theme_id: str, *, session: Session) -> Theme:
    """The theme of the person's own audit that can still change; else ``NotKept``."""
    audit = session.get(Audit, audit_id)
    if audit is None or audit.auditor_id != user.id or audit.status not in EDITABLE:
        raise NotKept(NOT_KEPT)
    version_row = session.get(QuestionnaireVersion, audit.questionnaire_version_id)
    assert version_row is not None  # a foreign key
    themes = questionnaire_of(version_row).themes
    theme = next((t for t in themes if t.id == theme_id), None)
    if theme is None:
        raise NotKept(NOT_KEPT)
    return theme


def page_payload(theme: Theme, form: Mapping[str, str]) -> str:
    """The page's own fields as JSON; ``NotKept`` when over ``MAX_KEPT_BYTES``."""
    names = [q.id for q in theme.questions] + evidence_names(theme) + list(PAGE_FIELDS)
    ticked = {q.id for q in theme.questions if q.type == "multi"}
    values = {
        # Every option ticked of a multi question, not only the first the form holds.
        name: " ".join(form.getlist(name))
        if name in ticked and hasattr(form, "getlist")
        else form[name]
        for name in names
        if name in form
    }
    payload = json.dumps(values, ensure_ascii=False)
    # Form values are decoded with invalid bytes replaced, so every character encodes.
    if len(payload.encode("utf-8", "surrogatepass")) > MAX_KEPT_BYTES:
        raise NotKept(TOO_LARGE)
    return payload


def find(
    token: str, audit_id: int | None, theme_id: str, *, session: Session
) -> PendingSave | None:
    """The answers kept under ``token``, when they were sent from this audit's theme page."""
    pending = session.exec(select(PendingSave).where(PendingSave.token == token)).first()
    if pending is None or pending.audit_id != audit_id or pending.theme_id != theme_id:
        return None
    return pending


def too_old(pending: PendingSave, now: datetime | None = None) -> bool:
    """Whether the answers were kept longer ago than ``KEEP_FOR``: not restored, then."""
    return pending.created_at < (now or utcnow()) - KEEP_FOR


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


def forget_expired(*, session: Session, now: datetime | None = None) -> int:
    """Remove answers kept longer ago than ``KEEP_FOR``; return how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    result = session.execute(delete(PendingSave).where(col(PendingSave.created_at) < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
