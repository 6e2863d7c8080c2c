"""The learning report: findings counted by learning theme and kind, by team and by service, and
the quotations chosen for the board paper.

Findings count when their audit does in the other reports (its latest submission stands, within
the period, questionnaire, kind of audit, service and team of the filters, and the person's
access). The report never counts or lists by worker: the auditor filter does not apply here,
and a quotation is listed with its learning theme, kind, team and service only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select

from audit_app.models import Finding, LearningTheme, table_of
from audit_app.reporting.cells import neutralise
from audit_app.reporting.database import ReportReader
from audit_app.reporting.exports import BOM
from audit_app.reporting.selection import C, Places, Selection, of_audits
from audit_app.services.learning import KIND_NAMES, KIND_PLURALS

F = table_of(Finding).c
T = table_of(LearningTheme).c
KINDS = tuple(KIND_NAMES)


@dataclass
class Counts:
    """Findings of one row (a learning theme, a team, a service...), by kind."""

    label: str
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    group: str = ""  # the team's service, for a row of a team

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def add(self, kind: str, count: int) -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + count


@dataclass(frozen=True)
class Quotation:
    """A quotation chosen for the paper (or, for a QA lead choosing, any quotation)."""

    finding_id: int
    text: str
    kind: str
    learning_theme: str
    team: str
    service: str
    chosen: bool

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]


@dataclass(frozen=True)
class Learning:
    """The learning report's figures."""

    by_theme: list[Counts]
    by_service: list[Counts]
    by_team: list[Counts]
    by_theme_and_team: list[Counts]
    total: Counts
    quotations: list[Quotation]

    @property
    def chosen(self) -> list[Quotation]:
        return [q for q in self.quotations if q.chosen]


def _unattributed(selection: Selection) -> Selection:
    """The selection without an auditor filter: learning is never reported by worker."""
    return replace(selection, filters=selection.filters.with_(auditor_id=None))


def count_rows(reader: ReportReader, selection: Selection) -> list[tuple[int, str, str, int]]:
    """(team id, learning theme, kind, findings) of the selected audits."""
    statement = (
        select(C.team_id, T.name, F.kind, func.count().label("findings"))
        .select_from(
            of_audits(table_of(Finding)).join(table_of(LearningTheme), T.id == F.learning_theme_id)
        )
        .where(*_unattributed(selection).conditions())
        .group_by(C.team_id, T.name, F.kind)
    )
    return [(int(t), str(n), str(k), int(c)) for t, n, k, c in reader.rows(statement)]


def _grouped(rows: list[tuple[str, str, str, int]]) -> list[Counts]:
    """Counts by label (with its group), largest total first, then by name."""
    found: dict[tuple[str, str], Counts] = {}
    for label, group, kind, count in rows:
        found.setdefault((group, label), Counts(label, group=group)).add(kind, count)
    return sorted(found.values(), key=lambda c: (-c.total, c.group.lower(), c.label.lower()))


def build(
    reader: ReportReader, selection: Selection, places: Places, *, every_quotation: bool = False
) -> Learning:
    """The learning report of the selection; ``every_quotation``: list quotations not chosen
    yet too (for a QA lead to choose from)."""
    rows = count_rows(reader, selection)
    team = places.teams.get

    def service(team_id: int) -> str:
        return places.services.get(places.team_service.get(team_id, 0), "")

    total = Counts("All findings")
    for _team, _theme, kind, count in rows:
        total.add(kind, count)
    return Learning(
        by_theme=_grouped([(theme, "", kind, n) for _t, theme, kind, n in rows]),
        by_service=_grouped([(service(t), "", kind, n) for t, _theme, kind, n in rows]),
        by_team=_grouped([(team(t, ""), service(t), kind, n) for t, _theme, kind, n in rows]),
        by_theme_and_team=_grouped(
            [(theme, f"{team(t, '')} ({service(t)})", kind, n) for t, theme, kind, n in rows]
        ),
        total=total,
        quotations=quotations(reader, selection, places, every=every_quotation),
    )


def quotations(
    reader: ReportReader, selection: Selection, places: Places, *, every: bool = False
) -> list[Quotation]:
    """The quotations chosen for the paper (``every``: all quotations), by learning theme."""
    statement = (
        select(F.id, F.quotation, F.kind, T.name, C.team_id, F.chosen_at)
        .select_from(
            of_audits(table_of(Finding)).join(table_of(LearningTheme), T.id == F.learning_theme_id)
        )
        .where(*_unattributed(selection).conditions(), F.quotation.is_not(None))
        .order_by(T.name, F.kind, F.id)
    )
    if not every:
        statement = statement.where(F.chosen_at.is_not(None))
    return [
        Quotation(
            finding_id=int(fid),
            text=str(text),
            kind=str(kind),
            learning_theme=str(theme),
            team=places.teams.get(team_id, ""),
            service=places.services.get(places.team_service.get(team_id, 0), ""),
            chosen=chosen is not None,
        )
        for fid, text, kind, theme, team_id, chosen in reader.rows(statement)
    ]


CSV_HEADER = ("Service", "Team", "Learning theme", *(KIND_PLURALS[k] for k in KINDS), "Total")


def csv_rows(reader: ReportReader, selection: Selection, places: Places) -> list[list[str]]:
    """The export's rows: findings by service, team and learning theme, by kind."""
    found: dict[tuple[str, str, str], Counts] = {}
    for team_id, theme, kind, count in count_rows(reader, selection):
        service = places.services.get(places.team_service.get(team_id, 0), "")
        key = (service, places.teams.get(team_id, ""), theme)
        found.setdefault(key, Counts(theme)).add(kind, count)
    return [
        [*key, *(str(counts.by_kind[k]) for k in KINDS), str(counts.total)]
        for key, counts in sorted(found.items(), key=lambda item: tuple(s.lower() for s in item[0]))
    ]


def csv_text(rows: list[list[str]]) -> str:
    """The export as CSV text (with the byte-order mark the other exports start with, so that
    spreadsheets read it as UTF-8), every cell neutralised against formulas, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in (list(CSV_HEADER), *rows):
        writer.writerow([neutralise(cell) for cell in row])
    return BOM + out.getvalue()


def kinds_heading() -> list[tuple[str, str]]:
    """(kind, column heading) of each kind of finding, in order."""
    return [(k, KIND_PLURALS[k]) for k in KINDS]


__all__ = [
    "CSV_HEADER",
    "Counts",
    "Learning",
    "Quotation",
    "build",
    "count_rows",
    "csv_rows",
    "csv_text",
    "kinds_heading",
    "quotations",
]
