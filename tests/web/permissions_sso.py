"""Permission-matrix rows for single sign-on and the last sign-in report.

The matrix's app has no identity provider set up (OIDC_ISSUER empty): the sign-on routes do not
exist for anyone there; tests/accounts/test_sso*.py try them with a real provider.
"""

from __future__ import annotations

from tests.web.permission_kinds import ADMIN_ONLY, expect

NOT_SET_UP = expect("missing", anonymous="missing")

ROWS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    "sso.start": [("GET", "/sign-in/sso", NOT_SET_UP)],
    "sso.callback": [("GET", "/sign-in/sso/callback?state=x&code=y", NOT_SET_UP)],
    "sso.signed_out": [("GET", "/sign-in/sso/signed-out?state=x", NOT_SET_UP)],
    # Without a sign-out just made, the page sends everyone on to the sign-in page.
    "sso.after_sign_out": [("GET", "/signed-out", expect("ok", anonymous="ok"))],
    "sso.last_sign_ins": [("GET", "/admin/users/sign-ins", ADMIN_ONLY)],
}

# Open to everyone by name (the sign-in steps).
PUBLIC = {"sso.start", "sso.callback", "sso.signed_out", "sso.after_sign_out"}
