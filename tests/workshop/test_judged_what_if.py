"""Rescoring towards a version that grades a theme by judgement reads the auditors' own grades
of that theme, in the request and in a background job alike."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlmodel import select

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import ThemeJudgement, WhatIf
from audit_app.services import what_if as what_if_service
from audit_app.services import workshop as workshop_service
from audit_app.services.questionnaires import questionnaire_of
from tests.builders import load_questionnaire, rescore_v1
from tests.workshop.test_known_difference import rescored  # noqa: F401 - a fixture
from tests.workshop.test_stored_what_if import run_jobs

START, END = date(2026, 3, 1), date(2026, 3, 31)
DESCRIPTORS = ["Exemplary.", "Solid.", "Patchy.", "Unsafe."]


def _version_3_grades_voice_by_judgement(app: Flask) -> None:
    data = upgrade(rescore_v1())
    data["version"] = 3
    for band, descriptor in zip(data["grading"]["bands"], DESCRIPTORS, strict=True):
        band["descriptor"] = descriptor
    data["themes"][0]["graded_by"] = "judgement"
    load_questionnaire(app, data)


def _judged_voice(app: Flask, audit_ids: list[int]) -> dict[int, str]:
    with session_scope(app) as session:
        rows = session.exec(
            select(ThemeJudgement).where(
                ThemeJudgement.theme_id == "voice",
                ThemeJudgement.audit_id.in_(audit_ids),  # type: ignore[attr-defined]
            )
        )
        return {row.audit_id: row.grade for row in rows if row.grade}


def test_the_theme_graded_by_judgement_takes_each_auditors_grade(
    rescored: dict[str, int],  # noqa: F811
    admin: Flask,
) -> None:
    _version_3_grades_voice_by_judgement(admin)
    in_period = [rescored[name] for name in "ABCD"]
    judged = _judged_voice(admin, in_period)
    assert len(judged) == 4
    with session_scope(admin) as session:
        impact = workshop_service.rescoring_impact(
            "rescore-audit", 1, 3, START, END, session=session
        )
    after = {
        r.audit.audit_id: next(t.shift for t in r.themes if t.theme_id == "voice")
        for r in impact.audits
    }
    assert {audit_id: (s.after, s.percent_after) for audit_id, s in after.items()} == {
        audit_id: (grade, None) for audit_id, grade in judged.items()
    }


def test_a_background_job_reads_them_too(
    rescored: dict[str, int],  # noqa: F811
    admin: Flask,
) -> None:
    """The job's kept result is the one worked out in the request, judged grades and all."""
    _version_3_grades_voice_by_judgement(admin)
    with session_scope(admin) as session:
        queued = what_if_service.what_if(
            "rescore-audit", 1, 3, START, END, session=session, inline_audits=0
        )
    assert queued.status == "queued"
    assert run_jobs(admin) == 1
    with session_scope(admin) as session:
        kept = session.exec(select(WhatIf).where(WhatIf.after_version == 3)).one()
        direct = workshop_service.rescoring_impact(
            "rescore-audit", 1, 3, START, END, session=session
        )
        versions = [
            questionnaire_of(workshop_service.get_version("rescore-audit", v, session=session))
            for v in (1, 3)
        ]
        assert kept.result == what_if_service.pack(direct, *versions)
