"""The admin area: users, cases, allocations, kinds of audit, learning themes, lawful bases
and organisations. Every route is for admins only."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module adds its routes to ``bp``.
from audit_app.views.admin import (  # noqa: E402,F401
    allocations,
    cases,
    grants,
    kinds,
    lawful_bases,
    learning_themes,
    organisations,
    users,
)
