"""What every reports page needs: the filters, the person's reach, and the choices they have."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit_app.core.subjects import subject_heading
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import Places, Selection

Items = list[dict[str, Any]]


@dataclass
class ReportPage:
    """The filters as read (with what was wrong with them), and the choices the form offers."""

    filters: Filters
    errors: dict[str, str]
    raw: dict[str, str]
    scope: Scope
    catalogue: Catalogue
    places: Places
    auditors: dict[int, str]
    # The period as the person asked for it (the default one included), before it was cut to
    # the months the data holds: the form shows this, the figures use ``filters``.
    asked: Filters | None = None
    # Every audit programme's name, by id (the programme filter names one).
    programmes: dict[int, str] = field(default_factory=dict)

    def shown(self, end: str) -> str:
        """The value the form shows for "from" or "to"."""
        if self.raw[end]:
            return self.raw[end]
        filters = self.asked or self.filters
        value = filters.date_from if end == "from" else filters.date_to
        return value.isoformat() if value else ""

    @property
    def selection(self) -> Selection:
        return Selection.build(self.filters, self.scope, self.catalogue, self.places)

    def choices(self) -> dict[str, Items]:
        """Items for the filter form's selects, the current choice selected."""
        questionnaires = sorted(
            self.catalogue.questionnaire_titles.items(), key=lambda p: p[1].lower()
        )
        kinds = list(self.catalogue.kind_names.items())
        raw = self.raw
        return {
            "questionnaire": _items(questionnaires, raw["questionnaire"], "All questionnaires"),
            "kind": _items(kinds, raw["kind"], "All kinds"),
            "subject": _items(
                [(s, subject_heading(s)) for s in self.catalogue.subjects()],
                raw.get("subject", ""),
                "Case files, or the questionnaire's own",
            ),
            "service": _items(_by_name(self.places.services), raw["service"], "All services"),
            "team": _items(_by_name(self._teams()), raw["team"], "All teams"),
            "auditor": _items(_by_name(self.auditors), raw["auditor"], "All auditors"),
            "programme": _items(
                _by_name(self.programmes), raw.get("programme", ""), "Any programme, or none"
            ),
        }

    def _teams(self) -> dict[int, str]:
        """The teams to choose from: those of the service chosen, and the team chosen."""
        f = self.filters
        return {
            tid: name
            for tid, name in self.places.teams.items()
            if f.service_id is None
            or self.places.team_service.get(tid) == f.service_id
            or tid == f.team_id
        }

    def filters_described(self) -> list[str]:
        """The filters in words, for the heading of a list or a measure's page."""
        f = self.filters
        words = []
        if f.date_from and f.date_to:
            words.append(f"Submitted {f.date_from:%-d %B %Y} to {f.date_to:%-d %B %Y}")
        if f.questionnaire_id:
            words.append(
                self.catalogue.questionnaire_titles.get(f.questionnaire_id, f.questionnaire_id)
            )
        if f.kind:
            words.append(self.catalogue.kind_name(f.kind))
        if f.audit_subject is not None and len(self.catalogue.subjects()) > 1:
            words.append(subject_heading(f.audit_subject))
        if f.service_id is not None:
            words.append(self.places.services.get(f.service_id, ""))
        if f.team_id is not None:
            words.append(self.places.teams.get(f.team_id, ""))
        if f.auditor_id is not None:
            words.append(f"Audited by {self.auditors.get(f.auditor_id, '')}")
        if f.programme_id is not None:
            words.append(f"Audit programme: {self.programmes.get(f.programme_id, '')}")
        return words


def _items(pairs: list[tuple[str, str]], current: str, anything: str) -> Items:
    return [{"value": "", "text": anything}] + [
        {"value": value, "text": text, "selected": value == current} for value, text in pairs
    ]


def _by_name(mapping: dict[int, str]) -> list[tuple[str, str]]:
    return sorted(((str(k), v) for k, v in mapping.items()), key=lambda p: p[1].lower())


__all__ = ["ReportPage"]
