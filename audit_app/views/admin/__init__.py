"""The admin area: users, cases, allocations and kinds of audit. Every route is for admins only."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module adds its routes to ``bp``.
from audit_app.views.admin import allocations, cases, kinds, users  # noqa: E402,F401
