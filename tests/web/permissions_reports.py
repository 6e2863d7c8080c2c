"""Permission rows for the reports area: every signed-in role may open reports (each sees only
what their role allows, which tests/reports checks); anonymous visitors are sent to sign in."""

from __future__ import annotations

from tests.web.permission_kinds import expect

EVERYONE = expect("ok")

ROWS = {
    "reports.dashboard": [("GET", "/reports", EVERYONE)],
    "reports.audits": [("GET", "/reports/audits?band=good", EVERYONE)],
    "reports.compliance": [("GET", "/reports/compliance?measure=Child+seen+alone", EVERYONE)],
    "reports.options": [("GET", "/reports/options", EVERYONE)],
    "reports.dictionary": [("GET", "/reports/data-dictionary", EVERYONE)],
    "reports.export_csv": [("GET", "/reports/export/audits.csv", EVERYONE)],
    "reports.export_workbook": [("GET", "/reports/export/workbook.xlsx", EVERYONE)],
}
