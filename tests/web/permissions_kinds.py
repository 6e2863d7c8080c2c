"""Permission rows for the kinds of audit: declared by admins only."""

from __future__ import annotations

from tests.web.permission_kinds import ADMIN_ONLY

ROWS = {
    "admin.kinds": [("GET", "/admin/kinds", ADMIN_ONLY), ("POST", "/admin/kinds", ADMIN_ONLY)],
}

HOME_ONLY = set(ROWS)  # the home organisation's alone: a partner's people get 403
