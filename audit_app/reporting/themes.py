"""Themes by team: each questionnaire's mean theme percent and share graded Good or better."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from audit_app.reporting.figures import Share, mean_percent
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import Places

# What each table adds up, per team and theme.
_COUNTED = ["graded", "percent_sum", "good_themes", "final_themes"]


@dataclass(frozen=True)
class ThemeCell:
    mean: Decimal | None
    graded: int
    good: Share


@dataclass(frozen=True)
class ThemeRow:
    label: str
    focus: dict[str, str]
    cells: dict[str, ThemeCell]


@dataclass(frozen=True)
class ThemeTable:
    questionnaire_id: str
    title: str
    themes: list[tuple[str, str]]  # (theme id, title)
    rows: list[ThemeRow]
    overall: ThemeRow
    by_judgement: frozenset[str] = frozenset()  # theme ids graded by judgement: no percent


def theme_tables(themes: pd.DataFrame, catalogue: Catalogue, places: Places) -> list[ThemeTable]:
    """Per questionnaire: mean theme percent and share Good or better, by team and overall."""
    if not len(themes):
        return []
    frame = _counted(themes, catalogue)
    return [
        _table(
            frame[frame["questionnaire_id"] == questionnaire_id],
            questionnaire_id,
            catalogue,
            places,
        )
        for questionnaire_id in sorted(set(frame["questionnaire_id"]))
    ]


def _counted(themes: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The theme results with their questionnaire and the columns that ``_COUNTED`` adds up."""
    frame = themes.copy()
    frame["questionnaire_id"] = frame["version_id"].map(
        {v.version_id: v.questionnaire_id for v in catalogue.versions.values()}
    )
    frame["has_final"] = frame["final"].notna()
    frame["good_themes"] = frame["themes"].where(frame["good"], 0)
    frame["final_themes"] = frame["themes"].where(frame["has_final"], 0)
    frame["percent_sum"] = frame["percent_sum"].astype(float).fillna(0.0)
    return frame


def _table(
    part: pd.DataFrame, questionnaire_id: str, catalogue: Catalogue, places: Places
) -> ThemeTable:
    """One questionnaire's table: a row per team (by name), then all teams together."""
    present = set(part["theme_id"])
    theme_ids = [t for (qid, t) in catalogue.themes if qid == questionnaire_id and t in present]
    sums = part.groupby(["team_id", "theme_id"])[_COUNTED].sum().to_dict("index")
    overall = part.groupby("theme_id")[_COUNTED].sum().to_dict("index")
    teams = sorted(set(part["team_id"]), key=lambda t: places.teams.get(t, "").lower())
    return ThemeTable(
        questionnaire_id=questionnaire_id,
        title=catalogue.questionnaire_titles.get(questionnaire_id, questionnaire_id),
        themes=[(t, catalogue.themes[(questionnaire_id, t)]) for t in theme_ids],
        by_judgement=frozenset(
            t for t in theme_ids if (questionnaire_id, t) in catalogue.by_judgement
        ),
        rows=[
            ThemeRow(
                label=places.teams.get(team_id, f"Team {team_id}"),
                focus={"team": str(team_id)},
                cells={t: _cell(sums[(team_id, t)]) for t in theme_ids if (team_id, t) in sums},
            )
            for team_id in teams
        ],
        overall=ThemeRow(
            label="All teams",
            focus={},
            cells={t: _cell(overall[t]) for t in theme_ids if t in overall},
        ),
    )


def _cell(row: Any) -> ThemeCell:
    return ThemeCell(
        mean=mean_percent(row["percent_sum"], int(row["graded"])),
        graded=int(row["graded"]),
        good=Share(int(row["good_themes"]), int(row["final_themes"])),
    )


__all__ = ["ThemeCell", "ThemeRow", "ThemeTable", "theme_tables"]
