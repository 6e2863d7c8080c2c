"""The reports pages: figures, drill-downs, filters in the query string, and the policy."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from flask.testing import FlaskClient

from tests.builders import ReportData
from tests.reports.conftest import PERIOD, SignInAs


def _page(client: FlaskClient, url: str, **args: str) -> str:
    response = client.get(f"{url}?{urlencode({**PERIOD, **args})}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _listed(html: str) -> int:
    match = re.search(r'<h1 class="govuk-heading-l">([\d,]+) audits?</h1>', html)
    assert match, html[:3000]
    return int(match.group(1).replace(",", ""))


def test_dashboard_shows_the_headline_figures(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    html = _page(client, "/reports")
    assert re.search(r'id="figure-submitted">4<', html)
    assert "2 of 4 (50.0%)" in html  # Good or better
    assert "1 of 4 (25.0%)" in html  # Inadequate
    assert "1 of 3 (33.3%)" in html  # allocations
    assert "2 open, 1 overdue" in html


def test_dashboard_has_no_inline_styles_and_accessible_charts(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    html = _page(client, "/reports")
    assert " style=" not in html and "<style" not in html and "<script>" not in html
    charts = re.findall(r'<svg [^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(charts) >= 4
    for labels in charts:
        title_id, desc_id = labels.split()
        assert f'<title id="{title_id}">' in html and f'<desc id="{desc_id}">' in html
    assert 'id="table-by-month"' in html and 'id="table-compliance"' in html


def test_every_figure_links_to_the_audits_behind_it(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    html = _page(client, "/reports")
    links = set(re.findall(r'href="(/reports/audits\?[^"]+)"', html))
    assert len(links) > 20
    for link in links:
        target = link.replace("&amp;", "&")
        listed = _listed(client.get(target).get_data(as_text=True))
        assert listed > 0, target
    # Spot checks of figure against list.
    assert _listed(_page(client, "/reports/audits", band="good")) == 2
    assert _listed(_page(client, "/reports/audits", band="worst")) == 1
    assert _listed(_page(client, "/reports/audits", month="2026-02")) == 2
    assert _listed(_page(client, "/reports/audits", moderation="agreed")) == 1
    assert _listed(_page(client, "/reports/audits", drift="-2")) == 1
    assert _listed(_page(client, "/reports/audits", allocation="completed")) == 1
    assert _listed(_page(client, "/reports/audits", actions="overdue")) == 1
    assert (
        _listed(_page(client, "/reports/audits", measure="Child seen alone", compliant="no")) == 1
    )
    assert (
        _listed(_page(client, "/reports/audits", theme="report-audit/voice", theme_band="graded"))
        == 3
    )
    assert _listed(_page(client, "/reports/audits", judged="higher")) == 1


def test_links_keep_the_filters_in_the_query_string(
    report_data: ReportData, signed_in_as: SignInAs
) -> None:
    client = signed_in_as("ada")
    service = str(report_data.services["Child Protection"])
    html = _page(client, "/reports", service=service)
    link = re.search(r'href="(/reports/audits\?[^"]*band=good[^"]*)"', html)
    assert link
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["service"] == [service] and query["from"] == ["2026-01-01"]
    assert _listed(client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)) == 1


def test_a_manager_drills_down_only_into_their_services(
    report_data: ReportData, signed_in_as: SignInAs
) -> None:
    client = signed_in_as("grace")
    html = _page(client, "/reports")
    assert re.search(r'id="figure-submitted">3<', html)
    assert "Children in Need" not in html
    assert _listed(_page(client, "/reports/audits")) == 3
    # A service they do not manage is refused as a filter, not silently shown.
    other = str(report_data.services["Children in Need"])
    response = client.get(f"/reports?{urlencode({**PERIOD, 'service': other})}")
    assert response.status_code == 400
    assert "Select a service from the list" in response.get_data(as_text=True)


def test_an_auditor_sees_their_own_results_only(signed_in_as: SignInAs) -> None:
    client = signed_in_as("basil")
    html = _page(client, "/reports")
    assert re.search(r'id="figure-submitted">1<', html)
    listed = _page(client, "/reports/audits")
    assert "100003" in listed and "100001" not in listed


def test_a_viewer_sees_figures_but_no_links_into_audits(signed_in_as: SignInAs) -> None:
    client = signed_in_as("vera")
    listed = _page(client, "/reports/audits")
    assert "100001" in listed and "/audits/" not in listed.replace("/reports/audits", "")


def test_bad_filters_say_what_and_where(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    response = client.get("/reports?from=2026-02-30&to=2026-01-01")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#from"' in html and "Enter the start of the period as a real date" in html
    response = client.get("/reports?from=2026-03-01&to=2026-01-01")
    assert "The start of the period must be on or before its end" in response.get_data(as_text=True)


def test_the_default_period_is_the_last_twelve_months(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    html = client.get("/reports").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="from"[^>]*>', html)
    assert field and re.search(r'value="\d{4}-\d{2}-01"', field.group(0))


def test_a_measure_page_breaks_compliance_down(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    html = _page(client, "/reports/compliance", measure="Child seen alone")
    text = re.sub(r"<span class=\"govuk-visually-hidden\">[^<]*</span>|<[^>]+>", "", html)
    assert "Compliant: 2 of 3 (66.7%)" in " ".join(text.split())
    assert html.index("CP Team 2") < html.index("CP Team 1")  # worst first


def test_the_data_dictionary_lists_every_column(signed_in_as: SignInAs) -> None:
    from audit_app.reporting.dictionary import TABLES

    client = signed_in_as("vera")
    html = client.get("/reports/data-dictionary").get_data(as_text=True)
    for table in TABLES.values():
        for column in table.columns:
            assert f"<code>{column.name}</code>" in html
