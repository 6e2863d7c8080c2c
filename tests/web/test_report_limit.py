"""Report pages are limited per person per minute, counted in the trail: a clear 429 page."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask

from config import ConfigError, load_config
from tests.builders import PASSWORD
from tests.conftest import events
from tests.steps import signed_in_client
from tests.web.limits import assert_refused_for_now, two_viewers

# What the page says past a limit of 2 report pages a minute.
REFUSAL = ("You have opened too many reports for now", "You can open up to 2 report pages a minute")


def test_past_the_limit_a_report_page_is_refused_with_a_clear_page(
    app: Flask, make_user: Callable[..., str]
) -> None:
    app.config["REPORT_LIMIT"] = 2
    viewer = two_viewers(app, make_user)
    assert viewer.get("/reports").status_code == 200
    assert viewer.get("/reports/audits").status_code == 200

    assert_refused_for_now(viewer.get("/reports"), *REFUSAL, within=60)
    assert viewer.get("/reports/audits").status_code == 429
    assert viewer.get("/reports/compliance?measure=x").status_code == 429

    viewed = events(app, "report.viewed")
    assert [(e.actor, json.loads(e.detail)["page"]) for e in viewed] == [
        ("viewer1", "reports.dashboard"),
        ("viewer1", "reports.audits"),
    ]
    (refusal,) = events(app, "report.refused")  # repeats are counted, not each written
    assert refusal.actor == "viewer1"
    # The limit is each person's own; exports have their own limit.
    assert signed_in_client(app, "viewer2", PASSWORD).get("/reports").status_code == 200
    export = viewer.get("/reports/export/audits.csv")
    assert export.status_code == 200
    export.close()


def test_the_report_settings() -> None:
    settings = load_config(
        {"APP_ENV": "test", "REPORT_LIMIT": "5", "REPORT_STATEMENT_SECONDS": "2.5"}
    )
    assert (settings["REPORT_LIMIT"], settings["REPORT_STATEMENT_SECONDS"]) == (5, 2.5)
    defaults = load_config({"APP_ENV": "test"})
    assert (defaults["REPORT_LIMIT"], defaults["REPORT_STATEMENT_SECONDS"]) == (120, 20.0)
    assert defaults["FREE_TEXT_DOWNLOADS"] == "readers"
    with pytest.raises(ConfigError, match="REPORT_LIMIT must be at least 1"):
        load_config({"APP_ENV": "test", "REPORT_LIMIT": "0"})
    with pytest.raises(ConfigError, match="REPORT_STATEMENT_SECONDS must be more than 0"):
        load_config({"APP_ENV": "test", "REPORT_STATEMENT_SECONDS": "0"})
    with pytest.raises(ConfigError, match="FREE_TEXT_DOWNLOADS must be one of readers, everyone"):
        load_config({"APP_ENV": "test", "FREE_TEXT_DOWNLOADS": "viewers"})
