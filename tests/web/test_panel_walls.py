"""No page or download shows one agency's actions to another.

Every GET route of the permission matrix is walked, as in ``test_organisation_walls.py``, in the
world of ``permissions_panel.py``: a multi-agency audit coordinated by the home organisation's
"manager_own", its returns closed, with an action for the home organisation and one for the
partner organisation (whose manager sits on the panel). Nobody of the partner organisation reads
the home action anywhere; nobody of the home organisation but the coordinator reads the
partner's action, nor downloads the partner's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from tests.web.permission_kinds import PARTNERS
from tests.web.permissions_panel import HOME_ACTION, PARTNER_ACTION
from tests.web.test_organisation_walls import HOME_PEOPLE, _walk
from tests.web.test_permissions import _build_world

# The actions' words without their apostrophes, which pages escape.
HOME_WORDS = HOME_ACTION.split("(")[1]
PARTNER_WORDS = PARTNER_ACTION.split("(")[1]


def test_the_partner_never_reads_the_home_organisation_s_action(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    places = _build_world(app, make_user, app.test_client())
    leaks, seen = _walk(app, PARTNERS, places, (HOME_WORDS,), tmp_path)
    assert leaks == [], "\n".join(leaks)
    assert any(PARTNER_WORDS in text for text in seen)  # its own, it does read


def test_the_home_organisation_reads_the_partner_s_action_as_coordinator_only(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    places = _build_world(app, make_user, app.test_client())
    others = [person for person in HOME_PEOPLE if person != "manager_own"]
    leaks, seen = _walk(app, others, places, (PARTNER_WORDS,), tmp_path)
    assert leaks == [], "\n".join(leaks)
    assert any(HOME_WORDS in text for text in seen)
    coordinator_leaks, _ = _walk(app, ["manager_own"], places, (PARTNER_WORDS,), tmp_path)
    assert coordinator_leaks  # the coordinator does read it: the walk would see a leak
