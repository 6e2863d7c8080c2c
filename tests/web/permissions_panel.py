"""Permission rows for a multi-agency audit's panel: the discussion, concluding it, the actions
given to agencies and each agency's download.

The world gains two multi-agency audits of case 100824 coordinated by "manager_own", each with
a return of the home organisation (by "auditor") and one of the partner organisation (by
"partner_auditor"), and "partner_manager" named to the panel: ``{panel_audit}``, its returns
closed, with an action for each agency (``{home_action}``, ``{partner_action}``), and
``{concluded_audit}``, concluded. ``{home_org}`` and ``{partner_org}`` are the agencies.
"""

from __future__ import annotations

from flask import Flask

from audit_app.core.partnership import CONCLUDED
from tests.panel_builders import closed_returns, give_action
from tests.web.permission_kinds import expect

HOME_ACTION = "Share the strategy discussion notes within a day (home action)."
PARTNER_ACTION = "Record every referral to children's services (police action)."

AUDIT = "/multi-agency/{panel_audit}"
CONCLUDED_AUDIT = "/multi-agency/{concluded_audit}"


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """The two multi-agency audits and the two actions."""
    returns = {"auditor": "Good", "partner_auditor": "Requires improvement"}
    closed = closed_returns(
        app,
        coordinator="manager_own",
        case_ref="100824",
        returns=returns,
        panel=("partner_manager",),
    )
    concluded = closed_returns(
        app,
        coordinator="manager_own",
        case_ref="100824",
        returns=returns,
        panel=("partner_manager",),
        title="Concluded review",
        status=CONCLUDED,
    )
    home_org, partner_org = closed.agencies.values()
    return {
        "panel_audit": closed.audit_id,
        "concluded_audit": concluded.audit_id,
        "home_org": home_org,
        "partner_org": partner_org,
        "home_action": give_action(
            app, closed.audit_id, home_org, HOME_ACTION, created_by="manager_own"
        ),
        "partner_action": give_action(
            app, closed.audit_id, partner_org, PARTNER_ACTION, created_by="manager_own"
        ),
    }


# The panel: the coordinator and the partner's named manager.
PANEL = expect("missing", manager_own="ok", partner_manager="ok")
COORDINATOR = expect("missing", manager_own="ok")
# Each agency's people who read records (viewers see reports only), and the panel.
AGENCIES = expect(
    "ok",
    viewer="missing",
    partner_auditor="ok",
    partner_manager="ok",
    partner_admin="ok",
    partner_viewer="missing",
)
# The owning agency's group managers and admins.
HOME_CHANGERS = expect("missing", manager_own="ok", manager_other="ok", admin="ok")
PARTNER_CHANGERS = expect("missing", partner_manager="ok", partner_admin="ok")

ROWS = {
    "panel.discussion": [
        ("GET", f"{AUDIT}/discussion", PANEL),
        # An empty form is of no version: out of date (409), nothing saved.
        ("POST", f"{AUDIT}/discussion", PANEL),
        ("GET", f"{CONCLUDED_AUDIT}/discussion", AGENCIES),
    ],
    "panel.conclude": [
        ("GET", f"{AUDIT}/discussion/conclude", COORDINATOR),
        ("POST", f"{AUDIT}/discussion/conclude", COORDINATOR),
    ],
    "panel.actions": [
        ("GET", f"{AUDIT}/actions", AGENCIES),
        ("POST", f"{AUDIT}/actions", PANEL),
    ],
    "panel.action_complete": [
        ("GET", f"{AUDIT}/actions/{{home_action}}/complete", HOME_CHANGERS),
        ("GET", f"{AUDIT}/actions/{{partner_action}}/complete", PARTNER_CHANGERS),
    ],
    "panel.action_cancel": [
        ("GET", f"{AUDIT}/actions/{{home_action}}/cancel", HOME_CHANGERS),
        ("POST", f"{AUDIT}/actions/{{partner_action}}/cancel", PARTNER_CHANGERS),
    ],
    # The coordinator, any agency's; an agency's group managers and admins, their own.
    "panel.export": [
        ("GET", f"{AUDIT}/export.csv?organisation={{home_org}}", HOME_CHANGERS),
        (
            "GET",
            f"{AUDIT}/export.csv?organisation={{partner_org}}",
            expect("missing", manager_own="ok", partner_manager="ok", partner_admin="ok"),
        ),
    ],
    # Every reader, of their own organisation's actions.
    "panel.agency_actions_list": [
        ("GET", "/multi-agency/actions", expect("ok", viewer="forbidden"))
    ],
}
