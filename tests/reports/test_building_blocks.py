"""The small parts of reporting that need no database: filters, shares, charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from flask import Flask
from sqlalchemy import literal, select

from audit_app.reporting.charts import bars, grade_series, stacked_bars
from audit_app.reporting.figures import Share, mean_percent, months_between
from audit_app.reporting.filters import Filters, default_period, parse_filters

TODAY = date(2026, 11, 29)


def test_the_default_period_is_twelve_whole_months_to_today() -> None:
    assert default_period(TODAY) == (date(2025, 12, 1), TODAY)
    assert default_period(date(2026, 3, 5)) == (date(2025, 4, 1), date(2026, 3, 5))


def test_filters_read_from_the_query_string_and_back() -> None:
    parsed = parse_filters(
        {"from": "1/4/2025", "to": "2026-03-31", "service": "3", "kind": "deep_dive"}, TODAY
    )
    assert parsed.errors == {}
    assert parsed.filters == Filters(
        date_from=date(2025, 4, 1), date_to=date(2026, 3, 31), service_id=3, kind="deep_dive"
    )
    assert parsed.filters.query_args() == {
        "from": "2025-04-01",
        "to": "2026-03-31",
        "kind": "deep_dive",
        "service": "3",
    }


def test_bad_filters_are_named_by_field() -> None:
    parsed = parse_filters({"from": "31/2/2026", "team": "x", "kind": "Weekly!"}, TODAY)
    assert set(parsed.errors) == {"from", "team", "kind"}
    assert "real date" in parsed.errors["from"]


def test_a_share_always_shows_its_count() -> None:
    assert Share(2, 3).text == "2 of 3 (66.7%)"
    assert Share(1, 8).percent == Decimal("12.5")  # exactly half: away from zero
    assert Share(1, 16).percent == Decimal("6.3")  # 6.25
    assert Share(0, 0).text == "0 of 0" and Share(0, 0).percent is None
    assert mean_percent(200.0, 3) == Decimal("66.7")


def test_months_between_cross_the_year() -> None:
    assert months_between(date(2025, 11, 3), date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_charts_are_svg_without_inline_styles_with_a_title_and_description() -> None:
    chart = stacked_bars(
        "chart-test",
        "Grades by month",
        "Stacked bars of audits",
        ["Jan 2026", "Feb 2026"],
        grade_series(["Outstanding", "Good"], [[1, 2], [3, 0]]),
        axis_label="Audits",
    )
    text = str(chart)
    assert "style=" not in text and "<style" not in text and "<script" not in text
    root = _svg(chart)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-test-title chart-test-desc"
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.find("svg:title", ns).text == "Grades by month"  # type: ignore[union-attr]
    assert root.find("svg:desc", ns).text == "Stacked bars of audits"  # type: ignore[union-attr]
    ids = re.findall(r' id="([^"]+)"', text)
    assert ids and all(i.startswith("chart-test-") for i in ids)
    for reference in re.findall(r"url\(#([^)]+)\)", text):
        assert reference in ids
    assert 'fill="#00703c"' in text  # colours as presentation attributes


def test_chart_labels_are_escaped() -> None:
    chart = bars("chart-x", "A <b> title", "Desc & more", ["<script>alert(1)</script>"], [50.0])
    assert "<script>" not in str(chart) and "&lt;script&gt;" in str(chart)


def test_exports_read_without_memory_mapping_and_leave_the_connection_as_it_was(app: Flask) -> None:
    from audit_app.db import get_engine
    from audit_app.reporting.database import ReportReader

    engine = get_engine(app)

    def mapped(reader: ReportReader) -> int:
        return int(reader._dbapi.execute("PRAGMA mmap_size").fetchone()[0])

    if engine.dialect.name != "sqlite":  # PostgreSQL has no such setting: readers just work
        with ReportReader(engine, every_row=True) as reader:
            assert reader.rows(select(literal(1))) == [(1,)]
        return
    with ReportReader(engine) as reader:
        assert mapped(reader) == app.config["SQLITE_MMAP_MB"] * 1024 * 1024 > 0
    with ReportReader(engine, every_row=True) as reader:
        assert mapped(reader) == 0
    with ReportReader(engine) as reader:
        assert mapped(reader) > 0
