"""The dashboard's figures: a handful of GROUP BY queries, shaped with pandas.

Every query returns one row per group (month, team, grade, measure...), never one per audit, so
the work in Python stays the same whether a deployment holds a thousand audits or a million.

The final grade of an audit or theme is the moderated grade if there is one, else the auditor's
judgement, else the computed grade (:mod:`audit_app.reporting.final_grade`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, exists, false, func, or_, select

from audit_app.models import (
    Action,
    Allocation,
    ComplianceResult,
    Moderation,
    QuestionnaireVersion,
    ThemeResult,
    table_of,
)
from audit_app.reporting import summaries
from audit_app.reporting.database import ReportReader, month_of
from audit_app.reporting.figures import (
    Share,
    mean_percent,
    month_label,
    months_between,
    short_month_label,
)
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.final_grade import final_grade_series
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import (
    AUDIT,
    CASE,
    REPORTED_STATUSES,
    RESULT,
    A,
    C,
    Places,
    R,
    Selection,
)

T = table_of(ThemeResult).c
CR = table_of(ComplianceResult).c
M = table_of(Moderation).c
AL = table_of(Allocation).c
AC = table_of(Action).c


# --- shapes the page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class SpreadRow:
    """Final grades of one month, service or team: counts by grade."""

    key: str
    label: str
    counts: dict[str, int]
    total: int
    focus: dict[str, str]
    good: Share
    worst: Share


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


@dataclass(frozen=True)
class ComplianceRow:
    label: str
    focus: dict[str, str]
    share: Share
    worst_measure: str | None = None
    worst_share: Share | None = None


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


@dataclass(frozen=True)
class Headline:
    submitted: int
    good: Share
    worst: Share
    allocations: Share
    agreement: Share
    actions_open: int
    actions_overdue: int


@dataclass
class Dashboard:
    filters: Filters
    headline: Headline
    grade_order: list[str]
    by_month: list[SpreadRow]
    by_service: list[SpreadRow]
    by_team: list[SpreadRow]
    themes: list[ThemeTable]
    compliance: list[ComplianceRow]
    compliance_by_team: list[ComplianceRow]
    compliance_by_month: list[ComplianceRow]
    agreement_by_auditor: list[AgreementRow]
    drift: list[DriftRow]
    judgement_overall: JudgementRow
    judgement_by_auditor: list[JudgementRow]
    judgement_by_theme: list[JudgementRow]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)


# --- the queries -------------------------------------------------------------------------


def grade_statement(selection: Selection) -> Any:
    """Audits by version, month, team and the three overall grades."""
    month = month_of(A.submitted_at)
    return (
        select(
            A.questionnaire_version_id.label("version_id"),
            month.label("month"),
            C.team_id.label("team_id"),
            R.grade_computed.label("computed"),
            R.grade_judged.label("judged"),
            R.grade_moderated.label("moderated"),
            func.count().label("audits"),
        )
        .select_from(selection.audits_with_result())
        .where(*selection.conditions())
        .group_by(A.questionnaire_version_id, month, C.team_id)
        .group_by(R.grade_computed, R.grade_judged, R.grade_moderated)
    )


def judgement_statement(selection: Selection) -> Any:
    """Audits by auditor, version, computed and judged overall grade."""
    return (
        select(
            A.auditor_id.label("auditor_id"),
            A.questionnaire_version_id.label("version_id"),
            R.grade_computed.label("computed"),
            R.grade_judged.label("judged"),
            func.count().label("audits"),
        )
        .select_from(selection.audits_with_result())
        .where(*selection.conditions(), R.grade_computed.is_not(None), R.grade_judged.is_not(None))
        .group_by(A.auditor_id, A.questionnaire_version_id, R.grade_computed, R.grade_judged)
    )


def theme_statement(selection: Selection) -> Any:
    """Theme results by version, theme, team and the three grades, with percent sums."""
    return (
        select(
            A.questionnaire_version_id.label("version_id"),
            T.theme_id.label("theme_id"),
            C.team_id.label("team_id"),
            T.grade_computed.label("computed"),
            T.grade_judged.label("judged"),
            T.grade_moderated.label("moderated"),
            func.count().label("themes"),
            func.count(T.percent).label("graded"),
            func.sum(T.percent).label("percent_sum"),
        )
        .select_from(
            table_of(ThemeResult).join(AUDIT, A.id == T.audit_id).join(CASE, C.id == A.case_id)
        )
        .where(*selection.conditions())
        .group_by(A.questionnaire_version_id, T.theme_id, C.team_id)
        .group_by(T.grade_computed, T.grade_judged, T.grade_moderated)
    )


def compliance_statement(selection: Selection) -> Any:
    """Included compliance answers by measure, team and month."""
    month = month_of(A.submitted_at)
    return (
        select(
            CR.measure.label("measure"),
            C.team_id.label("team_id"),
            month.label("month"),
            func.sum(case((CR.compliant, 1), else_=0)).label("compliant"),
            func.count().label("applicable"),
        )
        .select_from(
            table_of(ComplianceResult).join(AUDIT, A.id == CR.audit_id).join(
                CASE, C.id == A.case_id
            )
        )
        .where(*selection.conditions())
        .group_by(CR.measure, C.team_id, month)
    )


def completed(moderation: Any) -> Any:
    return and_(moderation.c.completed_at.is_not(None), moderation.c.outcome.is_not(None))


def latest_moderation() -> Any:
    """Conditions on ``moderation`` (as M): completed, and the audit's latest such."""
    later = table_of(Moderation).alias("later_moderation")
    return and_(
        completed(table_of(Moderation)),
        ~exists(
            select(later.c.id).where(
                later.c.audit_id == M.audit_id, later.c.id > M.id, completed(later)
            )
        ),
    )


def moderation_statement(selection: Selection) -> Any:
    """Latest completed moderations by auditor, version, judged and moderator's grade."""
    return (
        select(
            A.auditor_id.label("auditor_id"),
            A.questionnaire_version_id.label("version_id"),
            R.grade_judged.label("judged"),
            M.overall_grade.label("moderated"),
            func.count().label("moderations"),
        )
        .select_from(
            table_of(Moderation).join(AUDIT, A.id == M.audit_id)
            .join(CASE, C.id == A.case_id)
            .outerjoin(RESULT, R.audit_id == A.id)
        )
        .where(*selection.conditions(), latest_moderation(), M.overall_grade.is_not(None))
        .group_by(A.auditor_id, A.questionnaire_version_id, R.grade_judged, M.overall_grade)
    )


def allocation_statement(selection: Selection, catalogue: Catalogue) -> Any:
    """Allocations due in the period, and how many have an audit whose submission stands."""
    allocations: Any = table_of(Allocation)
    if selection.team_ids is not None:  # the case tells the team
        allocations = allocations.join(CASE, C.id == AL.case_id)
    return (
        select(func.count().label("due"), func.count(A.id).label("completed"))
        .select_from(
            allocations.outerjoin(AUDIT, and_(A.id == AL.audit_id, A.status.in_(REPORTED_STATUSES)))
        )
        .where(*allocation_conditions(selection, catalogue))
    )


def allocation_questionnaires(filters: Filters, catalogue: Catalogue) -> list[str] | None:
    """The questionnaires whose allocations the filters count; None for any."""
    if filters.questionnaire_id is None and filters.kind is None:
        return None
    return [
        q
        for q in catalogue.questionnaire_ids(filters.kind)
        if filters.questionnaire_id is None or q == filters.questionnaire_id
    ]


def allocation_conditions(selection: Selection, catalogue: Catalogue) -> list[Any]:
    f = selection.filters
    conditions: list[Any] = []
    if selection.ranges is not None:
        conditions.append(
            or_(
                *(
                    and_(
                        *([AL.due >= start.date()] if start is not None else []),
                        *([AL.due < end.date()] if end is not None else []),
                    )
                    for start, end in selection.ranges
                )
            )
            if selection.ranges
            else false()
        )
    else:
        if f.date_from is not None:
            conditions.append(AL.due >= f.date_from)
        if f.date_to is not None:
            conditions.append(AL.due <= f.date_to)
    ids = allocation_questionnaires(f, catalogue)
    if ids is not None:
        conditions.append(AL.questionnaire_id.in_(ids) if ids else AL.id.is_(None))
    if selection.team_ids is not None:
        conditions.append(
            C.team_id.in_(selection.team_ids) if selection.team_ids else AL.id.is_(None)
        )
    if f.auditor_id is not None:
        conditions.append(AL.auditor_id == f.auditor_id)
    if selection.scope.auditor_id is not None:
        conditions.append(AL.auditor_id == selection.scope.auditor_id)
    return conditions


def action_statement(selection: Selection, today: date) -> Any:
    """Open actions, and how many are past their due date, on the audits of the filters.

    Actions are counted as they stand today, whatever the date of their audit: an overdue
    action from an audit of last year is still overdue.
    """
    is_open = AC.status == "open"
    return (
        select(
            func.coalesce(func.sum(case((is_open, 1), else_=0)), 0).label("open"),
            func.coalesce(func.sum(case((is_open & (AC.due < today), 1), else_=0)), 0).label(
                "overdue"
            ),
        )
        .select_from(
            table_of(Action).join(AUDIT, A.id == AC.audit_id).join(CASE, C.id == A.case_id)
        )
        .where(*selection.conditions(period=False, status=False))
    )


# --- building the dashboard ----------------------------------------------------------------


def load_catalogue(reader: ReportReader) -> Catalogue:
    rows = [
        QuestionnaireVersion(
            id=r[0],
            questionnaire_id=r[1],
            version=r[2],
            title=r[3],
            kind=r[4],
            content=r[5],
            content_sha256=r[6],
        )
        for r in reader.rows(
            select(  # type: ignore[call-overload]
                QuestionnaireVersion.id,
                QuestionnaireVersion.questionnaire_id,
                QuestionnaireVersion.version,
                QuestionnaireVersion.title,
                QuestionnaireVersion.kind,
                QuestionnaireVersion.content,
                QuestionnaireVersion.content_sha256,
            )
        )
    ]
    return Catalogue.build(rows)


def _gather(
    reader: ReportReader,
    live: Callable[[Selection], Any],
    summary: Callable[[Selection, summaries.Window], Any],
    selection: Selection,
    found: summaries.Window,
    *,
    summarised: bool = True,
) -> pd.DataFrame:
    """One figure's rows: whole past months from the summaries, the rest from the live tables.

    Every figure adds up counts by group, so rows from the two sources simply go together.
    """
    if not found.uses_summaries or not summarised:
        return reader.frame(live(selection), cached=True)
    frames = [reader.frame(summary(selection, found), cached=True)]
    if found.live:
        frames.append(reader.frame(live(selection.within(found.live)), cached=True))
    filled = [frame for frame in frames if len(frame)]
    if len(filled) == 2:
        return pd.concat(filled, ignore_index=True)
    return filled[0] if filled else frames[0]


def _allocations(
    reader: ReportReader, selection: Selection, catalogue: Catalogue, found: summaries.Window
) -> tuple[int, int]:
    """Allocations due in the period, and how many are completed: whole past months from the
    summaries, the rest from the live tables."""
    if not found.uses_summaries or summaries.by_person(selection):
        due, done = reader.rows(allocation_statement(selection, catalogue), cached=True)[0]
        return int(due or 0), int(done or 0)
    ids = allocation_questionnaires(selection.filters, catalogue)
    due, done = reader.rows(summaries.allocation_statement(selection, found, ids), cached=True)[0]
    if found.live:
        live = allocation_statement(selection.within(found.live), catalogue)
        more_due, more_done = reader.rows(live, cached=True)[0]
        due, done = int(due or 0) + int(more_due or 0), int(done or 0) + int(more_done or 0)
    return int(due or 0), int(done or 0)


def _with_bands(
    frame: pd.DataFrame, scale: pd.DataFrame, grade_column: str, prefix: str = ""
) -> pd.DataFrame:
    """Add the band, good, worst and rank of a grade column (per questionnaire version)."""
    renamed = scale.rename(
        columns={
            "grade": grade_column,
            "band": f"{prefix}band",
            "good": f"{prefix}good",
            "worst": f"{prefix}worst",
            "rank": f"{prefix}rank",
        }
    )
    merged = frame.merge(renamed, how="left", on=["version_id", grade_column])
    for column in (f"{prefix}good", f"{prefix}worst"):
        merged[column] = merged[column].fillna(False).astype(bool)
    return merged


def build(
    reader: ReportReader,
    filters: Filters,
    scope: Scope,
    *,
    today: date,
    catalogue: Catalogue | None = None,
    places: Places | None = None,
) -> Dashboard:
    """Every figure of the dashboard for these filters, within this person's access."""
    catalogue = catalogue or load_catalogue(reader)
    places = places or Places.load(reader, scope)
    selection = Selection.build(filters, scope, catalogue, places)
    scale = catalogue.scale_frame()

    found = summaries.window(reader, filters.date_from, filters.date_to, today)
    everyone = not summaries.by_person(selection)

    grades = _gather(reader, grade_statement, summaries.grade_statement, selection, found)
    grades["final"] = final_grade_series(grades) if len(grades) else pd.Series(dtype=object)
    grades = _with_bands(grades, scale, "final")
    grades["service_id"] = grades["team_id"].map(places.team_service)

    themes = _gather(
        reader, theme_statement, summaries.theme_statement, selection, found, summarised=everyone
    )
    if len(themes):
        themes["final"] = final_grade_series(themes)
    else:
        themes["final"] = pd.Series(dtype=object)
    themes = _with_bands(themes, scale, "final")

    judgements = _gather(
        reader, judgement_statement, summaries.judgement_statement, selection, found
    )
    compliance = _gather(
        reader,
        compliance_statement,
        summaries.compliance_statement,
        selection,
        found,
        summarised=everyone,
    )
    moderations = _gather(
        reader, moderation_statement, summaries.moderation_statement, selection, found
    )
    due, done = _allocations(reader, selection, catalogue, found)
    actions_open, actions_overdue = reader.rows(action_statement(selection, today), cached=True)[0]

    version_ids = sorted(set(grades["version_id"].tolist())) or None
    order = catalogue.grade_order(version_ids)

    graded = grades[grades["final"].notna()]
    total_graded = int(graded["audits"].sum())
    agreement_frame = _agreement(moderations, scale)
    headline = Headline(
        submitted=int(grades["audits"].sum()),
        good=Share(int(graded.loc[graded["good"], "audits"].sum()), total_graded),
        worst=Share(int(graded.loc[graded["worst"], "audits"].sum()), total_graded),
        allocations=Share(int(done or 0), int(due or 0)),
        agreement=Share(
            int(agreement_frame.loc[agreement_frame["agreed"], "moderations"].sum()),
            int(agreement_frame["moderations"].sum()),
        ),
        actions_open=int(actions_open or 0),
        actions_overdue=int(actions_overdue or 0),
    )

    months = (
        months_between(filters.date_from, filters.date_to)
        if filters.date_from and filters.date_to
        else sorted(set(graded["month"].tolist()))
    )
    return Dashboard(
        filters=filters,
        headline=headline,
        grade_order=order,
        by_month=_spread(
            graded,
            "month",
            {m: month_label(m) for m in months},
            order,
            lambda m: {"month": m},
            keep_order=True,
        ),
        by_service=_spread(
            graded, "service_id", places.services, order, lambda s: {"service": str(s)}
        ),
        by_team=_spread(graded, "team_id", places.teams, order, lambda t: {"team": str(t)}),
        themes=_theme_tables(themes, catalogue, places),
        compliance=_compliance_by_measure(compliance),
        compliance_by_team=_compliance_by(
            compliance, "team_id", places.teams, lambda t: {"team": str(t)}
        ),
        compliance_by_month=_compliance_by(
            compliance,
            "month",
            {m: month_label(m) for m in months},
            lambda m: {"month": m},
            keep_order=True,
        ),
        agreement_by_auditor=_agreement_by_auditor(agreement_frame, places),
        drift=_drift(agreement_frame),
        judgement_overall=_judgement_rows(judgements, scale, None, places)[0],
        judgement_by_auditor=_judgement_rows(judgements, scale, "auditor_id", places),
        judgement_by_theme=_theme_judgements(themes, scale, catalogue),
        frames={
            "grades": grades,
            "themes": themes,
            "judgements": judgements,
            "compliance": compliance,
            "moderations": agreement_frame,
        },
    )


def _spread(
    graded: pd.DataFrame,
    column: str,
    labels: dict[Any, str],
    order: list[str],
    focus: Any,
    *,
    keep_order: bool = False,
) -> list[SpreadRow]:
    """Counts of final grades per month, service or team (every key in ``labels`` listed)."""
    counts = (
        graded.groupby([column, "final"])["audits"].sum()
        if len(graded)
        else pd.Series(dtype="int64")
    )
    good = graded.loc[graded["good"]].groupby(column)["audits"].sum() if len(graded) else {}
    worst = graded.loc[graded["worst"]].groupby(column)["audits"].sum() if len(graded) else {}
    keys = list(labels) if keep_order else sorted(labels, key=lambda k: labels[k].lower())
    present = set(graded[column].tolist()) if len(graded) else set()
    rows = []
    for key in keys:
        if not keep_order and key not in present:
            continue  # a team or service with no audits in the period is left out
        by_grade = {g: int(counts.get((key, g), 0)) for g in order}
        total = sum(by_grade.values())
        rows.append(
            SpreadRow(
                key=str(key),
                label=labels[key],
                counts=by_grade,
                total=total,
                focus=focus(key),
                good=Share(int(good.get(key, 0)), total),
                worst=Share(int(worst.get(key, 0)), total),
            )
        )
    return rows


def _theme_tables(themes: pd.DataFrame, catalogue: Catalogue, places: Places) -> list[ThemeTable]:
    """Per questionnaire: mean theme percent and share Good or better, by team and overall."""
    if not len(themes):
        return []
    frame = themes.copy()
    frame["questionnaire_id"] = frame["version_id"].map(
        {v.version_id: v.questionnaire_id for v in catalogue.versions.values()}
    )
    frame["has_final"] = frame["final"].notna()
    frame["good_themes"] = frame["themes"].where(frame["good"], 0)
    frame["final_themes"] = frame["themes"].where(frame["has_final"], 0)
    frame["percent_sum"] = frame["percent_sum"].astype(float).fillna(0.0)
    tables = []
    for questionnaire_id in sorted(set(frame["questionnaire_id"])):
        part = frame[frame["questionnaire_id"] == questionnaire_id]
        theme_ids = [theme_id for (qid, theme_id) in catalogue.themes if qid == questionnaire_id]
        present = set(part["theme_id"])
        theme_ids = [t for t in theme_ids if t in present]
        counted = ["graded", "percent_sum", "good_themes", "final_themes"]
        sums = part.groupby(["team_id", "theme_id"])[counted].sum().to_dict("index")
        overall = part.groupby("theme_id")[counted].sum().to_dict("index")

        def cell(row: Any) -> ThemeCell:
            return ThemeCell(
                mean=mean_percent(row["percent_sum"], int(row["graded"])),
                graded=int(row["graded"]),
                good=Share(int(row["good_themes"]), int(row["final_themes"])),
            )

        rows = []
        teams = sorted(set(part["team_id"]), key=lambda t: places.teams.get(t, "").lower())
        for team_id in teams:
            cells = {
                theme_id: cell(sums[(team_id, theme_id)])
                for theme_id in theme_ids
                if (team_id, theme_id) in sums
            }
            rows.append(
                ThemeRow(
                    label=places.teams.get(team_id, f"Team {team_id}"),
                    focus={"team": str(team_id)},
                    cells=cells,
                )
            )
        tables.append(
            ThemeTable(
                questionnaire_id=questionnaire_id,
                title=catalogue.questionnaire_titles.get(questionnaire_id, questionnaire_id),
                themes=[(t, catalogue.themes[(questionnaire_id, t)]) for t in theme_ids],
                rows=rows,
                overall=ThemeRow(
                    label="All teams",
                    focus={},
                    cells={t: cell(overall[t]) for t in theme_ids if t in overall},
                ),
            )
        )
    return tables


def _compliance_by_measure(compliance: pd.DataFrame) -> list[ComplianceRow]:
    """Each measure's compliant answers of those that apply, worst first."""
    if not len(compliance):
        return []
    sums = compliance.groupby("measure")[["compliant", "applicable"]].sum()
    rows = [
        ComplianceRow(
            label=str(measure),
            focus={"measure": str(measure)},
            share=Share(int(row["compliant"]), int(row["applicable"])),
        )
        for measure, row in sums.iterrows()
    ]
    return sorted(rows, key=_worst_first)


def _worst_first(row: ComplianceRow) -> tuple[Any, ...]:
    share = row.share
    # Exact comparison of count/total (no rounding), then the larger base first, then the name.
    ratio = share.count / share.total if share.total else 2.0
    return (ratio, -share.total, row.label.lower())


def _compliance_by(
    compliance: pd.DataFrame,
    column: str,
    labels: dict[Any, str],
    focus: Any,
    *,
    keep_order: bool = False,
) -> list[ComplianceRow]:
    """All measures together per team (worst first) or per month (in order), each with its
    worst measure."""
    if not len(compliance):
        return []
    totals = compliance.groupby(column)[["compliant", "applicable"]].sum().to_dict("index")
    per_measure = (
        compliance.groupby([column, "measure"])[["compliant", "applicable"]].sum().reset_index()
    )
    worst: dict[Any, ComplianceRow] = {}
    for key, measure, compliant, applicable in per_measure[
        [column, "measure", "compliant", "applicable"]
    ].itertuples(index=False):
        row = ComplianceRow(
            label=str(measure), focus={}, share=Share(int(compliant), int(applicable))
        )
        if key not in worst or _worst_first(row) < _worst_first(worst[key]):
            worst[key] = row
    rows = []
    for key in labels if keep_order else totals:
        if key not in totals or key not in labels:
            continue
        lowest = worst.get(key)
        rows.append(
            ComplianceRow(
                label=labels[key],
                focus=focus(key),
                share=Share(int(totals[key]["compliant"]), int(totals[key]["applicable"])),
                worst_measure=lowest.label if lowest else None,
                worst_share=lowest.share if lowest else None,
            )
        )
    return rows if keep_order else sorted(rows, key=_worst_first)


def _agreement(moderations: pd.DataFrame, scale: pd.DataFrame) -> pd.DataFrame:
    """Latest completed moderations with whether they agreed and the drift in bands."""
    frame = moderations.copy()
    if not len(frame):
        frame["agreed"] = pd.Series(dtype=bool)
        frame["drift"] = pd.Series(dtype="float64")
        return frame
    frame["agreed"] = (frame["moderated"] == frame["judged"]).fillna(False).astype(bool)
    ranks = scale[["version_id", "grade", "rank"]]
    frame = frame.merge(
        ranks.rename(columns={"grade": "judged", "rank": "judged_rank"}),
        how="left",
        on=["version_id", "judged"],
    ).merge(
        ranks.rename(columns={"grade": "moderated", "rank": "moderated_rank"}),
        how="left",
        on=["version_id", "moderated"],
    )
    # Moderated minus judged, in bands: negative when the moderator graded lower.
    frame["drift"] = frame["moderated_rank"] - frame["judged_rank"]
    return frame


def _agreement_by_auditor(frame: pd.DataFrame, places: Places) -> list[AgreementRow]:
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


def _drift(frame: pd.DataFrame) -> list[DriftRow]:
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


def _compare(frame: pd.DataFrame, scale: pd.DataFrame) -> pd.DataFrame:
    """Computed and judged grades with their ranks: higher means the auditor was more generous."""
    ranks = scale[["version_id", "grade", "rank"]]
    merged = frame.merge(
        ranks.rename(columns={"grade": "computed", "rank": "computed_rank"}),
        how="left",
        on=["version_id", "computed"],
    ).merge(
        ranks.rename(columns={"grade": "judged", "rank": "judged_rank"}),
        how="left",
        on=["version_id", "judged"],
    )
    merged["higher"] = merged["judged_rank"] > merged["computed_rank"]
    merged["lower"] = merged["judged_rank"] < merged["computed_rank"]
    merged["same"] = merged["judged"] == merged["computed"]
    return merged


def _judgement_rows(
    judgements: pd.DataFrame, scale: pd.DataFrame, column: str | None, places: Places
) -> list[JudgementRow]:
    if not len(judgements):
        return [JudgementRow("All audits", {}, 0, 0, 0, 0)] if column is None else []
    merged = _compare(judgements, scale)
    for outcome in ("same", "higher", "lower"):
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


def _theme_judgements(
    themes: pd.DataFrame, scale: pd.DataFrame, catalogue: Catalogue
) -> list[JudgementRow]:
    if not len(themes):
        return []
    both = themes[themes["computed"].notna() & themes["judged"].notna()]
    if not len(both):
        return []
    merged = _compare(both[["version_id", "theme_id", "computed", "judged", "themes"]], scale)
    merged["questionnaire_id"] = merged["version_id"].map(
        {v.version_id: v.questionnaire_id for v in catalogue.versions.values()}
    )
    rows = []
    for (questionnaire_id, theme_id), title in catalogue.themes.items():
        part = merged[
            (merged["questionnaire_id"] == questionnaire_id) & (merged["theme_id"] == theme_id)
        ]
        if not len(part):
            continue
        several = len(set(merged["questionnaire_id"])) > 1
        label = (
            title
            if not several
            else f"{title} ({catalogue.questionnaire_titles[questionnaire_id]})"
        )
        rows.append(
            JudgementRow(
                label=label,
                focus={"theme": f"{questionnaire_id}/{theme_id}"},
                compared=int(part["themes"].sum()),
                same=int(part.loc[part["same"], "themes"].sum()),
                higher=int(part.loc[part["higher"], "themes"].sum()),
                lower=int(part.loc[part["lower"], "themes"].sum()),
            )
        )
    return rows


__all__ = ["Dashboard", "build", "drift_label", "load_catalogue", "short_month_label"]


@dataclass(frozen=True)
class MeasureBreakdown:
    measure: str
    overall: Share
    by_team: list[ComplianceRow]
    by_month: list[ComplianceRow]


def measure_breakdown(
    reader: ReportReader,
    filters: Filters,
    scope: Scope,
    measure: str,
    *,
    today: date,
    catalogue: Catalogue,
    places: Places,
) -> MeasureBreakdown:
    """One recording-compliance measure by team (worst first) and by month."""
    selection = Selection.build(filters, scope, catalogue, places)
    frame = _gather(
        reader,
        lambda chosen: compliance_statement(chosen).where(CR.measure == measure),
        lambda chosen, found: summaries.compliance_statement(chosen, found).where(
            summaries.COMPLIANCE.c.measure == measure
        ),
        selection,
        summaries.window(reader, filters.date_from, filters.date_to, today),
        summarised=not summaries.by_person(selection),
    )
    months = (
        months_between(filters.date_from, filters.date_to)
        if filters.date_from and filters.date_to
        else sorted(set(frame["month"].tolist()))
    )
    by_team = [
        ComplianceRow(label=r.label, focus=r.focus, share=r.share)
        for r in _compliance_by(frame, "team_id", places.teams, lambda t: {"team": str(t)})
    ]
    by_month = [
        ComplianceRow(label=r.label, focus=r.focus, share=r.share)
        for r in _compliance_by(
            frame,
            "month",
            {m: month_label(m) for m in months},
            lambda m: {"month": m},
            keep_order=True,
        )
    ]
    return MeasureBreakdown(
        measure=measure,
        overall=Share(int(frame["compliant"].sum()), int(frame["applicable"].sum()))
        if len(frame)
        else Share(0, 0),
        by_team=by_team,
        by_month=by_month,
    )
