"""Permission-matrix rows for keeping a session open and the theme page's live suggested grade."""

from __future__ import annotations

PEOPLE = (
    "anonymous",
    "auditor",
    "other_auditor",
    "manager_own",
    "manager_other",
    "viewer",
    "admin",
)


def _expect(default: str, **by_person: str) -> dict[str, str]:
    """Expected kinds: ``default`` for everyone signed in unless named; sign-in if anonymous."""
    kinds = {person: default for person in PEOPLE}
    kinds["anonymous"] = "sign-in"
    kinds.update(by_person)
    return kinds


ROWS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    # Anyone signed in may keep their own session open.
    "session.keep_alive": [("POST", "/session/keep-alive", _expect("ok"))],
    # As the theme page: its own auditor only; managers and other auditors are not told it exists.
    "suggestion.theme_suggestion": [
        (
            "POST",
            "/audits/{draft}/themes/voice/suggestion",
            _expect("missing", auditor="ok", viewer="forbidden", admin="forbidden"),
        )
    ],
}
