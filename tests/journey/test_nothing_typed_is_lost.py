"""Nothing typed is lost: theme pages and the overall judgement page keep and show back what the
auditor typed, with a message at the field when something is wrong.

The tests drive the pages as a browser would: they read the form a page shows (its hidden fields
included) and post it back with the auditor's changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit, SafeguardingConcern, ThemeJudgement
from audit_app.services import audits as audit_service
from tests.builders import load_questionnaire, make_case, start
from tests.conftest import ROOT
from tests.journey.conftest import audit_version
from tests.journey.test_completing_an_audit import _answers

OVER_LIMIT = "x" * 10_001


class _Form(HTMLParser):
    """The fields of a page's forms, as a browser would send them, and its buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._button: dict[str, str] | None = None
        self.textareas: dict[str, str] = {}  # id -> name
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self.ids: dict[str, str] = {}
        self._id_stack: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self._id_stack.append((tag, a["id"]))
            self.ids.setdefault(a["id"], "")
        if tag == "form":
            self._form = {"method": a.get("method", "get"), "fields": {}, "buttons": []}
            self.forms.append(self._form)
        elif tag == "label" and a.get("for"):
            self._label = a["for"]
            self.labels[self._label] = ""
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text")
            name = a.get("name")
            if not name:
                return
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._form["fields"][name] = a.get("value", "on")
                else:
                    self._form["fields"].setdefault(name, None)
            elif kind != "submit":
                self._form["fields"][name] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name", "")
            self._form["fields"][self._textarea] = ""
            self.textareas[a.get("id", self._textarea)] = self._textarea
        elif tag == "button":
            self._button = {
                "name": a.get("name", ""),
                "value": a.get("value", ""),
                "class": a.get("class", ""),
                "text": "",
            }
            self._form["buttons"].append(self._button)

    def handle_endtag(self, tag: str) -> None:
        if self._id_stack and self._id_stack[-1][0] == tag:
            self._id_stack.pop()
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button":
            self._button = None
        elif tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        for _tag, element_id in self._id_stack:
            self.ids[element_id] += data
        if self._textarea is not None and self._form is not None:
            self._form["fields"][self._textarea] += data
        if self._button is not None:
            self._button["text"] += data
        if self._label is not None:
            self.labels[self._label] += data


def parse(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


def page_form(html: str) -> dict[str, Any]:
    """The page's main form (the one that carries the audit version)."""
    for form in parse(html).forms:
        if form["method"] == "post" and "version" in form["fields"]:
            return form
    raise AssertionError("no form with a version on the page")


def fields(html: str) -> dict[str, str]:
    """What the page's form would send as it stands (unchecked radios left out)."""
    return {k: v for k, v in page_form(html)["fields"].items() if v is not None}


def find_button(html: str, text: str) -> dict[str, str]:
    for found in page_form(html)["buttons"]:
        if " ".join(found["text"].split()) == text:
            return found
    raise AssertionError(f"no button {text!r} in the form")


def button(html: str, text: str) -> dict[str, str]:
    """The name and value a button sends (empty when it has none)."""
    found = find_button(html, text)
    return {found["name"]: found["value"]} if found["name"] else {}


def text_of(html: str, element_id: str) -> str:
    return " ".join(parse(html).ids[element_id].split())


def checked(html: str, name: str) -> str | None:
    return page_form(html)["fields"].get(name)


def field_error(html: str, field_id: str) -> str:
    """The error message shown at a field (GOV.UK: inside the field's form group)."""
    match = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', html, re.S
    )
    assert match, f"no error message at {field_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def get(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def theme_url(audit_id: int, theme: str) -> str:
    return f"/audits/{audit_id}/themes/{theme}"


def send(client: FlaskClient, url: str, changes: dict[str, str], press: str = "") -> TestResponse:
    """Open the page, change its form as the auditor would, and send it (with a button pressed)."""
    html = get(client, url)
    data = {**fields(html), **changes}
    if press:
        data.update(button(html, press))
    return client.post(url, data=data)


def shown_again(response: TestResponse, status: int = 400) -> str:
    """The page shown again instead of a redirect, with what was typed."""
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def _judgement(app: Flask, audit_id: int, theme: str) -> ThemeJudgement | None:
    with session_scope(app) as session:
        return session.exec(
            select(ThemeJudgement).where(
                ThemeJudgement.audit_id == audit_id, ThemeJudgement.theme_id == theme
            )
        ).first()


# --- 1. an error keeps everything typed on the page ----------------------------------------


def test_an_error_on_a_theme_page_keeps_the_answers_the_judgement_and_the_analysis(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    typed = {
        "child-status": "cic",
        "plan-smart": "yes",
        "last-visit": "31/2/2026",
        "judgement": "Good",
        "analysis": "Plan reviewed at every visit.",
    }
    html = shown_again(send(client, theme_url(audit_id, "planning"), typed))
    assert field_error(html, "last-visit").endswith("enter a real date, for example 27/3/2026")
    assert checked(html, "child-status") == "cic"
    assert checked(html, "plan-smart") == "yes"
    assert fields(html)["last-visit"] == "31/2/2026"
    assert checked(html, "judgement") == "Good"
    assert fields(html)["analysis"] == "Plan reviewed at every visit."
    assert _answers(journey, audit_id) == {}


# --- 2. input over a limit is kept, with a message at its field ----------------------------


@pytest.mark.parametrize(
    ("page", "chosen", "field", "message"),
    [
        pytest.param(
            "/themes/voice",
            {"seen-alone": "yes", "judgement": "Good"},
            "analysis",
            "Error: Analysis must be 10,000 characters or fewer",
            id="a theme's analysis",
        ),
        pytest.param(
            "/themes/voice",
            {"seen-alone": "no"},
            "voice-comment",
            "Error: Comment: must be 10,000 characters or fewer",
            id="an answer",
        ),
        pytest.param(
            "/judgement",
            {"judgement": "Good"},
            "analysis",
            "Error: Analysis must be 10,000 characters or fewer",
            id="the overall analysis",
        ),
    ],
)
def test_text_over_the_limit_is_kept_with_a_message_at_its_field(
    journey: Flask, client: FlaskClient, page: str, chosen: dict[str, str], field: str, message: str
) -> None:
    audit_id = start(client)
    response = send(client, f"/audits/{audit_id}{page}", {**chosen, field: OVER_LIMIT})
    html = shown_again(response)
    assert "There is a problem" in html
    assert f'href="#{field}"' in html
    assert field_error(html, field) == message
    assert fields(html)[field] == OVER_LIMIT
    for name, value in chosen.items():
        assert checked(html, name) == value
    assert _answers(journey, audit_id) == {}
    with session_scope(journey) as session:
        assert session.get(Audit, audit_id).overall_grade_judged is None  # type: ignore[union-attr]


def test_a_concern_over_the_limit_gets_the_services_message(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = client.post(f"/audits/{audit_id}/concern", data={"description": OVER_LIMIT})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "description") == "Error: Keep it to 10,000 characters or fewer"
    assert "cannot be longer" not in html
    (form,) = [f for f in parse(html).forms if "description" in f["fields"]]
    assert form["fields"]["description"] == OVER_LIMIT
    with session_scope(journey) as session:
        assert list(session.exec(select(SafeguardingConcern))) == []


def test_a_case_id_over_the_limit_gets_the_services_message(
    journey: Flask, client: FlaskClient
) -> None:
    too_long = "1" * 33
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": too_long}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "case_id") == (
        "Error: The case ID must be 32 characters or fewer. Check the ID in the case "
        "management system"
    )
    assert "cannot be longer" not in html
    assert f'value="{too_long}"' in html


# --- 3. two tabs: only a real conflict is refused ------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "stored"),
    [
        pytest.param(
            ("voice", {"seen-alone": "yes"}),
            ("planning", {"plan-smart": "partly"}),
            {"seen-alone": "yes", "plan-smart": "partly"},
            id="different themes",
        ),
        pytest.param(
            ("voice", {"seen-alone": "partly"}),
            ("voice", {"voice-comment": "Seen at school."}),
            {"seen-alone": "partly", "voice-comment": "Seen at school."},
            id="different answers of one theme",
        ),
        pytest.param(
            ("voice", {"seen-alone": "yes"}),
            ("voice", {"seen-alone": "yes"}),
            {"seen-alone": "yes"},
            id="the same answer",
        ),
    ],
)
def test_saves_from_two_tabs_that_do_not_conflict_both_count(
    journey: Flask,
    client: FlaskClient,
    first: tuple[str, dict[str, str]],
    second: tuple[str, dict[str, str]],
    stored: dict[str, str],
) -> None:
    audit_id = start(client)
    urls = [theme_url(audit_id, theme) for theme, _changes in (first, second)]
    tabs = [fields(get(client, url)) for url in urls]  # both opened before either is saved
    for url, form, (_theme, changes) in zip(urls, tabs, (first, second), strict=True):
        assert client.post(url, data={**form, **changes}).status_code == 302
    assert _answers(journey, audit_id) == stored


def test_a_judgement_saved_in_another_tab_is_not_undone_by_an_answer_saved_in_this_one(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    url = theme_url(audit_id, "voice")
    first = fields(get(client, url))
    first["seen-alone"] = "yes"
    assert client.post(url, data=first).status_code == 302
    first, second = fields(get(client, url)), fields(get(client, url))

    first["judgement"] = "Outstanding"
    assert client.post(url, data=first).status_code == 302
    second["voice-comment"] = "Seen alone at school."
    assert client.post(url, data=second).status_code == 302

    judgement = _judgement(journey, audit_id, "voice")
    assert judgement is not None and judgement.grade == "Outstanding"
    assert _answers(journey, audit_id)["voice-comment"] == "Seen alone at school."


def _conflict(app: Flask, audit_id: int, response: TestResponse, comment: str) -> str:
    """The voice page shown again after a conflict on seen-alone (stored "yes", typed "no")."""
    html = shown_again(response, 409)
    assert "changed in another tab or by someone else" in html
    assert "Yes, evidenced" in text_of(html, "conflict-seen-alone")
    assert checked(html, "seen-alone") == "no"
    assert fields(html)["voice-comment"] == comment
    assert _answers(app, audit_id) == {"seen-alone": "yes"}
    return html


def test_a_real_conflict_shows_both_versions_and_keeps_what_was_typed(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    url = theme_url(audit_id, "voice")
    first, second = fields(get(client, url)), fields(get(client, url))
    first["seen-alone"] = "yes"
    assert client.post(url, data=first).status_code == 302

    second.update({"seen-alone": "no", "voice-comment": "No record of a visit alone."})
    html = _conflict(
        journey, audit_id, client.post(url, data=second), "No record of a visit alone."
    )
    assert 'href="#seen-alone"' in html

    # Having seen both, the auditor keeps what they typed.
    again = client.post(url, data=fields(html))
    assert again.status_code == 302
    assert _answers(journey, audit_id) == {
        "seen-alone": "no",
        "voice-comment": "No record of a visit alone.",
    }


def test_a_stale_page_that_does_not_say_what_it_showed_keeps_what_was_typed(
    journey: Flask, client: FlaskClient
) -> None:
    """A page opened before pages carried what they showed has only the audit's version."""
    audit_id = start(client)
    url = theme_url(audit_id, "voice")
    version = str(audit_version(journey, audit_id))
    assert client.post(url, data={"version": version, "seen-alone": "yes"}).status_code == 302

    typed = {"version": version, "seen-alone": "no", "voice-comment": "Typed at length."}
    html = _conflict(journey, audit_id, client.post(url, data=typed), "Typed at length.")
    assert client.post(url, data=fields(html)).status_code == 302
    assert _answers(journey, audit_id) == {"seen-alone": "no", "voice-comment": "Typed at length."}


def test_the_overall_judgement_is_saved_after_a_theme_changed_in_another_tab(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    overall = fields(get(client, f"/audits/{audit_id}/judgement"))
    assert send(client, theme_url(audit_id, "voice"), {"seen-alone": "yes"}).status_code == 302

    overall["judgement"] = "Outstanding"
    response = client.post(f"/audits/{audit_id}/judgement", data=overall)

    assert response.status_code == 302
    with session_scope(journey) as session:
        assert session.get(Audit, audit_id).overall_grade_judged == "Outstanding"  # type: ignore[union-attr]


def test_a_save_that_lost_a_race_is_tried_again_on_what_is_stored_now(
    journey: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another save can land between reading the audit and writing it (PostgreSQL)."""
    audit_id = start(client)
    claims: list[int] = []
    claim = audit_service.claim_audit

    def lose_the_first(audit: Any, **kwargs: Any) -> Any:
        claims.append(1)
        return False if len(claims) == 1 else claim(audit, **kwargs)

    monkeypatch.setattr(audit_service, "claim_audit", lose_the_first)
    response = send(client, theme_url(audit_id, "voice"), {"seen-alone": "yes"})
    assert response.status_code == 302
    assert len(claims) == 2
    assert _answers(journey, audit_id) == {"seen-alone": "yes"}


# --- 4. save and come back later -----------------------------------------------------------


def test_save_and_come_back_later_is_on_every_theme_page(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    for theme in ("voice", "planning"):
        html = get(client, theme_url(audit_id, theme))
        later = find_button(html, "Save and come back later")
        assert "govuk-button--secondary" in later["class"].split()


def test_save_and_come_back_later_saves_an_unfinished_page_and_returns_to_the_task_list(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    # Unfinished: the plan question unanswered, a grade chosen but no analysis yet.
    unfinished = {"child-status": "cin", "judgement": "Good"}
    url = theme_url(audit_id, "planning")
    response = send(client, url, unfinished, press="Save and come back later")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit_id}"
    assert _answers(journey, audit_id) == {"child-status": "cin"}
    judgement = _judgement(journey, audit_id, "planning")
    assert judgement is not None and judgement.grade == "Good"
    task_list = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "saved" in task_list


def test_save_and_come_back_later_still_refuses_what_cannot_be_stored(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    typed = {"last-visit": "31/2/2026", "plan-smart": "yes"}
    url = theme_url(audit_id, "planning")
    html = shown_again(send(client, url, typed, press="Save and come back later"))
    assert fields(html)["last-visit"] == "31/2/2026"
    assert _answers(journey, audit_id) == {}


def test_an_analysis_typed_before_choosing_a_grade_is_kept(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    url = theme_url(audit_id, "voice")
    typed = {"seen-alone": "yes", "analysis": "Half a thought, to finish later."}
    assert send(client, url, typed).status_code == 302
    assert fields(get(client, url))["analysis"] == "Half a thought, to finish later."


# --- 5. change links on check answers come back to it --------------------------------------


def test_change_links_on_check_answers_return_to_it_after_saving(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    check = get(client, f"/audits/{audit_id}/check")
    links = re.findall(r'href="([^"]*)"[^>]*>\s*Change', check)
    theme_links = [link for link in links if "/themes/" in link]
    judgement_links = [link for link in links if re.split("[?#]", link)[0].endswith("/judgement")]
    assert theme_links and judgement_links
    assert all("return_to=check" in link for link in links)

    change = theme_links[0].replace("&amp;", "&").split("#")[0]
    response = send(client, change, {"seen-alone": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit_id}/check"

    change = judgement_links[0].replace("&amp;", "&").split("#")[0]
    judged = {"judgement": "Outstanding", "analysis": "Judged on the child's experience."}
    response = send(client, change, judged)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit_id}/check"


def test_return_to_accepts_only_pages_it_knows(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    for target in ("https://example.com/", "//example.com", "/sign-out", "checks"):
        url = theme_url(audit_id, "voice") + "?return_to=" + target
        response = send(client, url, {"seen-alone": "yes"})
        assert response.status_code == 302
        assert response.headers["Location"] == theme_url(audit_id, "planning"), target


# --- 6. one analysis box per judgement -----------------------------------------------------


def _analysis_boxes(html: str) -> list[str]:
    parsed = parse(html)
    return [tid for tid in parsed.textareas if "analysis" in parsed.labels.get(tid, "").lower()]


def test_the_analysis_required_message_links_to_the_analysis_box(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    for url, judged in (
        (theme_url(audit_id, "voice"), {"seen-alone": "yes", "judgement": "Good"}),
        (f"/audits/{audit_id}/judgement", {"judgement": "Inadequate"}),
    ):
        assert _analysis_boxes(get(client, url)) == ["analysis"]
        html = send(client, url, judged).get_data(as_text=True)
        assert 'href="#analysis"' in html
        assert "required when your grade differs" in field_error(html, "analysis")


def test_a_theme_with_its_own_analysis_question_has_one_analysis_box(
    app: Flask,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
    client: FlaskClient,
) -> None:
    monthly = json.loads((ROOT / "questionnaires" / "monthly-case-file-audit.json").read_text())
    load_questionnaire(app, monthly)
    make_case(app)
    sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))
    response = client.post(
        "/audits/new", data={"questionnaire": monthly["id"], "case_id": "100824"}
    )
    audit_id = int(response.headers["Location"].rsplit("/", 1)[1])
    theme = monthly["themes"][0]
    url = theme_url(audit_id, theme["id"])
    html = get(client, url)
    assert _analysis_boxes(html) == ["lived-experience-analysis"]

    data = fields(html)
    for question in theme["questions"]:
        if question["type"] == "choice" and "show_if" not in question:
            data[question["id"]] = question["options"][0]["value"]
    data["judgement"] = "Inadequate"
    response = client.post(url, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'href="#lived-experience-analysis"' in html
    assert "required when your grade differs" in field_error(html, "lived-experience-analysis")
    assert checked(html, "judgement") == "Inadequate"

    data["lived-experience-analysis"] = "Strong record, but the plan has drifted."
    assert client.post(url, data=data).status_code == 302
    judgement = _judgement(app, audit_id, theme["id"])
    assert judgement is not None and judgement.grade == "Inadequate"
    assert judgement.analysis == "Strong record, but the plan has drifted."
    html = get(client, url)
    assert fields(html)["lived-experience-analysis"] == "Strong record, but the plan has drifted."


# --- 7. the suggested grade without JavaScript ---------------------------------------------


def test_the_theme_page_shows_the_suggested_grade_in_a_stable_element(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    assert text_of(get(client, theme_url(audit_id, "voice")), "suggested-grade") == "Not graded"


def test_a_theme_can_be_judged_on_its_first_visit_without_javascript(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    url = theme_url(audit_id, "voice")
    response = send(client, url, {"seen-alone": "partly"}, "Save and update the suggested grade")
    html = shown_again(response, 200)
    assert text_of(html, "suggested-grade") == "Requires improvement"
    assert checked(html, "seen-alone") == "partly"
    assert _answers(journey, audit_id) == {"seen-alone": "partly"}

    data = fields(html)
    data["judgement"] = "Requires improvement"
    response = client.post(url, data=data)
    assert response.status_code == 302
    judgement = _judgement(journey, audit_id, "voice")
    assert judgement is not None and judgement.grade == "Requires improvement"


def test_a_page_shown_again_with_an_error_suggests_the_grade_of_what_was_typed(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    typed = {"seen-alone": "yes", "judgement": "Good"}
    html = shown_again(send(client, theme_url(audit_id, "voice"), typed))
    assert text_of(html, "suggested-grade") == "Outstanding"
