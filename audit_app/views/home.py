"""The home page: each role starts here."""

from __future__ import annotations

from flask import Blueprint, render_template

from audit_app.auth import ALL_ROLES, role_required
from audit_app.db import get_session
from audit_app.services import questionnaires as questionnaire_service

bp = Blueprint("home", __name__)


@bp.get("/")
@role_required(*ALL_ROLES)
def index() -> str:
    """The questionnaires that new audits can use."""
    versions = questionnaire_service.current_versions(session=get_session())
    return render_template("home/index.html", versions=versions)
