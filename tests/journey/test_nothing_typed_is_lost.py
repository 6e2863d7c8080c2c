"""Nothing typed is lost: theme pages and the overall judgement page keep and show back what the
auditor typed, with a message at the field when something is wrong.

The tests drive the pages as a browser would: they read the form a page shows (its hidden fields
included) and post it back with the auditor's changes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import SafeguardingConcern, ThemeJudgement
from tests.journey.conftest import start

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


def get(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def theme_url(audit_id: int, theme: str) -> str:
    return f"/audits/{audit_id}/themes/{theme}"


def _judgement(app: Flask, audit_id: int, theme: str) -> ThemeJudgement | None:
    with session_scope(app) as session:
        return session.exec(
            select(ThemeJudgement).where(
                ThemeJudgement.audit_id == audit_id, ThemeJudgement.theme_id == theme
            )
        ).first()


# --- input over a limit is kept, with a message at its field --------------------------


def test_a_concern_over_the_limit_gets_the_services_message(journey: Flask, client) -> None:  # type: ignore[no-untyped-def]
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


def test_a_case_id_over_the_limit_gets_the_services_message(journey: Flask, client) -> None:  # type: ignore[no-untyped-def]
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
