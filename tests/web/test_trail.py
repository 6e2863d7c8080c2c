"""The audit trail: views and denied access are recorded; admins search and export it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from audit_app.db import session_scope
from tests.builders import PASSWORD
from tests.conftest import events
from tests.steps import signed_in_client


def test_views_and_denied_access_are_recorded_and_searchable(
    app: Flask, make_user: Callable[..., str], auditors_draft: tuple[FlaskClient, int]
) -> None:
    owner, audit_id = auditors_draft
    make_user("auditor2", "auditor")
    make_user("admin1", "admin")
    owner.get(f"/audits/{audit_id}")
    signed_in_client(app, "auditor2", PASSWORD).get(f"/audits/{audit_id}")

    viewed = events(app, "audit.viewed")
    assert [(e.actor, e.case_ref) for e in viewed] == [("auditor1", "100824")]
    denied = events(app, "access.denied")
    assert [(e.actor, e.case_ref) for e in denied] == [("auditor2", "100824")]

    admin = signed_in_client(app, "admin1", PASSWORD)
    page = admin.get("/admin/trail?case=100824&action=audit.viewed").get_data(as_text=True)
    assert "auditor1" in page and "1 event." in page
    everything = admin.get("/admin/trail?actor=auditor2").get_data(as_text=True)
    assert "access.denied" in everything
    bad = admin.get("/admin/trail?from=yesterday")
    assert bad.status_code == 200 and "is not a date in the form YYYY-MM-DD" in bad.get_data(
        as_text=True
    )


def test_the_trail_exports_as_csv_and_records_the_export(
    app: Flask, make_user: Callable[..., str]
) -> None:
    make_user("admin1", "admin")
    admin = signed_in_client(app, "admin1", PASSWORD)
    response = admin.get("/admin/trail/export.csv?actor=admin1")
    body = response.get_data()
    assert response.status_code == 200
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["event_id", "occurred_at", "actor", "action"]
    assert any(r[3] == "sign_in.succeeded" and r[1].endswith("Z") for r in rows[1:])
    (export,) = events(app, "trail.exported")
    assert export.actor == "admin1" and '"actor": "admin1"' in export.detail


def test_a_formula_in_a_logged_value_exports_as_text(
    app: Flask, make_user: Callable[..., str]
) -> None:
    make_user("admin1", "admin")
    with session_scope(app) as session:
        from audit_app.services.trail import record_event

        record_event("sign_in.failed", session=session, actor='=HYPERLINK("x")')
    rows = list(
        csv.reader(
            io.StringIO(
                signed_in_client(app, "admin1", PASSWORD)
                .get("/admin/trail/export.csv?action=sign_in.failed")
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    assert rows[1][2] == '\'=HYPERLINK("x")'
