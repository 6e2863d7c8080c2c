"""A small fixed data set whose report figures are worked out by hand in the tests.

Questionnaire ``report-audit``: theme ``voice`` (question ``seen-alone``, measure "Child seen
alone", and a free-text comment) and theme ``planning`` (``plan-smart``, weight 2 within its
theme). Bands: Outstanding 85, Good 65, Requires improvement 40, Inadequate 0. Version 2 adds the
measure "Plan SMART" to ``plan-smart`` and labels "not applicable" ``=N/A (not applicable)``.

=====  =======  ===========  =======  =====================  =========================  ========
audit  version  team         auditor  answers                computed / judged / mod.   status
=====  =======  ===========  =======  =====================  =========================  ========
A1     1        CP Team 1    amber    yes, yes               Outst. / Outst. / Outst.   moderated
A2     1        CP Team 2    amber    no, partly             Inadeq. / Inadeq. / -      submitted
A3     2        CIN Team A   basil    n/a, yes               Outst. / Good / -          submitted
A4     1        CP Team 1    basil    partly, no             Inadeq. / Inadeq. / -      returned
A5     1        CP Team 1    amber    yes, partly            Good / Outst. / RI         moderated
=====  =======  ===========  =======  =====================  =========================  ========

Submitted on 15 January (A1), 10 February (A2), 20 February (A3), 1 March (A4) and 5 March 2026
(A5). A3's voice theme is not graded (its only scored answer is not applicable).
It is built by ``build_report_data`` in ``tests/builders.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import ReportData, build_report_data

PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}

# The ``signed_in_as`` fixture: ``signed_in_as(username)`` signs the test client in.
SignInAs = Callable[[str], FlaskClient]


@pytest.fixture
def report_data(app: Flask, make_user: Any) -> ReportData:
    return build_report_data(app, make_user)


@pytest.fixture
def signed_in_as(
    report_data: ReportData, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> SignInAs:
    """``signed_in_as(username)``: the test client, signed in as one of the data set's people."""

    def sign_in_as(username: str) -> FlaskClient:
        sign_in(username)
        return client

    return sign_in_as


@pytest.fixture(autouse=True)
def _fresh_result_cache() -> None:
    """Each test's database restarts the trail's ids, so cached results must not carry over."""
    from audit_app.reporting.charts import _stacked
    from audit_app.reporting.database import RESULTS

    RESULTS.clear()
    _stacked.cache_clear()


# Every figure of the dashboard (all but the filters, the frames and the notice's number).
FIGURES = (
    "headline",
    "grade_order",
    "by_month",
    "by_service",
    "by_team",
    "themes",
    "compliance",
    "compliance_by_team",
    "compliance_by_month",
    "agreement_by_auditor",
    "drift",
    "judgement_overall",
    "judgement_by_auditor",
    "judgement_by_theme",
)
