"""The theme page's suggested grade, recalculated for answers not saved yet (with script)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, role_required
from audit_app.core.roles import AUDITORS
from audit_app.db import get_session, release_if_unwritten
from audit_app.services import audits as audit_service
from audit_app.services import suggestion as suggestion_service
from audit_app.services.audits import AuditError

bp = Blueprint("suggestion", __name__)


@bp.post("/audits/<int:audit_id>/themes/<theme_id>/suggestion")
@role_required(*AUDITORS)
def theme_suggestion(audit_id: int, theme_id: str) -> Response:
    """JSON ``{grade, percent, text}`` for the theme page's fields as posted; stores nothing.

    For the audit's own auditor while they may still change it, as the theme page is; 404 for
    anyone else, a submitted audit or an unknown theme.
    """
    db = get_session()
    try:
        audit_file = audit_service.load_own_editable(audit_id, current_actor(), session=db)
    except AuditError:  # submitted: not revealed, as if it were not theirs
        abort(404)
    release_if_unwritten(db)  # read everything it needs: no need to hold SQLite's write lock
    try:
        suggestion = suggestion_service.theme_suggestion(
            audit_file.questionnaire,
            audit_file.answers,
            theme_id,
            request.form,
            service=audit_file.service,
        )
    except KeyError:
        abort(404)
    return jsonify(grade=suggestion.grade, percent=suggestion.percent, text=suggestion.text)
