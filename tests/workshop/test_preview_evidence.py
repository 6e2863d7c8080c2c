"""The workshop's preview shows a format 2 version's comment boxes and evidence fields as the
auditor will see them: empty boxes with their labels, saving nothing."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from audit_app.core.questionnaire import upgrade
from audit_app.models import Answer, Audit
from tests.builders import journey_questionnaire, load_questionnaire
from tests.workshop.conftest import count

BASE = "/questionnaires/journey-audit/versions/1/preview"


def test_the_preview_shows_the_comment_box_and_the_evidence_fields_empty(
    admin: Flask, client: FlaskClient
) -> None:
    data = upgrade(journey_questionnaire())
    data["themes"][0]["items"][0]["comment"] = "required"
    data["themes"][0]["evidence"] = ["strengths", "recommendations"]
    load_questionnaire(admin, data)
    response = client.get(f"{BASE}/voice?seen-alone=yes")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Comment on “Was the child seen alone?” (required)" in page
    box = re.search(r'<textarea [^>]*name="comment__seen-alone"[^>]*>(.*?)</textarea>', page, re.S)
    assert box is not None and box.group(1).strip() == ""
    assert "Evidence for this theme" in page
    assert "Strengths (optional)" in page and "Recommendations (optional)" in page
    assert "Areas for development" not in page
    assert count(admin, Audit) == 0 and count(admin, Answer) == 0
