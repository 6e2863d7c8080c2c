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

# A partner organisation's people, each beside the home person whose role they hold. The matrix
# tries every route with them too (``test_permissions.py``): unless a row names them, each gets
# what their home counterpart gets, except that a route naming one of the home organisation's
# records (a ``{placeholder}`` in its URL) is "missing" where the counterpart's is "ok", and a
# page of the home organisation alone (an area's ``HOME_ONLY``) is "forbidden".
PARTNERS = {
    "partner_auditor": "auditor",
    "partner_manager": "manager_own",
    "partner_admin": "admin",
    "partner_viewer": "viewer",
}

PARTNER_ORGANISATION = "Metropolitan Police"

# The independent auditor: a home person (role "independent", two-factor authentication on),
# tried on every route too, with the audit (``{assigned}``) assigned to them to re-audit. Unless
# a row names them, they get "forbidden": they see only what is assigned to them, and the
# pages every signed-in person has (``SIGNED_IN_PAGES``) as another auditor does.
INDEPENDENT = "independent"

SIGNED_IN_PAGES = {
    "home.index",
    "auth.sign_in",
    "auth.account",
    "auth.sign_out",
    "auth.sign_out_everywhere",
    "auth.change_password",
    "auth.mfa_setup",
    "auth.second_factor",
    "ops.healthz",
    "ops.readyz",
    "session.keep_alive",
    "auth.end_session",
    "sso.start",
    "sso.callback",
    "sso.signed_out",
    "sso.after_sign_out",
}
