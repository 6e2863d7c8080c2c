"""The people of the permission matrix and the answers each should get, for
``test_permissions.py`` and the areas' ``permissions_<area>.py`` rows alike."""

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


def expect(default: str, anonymous: str = "sign-in", **by_person: str) -> dict[str, str]:
    """Expected kinds: ``default`` for everyone signed in unless named."""
    kinds = {person: default for person in PEOPLE}
    kinds["anonymous"] = anonymous
    kinds.update(by_person)
    return kinds


ADMIN_ONLY = expect("forbidden", admin="ok")
