"""The home page: each role starts here."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from audit_app import clock
from audit_app.auth import ALL_ROLES, current_actor, role_required
from audit_app.core.roles import INDEPENDENT
from audit_app.db import get_session
from audit_app.forms.independent import ButtonForm
from audit_app.services import independent
from audit_app.services.actor import Actor
from audit_app.services.home_page import home_page

bp = Blueprint("home", __name__)


@bp.get("/")
@role_required(*ALL_ROLES)
def index() -> str:
    if current_user.has_role(INDEPENDENT):
        return render_template("independent/home.html", **independent_home(current_actor()))
    page = home_page(
        current_actor(),
        session=get_session(),
        today=clock.today(),
        blind=bool(current_app.config.get("MODERATION_BLIND")),
    )
    return render_template("home/index.html", **page)


def independent_home(actor: Actor) -> dict[str, object]:
    """What is open to the independent auditor today (England's day): audits to re-audit and
    cases to look at."""
    db, today = get_session(), clock.today()
    return {
        "audits": independent.assigned_audits(actor, session=db, today=today),
        "cases": independent.assigned_cases(actor, session=db, today=today),
        "form": ButtonForm(),
    }
