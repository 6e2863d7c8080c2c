"""What reports need from the questionnaire versions: grade bands, theme titles, questions.

Themes and questions are matched across versions of a questionnaire by their ids; titles come
from the newest version that has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import select

from audit_app.core.scoring import exact
from audit_app.core.subjects import DEFAULT_SUBJECT, SUBJECTS
from audit_app.models import AuditKind, QuestionnaireVersion, table_of
from audit_app.reporting.database import ReportReader
from audit_app.services.audits import analysis_question
from audit_app.services.questionnaires import questionnaire_of


def read_kinds(reader: ReportReader) -> dict[str, str]:
    """The declared kinds of audit: name -> the name people read, in reading order."""
    k = table_of(AuditKind).c
    statement = select(k.name, k.display_name).order_by(k.display_name)
    return {r[0]: r[1] for r in reader.rows(statement)}


def read_versions(reader: ReportReader, *conditions: Any) -> list[QuestionnaireVersion]:
    """The questionnaire versions (those meeting ``conditions``, if any), in id order."""
    qv = table_of(QuestionnaireVersion).c
    statement = select(
        qv.id, qv.questionnaire_id, qv.version, qv.title, qv.kind, qv.content, qv.content_sha256
    )
    return [
        QuestionnaireVersion(
            id=r[0],
            questionnaire_id=r[1],
            version=r[2],
            title=r[3],
            kind=r[4],
            content=r[5],
            content_sha256=r[6],
        )
        for r in reader.rows(statement.where(*conditions).order_by(qv.id))
    ]


def published_versions(reader: ReportReader) -> list[QuestionnaireVersion]:
    """The published versions: a draft has no audits, and its titles are not yet in use."""
    return read_versions(reader, table_of(QuestionnaireVersion).c.published_at.is_not(None))


@dataclass(frozen=True)
class VersionInfo:
    version_id: int
    questionnaire_id: str
    version: int
    title: str
    kind: str
    grades: tuple[str, ...]  # best first
    subject: str = DEFAULT_SUBJECT


@dataclass(frozen=True)
class Catalogue:
    """Every loaded questionnaire version, as reports see them."""

    versions: dict[int, VersionInfo]
    # (questionnaire id, theme id) -> title, in questionnaire order.
    themes: dict[tuple[str, str], str]
    questionnaire_titles: dict[str, str]
    # (questionnaire id, theme id) of the themes graded by judgement (no percent) in the
    # newest version that has them.
    by_judgement: frozenset[tuple[str, str]] = frozenset()
    # Every kind of audit declared (``audit_kind``), and any a loaded version names: name ->
    # the name people read, in reading order.
    kind_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, rows: list[QuestionnaireVersion], kinds: dict[str, str] | None = None
    ) -> Catalogue:
        versions: dict[int, VersionInfo] = {}
        themes: dict[tuple[str, str], str] = {}
        judged: dict[tuple[str, str], bool] = {}
        titles: dict[str, str] = {}
        # Oldest first, so that the newest version's titles win while first-seen order is kept.
        for row in sorted(rows, key=lambda r: (r.questionnaire_id, r.version)):
            questionnaire = questionnaire_of(row)
            assert row.id is not None
            versions[row.id] = VersionInfo(
                version_id=row.id,
                questionnaire_id=row.questionnaire_id,
                version=row.version,
                title=row.title,
                kind=row.kind,
                grades=tuple(questionnaire.grades),
                subject=questionnaire.subject,
            )
            titles[row.questionnaire_id] = row.title
            for theme in questionnaire.themes:
                themes[(row.questionnaire_id, theme.id)] = theme.title
                judged[(row.questionnaire_id, theme.id)] = theme.graded_by == "judgement"
        by_judgement = frozenset(key for key, judgement in judged.items() if judgement)
        kind_names = dict(kinds or {})
        for info in versions.values():
            kind_names.setdefault(info.kind, info.kind)
        return cls(
            versions=versions,
            themes=themes,
            questionnaire_titles=titles,
            by_judgement=by_judgement,
            kind_names=kind_names,
        )

    def kind_name(self, kind: str) -> str:
        """The name people read for a kind of audit."""
        return self.kind_names.get(kind, kind)

    def version_ids(
        self, questionnaire_id: str | None, kind: str | None, subject: str | None = None
    ) -> list[int] | None:
        """The versions a questionnaire, kind or subject filter selects (None: no such filter,
        or a subject every version has)."""
        if subject is not None and all(v.subject == subject for v in self.versions.values()):
            subject = None  # no figure path changes while every audit is of one subject
        if questionnaire_id is None and kind is None and subject is None:
            return None
        return [
            v.version_id
            for v in self.versions.values()
            if (questionnaire_id is None or v.questionnaire_id == questionnaire_id)
            and (kind is None or v.kind == kind)
            and (subject is None or v.subject == subject)
        ]

    def questionnaire_ids(self, kind: str | None, subject: str | None = None) -> list[str]:
        return sorted(
            {
                v.questionnaire_id
                for v in self.versions.values()
                if kind in (None, v.kind) and subject in (None, v.subject)
            }
        )

    def subjects(self) -> list[str]:
        """The subjects of the loaded versions, case first (every subject when none is)."""
        held = {v.subject for v in self.versions.values()} | {DEFAULT_SUBJECT}
        return [s for s in SUBJECTS if s in held]

    def scale_frame(self) -> pd.DataFrame:
        """One row per (version, grade): its band index (0 is best) and what it counts as."""
        records = []
        for info in self.versions.values():
            last = len(info.grades) - 1
            for index, grade in enumerate(info.grades):
                records.append(
                    {
                        "version_id": info.version_id,
                        "grade": grade,
                        "band": index,
                        # Good or better: the questionnaire's two best bands.
                        "good": index <= 1,
                        "worst": index == last,
                        # Higher is better, so that "moderated minus judged" is negative when the
                        # moderator graded lower than the auditor.
                        "rank": last - index,
                    }
                )
        return pd.DataFrame.from_records(
            records, columns=["version_id", "grade", "band", "good", "worst", "rank"]
        )

    def grade_order(self, version_ids: list[int] | None = None) -> list[str]:
        """Grade names best first across versions (by band position, then first seen)."""
        seen: dict[str, tuple[float, int]] = {}
        for info in self.versions.values():
            if version_ids is not None and info.version_id not in version_ids:
                continue
            last = max(len(info.grades) - 1, 1)
            for index, grade in enumerate(info.grades):
                position = index / last
                if grade not in seen or position < seen[grade][0]:
                    seen[grade] = (position, len(seen))
        return sorted(seen, key=lambda g: seen[g])

    def grades_where(self, band: str) -> list[tuple[int, str]]:
        """(version id, grade) pairs that count as "good" (two best bands) or "worst"."""
        pairs = []
        for info in self.versions.values():
            last = len(info.grades) - 1
            for index, grade in enumerate(info.grades):
                if (band == "good" and index <= 1) or (band == "worst" and index == last):
                    pairs.append((info.version_id, grade))
        return pairs


@dataclass(frozen=True)
class QuestionMeta:
    version_id: int
    question_id: str
    theme_id: str
    position: int
    max_score: str | None
    free_text: bool = False  # a text question: its answers are free text
    analysis: bool = False  # the theme's own analysis question (services/audits.py)


@dataclass(frozen=True)
class OptionMeta:
    version_id: int
    question_id: str
    value: str
    label: str
    score: str | None


def number_text(value: float | None) -> str | None:
    """A questionnaire number as its author wrote it: 2 not 2.0, 0.5 not 0.5000."""
    if value is None:
        return None
    fraction: Fraction = exact(value)
    if fraction.denominator == 1:
        return str(fraction.numerator)
    return str(float(value))


def question_meta(rows: list[QuestionnaireVersion]) -> tuple[list[QuestionMeta], list[OptionMeta]]:
    """Every question and option of the given versions, for labelling exported answers."""
    questions: list[QuestionMeta] = []
    options: list[OptionMeta] = []
    for row in rows:
        assert row.id is not None
        questionnaire = questionnaire_of(row)
        position = 0
        for theme in questionnaire.themes:
            analysis = analysis_question(theme)
            for question in theme.questions:
                position += 1
                questions.append(
                    QuestionMeta(
                        version_id=row.id,
                        question_id=question.id,
                        theme_id=theme.id,
                        position=position,
                        max_score=number_text(question.max_score),
                        free_text=question.type == "text",
                        analysis=analysis is not None and analysis.id == question.id,
                    )
                )
                for option in question.options or ():
                    options.append(
                        OptionMeta(
                            version_id=row.id,
                            question_id=question.id,
                            value=option.value,
                            label=option.label,
                            score=number_text(option.score),
                        )
                    )
    return questions, options


def multi_options(rows: list[QuestionnaireVersion]) -> list[tuple[int, str, str, int, str, str]]:
    """(version id, question id, theme id, position, option value, label) for every option of
    every multi-select question of the given versions, in questionnaire order (position counts
    the options across the whole version)."""
    found = []
    for row in rows:
        assert row.id is not None
        position = 0
        for theme in questionnaire_of(row).themes:
            for question in theme.questions:
                if question.type != "multi":
                    continue
                for option in question.options or ():
                    position += 1
                    found.append(
                        (row.id, question.id, theme.id, position, option.value, option.label)
                    )
    return found


def theme_titles(rows: list[QuestionnaireVersion]) -> list[tuple[int, str, str, int]]:
    """(version id, theme id, title, position) for every theme of the given versions."""
    found = []
    for row in rows:
        assert row.id is not None
        for position, theme in enumerate(questionnaire_of(row).themes, start=1):
            found.append((row.id, theme.id, theme.title, position))
    return found
