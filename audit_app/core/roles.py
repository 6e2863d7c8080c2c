"""Who does what: the roles a user can have, and the groups of them that pages and rules allow.

The values are the strings stored in ``app_user.role``.

Pure: no I/O, no framework.
"""

from __future__ import annotations

AUDITOR = "auditor"
"""Completes audits of the cases allocated to them."""
MANAGER = "manager"
"""A group manager: moderates audits and follows up actions in the services they manage."""
ADMIN = "admin"
"""Manages users, cases, allocations and questionnaires."""
VIEWER = "viewer"
"""Sees reports for every service, and nothing else."""
INDEPENDENT = "independent"
"""An experienced independent auditor: sees only the cases and audits assigned to them, for a
time (docs/independent-auditor.md)."""

ROLES = (AUDITOR, MANAGER, ADMIN, VIEWER, INDEPENDENT)
"""Every role a user can have."""

ALL_ROLES = ROLES
"""Everyone who can sign in."""

STAFF = (AUDITOR, MANAGER, ADMIN, VIEWER)
"""The service's own people: everyone but the independent auditor, who sees only what is
assigned to them (no reports, no moderation, no learning, no papers)."""

AUDIT_WRITERS = (AUDITOR, MANAGER, INDEPENDENT)
"""Those who fill in an audit of their own: auditors, group managers, and the independent
auditor re-auditing what is assigned to them."""

AUDITORS = (AUDITOR, MANAGER)
"""Those who complete audits and change actions: auditors, and group managers auditing too."""

READERS = (AUDITOR, MANAGER, ADMIN)
"""Those who can open an audit (each within their own access); viewers see reports only."""

AUDIT_OPENERS = (*READERS, INDEPENDENT)
"""Those who can open an audit's pages: the readers, and the independent auditor (their own
re-audits only, in their window)."""

MANAGERS = (MANAGER,)
"""Those who moderate audits: group managers."""

ALLOCATABLE = (AUDITOR,)
"""Those to whom an audit can be allocated: auditors."""

EVERY_SERVICE = (ADMIN, VIEWER)
"""Those whose reports cover every service."""
