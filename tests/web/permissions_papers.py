"""Permission rows for the board papers (in the reports area): every signed-in role may make a
paper, each of only the audits their role allows (tests/reports/test_board_paper.py);
anonymous visitors are sent to sign in."""

from __future__ import annotations

from tests.web.permission_kinds import expect

EVERYONE = expect("ok")

ROWS = {
    "reports.paper": [("GET", "/reports/paper?from=2026-01-01&to=2026-03-31", EVERYONE)],
    "reports.paper_pdf": [("GET", "/reports/paper.pdf?from=2026-01-01&to=2026-03-31", EVERYONE)],
}
