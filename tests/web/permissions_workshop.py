"""Permission rows for the questionnaires workshop: every page is for admins only."""

from __future__ import annotations

from flask import Flask

from tests.builders import journey_questionnaire, load_draft
from tests.web.permission_kinds import ADMIN_ONLY

VERSION = "/questionnaires/journey-audit/versions/1"
DRAFT = "/questionnaires/journey-audit/versions/2"


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A draft version 2 of the journey questionnaire, beside the published version 1."""
    load_draft(app, {**journey_questionnaire(), "version": 2})
    return {}


ROWS = {
    "workshop.index": [("GET", "/questionnaires", ADMIN_ONLY)],
    "workshop.upload": [
        ("GET", "/questionnaires/upload", ADMIN_ONLY),
        ("POST", "/questionnaires/upload", ADMIN_ONLY),
    ],
    "workshop.upload_confirm": [("POST", "/questionnaires/upload/confirm", ADMIN_ONLY)],
    "workshop.download": [
        ("GET", f"{VERSION}/download", ADMIN_ONLY),
        ("GET", f"{DRAFT}/download", ADMIN_ONLY),
    ],
    "workshop.preview": [
        ("GET", f"{VERSION}/preview", ADMIN_ONLY),
        ("GET", f"{DRAFT}/preview", ADMIN_ONLY),
    ],
    "workshop.preview_theme": [
        ("GET", f"{VERSION}/preview/voice", ADMIN_ONLY),
        ("GET", f"{DRAFT}/preview/voice", ADMIN_ONLY),
    ],
    "workshop.publish": [
        ("GET", f"{DRAFT}/publish", ADMIN_ONLY),
        ("POST", f"{DRAFT}/publish", ADMIN_ONLY),
    ],
    "workshop.discard": [
        ("GET", f"{DRAFT}/discard", ADMIN_ONLY),
        ("POST", f"{DRAFT}/discard", ADMIN_ONLY),
    ],
    "workshop.retire": [
        ("GET", f"{VERSION}/retire", ADMIN_ONLY),
        ("POST", f"{VERSION}/retire", ADMIN_ONLY),
    ],
    "workshop.reinstate": [
        ("GET", f"{VERSION}/reinstate", ADMIN_ONLY),
        ("POST", f"{VERSION}/reinstate", ADMIN_ONLY),
    ],
    "workshop.download_workbook": [
        ("GET", f"{VERSION}/workbook", ADMIN_ONLY),
        ("GET", f"{DRAFT}/workbook", ADMIN_ONLY),
    ],
    "workshop.template": [("GET", "/questionnaires/template.xlsx", ADMIN_ONLY)],
    "workshop.compare": [("GET", "/questionnaires/journey-audit/compare", ADMIN_ONLY)],
    "workshop.impact": [("GET", "/questionnaires/journey-audit/rescoring", ADMIN_ONLY)],
}

HOME_ONLY = set(ROWS)  # the home organisation's alone: a partner's people get 403
