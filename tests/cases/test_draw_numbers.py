"""How many cases each auditor gets in a draw: the allocation service's rule, on the page too."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.clock import today as local_today
from audit_app.services.allocations import DrawRefused, read_per_auditor
from tests.cases.conftest import table_counts
from tests.cases.test_admin_pages import allocated  # noqa: F401 (a fixture)

RULE = "Cases per auditor must be a whole number from 1 to 50"
EMPTY = "Enter how many cases each auditor gets"
NOT_NUMBERS = ["0", "-1", "51", "99999999999999999999999", "9" * 5000, "two", "3.0", "+2", "²"]


def short_id(value: object) -> str:
    text = str(value)
    return text if len(text) <= 30 else f"{len(text)}-digits"


@pytest.mark.parametrize("value", [*NOT_NUMBERS, 0, -1, 51, 10**30], ids=short_id)
def test_a_number_outside_the_rule_is_refused_at_its_field(value: int | str) -> None:
    with pytest.raises(DrawRefused) as refused:
        read_per_auditor(value)
    assert str(refused.value) == RULE
    assert refused.value.field == "per_auditor"


@pytest.mark.parametrize("value", ["", "   "])
def test_no_number_is_asked_for(value: str) -> None:
    with pytest.raises(DrawRefused) as refused:
        read_per_auditor(value)
    assert str(refused.value) == EMPTY
    assert refused.value.field == "per_auditor"


@pytest.mark.parametrize(
    ("value", "number"), [(1, 1), (50, 50), ("1", 1), (" 2 ", 2), ("0002", 2), ("50", 50)]
)
def test_a_whole_number_from_1_to_50_is_read(value: int | str, number: int) -> None:
    assert read_per_auditor(value) == number


def field_error(html: str) -> str | None:
    """The message shown at the per_auditor input, if any."""
    match = re.search(r'id="per_auditor-error"[^>]*>(.*?)</p>', html, re.S)
    if match is None:
        return None
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def summary_items(html: str) -> list[tuple[str, str]]:
    """The error summary's links: (href, text)."""
    if "govuk-error-summary__list" not in html:
        return []
    items = html.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="(#[^"]*)">([^<]*)</a>', items)


@pytest.mark.parametrize("value", NOT_NUMBERS, ids=short_id)
@pytest.mark.parametrize("others_good", [True, False], ids=["alone", "with-other-errors"])
def test_the_page_shows_the_service_message_at_the_field(
    allocated: Flask,  # noqa: F811
    client: FlaskClient,
    value: str,
    others_good: bool,
) -> None:
    data = {"per_auditor": value, "month": "1999-01"}
    if others_good:
        data |= {"month": f"{local_today():%Y-%m}", "questionnaire": "test-audit"}
    response = client.post("/admin/allocations/draw", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html) == f"Error: {RULE}"
    assert ("#per_auditor", RULE) in summary_items(html)
    assert len(summary_items(html)) == (1 if others_good else 3)
    assert table_counts(allocated)["Allocation"] == 0


@pytest.mark.parametrize("value", ["", "   "])
def test_the_page_asks_for_a_number(
    allocated: Flask,  # noqa: F811
    client: FlaskClient,
    value: str,
) -> None:
    data = {"per_auditor": value, "month": f"{local_today():%Y-%m}", "questionnaire": "test-audit"}
    response = client.post("/admin/allocations/draw", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html) == f"Error: {EMPTY}"
    assert summary_items(html) == [("#per_auditor", EMPTY)]
    assert table_counts(allocated)["Allocation"] == 0


def test_the_form_offers_two_and_takes_spaces_around_a_number(
    allocated: Flask,  # noqa: F811
    client: FlaskClient,
) -> None:
    assert re.search(r'id="per_auditor"[^>]*value="2"', client.get("/admin/allocations").text)
    data = {"per_auditor": " 1 ", "month": f"{local_today():%Y-%m}", "questionnaire": "test-audit"}
    response = client.post("/admin/allocations/draw", data=data)
    assert response.status_code == 302
    assert table_counts(allocated)["Allocation"] == 2
