"""Permission rows for the audit record: whoever may see a submitted audit (its auditor, a group
manager of its service, an admin) may have its record, as a page or a PDF; another auditor or a
manager of another service is told it does not exist, a viewer has no audits to open
(tests/managers/test_audit_record.py). ``{submitted}`` is permissions_managers.py's audit."""

from __future__ import annotations

from tests.web.permission_kinds import expect

WHO_MAY_SEE_IT = expect("missing", auditor="ok", manager_own="ok", admin="ok", viewer="forbidden")

ROWS = {
    "audits.record": [("GET", "/audits/{submitted}/record", WHO_MAY_SEE_IT)],
    "audits.record_pdf": [("GET", "/audits/{submitted}/record.pdf", WHO_MAY_SEE_IT)],
}
