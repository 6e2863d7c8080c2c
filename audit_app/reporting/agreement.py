"""Moderation agreement and drift: how often the moderator agreed with the auditor's overall
grade, by auditor, and by how many bands the moderated grade moved."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from audit_app.reporting.figures import Share
from audit_app.reporting.judgements import with_ranks
from audit_app.reporting.selection import Places


@dataclass(frozen=True)
class AgreementRow:
    label: str
    focus: dict[str, str]
    share: Share


@dataclass(frozen=True)
class DriftRow:
    drift: int
    label: str
    count: int
    share: Share


def agreement_frame(moderations: pd.DataFrame, scale: pd.DataFrame) -> pd.DataFrame:
    """Latest completed moderations with whether they agreed and the drift in bands."""
    frame = moderations.copy()
    if not len(frame):
        frame["agreed"] = pd.Series(dtype=bool)
        frame["drift"] = pd.Series(dtype="float64")
        return frame
    frame["agreed"] = (frame["moderated"] == frame["judged"]).fillna(False).astype(bool)
    frame = with_ranks(frame, scale, "judged", "moderated")
    # Moderated minus judged, in bands: negative when the moderator graded lower.
    frame["drift"] = frame["moderated_rank"] - frame["judged_rank"]
    return frame


def by_auditor(frame: pd.DataFrame, places: Places) -> list[AgreementRow]:
    """Each auditor's moderations agreed, least agreed first."""
    if not len(frame):
        return []
    agreed = frame.loc[frame["agreed"]].groupby("auditor_id")["moderations"].sum()
    totals = frame.groupby("auditor_id")["moderations"].sum()
    rows = [
        AgreementRow(
            label=places.users.get(auditor_id, f"User {auditor_id}"),
            focus={"auditor": str(auditor_id)},
            share=Share(int(agreed.get(auditor_id, 0)), int(total)),
        )
        for auditor_id, total in totals.items()
    ]
    return sorted(rows, key=lambda r: (r.share.count / r.share.total, r.label.lower()))


def drift_label(drift: int) -> str:
    if drift == 0:
        return "Same grade"
    bands = "band" if abs(drift) == 1 else "bands"
    return f"{abs(drift)} {bands} {'higher' if drift > 0 else 'lower'}"


def drift_rows(frame: pd.DataFrame) -> list[DriftRow]:
    """Moderations by drift in bands, lowest first (those with both grades on the scale)."""
    known = frame[frame["drift"].notna()] if len(frame) else frame
    if not len(known):
        return []
    counts = known.groupby("drift")["moderations"].sum()
    total = int(counts.sum())
    return [
        DriftRow(
            drift=int(drift),
            label=drift_label(int(drift)),
            count=int(count),
            share=Share(int(count), total),
        )
        for drift, count in sorted(counts.items(), key=lambda item: item[0])
    ]


__all__ = ["AgreementRow", "DriftRow", "agreement_frame", "by_auditor", "drift_label", "drift_rows"]
