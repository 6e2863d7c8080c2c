"""Names in charts are shown as written: a `$` or a backslash is never read as TeX (mathtext).

Teams, services, compliance measures and grades are named by people; one name such as
``$\\frac{`` used to stop the dashboard drawing for everyone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urlencode

from sqlalchemy import update
from sqlmodel import col
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import ComplianceResult, Service, Team
from audit_app.reporting.charts import grade_series, stacked_bars
from tests.builders import ReportData
from tests.reports.conftest import PERIOD

SVG_NS = "{http://www.w3.org/2000/svg}"

TEAMS = {
    "CP Team 1": r"CP $\frac{$ one",
    "CP Team 2": r"Team $x$ two",
    "CIN Team A": r"CIN\team_A^2",
}
SERVICES = {
    "Child Protection": r"Child_Protection $5 \$",
    "Children in Need": r"In $\alpha^2$ need",
}
MEASURES = {"Child seen alone": r"Seen $\frac{$ alone_1^2 \d"}


def _rename(data: ReportData) -> None:
    with session_scope(data.app) as session:
        for old, new in TEAMS.items():
            session.execute(update(Team).where(col(Team.id) == data.teams[old]).values(name=new))
        for old, new in SERVICES.items():
            session.execute(
                update(Service).where(col(Service.id) == data.services[old]).values(name=new)
            )
        for old, new in MEASURES.items():
            session.execute(
                update(ComplianceResult)
                .where(col(ComplianceResult.measure) == old)
                .values(measure=new)
            )


def _chart_texts(html: str) -> dict[str, list[str]]:
    """The text drawn in each chart (its <text> elements), by the chart's id."""
    texts = {}
    for svg in re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL):
        root = ET.fromstring(svg)
        title = root.find(f"{SVG_NS}title")
        assert title is not None
        texts[title.attrib["id"]] = [
            "".join(element.itertext()) for element in root.iter(f"{SVG_NS}text")
        ]
    return texts


def _get(client: Callable[..., TestResponse], url: str) -> str:
    response = client(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_dashboard_charts_show_names_with_dollars_and_backslashes_as_written(
    report_data: ReportData, client: object, sign_in: Callable[..., TestResponse]
) -> None:
    _rename(report_data)
    sign_in("ada")
    get = client.get  # type: ignore[attr-defined]
    texts = _chart_texts(_get(get, f"/reports?{urlencode(PERIOD)}"))
    assert sorted(name for name in texts["chart-by-team-title"] if name in TEAMS.values()) == (
        sorted(TEAMS.values())
    )
    assert sorted(
        name for name in texts["chart-by-service-title"] if name in SERVICES.values()
    ) == sorted(SERVICES.values())
    assert MEASURES["Child seen alone"] in texts["chart-compliance-title"]
    # The measure's own page draws its teams too.
    measure = _get(
        get, f"/reports/compliance?{urlencode({**PERIOD, 'measure': MEASURES['Child seen alone']})}"
    )
    by_team = _chart_texts(measure)["chart-measure-team-title"]
    assert r"CP $\frac{$ one" in by_team and r"Team $x$ two" in by_team


def test_chart_legends_show_grade_names_as_written() -> None:
    grades = [r"$\frac{$ best", "_hidden", r"a^b \c $x$"]
    svg = stacked_bars(
        "chart-grades",
        "Grades",
        "Three grades",
        [r"$\frac{", r"Team $x$"],
        grade_series(grades, [[1, 2], [3, 4], [5, 6]]),
        axis_label=r"Audits $n$",
    )
    texts = _chart_texts(str(svg))["chart-grades-title"]
    for name in [*grades, r"$\frac{", r"Team $x$", r"Audits $n$"]:
        assert name in texts
