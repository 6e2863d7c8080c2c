"""Invariants of repeating groups' roll-up over random groups and answers: one repeat scores as
the same questions asked once; "all" never scores above "share", nor "share" above "any"; the
order of the repeats and answering every repeat twice change nothing; the compiled engine
(which hands such versions to the reference engine) agrees."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.questionnaire import Questionnaire, validate_questionnaire
from audit_app.core.repeats import repeat_key
from audit_app.core.scoring import score_audit
from tests.unit.test_scoring_properties import PROPERTY, SCORES, WEIGHTS

BANDS = [
    {"grade": "Good", "min": 60},
    {"grade": "Requires improvement", "min": 30},
    {"grade": "Inadequate", "min": 0},
]
VALUES = ["a", "b", "c"]


@dataclass(frozen=True)
class Group:
    """A questionnaire's JSON with one repeating group, and answers for each repeat."""

    questions: list[dict[str, Any]]
    outside: str | None
    repeats: list[dict[str, str]]

    def data(self, roll_up: str | None) -> dict[str, Any]:
        """The questionnaire with the group's questions in a group rolled up by ``roll_up``,
        or (None) asked once, straight in the theme."""
        items: list[dict[str, Any]] = [
            {"id": "outside", "type": "choice", "text": "Outside", "options": _options([1, 0])}
        ]
        if roll_up is None:
            items.extend(self.questions)
        else:
            group = {"id": "group", "title": "Visit", "max": 50, "roll_up": roll_up}
            items.append({"repeat": {**group, "items": self.questions}})
        return {
            "format": "case-audit/2",
            "id": "repeats",
            "version": 1,
            "title": "Repeats",
            "kind": "monthly",
            "grading": {"bands": BANDS, "overall": "mean"},
            "themes": [{"id": "theme", "title": "Theme", "items": items}],
        }

    def answers(self, order: list[dict[str, str]] | None = None) -> dict[str, str]:
        """The repeats' answers under their keys, with the count."""
        repeats = self.repeats if order is None else order
        answers = {"group": str(len(repeats))}
        if self.outside is not None:
            answers["outside"] = self.outside
        for number, repeat in enumerate(repeats, start=1):
            answers.update({repeat_key(qid, number): raw for qid, raw in repeat.items()})
        return answers


def _options(scores: list[Any]) -> list[dict[str, Any]]:
    return [
        {"value": value, "label": value.upper(), **({"score": s} if s is not None else {})}
        for value, s in zip(VALUES, scores, strict=False)
    ]


@st.composite
def groups(draw: st.DrawFn) -> Group:
    questions = []
    for n in range(draw(st.integers(min_value=1, max_value=4))):
        scores = draw(st.lists(SCORES, min_size=2, max_size=3))
        if all(s is None or s == 0 for s in scores):
            scores[0] = draw(st.sampled_from([1, 2, 0.5]))
        questions.append(
            {
                "id": f"q{n}",
                "type": "choice",
                "text": f"Question {n}",
                "weight": draw(WEIGHTS),
                "options": _options(scores),
            }
        )
    answer = st.sampled_from([*VALUES, ""])
    repeats = draw(
        st.lists(
            st.fixed_dictionaries({q["id"]: answer for q in questions}), min_size=1, max_size=5
        )
    )
    outside = draw(st.sampled_from(["a", "b", None]))
    return Group(questions, outside, repeats)


def percent(questionnaire: Questionnaire, answers: dict[str, str]) -> Fraction | None:
    return score_audit(questionnaire, answers).theme("theme").percent


@PROPERTY
@given(groups(), st.sampled_from(["all", "any", "share"]))
def test_one_repeat_scores_as_the_questions_asked_once(group: Group, roll_up: str) -> None:
    once = Group(group.questions, group.outside, group.repeats[:1])
    flat = {**({"outside": once.outside} if once.outside else {}), **once.repeats[0]}
    expected = percent(validate_questionnaire(once.data(None)), flat)
    assert percent(validate_questionnaire(once.data(roll_up)), once.answers()) == expected


@PROPERTY
@given(groups())
def test_all_never_scores_above_share_nor_share_above_any(group: Group) -> None:
    found = [
        percent(validate_questionnaire(group.data(rule)), group.answers())
        for rule in ("all", "share", "any")
    ]
    if found[0] is None:
        assert found == [None, None, None]
    else:
        assert found[0] <= found[1] <= found[2]  # type: ignore[operator]


@PROPERTY
@given(groups(), st.sampled_from(["all", "any", "share"]), st.randoms(use_true_random=False))
def test_the_order_of_the_repeats_and_answering_each_twice_change_nothing(
    group: Group, roll_up: str, random: Any
) -> None:
    questionnaire = validate_questionnaire(group.data(roll_up))
    expected = percent(questionnaire, group.answers())
    shuffled = list(group.repeats)
    random.shuffle(shuffled)
    assert percent(questionnaire, group.answers(shuffled)) == expected
    assert percent(questionnaire, group.answers(group.repeats * 2)) == expected


@PROPERTY
@given(groups(), st.sampled_from(["all", "any", "share"]))
def test_the_compiled_engine_agrees_with_the_reference(group: Group, roll_up: str) -> None:
    questionnaire = validate_questionnaire(group.data(roll_up))
    answers = group.answers()
    reference = score_audit(questionnaire, answers)
    quick = ScoringPlan(questionnaire).score(answers)
    assert [(t.percent, t.grade) for t in quick.themes] == [
        (t.percent, t.grade) for t in reference.themes
    ]
    assert (quick.overall_percent, quick.overall_grade) == (
        reference.overall.percent,
        reference.overall.grade,
    )
