"""The home page: each role starts here."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from audit_app import clock
from audit_app.auth import ALL_ROLES, current_actor, role_required
from audit_app.db import get_session
from audit_app.services.home_page import home_page

bp = Blueprint("home", __name__)


@bp.get("/")
@role_required(*ALL_ROLES)
def index() -> str:
    page = home_page(
        current_actor(),
        session=get_session(),
        today=clock.today(),
        blind=bool(current_app.config.get("MODERATION_BLIND")),
    )
    return render_template("home/index.html", **page)
