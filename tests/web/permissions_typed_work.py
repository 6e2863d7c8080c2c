"""Permission-matrix rows for keeping a session open and the theme page's live suggested grade."""

from __future__ import annotations

from tests.web.permission_kinds import expect

ROWS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    # Anyone signed in may keep their own session open.
    "session.keep_alive": [("POST", "/session/keep-alive", expect("ok"))],
    # As the theme page: its own auditor only; managers and other auditors are not told it exists.
    "suggestion.theme_suggestion": [
        (
            "POST",
            "/audits/{draft}/themes/voice/suggestion",
            expect("missing", auditor="ok", viewer="forbidden", admin="forbidden"),
        )
    ],
}
