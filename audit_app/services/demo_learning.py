"""Demonstration findings: about half the demo's submitted audits tagged by their auditors with
a strength, an area for development or learning and a learning theme, a few quoting the
auditor's analysis, so that the learning report and the board paper have something to show.

The findings come from a draw of their own (a fixed seed), so that the rest of the demo is the
same with them as without them.
"""

from __future__ import annotations

import random

from sqlmodel import Session, col, select

from audit_app.core.lifecycle import SUBMITTED
from audit_app.models import Audit, LearningTheme, User
from audit_app.services import learning
from audit_app.services.audits import load_audit
from audit_app.services.demo_audits import auditor_actor

SEED = 16
"""The findings' own draw."""
TAGGED_SHARE = 0.5
"""About this share of submitted audits have findings."""


def tag_findings(session: Session) -> int:
    """Tag one or two findings on about half the submitted audits; how many were tagged."""
    rng = random.Random(SEED)
    themes = learning.learning_themes(session=session, current_only=True)
    audits = session.exec(
        select(Audit)
        .where(Audit.status == SUBMITTED, col(Audit.exercise_id).is_(None))
        .order_by(col(Audit.id))
    ).all()
    tagged = 0
    for audit in audits:
        if rng.random() < TAGGED_SHARE:
            tagged += _tag_audit(session, rng, audit, themes)
    return tagged


def _tag_audit(
    session: Session, rng: random.Random, audit: Audit, themes: list[LearningTheme]
) -> int:
    """One or two findings on the audit, as its auditor would tag them."""
    auditor = session.get(User, audit.auditor_id)
    assert auditor is not None and audit.id is not None
    actor = auditor_actor(auditor)
    count = rng.choice((1, 1, 2))
    for _ in range(count):
        audit_file = load_audit(audit.id, actor, session=session)
        quotation = _first_sentence(audit.overall_analysis) if rng.random() < 0.5 else ""
        tag = learning.Tag(
            kind=rng.choice(tuple(learning.KIND_NAMES)),
            learning_theme=str(rng.choice(themes).id),
            quotation=quotation,
        )
        seen = learning.findings_state(audit.id, session=session)
        learning.tag_finding(audit_file, learning.AUDITOR, tag, seen, actor, session=session)
    return count


def _first_sentence(text: str | None) -> str:
    """The analysis's first sentence (up to its first full stop or semicolon), if short enough."""
    sentence = (text or "").split(";")[0].split(". ")[0].strip()
    return sentence if len(sentence) <= 120 else ""
