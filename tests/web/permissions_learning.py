"""Permission rows for findings and learning: the audit's auditor tags findings on it and a
group manager of its service tags them as moderator; the learning report and its download are
for every role, within their access; only a QA lead (an admin) chooses quotations for the paper
and manages the learning themes. ``{submitted}`` is permissions_managers.py's audit."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Audit, Finding, LearningTheme
from tests.web.permission_kinds import ADMIN_ONLY, expect

AUDITOR_ONLY = expect("missing", auditor="ok", viewer="forbidden", admin="forbidden")
MODERATORS = expect("forbidden", manager_own="ok", manager_other="missing")


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A finding with a quotation on the auditor's draft, and a learning theme's id."""
    with session_scope(app) as session:
        audit = session.get(Audit, places["draft"])
        assert audit is not None
        theme = session.exec(select(LearningTheme)).first()
        assert theme is not None
        finding = Finding(
            audit_id=audit.id,  # type: ignore[arg-type]
            learning_theme_id=theme.id,  # type: ignore[arg-type]
            kind="strength",
            tagged_as="auditor",
            tagged_by_id=audit.auditor_id,
            quotation="Seen alone.",
        )
        session.add(finding)
        session.flush()
        return {"finding": finding.id, "learning_theme": theme.id}


ROWS = {
    "learning.audit_findings": [
        ("GET", "/audits/{draft}/findings", AUDITOR_ONLY),
        ("POST", "/audits/{draft}/findings", AUDITOR_ONLY),
    ],
    "learning.remove_audit_finding": [
        ("POST", "/audits/{draft}/findings/{finding}/remove", AUDITOR_ONLY)
    ],
    "learning.moderation_findings": [
        ("GET", "/moderation/audits/{submitted}/findings", MODERATORS),
        ("POST", "/moderation/audits/{submitted}/findings", MODERATORS),
    ],
    "learning.remove_moderation_finding": [
        ("POST", "/moderation/audits/{submitted}/findings/{finding}/remove", MODERATORS)
    ],
    "learning.report": [("GET", "/reports/learning", expect("ok"))],
    "learning.export": [("GET", "/reports/learning.csv", expect("ok"))],
    "learning.choose": [("POST", "/reports/learning/quotations/{finding}", ADMIN_ONLY)],
    "admin.learning_themes": [
        ("GET", "/admin/learning-themes", ADMIN_ONLY),
        ("POST", "/admin/learning-themes", ADMIN_ONLY),
    ],
    "admin.learning_theme": [
        ("GET", "/admin/learning-themes/{learning_theme}", ADMIN_ONLY),
        ("POST", "/admin/learning-themes/{learning_theme}", ADMIN_ONLY),
    ],
    "admin.learning_theme_retire": [
        ("POST", "/admin/learning-themes/{learning_theme}/retire", ADMIN_ONLY)
    ],
}

# The learning themes are the home organisation's list, as the kinds of audit: a partner's
# people get 403.
HOME_ONLY = {"admin.learning_themes", "admin.learning_theme", "admin.learning_theme_retire"}
