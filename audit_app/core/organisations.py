"""Kinds of organisation: the council and the partner agencies of a safeguarding partnership."""

from __future__ import annotations

ORGANISATION_KINDS = (
    "council",
    "police",
    "health",
    "education",
    "probation",
    "other_council",
    "other",
)
"""Every kind, as stored."""

PARTNER_KINDS = {
    "police": "Police",
    "health": "Health",
    "education": "Education",
    "probation": "Probation",
    "other_council": "Another council",
    "other": "Other",
}
"""The kinds a partner organisation may be, with the words the pages use."""

KIND_NAMES = {"council": "The council", **PARTNER_KINDS}
