"""Words and rules of multi-agency audits, cross-borough and peer audits, and the independent
auditor (docs/design/multi-agency.md): the statuses, the panel's domains, the purposes of a
grant, a grant's window in England's days, and the pseudonym a visiting council sees.

Pure: no I/O, no framework.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

OPEN = "open"
"""The agencies are completing their returns; each return is sealed to its own agency."""
RETURNS_CLOSED = "returns_closed"
"""Every return is in, or the coordinator closed the returns: the panel sees them all."""
CONCLUDED = "concluded"
"""The panel's discussion is recorded and its conclusions are final."""

MULTI_AGENCY_STATUSES = (OPEN, RETURNS_CLOSED, CONCLUDED)
"""Every status of a multi-agency audit, in the order it goes through them."""

DOMAINS = {
    "recognition": "Recognition of need and risk",
    "planning": "Planning and intervention",
    "assessment": "Assessment",
    "joint_working": "Joint working",
    "impact": "Impact on the child",
    "overall": "Overall quality",
}
"""The domains the panel concludes on, as stored and as people read them."""

ACTION_STATUSES = ("open", "done", "cancelled")
"""The statuses of an action owned by an agency."""

GRANT_PURPOSES = {
    "cross_borough": "Cross-borough audit",
    "peer": "Peer review",
    "independent": "Independent auditor",
}
"""Why a visiting auditor has access to our cases, as stored and as people read them."""

PSEUDONYM_PREFIX = "V-"
PSEUDONYM_LENGTH = 8


def window_is_open(starts_on: date, ends_on: date, today: date) -> bool:
    """Whether a grant gives access on ``today`` (England's day): from its first day to its
    last, both included."""
    return starts_on <= today <= ends_on


def pseudonym(key: bytes, case_ref: str) -> str:
    """The reference a visiting council sees for ``case_ref``: an HMAC of it under the grant
    batch's key, as ``V-`` and eight characters, the same for the same case within a batch and
    unrelated between batches."""
    digest = hmac.new(key, case_ref.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_LENGTH].upper()
