"""The life of an audit: the statuses it moves through, and the groups of them the rules use.

An audit moves draft -> submitted -> (returned -> submitted)* -> moderated -> closed; it is
"moderated" only when moderation was due, otherwise it goes from submitted to closed. The values
are the strings stored in ``audit.status``.

Pure: no I/O, no framework.
"""

from __future__ import annotations

DRAFT = "draft"
"""Started by the auditor and not yet submitted."""
SUBMITTED = "submitted"
"""Submitted by the auditor; waiting for moderation if it is due, else for closing."""
RETURNED = "returned"
"""Sent back to the auditor by the moderator, with a comment, to change and submit again."""
MODERATED = "moderated"
"""Moderated by a group manager: the moderator's grades count."""
CLOSED = "closed"
"""Finished: nothing more can change."""
EXERCISE = "exercise"
"""Submitted to a calibration exercise: the answers are locked, and it never counts in the
service's figures (it is not STANDING), is never moderated and never closes."""

AUDIT_STATUSES = (DRAFT, SUBMITTED, RETURNED, MODERATED, CLOSED, EXERCISE)
"""Every status an audit can have, in the order of its life."""

STATUS_NAMES = {
    DRAFT: "Draft",
    SUBMITTED: "Submitted",
    RETURNED: "Returned",
    MODERATED: "Moderated",
    CLOSED: "Closed",
    EXERCISE: "Submitted to an exercise",
}
"""What each status is called on the pages."""

OPEN = (DRAFT, RETURNED)
"""With the auditor: the audit is still being written, so its answers can be changed."""

EDITABLE = OPEN
"""The auditor can change the answers and judgements: a draft, or an audit returned to them."""

STANDING = (SUBMITTED, MODERATED, CLOSED)
"""The latest submission stands (not a draft, not returned): the audit counts in reports."""

VOICE_STATUSES = (DRAFT, SUBMITTED, RETURNED, MODERATED)
"""The auditor can still record the child's or family's voice: any time before the audit closes."""
