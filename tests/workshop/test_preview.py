"""Previewing a version with the auditor's own pages, and the scoring sandbox beside them."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from audit_app.core.questionnaire import upgrade
from audit_app.models import Audit, AuditEvent
from tests.builders import (
    PASSWORD,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    rescore_v1,
)
from tests.workshop.conftest import count

BASE = "/questionnaires/rescore-audit/versions/1/preview"


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _sandbox(page: str) -> str:
    return _text(page[page.index('id="sandbox"') :])


def _wrapper(page: str, question_id: str) -> str:
    """The opening tag of the conditional block around a question."""
    start = page.rindex('<div class="app-show-if"', 0, page.index(f'name="{question_id}"'))
    return page[start : page.index(">", start) + 1]


def _question_block(page: str, question_id: str) -> str:
    """The form group of one question, as the page renders it."""
    start = page.rindex('<div class="govuk-form-group', 0, page.index(f'name="{question_id}"'))
    end = page.index("</fieldset>", start)
    return page[start:end]


def test_the_task_list_is_the_auditors_and_creates_no_audit(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    response = client.get(BASE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "govuk-task-list" in page
    for title in ("The child&#39;s voice", "Planning", "Management oversight"):
        assert title in page
    assert "Overall judgement" in page and "Check answers and submit" in page
    assert "Suggested overall grade" in page
    assert f'href="{BASE}/voice"' in page
    assert count(admin, Audit) == 0
    assert count(admin, AuditEvent, AuditEvent.action.startswith("audit.")) == 0  # type: ignore[attr-defined]


def test_a_theme_page_is_the_auditors_form_without_saving(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    page = client.get(f"{BASE}/voice").get_data(as_text=True)
    form = page[page.index('<form method="get" novalidate>') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token"' not in form and 'name="version"' not in form
    assert 'name="judgement"' not in form
    assert 'name="seen-alone"' in page and 'name="wishes-recorded"' in page
    assert f'formaction="{BASE}/planning"' in page
    assert "Update the scores" in page


def test_the_preview_uses_the_same_question_markup_as_an_audit(
    admin: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    load_questionnaire(admin, journey_questionnaire())
    make_case(admin)
    make_user("auditor1", "auditor", team="Child Protection 1")
    auditor = admin.test_client()
    auditor.post("/sign-in", data={"username": "auditor1", "password": PASSWORD})
    started = auditor.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": "100824"}
    )
    audit_page = auditor.get(started.headers["Location"] + "/themes/planning").get_data(
        as_text=True
    )
    preview_page = client.get("/questionnaires/journey-audit/versions/1/preview/planning").get_data(
        as_text=True
    )
    for question_id in ("child-status", "permanence-plan", "plan-smart"):
        assert _question_block(preview_page, question_id) == _question_block(
            audit_page, question_id
        )
    condition = "{&#34;in&#34;: [&#34;cic&#34;], &#34;question&#34;: &#34;child-status&#34;}"
    assert f'class="app-show-if" data-condition="{condition}"' in preview_page


def test_the_sandbox_scores_the_chosen_answers_as_the_engine_does(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    page = client.get(
        f"{BASE}/voice?seen-alone=yes&wishes-recorded=partly&plan-smart=no&plan-reviewed=yes"
    ).get_data(as_text=True)
    sandbox = _sandbox(page)
    # Voice (2 + 1) / 4; planning (2 x 0 + 2) / (2 x 2 + 2); overall the mean of the two.
    assert "The child's voice 75.0% Good" in sandbox
    assert "Planning 33.3% Inadequate" in sandbox
    assert "Management oversight – Not graded" in sandbox
    assert "Overall 54.2% Requires improvement" in sandbox
    assert "Child seen alone Met" in sandbox
    assert "Suggested grade for this theme: Good (75.0%)" in _text(page)
    # The chosen answers are checked on the page.
    assert re.search(r'value="yes" checked', _question_block(page, "seen-alone"))


def test_answers_are_carried_between_pages_in_the_address(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    page = client.get(f"{BASE}/planning?seen-alone=yes&plan-smart=no").get_data(as_text=True)
    assert '<input type="hidden" name="seen-alone" value="yes">' in page
    # This page's own questions are its radios, not hidden fields.
    assert '<input type="hidden" name="plan-smart"' not in page
    task_list = client.get(f"{BASE}?seen-alone=yes&plan-smart=no").get_data(as_text=True)
    assert f'href="{BASE}/voice?seen-alone=yes&amp;plan-smart=no"' in task_list
    assert "In progress" in task_list
    assert f'href="{BASE}"' in task_list  # clear all answers


def test_answers_to_hidden_questions_do_not_count(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, journey_questionnaire())
    url = "/questionnaires/journey-audit/versions/1/preview/planning"
    shown = _sandbox(
        client.get(f"{url}?child-status=cic&permanence-plan=no&plan-smart=yes").get_data(
            as_text=True
        )
    )
    hidden = _sandbox(
        client.get(f"{url}?child-status=cin&permanence-plan=no&plan-smart=yes").get_data(
            as_text=True
        )
    )
    # With the permanence question shown: (0 + 2 x 2) / (2 + 2 x 2); hidden: 4 / 4.
    assert "Planning 66.7% Good" in shown
    assert "Planning 100.0% Outstanding" in hidden


def test_a_value_the_auditor_could_not_save_is_reported_and_not_scored(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, journey_questionnaire())
    page = client.get(
        "/questionnaires/journey-audit/versions/1/preview/planning?last-visit=31/2/2026"
        "&plan-smart=maybe"
    ).get_data(as_text=True)
    assert "Date of the last visit: enter a real date, for example 27/3/2026" in page
    assert "Is the plan SMART?: select one of the options" in page
    assert "Planning – Not graded" in _sandbox(page)


def test_an_unknown_theme_is_not_found(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    assert client.get(f"{BASE}/no-such-theme").status_code == 404


def test_a_version_with_conditions_on_the_service_is_previewed_as_a_case_of_each_service(
    admin: Flask, client: FlaskClient
) -> None:
    data = upgrade(rescore_v1())
    data["themes"][2]["show_if"] = {"service": ["Youth Justice", "Children in Care"]}
    data["themes"][1]["items"][0]["show_if"] = {"not": {"service": ["Children in Care"]}}
    load_questionnaire(admin, data)
    title = "Management oversight"

    page = client.get(BASE).get_data(as_text=True)
    assert f'href="{BASE}/oversight"' not in page  # no named service: the theme is hidden
    assert '<option value="Youth Justice">Youth Justice</option>' in page
    assert '<option value="Children in Care">Children in Care</option>' in page

    page = client.get(f"{BASE}?as-service=Children+in+Care&seen-alone=yes").get_data(as_text=True)
    assert title in page and f'href="{BASE}/oversight?seen-alone=yes&amp;as-service=' in page
    assert '<option value="Children in Care" selected>' in page
    theme = client.get(f"{BASE}/planning?as-service=Children+in+Care").get_data(as_text=True)
    assert _wrapper(theme, "plan-smart").endswith(" hidden>")  # hidden for that service
    assert '<input type="hidden" name="as-service" value="Children in Care">' in theme
    theme = client.get(f"{BASE}/planning").get_data(as_text=True)
    assert not _wrapper(theme, "plan-smart").endswith(" hidden>")

    # A service the conditions do not name is no service at all.
    page = client.get(f"{BASE}?as-service=Fostering").get_data(as_text=True)
    assert f'href="{BASE}/oversight' not in page
