"""Permission rows for the questionnaires workshop: every page is for admins only."""

from __future__ import annotations

from tests.web.permission_kinds import ADMIN_ONLY

VERSION = "/questionnaires/journey-audit/versions/1"

ROWS = {
    "workshop.index": [("GET", "/questionnaires", ADMIN_ONLY)],
    "workshop.upload": [
        ("GET", "/questionnaires/upload", ADMIN_ONLY),
        ("POST", "/questionnaires/upload", ADMIN_ONLY),
    ],
    "workshop.upload_confirm": [("POST", "/questionnaires/upload/confirm", ADMIN_ONLY)],
    "workshop.download": [("GET", f"{VERSION}/download", ADMIN_ONLY)],
    "workshop.preview": [("GET", f"{VERSION}/preview", ADMIN_ONLY)],
    "workshop.preview_theme": [("GET", f"{VERSION}/preview/voice", ADMIN_ONLY)],
    "workshop.retire": [("POST", f"{VERSION}/retire", ADMIN_ONLY)],
    "workshop.reinstate": [("POST", f"{VERSION}/reinstate", ADMIN_ONLY)],
    "workshop.compare": [("GET", "/questionnaires/journey-audit/compare", ADMIN_ONLY)],
    "workshop.impact": [("GET", "/questionnaires/journey-audit/rescoring", ADMIN_ONLY)],
}
