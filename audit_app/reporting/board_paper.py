"""The board paper: the dashboard's figures for a period, set beside the same period a year
before and the latest quarter beside the one before it, with the recording-compliance measures,
the actions raised and how far they have got, and a one-page "7-minute briefing".

Every figure comes from :func:`audit_app.reporting.dashboard.build`, so the paper says what the
dashboard says for the same filters. The paper names no worker: no auditor, moderator or action
owner, and no case reference; teams and services are named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from audit_app.core.dates import add_months, month_end, month_start
from audit_app.models import Action, table_of
from audit_app.reporting import dashboard as dashboard_data
from audit_app.reporting.dashboard import Dashboard
from audit_app.reporting.database import ReportReader
from audit_app.reporting.figures import Share
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.learning import Learning
from audit_app.reporting.learning import build as learning_figures
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.report_page import ReportPage
from audit_app.reporting.selection import Places, Selection, of_audits

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
"""The protective marking of a printed report or paper, unless ``PROTECTIVE_MARKING`` is set."""

AC = table_of(Action).c


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def text(self) -> str:
        """ "1 January 2026 to 31 March 2026"."""
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    def year_before(self) -> Period:
        """The same days a year earlier; a period ending on a month's last day ends on the last
        day of that month a year before (29 February 2028 gives 28 February 2027)."""
        end = add_months(self.end, -12)
        if self.end == month_end(self.end):
            end = month_end(end)
        return Period(add_months(self.start, -12), end)

    def latest_quarter(self) -> Period:
        """The last three calendar months of the period (fewer when it is shorter)."""
        start = max(month_start(add_months(self.end, -2)), self.start)
        return Period(start, self.end)

    def quarter_before(self) -> Period:
        """The three calendar months before the month this period starts in."""
        first = month_start(self.start)
        return Period(add_months(first, -3), month_end(add_months(first, -1)))


@dataclass(frozen=True)
class Compared:
    """One figure of a comparison table: this period's and the earlier one's."""

    label: str
    now: Share | int
    before: Share | int

    @property
    def change(self) -> str:
        """ "+12.5 points" for a share (both percents known), "+3" for a count; "–" if unknown."""
        if isinstance(self.now, Share) and isinstance(self.before, Share):
            if self.now.percent is None or self.before.percent is None:
                return "–"
            return _signed(self.now.percent - self.before.percent, " points")
        if isinstance(self.now, int) and isinstance(self.before, int):
            return _signed(Decimal(self.now - self.before), "")
        return "–"


def _or_none(share: Share, words: str) -> str:
    """The share as "3 of 4 (75.0%)", or the words saying there was nothing to count (the tables
    say "None" for the same figure)."""
    return share.text if share.total else words


def _signed(value: Decimal, unit: str) -> str:
    if value == 0:
        return "No change"
    return f"{'+' if value > 0 else '−'}{abs(value):,}{unit}"


@dataclass(frozen=True)
class Comparison:
    title: str
    now: Period
    before: Period
    rows: list[Compared]


@dataclass(frozen=True)
class ActionProgress:
    """Actions raised on the audits of the period, as they stand today, by whom they are for."""

    label: str
    raised: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0
    cancelled: int = 0

    @property
    def done_share(self) -> Share:
        """Done of those not cancelled."""
        return Share(self.done, self.raised - self.cancelled)


@dataclass(frozen=True)
class Briefing:
    """The 7-minute briefing: short sentences made from the figures."""

    looked_at: list[str]
    found: list[str]
    working_well: list[str]
    to_improve: list[str]
    next_steps: list[str]


@dataclass
class BoardPaper:
    title: str
    period: Period
    described: list[str]
    marking: str
    made_on: date
    figures: Dashboard
    year_on_year: Comparison
    quarter_on_quarter: Comparison
    actions: list[ActionProgress]
    briefing: Briefing
    theme: tuple[str, str] | None = None  # (questionnaire id, theme id)
    themes: list[tuple[str, Share]] = field(default_factory=list)
    learning: Learning | None = None


@dataclass(frozen=True)
class PaperRequest:
    """What the paper covers: the filters (their period stated in full) and, optionally, one
    theme (``questionnaire/theme``) of a questionnaire."""

    filters: Filters
    period: Period
    theme: tuple[str, str] | None = None


PAPER_KEYS = ("from", "to", "questionnaire", "service", "programme")
"""The filters a paper takes: never an auditor (a paper names no worker)."""


def paper_request(page: ReportPage, theme: str) -> tuple[PaperRequest, dict[str, str]]:
    """What the paper covers, from a reports page's filters and the theme asked for
    (``questionnaire/theme``, or blank); the problems by field, as the filters report them."""
    errors = dict(page.errors)
    period = asked_period(page) or Period(date.min, date.max)
    filters = page.filters
    chosen: tuple[str, str] | None = None
    if theme.strip():
        questionnaire_id, _, theme_id = theme.strip().partition("/")
        if (questionnaire_id, theme_id) not in page.catalogue.themes:
            errors.setdefault("theme", "Select a theme from the list")
        elif filters.questionnaire_id not in (None, questionnaire_id):
            errors.setdefault("theme", "Select a theme of the questionnaire chosen, or no theme")
        else:
            chosen = (questionnaire_id, theme_id)
            filters = filters.with_(questionnaire_id=questionnaire_id)
    return PaperRequest(filters=filters, period=period, theme=chosen), errors


def theme_choices(catalogue: Catalogue, current: str) -> list[dict[str, object]]:
    """Items for the paper's theme select: every theme, named with its questionnaire."""
    items: list[dict[str, object]] = [{"value": "", "text": "All themes"}]
    for (questionnaire_id, theme_id), title in catalogue.themes.items():
        value = f"{questionnaire_id}/{theme_id}"
        questionnaire = catalogue.questionnaire_titles.get(questionnaire_id, questionnaire_id)
        items.append(
            {"value": value, "text": f"{title} ({questionnaire})", "selected": value == current}
        )
    return items


def asked_period(page: ReportPage) -> Period | None:
    """The period as the person asked for it (the default one included), if it has both ends."""
    asked = page.asked or page.filters
    if asked.date_from is None or asked.date_to is None:
        return None
    return Period(asked.date_from, asked.date_to)


def describe_filters(
    page: ReportPage, period: Period | None, theme: tuple[str, str] | None = None
) -> list[str]:
    """The filters in words, the period first, as a printed page states them."""
    words = [f"Submitted {period.text}"] if period else ["Submitted at any time"]
    words += [w for w in page.filters_described() if not w.startswith("Submitted ")]
    if theme is not None:
        words.append(f"Theme: {page.catalogue.themes[theme]}")
    return words


def build(
    reader: ReportReader,
    request: PaperRequest,
    scope: Scope,
    *,
    today: date,
    catalogue: Catalogue,
    places: Places,
    described: list[str],
    marking: str = DEFAULT_MARKING,
) -> BoardPaper:
    """The paper for these filters, within this person's access."""

    def figures(period: Period | None) -> Dashboard:
        filters = request.filters
        if period is not None:
            filters = filters.with_(date_from=period.start, date_to=period.end)
        return dashboard_data.build(
            reader, filters, scope, today=today, catalogue=catalogue, places=places
        )

    main = figures(None)
    yoy, qoq = _comparisons(request, main, figures)
    selection = Selection.build(request.filters, scope, catalogue, places)
    actions = action_progress(reader, selection, today)
    chosen = theme_shares(main, request.theme)
    learning = learning_figures(reader, selection, places)
    return BoardPaper(
        title=_title(request, catalogue),
        period=request.period,
        described=described,
        marking=marking,
        made_on=today,
        figures=main,
        year_on_year=yoy,
        quarter_on_quarter=qoq,
        actions=actions,
        briefing=briefing(main, yoy, chosen, actions, request.period),
        theme=request.theme,
        themes=chosen,
        learning=learning,
    )


def _comparisons(
    request: PaperRequest, main: Dashboard, figures: Callable[[Period | None], Dashboard]
) -> tuple[Comparison, Comparison]:
    """The period against the same days a year before, and its latest quarter against the
    quarter before."""
    year_before = request.period.year_before()
    quarter = request.period.latest_quarter()
    quarter_before = quarter.quarter_before()
    yoy = Comparison(
        "Year on year",
        request.period,
        year_before,
        compare(main, figures(year_before), request.theme),
    )
    qoq = Comparison(
        "Quarter on quarter",
        quarter,
        quarter_before,
        compare(figures(quarter), figures(quarter_before), request.theme),
    )
    return yoy, qoq


def _title(request: PaperRequest, catalogue: Catalogue) -> str:
    if request.theme is not None:
        return f"Board paper: {catalogue.themes[request.theme]}"
    questionnaire_id = request.filters.questionnaire_id
    if questionnaire_id:
        return f"Board paper: {catalogue.questionnaire_titles.get(questionnaire_id, '')}"
    return "Board paper: case file audits"


def theme_shares(
    figures: Dashboard, theme: tuple[str, str] | None = None
) -> list[tuple[str, Share]]:
    """Each theme's audits with a final theme grade Good or better, of those with one, for all
    teams together (only the chosen theme, if one is); named with the questionnaire when more
    than one questionnaire is shown."""
    return [(label, share) for _key, label, share in _theme_cells(figures, theme)]


def _theme_cells(
    figures: Dashboard, theme: tuple[str, str] | None
) -> list[tuple[tuple[str, str], str, Share]]:
    """(questionnaire id, theme id), name and share Good or better of each theme shown."""
    several = len(figures.themes) > 1
    cells = []
    for table in figures.themes:
        for theme_id, title in table.themes:
            key = (table.questionnaire_id, theme_id)
            if theme is not None and theme != key:
                continue
            cell = table.overall.cells.get(theme_id)
            label = f"{title} ({table.title})" if several else title
            cells.append((key, label, cell.good if cell else Share(0, 0)))
    return cells


def compare(now: Dashboard, before: Dashboard, theme: tuple[str, str] | None) -> list[Compared]:
    """The headline figures, recording compliance and each theme, now and before."""
    rows = [
        Compared("Audits submitted", now.headline.submitted, before.headline.submitted),
        Compared("Final grade Good or better", now.headline.good, before.headline.good),
        Compared("Final grade Inadequate", now.headline.worst, before.headline.worst),
        Compared("Allocations completed", now.headline.allocations, before.headline.allocations),
        Compared("Moderation agreement", now.headline.agreement, before.headline.agreement),
        Compared(
            "Recording compliance, all measures", compliance_total(now), compliance_total(before)
        ),
    ]
    # Themes are matched by their ids: a theme's name carries its questionnaire's only when
    # more than one questionnaire is shown, which the two periods need not agree on.
    earlier = {key: share for key, _label, share in _theme_cells(before, theme)}
    for key, label, share in _theme_cells(now, theme):
        rows.append(
            Compared(f"Theme Good or better: {label}", share, earlier.get(key, Share(0, 0)))
        )
    return rows


def compliance_total(figures: Dashboard) -> Share:
    """Compliant answers of those that applied, every measure together."""
    return sum((row.share for row in figures.compliance), Share(0, 0))


def action_progress(
    reader: ReportReader, selection: Selection, today: date
) -> list[ActionProgress]:
    """The actions raised on the audits of the period (whatever the audit's status now): for
    the child, for the record, and all together; open ones past their due date are overdue."""
    is_open = AC.status == "open"
    statement = (
        select(
            AC.for_whom,
            AC.status,
            func.count().label("actions"),
            func.coalesce(func.sum(case((is_open & (AC.due < today), 1), else_=0)), 0),
        )
        .select_from(of_audits(table_of(Action)))
        .where(*selection.conditions(status=False))
        .group_by(AC.for_whom, AC.status)
    )
    counts: dict[str, dict[str, int]] = {"child": {}, "record": {}}
    overdue = {"child": 0, "record": 0}
    for for_whom, status, actions, late in reader.rows(statement, cached=True):
        counts.setdefault(for_whom, {})[status] = int(actions)
        overdue[for_whom] = overdue.get(for_whom, 0) + int(late or 0)
    rows = [
        _progress(label, counts.get(key, {}), overdue.get(key, 0))
        for key, label in (("child", "For the child"), ("record", "For the record"))
    ]
    everything = _progress(
        "All actions",
        {s: sum(c.get(s, 0) for c in counts.values()) for s in ("open", "done", "cancelled")},
        sum(overdue.values()),
    )
    return [*rows, everything]


def _best_and_worst_themes(
    themes: list[tuple[str, Share]],
) -> tuple[list[tuple[str, Share]], list[tuple[str, Share]]]:
    """The themes with a final grade, best first: at most two of the better half, and the worst
    of the rest (so that no theme is in both)."""
    graded = [(label, share) for label, share in themes if share.total]
    ranked = sorted(graded, key=lambda pair: (-(pair[1].percent or 0), pair[0].lower()))
    best = ranked[: min(2, len(ranked) // 2)]
    return best, ranked[len(best) :][-1:]


def _progress(label: str, counts: dict[str, int], overdue: int) -> ActionProgress:
    return ActionProgress(
        label=label,
        raised=sum(counts.values()),
        done=counts.get("done", 0),
        open=counts.get("open", 0),
        overdue=overdue,
        cancelled=counts.get("cancelled", 0),
    )


def briefing(
    figures: Dashboard,
    yoy: Comparison,
    themes: list[tuple[str, Share]],
    actions: list[ActionProgress],
    period: Period,
) -> Briefing:
    """The 7-minute briefing's sentences, from the figures alone."""
    h = figures.headline
    found = [
        f"{h.good.text} audits with a final grade had a final grade of Good or better.",
        f"{h.worst.text} had a final grade of Inadequate.",
    ]
    before = yoy.rows[1]
    if isinstance(before.before, Share) and before.before.total:
        found.append(
            f"A year before ({yoy.before.text}): {before.before.text} Good or better "
            f"({before.change})."
        )
    best, worst = _best_and_worst_themes(themes)
    measures = [row for row in figures.compliance if row.share.total]  # worst first
    # No theme or measure is both working well and in need of improvement: the best half
    # (at most two themes, one measure) and the worst (one theme, up to three measures).
    well = [f"{label}: {share.text} Good or better." for label, share in best]
    well += [f"{row.label}: {row.share.text} compliant." for row in measures[1:][-1:]]
    improve = [f"{label}: {share.text} Good or better." for label, share in worst]
    improve += [
        f"{row.label}: {row.share.text} compliant."
        for row in measures[: max(1, len(measures) - 1)][:3]
    ]
    every = actions[-1]
    return Briefing(
        looked_at=[
            f"{h.submitted:,} audits submitted from {period.text}.",
            f"Allocations completed: {_or_none(h.allocations, 'none were due')}.",
            f"Moderation agreement: {_or_none(h.agreement, 'no audit was moderated')}.",
        ],
        found=found,
        working_well=well or ["No theme or measure had a final grade or answer in the period."],
        to_improve=improve or ["No theme or measure had a final grade or answer in the period."],
        next_steps=[
            f"{every.raised:,} actions were raised on these audits: {every.done:,} done, "
            f"{every.open:,} open ({every.overdue:,} overdue) and {every.cancelled:,} cancelled.",
        ],
    )


__all__ = [
    "DEFAULT_MARKING",
    "ActionProgress",
    "BoardPaper",
    "Briefing",
    "Compared",
    "Comparison",
    "PAPER_KEYS",
    "PaperRequest",
    "Period",
    "action_progress",
    "build",
    "compare",
    "compliance_total",
    "asked_period",
    "describe_filters",
    "paper_request",
    "theme_choices",
    "theme_shares",
]
