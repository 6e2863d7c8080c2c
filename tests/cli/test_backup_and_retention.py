"""`flask backup create|restore` round trip, and `flask retention purge`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import SQLModel, col, func, select

from audit_app import create_app
from audit_app.db import get_engine, session_scope
from audit_app.models import (
    AgencyAction,
    AgencyReturn,
    Answer,
    Audit,
    AuditEvent,
    AuditResult,
    CaseGrant,
    Challenge,
    Finding,
    GrantBatch,
    LawfulBasis,
    LearningTheme,
    MultiAgencyAudit,
    MultiAgencyCase,
    PanelConclusion,
    PanelMember,
    ReportAudit,
    SecondAudit,
    utcnow,
)
from audit_app.reporting import summaries
from audit_app.services import retention
from tests.builders import PASSWORD, journey_questionnaire, load_questionnaire, make_case, start
from tests.conftest import ROOT, create_postgres_database, drop_postgres_database
from tests.journey.test_completing_an_audit import _answers, _complete
from tests.steps import audit_version, signed_in_client


def _counts(app: Flask) -> dict[str, int]:
    with session_scope(app) as session:
        return {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def two_audits(app: Flask, make_user: Callable[..., str]) -> list[int]:
    """One submitted audit and one draft, by one auditor."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app, "100824")
    make_case(app, "100825")
    make_user("auditor1", "auditor", team="Child Protection 1")
    client = signed_in_client(app, "auditor1", PASSWORD)
    submitted = start(client, "100824")
    _complete(client, app, submitted)
    client.post(f"/audits/{submitted}/check", data={"version": str(audit_version(app, submitted))})
    draft = start(client, "100825")
    client.post(
        f"/audits/{draft}/themes/voice",
        data={"version": str(audit_version(app, draft)), "seen-alone": "no"},
    )
    return [submitted, draft]


@pytest.fixture
def empty_target(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A second, completely empty database on the same backend."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url = create_postgres_database(admin, "case_audit_restore")
    yield url
    drop_postgres_database(admin, url)


def _app_on(url: str, tmp_path: Path) -> Flask:
    return create_app(
        {"TESTING": True},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path / "i2"),
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
        },
    )


def test_a_backup_restores_into_an_empty_database_with_everything(
    app: Flask, two_audits: list[int], empty_target: str, tmp_path: Path
) -> None:
    before = _counts(app)
    file = tmp_path / "backup.bin"
    created = app.test_cli_runner().invoke(args=["backup", "create", str(file)])
    assert created.exit_code == 0, created.output
    assert file.stat().st_size > 0

    target = _app_on(empty_target, tmp_path)
    restored = target.test_cli_runner().invoke(args=["backup", "restore", str(file)])
    assert restored.exit_code == 0, restored.output

    after = _counts(target)
    # The backup event was written after the copy was taken.
    assert after == {**before}
    assert _answers(target, two_audits[1]) == _answers(app, two_audits[1])
    with session_scope(target) as session:
        assert session.get(AuditResult, two_audits[0]) is not None
    get_engine(target).dispose()


def test_restore_refuses_a_database_that_is_not_empty(
    app: Flask, two_audits: list[int], tmp_path: Path
) -> None:
    file = tmp_path / "backup.bin"
    app.test_cli_runner().invoke(args=["backup", "create", str(file)])
    before = _counts(app)
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(file)])
    assert result.exit_code == 1
    assert "The database is not empty" in result.output
    assert _counts(app) == before


def test_backup_will_not_overwrite_a_file(app: Flask, tmp_path: Path) -> None:
    file = tmp_path / "exists.bin"
    file.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", "create", str(file)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert file.read_text() == "keep me"


def _age(app: Flask, audit_id: int, years: int) -> None:
    when = utcnow() - timedelta(days=365 * years + 10)
    with session_scope(app) as session:
        session.execute(
            update(Audit)
            .where(col(Audit.id) == audit_id)
            .values(created_at=when, updated_at=when, submitted_at=when if years else None)
        )


def test_retention_purge_lists_then_removes_old_audits_and_keeps_the_trail(
    app: Flask, two_audits: list[int]
) -> None:
    old, recent = two_audits
    _age(app, old, 8)
    runner = app.test_cli_runner()

    with session_scope(app) as session:  # the dashboard's summaries hold the old audit
        summaries.refresh(session, today=utcnow().date())
        assert session.get(ReportAudit, old) is not None
    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"audit {old}  case 100824  submitted" in dry.output
    assert f"audit {recent} " not in dry.output
    assert (
        "1 audit(s) and 0 multi-agency audit(s) older than 7 years would be removed, and 0 grant(s)"
        in dry.output
    )
    with session_scope(app) as session:
        assert session.get(Audit, old) is not None

    done = runner.invoke(args=["retention", "purge"])
    assert done.exit_code == 0, done.output
    with session_scope(app) as session:
        assert session.get(Audit, old) is None
        assert session.get(AuditResult, old) is None
        assert session.get(ReportAudit, old) is None
        assert not list(session.exec(select(Answer).where(Answer.audit_id == old)))
        assert session.get(Audit, recent) is not None
        kept = session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.audit_id == old)
        ).one()
        purge = session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention.purged")
        ).one()
    assert kept > 0  # the trail of the removed audit stays
    assert f"[{old}]" in purge.detail.replace(" ", "")
    assert _answers(app, recent) == {"seen-alone": "no"}


def test_every_table_that_points_at_an_audit_is_handled_by_the_purge() -> None:
    handled = {(m.__tablename__, "audit_id") for m in retention.AUDIT_CHILDREN}
    handled |= {(m.__tablename__, column) for m, column in retention.AUDIT_LINKS}
    handled |= {("moderation", "audit_id"), ("second_audit", "first_audit_id")}
    handled |= {("audit", "second_of_id")}  # second audits go with their first
    pointing = {
        (table.name, fk.parent.name)
        for table in SQLModel.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "audit"
    }
    assert pointing - handled == set()


def _rows_pointing_at(app: Flask, old: int) -> int:
    """Give the old audit a finding, a second audit, a challenge, a grant to re-audit it and an
    agency return; return the second audit's id."""
    with session_scope(app) as session:
        audit = session.get(Audit, old)
        assert audit is not None
        theme = session.exec(select(LearningTheme)).first()
        assert theme is not None and theme.id is not None
        second = Audit(
            case_id=audit.case_id,
            questionnaire_version_id=audit.questionnaire_version_id,
            auditor_id=audit.auditor_id,
            second_of_id=old,
        )
        basis = LawfulBasis(name="Public task and safeguarding")
        session.add(basis)
        session.flush()
        multi = MultiAgencyAudit(
            title="Neglect",
            coordinator_id=audit.auditor_id,
            due=utcnow().date(),
            sharing_agreement="Partnership agreement",
            lawful_basis_id=basis.id,
        )
        batch = GrantBatch(
            title="Independent",
            purpose="independent",
            pseudonym_key="0" * 64,
            created_by_id=audit.auditor_id,
        )
        session.add_all([second, multi, batch])
        session.flush()
        assert second.id is not None and multi.id is not None and batch.id is not None
        session.add_all(
            [
                Finding(
                    audit_id=old,
                    learning_theme_id=theme.id,
                    kind="learning",
                    tagged_as="auditor",
                    tagged_by_id=audit.auditor_id,
                ),
                SecondAudit(
                    first_audit_id=old, seed="s", draw=0.1, rate=0.5, second_audit_id=second.id
                ),
                Challenge(audit_id=old, text="Why Good?", raised_by_id=audit.auditor_id),
                CaseGrant(
                    batch_id=batch.id,
                    user_id=audit.auditor_id,
                    audit_id=old,
                    starts_on=utcnow().date(),
                    ends_on=utcnow().date(),
                    granted_by_id=audit.auditor_id,
                ),
                AgencyReturn(
                    multi_agency_audit_id=multi.id,
                    organisation_id=audit.organisation_id,
                    case_id=audit.case_id,
                    questionnaire_version_id=audit.questionnaire_version_id,
                    audit_id=old,
                ),
            ]
        )
        return second.id


def test_the_purge_removes_an_audit_with_every_row_that_points_at_it(
    app: Flask, two_audits: list[int]
) -> None:
    old, recent = two_audits
    _age(app, old, 8)
    second = _rows_pointing_at(app, old)

    done = app.test_cli_runner().invoke(args=["retention", "purge"])

    assert done.exit_code == 0, done.output
    with session_scope(app) as session:
        assert session.get(Audit, old) is None
        assert session.get(Audit, second) is None
        assert session.get(Audit, recent) is not None
        for model in (Finding, SecondAudit, Challenge, CaseGrant):
            assert session.exec(select(func.count()).select_from(model)).one() == 0
        agency_return = session.exec(select(AgencyReturn)).one()
        assert agency_return.audit_id is None


def _multi_agency_audit(app: Flask, audit_id: int, *, concluded_years_ago: int) -> int:
    """A concluded multi-agency audit whose one return is ``audit_id``, with a conclusion, an
    action and a panel member."""
    when = utcnow() - timedelta(days=365 * concluded_years_ago + 10)
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        multi = MultiAgencyAudit(
            title="Neglect cohort",
            coordinator_id=audit.auditor_id,
            due=when.date(),
            sharing_agreement="Partnership agreement",
            lawful_basis_other="Public task",
            status="concluded",
            created_at=when,
            concluded_at=when,
        )
        session.add(multi)
        session.flush()
        assert multi.id is not None
        audit.multi_agency_audit_id = multi.id  # as a return started from its page is
        session.add_all(
            [
                audit,
                MultiAgencyCase(multi_agency_audit_id=multi.id, case_id=audit.case_id),
                AgencyReturn(
                    multi_agency_audit_id=multi.id,
                    organisation_id=audit.organisation_id,
                    case_id=audit.case_id,
                    questionnaire_version_id=audit.questionnaire_version_id,
                    audit_id=audit_id,
                ),
                PanelMember(multi_agency_audit_id=multi.id, user_id=audit.auditor_id),
                PanelConclusion(
                    multi_agency_audit_id=multi.id,
                    domain="overall",
                    grade="Good",
                    analysis="Joint work",
                    recorded_by_id=audit.auditor_id,
                ),
                AgencyAction(
                    multi_agency_audit_id=multi.id,
                    organisation_id=audit.organisation_id,
                    description="Share the plan",
                    due=when.date(),
                    created_by_id=audit.auditor_id,
                ),
            ]
        )
        return multi.id


def test_a_multi_agency_audit_goes_with_its_returns_once_its_last_activity_is_too_old(
    app: Flask, two_audits: list[int]
) -> None:
    submitted, _draft = two_audits
    old = _multi_agency_audit(app, submitted, concluded_years_ago=8)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert f"multi-agency audit {old}  Neglect cohort  concluded" in dry.output
    assert (
        "0 audit(s) and 1 multi-agency audit(s) older than 7 years would be removed, and 0"
        in dry.output
    )

    done = runner.invoke(args=["retention", "purge"])
    assert done.exit_code == 0, done.output
    assert (
        "Removed 1 audit(s) and 1 multi-agency audit(s) older than 7 years, and 0 grant(s)"
        in done.output
    )
    with session_scope(app) as session:
        assert session.get(MultiAgencyAudit, old) is None
        assert session.get(Audit, submitted) is None  # its return, though recent itself
        for model in (MultiAgencyCase, AgencyReturn, PanelMember, PanelConclusion, AgencyAction):
            assert session.exec(select(func.count()).select_from(model)).one() == 0


def test_a_recent_multi_agency_audit_stays(app: Flask, two_audits: list[int]) -> None:
    submitted, _draft = two_audits
    recent = _multi_agency_audit(app, submitted, concluded_years_ago=6)
    done = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert "Removed 0 audit(s) and 0 multi-agency audit(s)" in done.output
    with session_scope(app) as session:
        assert session.get(MultiAgencyAudit, recent) is not None
        assert session.get(Audit, submitted) is not None


def _grant(app: Flask, audit_id: int, *, ended_years_ago: int, revoked: bool = False) -> int:
    """A batch with one grant to the audit's case, whose last day was that long ago."""
    when = utcnow() - timedelta(days=365 * ended_years_ago + 10)
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        batch = GrantBatch(
            title="Peer review",
            purpose="peer",
            pseudonym_key="0" * 64,
            created_by_id=audit.auditor_id,
            created_at=when,
        )
        session.add(batch)
        session.flush()
        assert batch.id is not None
        grant = CaseGrant(
            batch_id=batch.id,
            user_id=audit.auditor_id,
            case_id=audit.case_id,
            starts_on=when.date(),
            ends_on=when.date() if not revoked else utcnow().date(),
            granted_by_id=audit.auditor_id,
            revoked_at=when if revoked else None,
        )
        session.add(grant)
        session.flush()
        assert grant.id is not None
        return grant.id


def test_grants_that_ended_before_the_retention_period_go_with_their_empty_batches(
    app: Flask, two_audits: list[int]
) -> None:
    submitted, _draft = two_audits
    old = _grant(app, submitted, ended_years_ago=8)
    revoked = _grant(app, submitted, ended_years_ago=9, revoked=True)
    recent = _grant(app, submitted, ended_years_ago=6)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert "and 2 grant(s) that ended before then" in dry.output
    done = runner.invoke(args=["retention", "purge"])

    assert done.exit_code == 0, done.output
    assert "and 2 grant(s) that ended before then" in done.output
    with session_scope(app) as session:
        assert session.get(CaseGrant, old) is None
        assert session.get(CaseGrant, revoked) is None
        kept = session.get(CaseGrant, recent)
        assert kept is not None
        assert session.exec(select(func.count()).select_from(GrantBatch)).one() == 1
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention.grants_purged")
        ).one()
    assert '"grants": 2' in event.detail
