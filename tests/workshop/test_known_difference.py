"""Two versions whose difference is known: a weight changed, a question removed, a band moved.

Every figure below is worked out by hand from the answers (percents to two decimals; grades
O, G, RI and I). Answers are to seen-alone, wishes-recorded, plan-smart, plan-reviewed and
supervision; themes are voice, planning and oversight, then the overall grade.

- A (Child Protection): yes, no, yes, no, mostly.
  Version 1: 50 RI, 66.67 G, 66.67 G, overall 61.11 RI.
  Version 2: 100 O, 50 RI, 66.67 RI (the band moved), overall 72.22 G.
- B (Child Protection): partly, yes, partly, yes, yes.
  Version 1: 75 G, 66.67 G, 100 O, overall 80.56 G.
  Version 2: 50 RI, 75 G, 100 O, overall 75 G.
- C (Children in Care): yes, yes, yes, partly, partly.
  Version 1: 100 O, 83.33 G, 33.33 I, overall 72.22 G.
  Version 2: 100 O, 75 G, 33.33 I, overall 69.44 RI.
- D (Children in Care): no, yes, yes, yes, yes.
  Version 1: 50 RI, 100 O, 100 O, overall 83.33 G.
  Version 2: 0 I, 100 O, 100 O, overall 66.67 RI.

So: overall grades 1 better (A), 2 worse (C, D), 1 unchanged; theme grades 1 better (A voice),
4 worse (A planning, A oversight, B voice, D voice), 7 unchanged.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.core.compare import Change, compare
from audit_app.core.questionnaire import validate_questionnaire
from audit_app.db import session_scope
from audit_app.models import AuditResult, ThemeResult
from audit_app.services import workshop as workshop_service
from tests.builders import audit_judged_as_suggested, load_questionnaire, on, rescore_v1, rescore_v2

ANSWERS = {
    "A": ("yes", "no", "yes", "no", "mostly"),
    "B": ("partly", "yes", "partly", "yes", "yes"),
    "C": ("yes", "yes", "yes", "partly", "partly"),
    "D": ("no", "yes", "yes", "yes", "yes"),
}
QUESTIONS = ("seen-alone", "wishes-recorded", "plan-smart", "plan-reviewed", "supervision")


def _answers(name: str) -> dict[str, str]:
    return dict(zip(QUESTIONS, ANSWERS[name], strict=True))


@pytest.fixture
def rescored(admin: Flask) -> dict[str, int]:
    """Version 1 with four audits in the period and three that must be left out; version 2."""
    load_questionnaire(admin, rescore_v1())
    ids = {
        "A": audit_judged_as_suggested(admin, "A1", _answers("A"), submitted_at=on(2)),
        "B": audit_judged_as_suggested(
            admin, "B1", _answers("B"), submitted_at=on(10), status="moderated"
        ),
        "C": audit_judged_as_suggested(
            admin, "C1", _answers("C"), service="Children in Care", submitted_at=on(31)
        ),
        "D": audit_judged_as_suggested(
            admin,
            "D1",
            _answers("D"),
            service="Children in Care",
            submitted_at=on(15),
            status="closed",
        ),
        # Left out: a draft, and an audit submitted before the period.
        "draft": audit_judged_as_suggested(admin, "E1", _answers("A"), status="draft"),
        "early": audit_judged_as_suggested(
            admin, "F1", _answers("A"), submitted_at=on(28, month=2)
        ),
    }
    load_questionnaire(admin, rescore_v2())
    # Left out: an audit of version 2 itself.
    ids["v2"] = audit_judged_as_suggested(admin, "G1", _answers("A"), submitted_at=on(5))
    return ids


def test_the_comparison_names_the_known_differences() -> None:
    comparison = compare(validate_questionnaire(rescore_v1()), validate_questionnaire(rescore_v2()))
    assert comparison.headline == (
        "2 themes changed",
        "1 question removed",
        "1 question changed",
        "Grading changed",
    )
    assert comparison.grading == (
        Change("“Good” band", "65% to below 85%", "70% to below 85%"),
        Change("“Requires improvement” band", "40% to below 65%", "40% to below 70%"),
    )
    themes = {t.theme_id: t for t in comparison.themes}
    assert [(q.question_id, q.status) for q in themes["voice"].questions] == [
        ("wishes-recorded", "removed")
    ]
    [smart] = themes["planning"].questions
    assert smart.question_id == "plan-smart"
    assert smart.changes == (Change("Weight within its theme", "2", "1"),)
    assert themes["oversight"].status == "unchanged"


def test_the_comparison_page_shows_them_side_by_side(
    rescored: dict[str, int], client: FlaskClient
) -> None:
    html = client.get("/questionnaires/rescore-audit/compare?before=1&after=2").get_data(
        as_text=True
    )
    assert "1 question removed" in html
    assert "Are the child&#39;s wishes recorded in their own words?" in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Weight within its theme 2 1" in text
    assert "“Good” band 65% to below 85% 70% to below 85%" in text


def test_the_rescoring_figures_match_the_hand_computed_ones(
    rescored: dict[str, int], admin: Flask
) -> None:
    with session_scope(admin) as session:
        impact = workshop_service.rescoring_impact(
            "rescore-audit", 1, 2, on(1).date(), on(31).date(), session=session
        )
    ids = rescored
    assert [r.audit.audit_id for r in impact.audits] == [ids["A"], ids["B"], ids["D"], ids["C"]]
    assert (impact.overall.total, impact.overall.changed) == (4, 3)
    assert dict(impact.overall.counts) == {"better": 1, "worse": 2, "unchanged": 1}
    assert impact.overall.audit_ids["better"] == (ids["A"],)
    assert impact.overall.audit_ids["worse"] == (ids["D"], ids["C"])
    assert (impact.themes.total, impact.themes.changed) == (12, 5)
    assert dict(impact.themes.counts) == {"better": 1, "worse": 4, "unchanged": 7}
    by_theme = {t.theme_id: dict(t.figures.counts) for t in impact.by_theme}
    assert by_theme == {
        "voice": {"better": 1, "worse": 2, "unchanged": 1},
        "planning": {"worse": 1, "unchanged": 3},
        "oversight": {"worse": 1, "unchanged": 3},
    }
    by_service = {
        s.service: (s.audits, dict(s.overall.counts), dict(s.themes.counts))
        for s in impact.by_service
    }
    assert by_service == {
        "Child Protection": (
            2,
            {"better": 1, "unchanged": 1},
            {"better": 1, "worse": 3, "unchanged": 2},
        ),
        "Children in Care": (2, {"worse": 2}, {"worse": 1, "unchanged": 5}),
    }
    a = impact.audits[0]
    assert (a.overall.before, a.overall.after) == ("Requires improvement", "Good")
    assert [(t.theme_id, t.shift.before, t.shift.after) for t in a.changed_themes] == [
        ("voice", "Requires improvement", "Outstanding"),
        ("planning", "Good", "Requires improvement"),
        ("oversight", "Good", "Requires improvement"),
    ]
    behind = impact.audits_behind("service:Children in Care:overall", "worse")
    assert behind is not None
    assert [r.audit.case_ref for r in behind] == ["D1", "C1"]
    themes_worse = impact.audits_behind("themes", "worse")
    assert themes_worse is not None
    assert [r.audit.case_ref for r in themes_worse] == ["A1", "B1", "D1"]


def test_the_impact_page_shows_the_figures_and_the_audits_behind_them(
    rescored: dict[str, int], client: FlaskClient
) -> None:
    query = "before=1&after=2&start=1&start=3&start=2026&end=31&end=3&end=2026"
    html = client.get(f"/questionnaires/rescore-audit/rescoring?{query}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "4 audits of version 1 submitted from 1 March 2026 to 31 March 2026" in text
    assert "The overall grade would change for 3 (1 better, 2 worse)" in text
    assert "5 of 12 theme grades would change (1 better, 4 worse)" in text
    # Every audit whose grade changes is listed; B changes a theme grade only.
    for case_ref in ("A1", "B1", "C1", "D1"):
        assert f">{case_ref}</a>" in html
    listed = client.get(
        f"/questionnaires/rescore-audit/rescoring?{query}"
        "&scope=service:Children+in+Care:overall&which=worse"
    ).get_data(as_text=True)
    audits = listed[listed.index('id="audits"') :]
    assert ">C1</a>" in audits and ">D1</a>" in audits
    assert ">A1</a>" not in audits and ">B1</a>" not in audits


def test_rescoring_changes_no_stored_result(
    rescored: dict[str, int], admin: Flask, client: FlaskClient
) -> None:
    def stored() -> list[tuple[object, ...]]:
        with session_scope(admin) as session:
            overall = [
                (r.audit_id, r.grade_computed, r.percent)
                for r in session.exec(select(AuditResult).order_by(AuditResult.audit_id))
            ]
            themes = [
                (r.audit_id, r.theme_id, r.grade_computed, r.percent)
                for r in session.exec(select(ThemeResult).order_by(ThemeResult.id))
            ]
            return overall + themes

    before = stored()
    response = client.get(
        "/questionnaires/rescore-audit/rescoring?before=1&after=2"
        "&start=1&start=3&start=2026&end=31&end=3&end=2026"
    )
    assert response.status_code == 200
    assert stored() == before
