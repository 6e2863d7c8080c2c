"""The auditor's judgement against the computed grade: how often it differed, and which way,
overall, by auditor and by theme."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from audit_app.reporting.figures import Share
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import Places

_OUTCOMES = ("same", "higher", "lower")


@dataclass(frozen=True)
class JudgementRow:
    """How often the auditor's judgement differed from the computed grade, and which way."""

    label: str
    focus: dict[str, str]
    compared: int
    same: int
    higher: int
    lower: int

    @property
    def differs(self) -> Share:
        return Share(self.higher + self.lower, self.compared)

    @property
    def higher_share(self) -> Share:
        return Share(self.higher, self.compared)

    @property
    def lower_share(self) -> Share:
        return Share(self.lower, self.compared)


def with_ranks(frame: pd.DataFrame, scale: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The frame with each grade column's rank in its version's scale (``<column>_rank``,
    higher is better; empty for a grade not on the scale)."""
    ranks = scale[["version_id", "grade", "rank"]]
    for column in columns:
        frame = frame.merge(
            ranks.rename(columns={"grade": column, "rank": f"{column}_rank"}),
            how="left",
            on=["version_id", column],
        )
    return frame


def compare(frame: pd.DataFrame, scale: pd.DataFrame) -> pd.DataFrame:
    """Computed and judged grades with their ranks: higher means the auditor was more generous."""
    merged = with_ranks(frame, scale, "computed", "judged")
    merged["higher"] = merged["judged_rank"] > merged["computed_rank"]
    merged["lower"] = merged["judged_rank"] < merged["computed_rank"]
    merged["same"] = merged["judged"] == merged["computed"]
    return merged


def judgement_rows(
    judgements: pd.DataFrame, scale: pd.DataFrame, column: str | None, places: Places
) -> list[JudgementRow]:
    """All audits in one row (``column`` None), or a row per auditor, most often differing
    first."""
    if not len(judgements):
        return [JudgementRow("All audits", {}, 0, 0, 0, 0)] if column is None else []
    merged = compare(judgements, scale)
    for outcome in _OUTCOMES:
        merged[f"{outcome}_audits"] = merged["audits"].where(merged[outcome], 0)
    counted = ["audits", "same_audits", "higher_audits", "lower_audits"]
    if column is None:
        sums = {None: merged[counted].sum().to_dict()}
    else:
        sums = merged.groupby(column)[counted].sum().to_dict("index")
    rows = [
        JudgementRow(
            label="All audits" if key is None else places.users.get(key, f"User {key}"),
            focus={} if key is None else {"auditor": str(key)},
            compared=int(totals["audits"]),
            same=int(totals["same_audits"]),
            higher=int(totals["higher_audits"]),
            lower=int(totals["lower_audits"]),
        )
        for key, totals in sums.items()
    ]
    if column is not None:
        rows.sort(key=lambda r: (-r.differs.count / max(r.compared, 1), r.label.lower()))
    return rows


def theme_judgements(
    themes: pd.DataFrame, scale: pd.DataFrame, catalogue: Catalogue
) -> list[JudgementRow]:
    """A row per theme with both grades, in the questionnaires' order."""
    if not len(themes):
        return []
    both = themes[themes["computed"].notna() & themes["judged"].notna()]
    if not len(both):
        return []
    merged = compare(both[["version_id", "theme_id", "computed", "judged", "themes"]], scale)
    merged["questionnaire_id"] = merged["version_id"].map(
        {v.version_id: v.questionnaire_id for v in catalogue.versions.values()}
    )
    several = len(set(merged["questionnaire_id"])) > 1
    rows = []
    for (questionnaire_id, theme_id), title in catalogue.themes.items():
        part = merged[
            (merged["questionnaire_id"] == questionnaire_id) & (merged["theme_id"] == theme_id)
        ]
        if not len(part):
            continue
        if several:
            title = f"{title} ({catalogue.questionnaire_titles[questionnaire_id]})"
        rows.append(_theme_row(part, title, f"{questionnaire_id}/{theme_id}"))
    return rows


def _theme_row(part: pd.DataFrame, label: str, theme: str) -> JudgementRow:
    return JudgementRow(
        label=label,
        focus={"theme": theme},
        compared=int(part["themes"].sum()),
        same=int(part.loc[part["same"], "themes"].sum()),
        higher=int(part.loc[part["higher"], "themes"].sum()),
        lower=int(part.loc[part["lower"], "themes"].sum()),
    )


__all__ = ["JudgementRow", "compare", "judgement_rows", "theme_judgements", "with_ranks"]
