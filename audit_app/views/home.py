"""The home page: each role starts here."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from audit_app import clock
from audit_app.auth import ALL_ROLES, current_actor, role_required
from audit_app.core.roles import AUDITORS
from audit_app.db import get_session
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from audit_app.services import concerns as concern_service
from audit_app.services import moderation as moderation_service
from audit_app.services import questionnaires as questionnaire_service

bp = Blueprint("home", __name__)


@bp.get("/")
@role_required(*ALL_ROLES)
def index() -> str:
    db = get_session()
    context: dict[str, object] = {
        "versions": questionnaire_service.current_versions(session=db),
    }
    me = current_actor()
    if concern_service.could_see_concerns(me):
        # Managers see their services' concerns, admins every concern, and the safeguarding
        # fallback (whatever their role) those of services without an active manager.
        context["concerns"] = concern_service.open_concerns(me, session=db)
    if current_user.has_role(*AUDITORS):
        from audit_app.services import allocations as allocation_service

        mine = audit_service.audits_of_auditor(current_user.id, session=db)
        context["allocations"] = allocation_service.allocations_for_auditor(
            current_user.id, session=db
        )
        context["drafts"] = [a for a in mine if a.status == "draft"]
        context["submitted"] = [a for a in mine if a.status not in audit_service.EDITABLE]
        context["returned"] = moderation_service.returned_to_auditor(current_user.id, session=db)
        today = clock.today()
        if current_user.has_role("manager"):
            context["queue"] = moderation_service.queue(
                me, session=db, blind=bool(current_app.config.get("MODERATION_BLIND"))
            )
            context["blind"] = bool(current_app.config.get("MODERATION_BLIND"))
            context["open_actions"] = action_service.open_actions(me, session=db, today=today)
        else:
            context["my_actions"] = action_service.open_actions(me, session=db, today=today)
    return render_template("home/index.html", **context)
