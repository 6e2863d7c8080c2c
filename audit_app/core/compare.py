"""Two versions of a questionnaire compared, and one summarised, in words a QA lead uses.

Themes and questions are matched by id. Every difference is a :class:`Change`: what differs, and
how it reads in the older and the newer version, so that a page can show them side by side.
Nothing here performs I/O.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from audit_app.core.answers import number_rule
from audit_app.core.questionnaire import (
    AllOf,
    AnyOf,
    Condition,
    Grading2,
    NotCondition,
    OnService,
    Option,
    Question,
    Questionnaire,
    Theme,
    plain_number,
)

__all__ = [
    "Change",
    "Comparison",
    "QuestionChange",
    "Summary",
    "ThemeChange",
    "band_ranges",
    "compare",
    "describe_overall_rule",
    "points_text",
    "summarise",
]

Status = Literal["added", "removed", "changed", "unchanged"]

ABSENT = ""
"""How a change reads in a version that does not have the thing at all."""

_TYPE_NAMES = {
    "choice": "Choice of options",
    "multi": "Tick all that apply",
    "text": "Free text",
    "date": "Date",
    "number": "Number",
}
_KIND_NAMES = {"monthly": "Monthly case-file audit", "deep_dive": "Deep dive"}

_LIMITS = "Limits the overall grade (it is never better than this theme's grade)"
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Change:
    """One difference: what it is, and how it reads before and after ("" when absent)."""

    what: str
    before: str
    after: str


@dataclass(frozen=True)
class QuestionChange:
    """A question added, removed or changed, with each of its differences."""

    question_id: str
    text: str
    status: Status
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class ThemeChange:
    """A theme added, removed or changed: its own differences and its questions' differences."""

    theme_id: str
    title: str
    status: Status
    changes: tuple[Change, ...]
    questions: tuple[QuestionChange, ...]
    unchanged_questions: int


@dataclass(frozen=True)
class Comparison:
    """Everything that differs between an older and a newer version of one questionnaire."""

    before_version: int
    after_version: int
    details: tuple[Change, ...]
    grading: tuple[Change, ...]
    themes: tuple[ThemeChange, ...]

    @property
    def changed_themes(self) -> tuple[ThemeChange, ...]:
        """The themes with any difference, in page order."""
        return tuple(t for t in self.themes if t.status != "unchanged")

    @property
    def identical(self) -> bool:
        """Whether the two versions ask and score exactly the same things."""
        return not self.details and not self.grading and not self.changed_themes

    def _count(self, status: str) -> int:
        return sum(1 for t in self.themes for q in t.questions if q.status == status)

    @property
    def headline(self) -> tuple[str, ...]:
        """One plain sentence per kind of difference, such as "2 questions changed"."""
        lines: list[str] = []
        for status in ("added", "removed", "changed"):
            themes = sum(1 for t in self.themes if t.status == status)
            if themes:
                lines.append(f"{_plural(themes, 'theme')} {status}")
        for status in ("added", "removed", "changed"):
            questions = self._count(status)
            if questions:
                lines.append(f"{_plural(questions, 'question')} {status}")
        if self.grading:
            lines.append("Grading changed")
        if self.details:
            lines.append("Title or description changed")
        return tuple(lines)


@dataclass(frozen=True)
class Summary:
    """What a questionnaire holds, counted."""

    questionnaire_id: str
    version: int
    title: str
    kind: str
    themes: int
    questions: int
    scored_questions: int
    compliance_measures: tuple[str, ...]
    bands: tuple[tuple[str, str], ...]
    overall_rule: str


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _quoted(text: str) -> str:
    return f"“{text}”"


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def points_text(score: float | None) -> str:
    """What an option earns, in words: "2 points", or that it is left out of the score."""
    if score is None:
        return "not counted in the score"
    return f"{plain_number(score)} point" if score == 1 else f"{plain_number(score)} points"


def _number_facts(question: Question) -> list[tuple[str, str]]:
    """A number question's answers allowed, unit and score bands, in words."""
    if question.type != "number":
        return []
    rule = number_rule(question)
    facts = [("Answers allowed", rule[:1].upper() + rule[1:])]
    if question.unit:
        facts.append(("Unit", question.unit))
    if question.bands:
        bands = "; ".join(
            f"{plain_number(b.min)} or more: {points_text(b.score)}" for b in question.bands
        )
        facts.append(("Score bands", bands))
    return facts


def describe_overall_rule(questionnaire: Questionnaire) -> str:
    """How the overall grade is found, in a sentence."""
    graded_by = questionnaire.grading.graded_by
    if graded_by == "judgement":
        return "The auditor's judgement against the bands' descriptors (no overall percent)"
    rule = _overall_rule_only(questionnaire.grading)
    limiting = [t.title for t in questionnaire.themes if t.limiting]
    if limiting and questionnaire.grading.rule != "lowest":
        names = ", ".join(_quoted(title) for title in limiting)
        rule += f", never better than the grade of {names}"
    if graded_by == "score":
        rule += "; no overall judgement is asked"
    return rule


def _overall_rule_only(grading: Grading2) -> str:
    rule = (
        "The worst grade of any graded theme"
        if grading.rule == "lowest"
        else "The band of the weighted average of the graded themes' percents"
    )
    if grading.capped_by_worst_band:
        rule += f"; a theme graded {_quoted(grading.bands[-1].grade)} makes it that grade"
    return rule


def band_ranges(questionnaire: Questionnaire) -> tuple[tuple[str, str], ...]:
    """Each grade with the percents that earn it, best first."""
    ranges: list[tuple[str, str]] = []
    upper: float | None = None
    for band in questionnaire.grading.bands:
        low = plain_number(band.min)
        if upper is None:
            text = f"{low}% and above"
        elif band.min == 0:
            text = f"below {plain_number(upper)}%"
        else:
            text = f"{low}% to below {plain_number(upper)}%"
        ranges.append((band.grade, text))
        upper = band.min
    return tuple(ranges)


def _option_text(option: Option) -> str:
    return f"{option.label} ({points_text(option.score)})"


def _show_if_text(questionnaire: Questionnaire, question: Question) -> str:
    return show_if_text(questionnaire, question.show_if)


def show_if_text(questionnaire: Questionnaire, condition: Condition | None) -> str:
    """When a question, section or theme is shown, in words: "Always", or "Only when ..."."""
    if condition is None:
        return "Always"
    return f"Only when {condition_text(questionnaire, condition)}"


def condition_text(questionnaire: Questionnaire, condition: Condition) -> str:
    """A condition in words, e.g. "“Is the child in care?” is answered “Yes”"."""
    if isinstance(condition, AllOf | AnyOf):
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        joined = (" and " if isinstance(condition, AllOf) else " or ").join(
            _grouped(questionnaire, part) for part in parts
        )
        return joined
    if isinstance(condition, NotCondition):
        return f"not {_grouped(questionnaire, condition.not_)}"
    if isinstance(condition, OnService):
        return f"the case's service is {' or '.join(_quoted(name) for name in condition.service)}"
    controller = questionnaire.questions.get(condition.question)
    if controller is None:
        return f"certain answers to {condition.question}"
    subject = _quoted(controller.text)
    if condition.in_ is not None:
        labels = []
        for value in condition.in_:
            option = controller.option(value)
            labels.append(_quoted(option.label if option else value))
        return f"{subject} is answered {' or '.join(labels)}"
    if condition.any_of is not None or condition.all_of is not None:
        ticked = condition.any_of if condition.any_of is not None else condition.all_of or []
        names = [_quoted(o.label if (o := controller.option(v)) else v) for v in ticked]
        joiner = " or " if condition.any_of is not None else " and "
        return f"{subject} has {joiner.join(names)} ticked"
    if condition.at_least is not None:
        return f"{subject} is {plain_number(condition.at_least)} or more"
    if condition.at_most is not None:
        return f"{subject} is {plain_number(condition.at_most)} or less"
    if condition.before is not None:
        return f"{subject} is before {_day(condition.before)}"
    return f"{subject} is after {_day(condition.after or '')}"


def _grouped(questionnaire: Questionnaire, condition: Condition) -> str:
    """A part of a combined condition, in brackets when it combines others itself."""
    text = condition_text(questionnaire, condition)
    return f"({text})" if isinstance(condition, AllOf | AnyOf) else text


def _day(written: str) -> str:
    return date.fromisoformat(written).strftime("%-d %B %Y")


def _compliance_text(question: Question) -> str:
    return _quoted(question.compliance) if question.compliance else "None"


# --------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------


def summarise(questionnaire: Questionnaire, kind_names: Mapping[str, str] = _KIND_NAMES) -> Summary:
    """Count a questionnaire's themes, questions, scored questions, measures (timeliness
    measures too) and bands. ``kind_names`` are the names people read for the kinds of audit
    (the declared kinds); a kind not among them is shown as written."""
    questions = list(questionnaire.questions.values())
    measures: list[str] = []
    for question in questions:
        if question.compliance and question.compliance not in measures:
            measures.append(question.compliance)
    for theme in questionnaire.themes:
        for timed in theme.timeliness or ():
            if timed.measure not in measures:
                measures.append(timed.measure)
    return Summary(
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        title=questionnaire.title,
        kind=kind_names.get(questionnaire.kind, questionnaire.kind),
        themes=len(questionnaire.themes),
        questions=len(questions),
        scored_questions=sum(1 for q in questions if q.is_scored),
        compliance_measures=tuple(measures),
        bands=band_ranges(questionnaire),
        overall_rule=describe_overall_rule(questionnaire),
    )


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------


def compare(
    before: Questionnaire, after: Questionnaire, kind_names: Mapping[str, str] = _KIND_NAMES
) -> Comparison:
    """Every difference between two versions, matching themes and questions by id, with the
    kinds of audit named as in ``kind_names``."""
    return Comparison(
        before_version=before.version,
        after_version=after.version,
        details=tuple(_detail_changes(before, after, kind_names)),
        grading=tuple(_grading_changes(before, after)),
        themes=tuple(_theme_changes(before, after)),
    )


def _changed(what: str, before: str, after: str) -> list[Change]:
    return [Change(what, before, after)] if before != after else []


def _order_change(what: str, before: Sequence[str], after: Sequence[str]) -> list[Change]:
    """A change of order among the items both lists share (additions and removals aside)."""
    common = set(before) & set(after)
    old = [item for item in before if item in common]
    new = [item for item in after if item in common]
    if old == new:
        return []
    return [Change(what, "; ".join(old), "; ".join(new))]


def _detail_changes(
    before: Questionnaire, after: Questionnaire, kind_names: Mapping[str, str]
) -> list[Change]:
    return [
        *_changed("Title", before.title, after.title),
        *_changed(
            "Kind",
            kind_names.get(before.kind, before.kind),
            kind_names.get(after.kind, after.kind),
        ),
        *_changed("Description", before.description or "None", after.description or "None"),
        *_order_change(
            "Order of themes",
            [t.title for t in before.themes if t.id in {u.id for u in after.themes}],
            [_title_in(before, t) for t in after.themes if t.id in {u.id for u in before.themes}],
        ),
    ]


def _title_in(questionnaire: Questionnaire, theme: Theme) -> str:
    """A theme's title as the other version has it, so that a rename is not an order change."""
    return next((t.title for t in questionnaire.themes if t.id == theme.id), theme.title)


def _grading_changes(before: Questionnaire, after: Questionnaire) -> list[Change]:
    changes: list[Change] = []
    old = {b.grade: b for b in before.grading.bands}
    new = {b.grade: b for b in after.grading.bands}
    old_ranges = dict(band_ranges(before))
    new_ranges = dict(band_ranges(after))
    for grade in _merge_order(list(old), list(new)):
        what = f"{_quoted(grade)} band"
        if grade not in new:
            changes.append(Change(what, old_ranges[grade], ABSENT))
        elif grade not in old:
            changes.append(Change(what, ABSENT, new_ranges[grade]))
        elif old[grade].min != new[grade].min or old_ranges[grade] != new_ranges[grade]:
            changes.append(Change(what, old_ranges[grade], new_ranges[grade]))
    changes.extend(
        _order_change("Order of grades, best first", list(old), list(new)),
    )
    changes.extend(
        _changed(
            "How the overall grade is found",
            _overall_rule_only(before.grading),
            _overall_rule_only(after.grading),
        )
    )
    return changes


def _theme_changes(before: Questionnaire, after: Questionnaire) -> list[ThemeChange]:
    old = {t.id: t for t in before.themes}
    new = {t.id: t for t in after.themes}
    order = _merge_order(list(old), list(new))
    # A question's place in the page: under its theme in the newer version, or, when it was
    # removed, under its theme in the older one.
    placed: dict[str, list[QuestionChange]] = {theme_id: [] for theme_id in order}
    unchanged: dict[str, int] = {theme_id: 0 for theme_id in order}
    old_ids = list(before.questions)
    new_ids = list(after.questions)
    for qid in _merge_order(old_ids, new_ids):
        change = _question_change(before, after, qid)
        theme_id = after.theme_of.get(qid) or before.theme_of[qid]
        if change.status == "unchanged":
            unchanged[theme_id] += 1
        else:
            placed[theme_id].append(change)

    themes: list[ThemeChange] = []
    for theme_id in order:
        old_theme, new_theme = old.get(theme_id), new.get(theme_id)
        questions = tuple(placed[theme_id])
        own: tuple[Change, ...] = ()
        status: Status
        if new_theme is None:
            assert old_theme is not None
            title, status = old_theme.title, "removed"
            own = tuple(Change(what, text, ABSENT) for what, text in _theme_facts(old_theme))
        elif old_theme is None:
            title, status = new_theme.title, "added"
            own = tuple(Change(what, ABSENT, text) for what, text in _theme_facts(new_theme))
        else:
            own = tuple(_theme_own_changes(old_theme, new_theme))
            title, status = new_theme.title, "changed" if own or questions else "unchanged"
        themes.append(ThemeChange(theme_id, title, status, own, questions, unchanged[theme_id]))
    return themes


def _theme_facts(theme: Theme) -> list[tuple[str, str]]:
    """What a theme is, row by row, for a theme only one version has."""
    facts = [("Title", theme.title)]
    if theme.description:
        facts.append(("Description", theme.description))
    facts.append(("Weight in the overall percent", plain_number(theme.weight)))
    facts.append((_LIMITS, _yes_no(theme.limiting)))
    return facts


def _question_facts(questionnaire: Questionnaire, question: Question) -> list[tuple[str, str]]:
    """What a question is, row by row, for a question only one version has."""
    facts = [
        ("Theme", _theme_title(questionnaire, questionnaire.theme_of[question.id])),
        ("Question", question.text),
    ]
    if question.help:
        facts.append(("Guidance", question.help))
    facts += [
        ("Type of answer", _TYPE_NAMES[question.type]),
        ("Must be answered before submitting", _yes_no(question.is_required)),
        ("Counts towards the score", _yes_no(question.is_scored)),
    ]
    if question.is_scored:
        facts.append(("Weight within its theme", plain_number(question.effective_weight)))
    facts += [(f"Answer {_quoted(o.label)}", _option_text(o)) for o in question.options or ()]
    facts += _number_facts(question)
    facts.append(("Shown", _show_if_text(questionnaire, question)))
    facts.append(("Compliance measure", _compliance_text(question)))
    return facts


def _theme_own_changes(old: Theme, new: Theme) -> list[Change]:
    changes = [
        *_changed("Title", old.title, new.title),
        *_changed("Description", old.description or "None", new.description or "None"),
        *_changed(
            "Weight in the overall percent", plain_number(old.weight), plain_number(new.weight)
        ),
    ]
    if old.limiting != new.limiting:
        changes.append(Change(_LIMITS, _yes_no(old.limiting), _yes_no(new.limiting)))
    old_texts = {q.id: q.text for q in old.questions}
    changes.extend(
        _order_change(
            "Order of questions",
            [q.text for q in old.questions if q.id in {n.id for n in new.questions}],
            [old_texts[q.id] for q in new.questions if q.id in old_texts],
        )
    )
    return changes


def _question_change(before: Questionnaire, after: Questionnaire, qid: str) -> QuestionChange:
    old, new = before.questions.get(qid), after.questions.get(qid)
    # An added or removed question is described in full on the side that has it.
    if new is None:
        assert old is not None
        facts = _question_facts(before, old)
        return QuestionChange(
            qid, old.text, "removed", tuple(Change(what, text, ABSENT) for what, text in facts)
        )
    if old is None:
        facts = _question_facts(after, new)
        return QuestionChange(
            qid, new.text, "added", tuple(Change(what, ABSENT, text) for what, text in facts)
        )
    changes: list[Change] = []
    old_theme, new_theme = before.theme_of[qid], after.theme_of[qid]
    if old_theme != new_theme:
        changes.append(
            Change("Theme", _theme_title(before, old_theme), _theme_title(after, new_theme))
        )
    changes += _changed("Question", old.text, new.text)
    changes += _changed("Guidance", old.help or "None", new.help or "None")
    changes += _changed("Type of answer", _TYPE_NAMES[old.type], _TYPE_NAMES[new.type])
    changes += _changed(
        "Must be answered before submitting", _yes_no(old.is_required), _yes_no(new.is_required)
    )
    changes += _changed("Counts towards the score", _yes_no(old.is_scored), _yes_no(new.is_scored))
    # A weight only matters on a scored question.
    if (old.is_scored or new.is_scored) and old.effective_weight != new.effective_weight:
        changes.append(
            Change(
                "Weight within its theme",
                plain_number(old.effective_weight),
                plain_number(new.effective_weight),
            )
        )
    changes += _option_changes(old, new)
    old_numbers, new_numbers = dict(_number_facts(old)), dict(_number_facts(new))
    for what in dict.fromkeys([*old_numbers, *new_numbers]):
        changes += _changed(what, old_numbers.get(what, ABSENT), new_numbers.get(what, ABSENT))
    # Compared as rules, so that rewording an option does not read as a new condition.
    if old.show_if != new.show_if:
        changes.append(Change("Shown", _show_if_text(before, old), _show_if_text(after, new)))
    changes += _changed("Compliance measure", _compliance_text(old), _compliance_text(new))
    return QuestionChange(qid, new.text, "changed" if changes else "unchanged", tuple(changes))


def _theme_title(questionnaire: Questionnaire, theme_id: str) -> str:
    return next(t.title for t in questionnaire.themes if t.id == theme_id)


def _option_changes(old: Question, new: Question) -> list[Change]:
    old_options = {o.value: o for o in old.options or ()}
    new_options = {o.value: o for o in new.options or ()}
    changes: list[Change] = []
    for value in _merge_order(list(old_options), list(new_options)):
        before, after = old_options.get(value), new_options.get(value)
        if after is None:
            assert before is not None
            changes.append(Change(f"Answer {_quoted(before.label)}", _option_text(before), ABSENT))
        elif before is None:
            changes.append(Change(f"Answer {_quoted(after.label)}", ABSENT, _option_text(after)))
        else:
            what = f"Answer {_quoted(after.label)}"
            changes += _changed(f"{what}: wording", before.label, after.label)
            changes += _changed(
                f"{what}: points", points_text(before.score), points_text(after.score)
            )
    changes += _order_change(
        "Order of answers",
        [o.label for o in old.options or ()],
        [old_options[o.value].label for o in new.options or () if o.value in old_options],
    )
    return changes


def _merge_order(before: Sequence[K], after: Sequence[K]) -> list[K]:
    """Every key of both lists: the newer order, with removed keys after their old neighbour."""
    merged = list(after)
    present = set(after)
    previous: K | None = None
    for key in before:
        if key not in present:
            position = merged.index(previous) + 1 if previous is not None else 0
            merged.insert(position, key)
            present.add(key)
        previous = key
    return merged
