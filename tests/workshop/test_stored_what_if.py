"""A large rescoring what-if is worked out once in the background, kept, and read again by every
drill-down click until the audits or versions change.

The known difference of ``test_known_difference.py`` (four audits in March 2026) stands in for
a large council: ``WHAT_IF_INLINE_AUDITS`` is set to 0, so that every what-if is a job. The
jobs are run here, one call at a time (``run_next_job``): nothing depends on timing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from audit_app import jobs
from audit_app.core.rescore import DIRECTIONS, Figures, Impact, RescoredAudit
from audit_app.db import get_engine, session_scope
from audit_app.models import Answer, Audit, WhatIf
from audit_app.services import what_if as what_if_service
from audit_app.services import workshop as workshop_service
from audit_app.services.questionnaires import questionnaire_of
from tests.workshop.conftest import confirmed, count
from tests.workshop.test_known_difference import rescored  # noqa: F401 - a fixture

QUERY = "before=1&after=2&start=1&start=3&start=2026&end=31&end=3&end=2026"
PAGE = f"/questionnaires/rescore-audit/rescoring?{QUERY}"
KEY = ("rescore-audit", 1, 2, date(2026, 3, 1), date(2026, 3, 31))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def large(rescored: dict[str, int], admin: Flask) -> Iterator[dict[str, int]]:  # noqa: F811
    """The known difference, with every what-if worked out in the background."""
    admin.config["WHAT_IF_INLINE_AUDITS"] = 0
    yield rescored


@pytest.fixture
def rescores(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every call of the rescoring, in the request or in a job, counted."""
    calls: list[int] = []

    def counting(original: Callable[..., Any]) -> Callable[..., Any]:
        def rescore(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            return original(*args, **kwargs)

        return rescore

    monkeypatch.setattr(what_if_service, "rescore_each", counting(what_if_service.rescore_each))
    monkeypatch.setattr(workshop_service, "rescore", counting(workshop_service.rescore))
    return calls


def run_jobs(app: Flask) -> int:
    """Run the queued jobs, as the worker would; how many ran."""
    ran = 0
    with session_scope(app) as session:
        while jobs.run_next_job(session, batch=3):
            ran += 1
    return ran


def job(app: Flask) -> WhatIf:
    with session_scope(app) as session:
        found = session.exec(select(WhatIf)).one()
        session.expunge(found)
        return found


def test_the_first_visit_queues_the_job_and_a_run_keeps_the_result(
    large: dict[str, int], admin: Flask, client: FlaskClient
) -> None:
    response = client.get(PAGE)
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Working out the impact: 0 of 4 audits" in text
    assert "The overall grade would change" not in text
    assert response.headers["Refresh"] == "10"
    queued = job(admin)
    assert (queued.status, queued.done, queued.total, queued.result) == ("queued", 0, 4, None)
    # A second visit before the worker has run queues nothing more.
    assert "Working out the impact: 0 of 4 audits" in text_of(client.get(PAGE).get_data(True))
    assert count(admin, WhatIf) == 1

    assert run_jobs(admin) == 1
    kept = job(admin)
    assert (kept.status, kept.done, kept.total) == ("done", 4, 4)
    assert kept.result is not None and kept.computed_at is not None and kept.fingerprint

    response = client.get(PAGE)
    text = text_of(response.get_data(as_text=True))
    assert "Refresh" not in response.headers
    assert "Working out the impact" not in text
    assert "4 audits of version 1 submitted from 1 March 2026 to 31 March 2026" in text
    assert "The overall grade would change for 3 (1 better, 2 worse)" in text
    assert "5 of 12 theme grades would change (1 better, 4 worse)" in text


def _worked_out_and_packed(app: Flask) -> tuple[Impact, str]:
    """The what-if of KEY worked out directly, and packed as it is kept."""
    with session_scope(app) as session:
        direct = workshop_service.rescoring_impact(*KEY, session=session)
        versions = [
            questionnaire_of(workshop_service.get_version(KEY[0], v, session=session))
            for v in (1, 2)
        ]
    return direct, what_if_service.pack(direct, *versions)


def test_the_kept_result_reads_back_as_the_same_figures(
    large: dict[str, int], admin: Flask
) -> None:
    direct, packed = _worked_out_and_packed(admin)
    read = what_if_service.summary(packed)
    assert (read.before_version, read.after_version) == (1, 2)
    assert read.audit_count == len(direct.audits) == 4

    def counts(figures: Figures) -> tuple[int, dict[str, int]]:
        return figures.total, dict(figures.counts)

    assert counts(read.overall) == counts(direct.overall)
    assert counts(read.themes) == counts(direct.themes)
    assert [(t.theme_id, t.title, counts(t.figures)) for t in read.by_theme] == [
        (t.theme_id, t.title, counts(t.figures)) for t in direct.by_theme
    ]
    assert [
        (s.service, s.audits, counts(s.overall), counts(s.themes)) for s in read.by_service
    ] == [(s.service, s.audits, counts(s.overall), counts(s.themes)) for s in direct.by_service]
    # Behind every figure, each way: the same audits, with the same grades and percents.
    for scope in direct.scopes:
        for which in (*DIRECTIONS, "changed"):
            listed = what_if_service.listing(packed, scope, which)
            expected = direct.audits_behind(scope, which)
            assert expected is not None
            assert listed.behind and listed.total == len(expected), (scope, which)
            assert [whole(r) for r in listed.audits] == [whole(r) for r in expected]
    changed = what_if_service.listing(packed, "", "")
    assert not changed.behind
    assert [whole(r) for r in changed.audits] == [whole(r) for r in direct.audits if r.changed]
    assert not what_if_service.listing(packed, "theme:nonsense", "better").behind
    assert not what_if_service.listing(packed, "overall", "sideways").behind


def whole(r: RescoredAudit) -> tuple[Any, ...]:
    """Everything the page shows of a rescored audit."""
    a = r.audit
    return (a.audit_id, a.case_ref, a.team, a.service, a.submitted_at, r.overall, r.themes)


def test_a_listing_names_at_most_the_first_audits_and_counts_the_rest(
    large: dict[str, int], admin: Flask
) -> None:
    direct, packed = _worked_out_and_packed(admin)
    listed = what_if_service.listing(packed, "themes", "worse", limit=2)
    assert (listed.total, listed.cut) == (3, True)
    assert [r.audit.case_ref for r in listed.audits] == ["A1", "B1"]


def test_drill_down_clicks_read_the_kept_result_without_rescoring(
    large: dict[str, int], client: FlaskClient, admin: Flask, rescores: list[int]
) -> None:
    client.get(PAGE)
    run_jobs(admin)
    worked_out = len(rescores)
    assert worked_out > 0
    for scope, which, listed, left_out in (
        ("service:Children in Care:overall", "worse", ("C1", "D1"), ("A1", "B1")),
        ("overall", "better", ("A1",), ("B1", "C1", "D1")),
        ("themes", "worse", ("A1", "B1", "D1"), ("C1",)),
        ("theme:voice", "changed", ("A1", "B1", "D1"), ("C1",)),
    ):
        html = client.get(f"{PAGE}&scope={scope}&which={which}").get_data(as_text=True)
        audits = html[html.index('id="audits"') :]
        assert "Audits behind the figure" in html
        for case_ref in listed:
            assert f">{case_ref}</a>" in audits, (scope, which)
        for case_ref in left_out:
            assert f">{case_ref}</a>" not in audits, (scope, which)
    client.get(PAGE)
    assert len(rescores) == worked_out  # no click rescored anything
    assert count(admin, WhatIf, col(WhatIf.status) == "done") == 1


def _change_answer(app: Flask, audit_id: int, question_id: str, value: str) -> None:
    """Change a stored answer as a save does: the audit's version and last change move."""
    with session_scope(app) as session:
        session.execute(
            update(Answer)
            .where(col(Answer.audit_id) == audit_id, col(Answer.question_id) == question_id)
            .values(value=value)
        )
        session.execute(
            update(Audit)
            .where(col(Audit.id) == audit_id)
            .values(version=Audit.version + 1, updated_at=datetime.now(UTC))
        )


def test_a_changed_answer_makes_the_kept_result_stale_and_it_is_worked_out_again(
    large: dict[str, int], client: FlaskClient, admin: Flask, rescores: list[int]
) -> None:
    client.get(PAGE)
    run_jobs(admin)
    before = job(admin)
    # C's supervision answer (oversight) from "partly" to "yes": C no longer gets worse overall.
    _change_answer(admin, large["C"], "supervision", "yes")
    calls = len(rescores)

    response = client.get(PAGE)
    text = text_of(response.get_data(as_text=True))
    assert "Audits or versions have changed since these figures were worked out" in text
    assert "Working out the impact: 0 of 4 audits" in text
    assert "The overall grade would change for 3 (1 better, 2 worse)" in text  # the kept one
    assert response.headers["Refresh"] == "10"
    assert len(rescores) == calls  # queued, not worked out in the request
    assert job(admin).status == "queued"

    assert run_jobs(admin) == 1
    after = job(admin)
    assert after.status == "done" and after.fingerprint != before.fingerprint
    with session_scope(admin) as session:
        now = workshop_service.rescoring_impact(*KEY, session=session).overall
    assert (now.changed, now.count("better"), now.count("worse")) == (2, 1, 1)
    text = text_of(client.get(PAGE).get_data(as_text=True))
    assert "Audits or versions have changed" not in text
    assert "The overall grade would change for 2 (1 better, 1 worse)" in text


def test_retiring_a_version_makes_the_kept_result_stale(
    large: dict[str, int], client: FlaskClient, admin: Flask
) -> None:
    client.get(PAGE)
    run_jobs(admin)
    assert client.get(PAGE).status_code == 200
    assert job(admin).status == "done"
    confirmed(client, "/questionnaires/rescore-audit/versions/2/retire")
    text = text_of(client.get(PAGE).get_data(as_text=True))
    assert "Audits or versions have changed since these figures were worked out" in text
    assert job(admin).status == "queued"
    assert run_jobs(admin) == 1
    assert "Audits or versions have changed" not in text_of(client.get(PAGE).get_data(True))


def test_a_small_what_if_is_worked_out_in_the_request_and_not_kept(
    rescored: dict[str, int],  # noqa: F811
    admin: Flask,
    client: FlaskClient,
) -> None:
    text = text_of(client.get(PAGE).get_data(as_text=True))
    assert "The overall grade would change for 3 (1 better, 2 worse)" in text
    assert "Working out the impact" not in text
    assert count(admin, WhatIf) == 0


def test_a_job_that_fails_says_so_and_is_tried_again(
    large: dict[str, int],
    client: FlaskClient,
    admin: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client.get(PAGE)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ArithmeticError("no")

    with monkeypatch.context() as patched:
        patched.setattr(what_if_service, "rescore_each", broken)
        assert run_jobs(admin) == 1
    assert (job(admin).status, job(admin).error) == ("failed", "ArithmeticError")
    text = text_of(client.get(PAGE).get_data(as_text=True))
    assert "The impact could not be worked out last time (ArithmeticError)" in text
    assert job(admin).status == "queued"
    assert run_jobs(admin) == 1
    assert "The overall grade would change for 3" in text_of(client.get(PAGE).get_data(True))


def test_a_job_is_claimed_once(large: dict[str, int], client: FlaskClient, admin: Flask) -> None:
    client.get(PAGE)
    with session_scope(admin) as first:
        assert what_if_service.claim_next_job(first) is not None
    with session_scope(admin) as second:
        assert what_if_service.claim_next_job(second) is None
    # A running job whose server has been quiet for long is taken by another.
    with session_scope(admin) as session:
        session.execute(
            update(WhatIf).values(
                claimed_at=datetime.now(UTC) - what_if_service.CLAIM_EXPIRES - timedelta(1)
            )
        )
    with session_scope(admin) as third:
        assert what_if_service.claim_next_job(third) is not None


def test_two_servers_claiming_at_once_get_the_job_once(
    large: dict[str, int], client: FlaskClient, admin: Flask
) -> None:
    """Two sessions claim while neither has committed: on PostgreSQL the second skips the
    locked row (on SQLite the second could not even begin while the first writes)."""
    if get_engine(admin).dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the claim is shown above")
    client.get(PAGE)
    first = Session(get_engine(admin))
    second = Session(get_engine(admin))
    try:
        claimed = what_if_service.claim_next_job(first)
        assert claimed is not None
        assert what_if_service.claim_next_job(second) is None
        first.commit()
        second.rollback()
        assert what_if_service.claim_next_job(second) is None
        second.commit()
    finally:
        first.close()
        second.close()
    assert job(admin).status == "running"
