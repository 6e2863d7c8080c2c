"""The questionnaire format ``case-audit/1``: models, validation and JSON-path errors."""

from __future__ import annotations

import copy
import difflib
import heapq
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal, Self, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue, models_json_schema
from pydantic_core import CoreSchema, ErrorDetails, PydanticCustomError

from audit_app.core.limits import (
    GRADE_MAX_LENGTH,
    ID_MAX_LENGTH,
    KIND_MAX_LENGTH,
    MEASURE_MAX_LENGTH,
    SERVICE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    UNIT_MAX_LENGTH,
)
from audit_app.core.subjects import SUBJECTS, Subject

FORMAT_1 = "case-audit/1"
FORMAT_2 = "case-audit/2"
FORMAT = FORMAT_2
"""The format the service reads inside; a format 1 file is upgraded to it when read."""
FORMATS = (FORMAT_1, FORMAT_2)
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = ID_MAX_LENGTH
KIND_PATTERN = r"^[a-z][a-z0-9_]*$"
"""A kind of audit's name, as the council declares it (``audit_kind.name``)."""
_KIND_MESSAGE = (
    f"must be the name of a kind of audit: at most {KIND_MAX_LENGTH} characters, lower-case "
    'letters, digits and _ only, starting with a letter, e.g. "supervision"'
)
_SUBJECT_MESSAGE = (
    'must be "case", "worker", "household" or "meeting": what each audit is of, known by its '
    "reference"
)
MAX_VERSION = 2**31 - 1
SCHEMA_ID = "urn:case-audit:questionnaire-format"
MAX_LISTED_PROBLEMS = 50
"""A refusal lists the first problems in file order, then says how many more there are."""

Loc = tuple[str | int, ...]


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Characters that draw nothing although Unicode files them as letters or symbols (Hangul
fillers, the blank Braille pattern)."""


def is_invisible(char: str) -> bool:
    """Whether a character draws nothing: spaces, line breaks, zero-width spaces and joiners
    (U+200B to U+200D, U+2060), the byte-order mark (U+FEFF), the soft hyphen (U+00AD), direction
    marks and other control and format characters."""
    return (
        char.isspace()
        or char in _INVISIBLE_LETTERS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


def name_key(name: str) -> str:
    """What a name looks like to a reader: without invisible characters, runs of spaces as one,
    in one case and one Unicode form. Grades "Good", "good" and "Go\u200bod" have the same key."""
    visible = "".join(char for char in name if not _hidden(char))
    return " ".join(unicodedata.normalize("NFKC", visible).casefold().split())


def _hidden(char: str) -> bool:
    """An invisible character other than a space (which separates words, so counts as one)."""
    return not char.isspace() and is_invisible(char)


_ONLY_INVISIBLE = (
    "must not be blank: it holds only invisible characters (such as zero-width spaces)"
)


def _visible(value: str) -> str:
    """Refuse text made only of invisible characters."""
    if all(is_invisible(char) for char in value):
        raise PydanticCustomError("invisible_only", _ONLY_INVISIBLE)
    return value


def _name(value: str) -> str:
    """Refuse a name made only of invisible characters, or beginning or ending with one."""
    _visible(value)
    if is_invisible(value[0]) or is_invisible(value[-1]):
        start, end = 0, len(value)
        while is_invisible(value[start]):
            start += 1
        while is_invisible(value[end - 1]):
            end -= 1
        raise PydanticCustomError(
            "surrounding_space",
            "must not begin or end with a space or an invisible character: write {trimmed}",
            {"trimmed": _quote(value[start:end])},
        )
    return value


@dataclass(frozen=True)
class _JsonSchemaPattern:
    """Sets the ``pattern`` a field shows in the JSON Schema (which cannot say "visible")."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The field's schema with this pattern."""
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


_NAME_PATTERN = _JsonSchemaPattern(r"^\S([\s\S]*\S)?$")

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]
KindName = Annotated[str, StringConstraints(pattern=KIND_PATTERN, max_length=KIND_MAX_LENGTH)]
NonEmptyText = Annotated[
    str, StringConstraints(min_length=1, pattern=r"\S"), AfterValidator(_visible)
]
Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=TITLE_MAX_LENGTH, pattern=r"\S"),
    AfterValidator(_name),
    _NAME_PATTERN,
]
GradeName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=GRADE_MAX_LENGTH, pattern=r"\S"),
    AfterValidator(_name),
    _NAME_PATTERN,
]
Measure = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MEASURE_MAX_LENGTH, pattern=r"\S"),
    AfterValidator(_name),
    _NAME_PATTERN,
]
ServiceName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=SERVICE_MAX_LENGTH, pattern=r"\S"),
    AfterValidator(_name),
    _NAME_PATTERN,
]
Weight = Annotated[float, Field(gt=0)]


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------


class _OptionalKey:
    """Marks a field whose key may be left out but not set to null; fixes up its JSON Schema."""

    def __init__(self, documented_default: object = None) -> None:
        """Keep the default to show in the JSON Schema, if it has a single one."""
        self.documented_default = documented_default

    def __call__(self, schema: dict[str, Any]) -> None:
        """Drop the null alternative and the null default from the field's schema."""
        branches = [b for b in schema.pop("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            schema.update(branches[0])
        elif branches:
            schema["anyOf"] = branches
        schema.pop("default", None)
        if self.documented_default is not None:
            schema["default"] = self.documented_default


class _Strict(BaseModel):
    """Unknown keys are errors (they catch typos such as ``wieght``) and types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse null for optional keys, which are left out instead."""
        field = cls.model_fields.get(info.field_name or "")
        if (
            value is None
            and field is not None
            and isinstance(field.json_schema_extra, _OptionalKey)
        ):
            raise PydanticCustomError("null_not_allowed", "must not be null")
        return value


class Band(_Strict):
    """A grade and the lowest percent that earns it."""

    grade: GradeName = Field(
        description='The grade\'s name as auditors and reports show it, e.g. "Good". '
        "Grade names must be unique, and differ by more than capital letters, spaces or "
        f"invisible characters; at most {GRADE_MAX_LENGTH} characters, with no space at "
        "either end.",
        examples=["Outstanding", "Good", "Requires improvement", "Inadequate"],
    )
    min: Annotated[float, Field(ge=0, le=100)] = Field(
        description="The lowest percent (0 to 100) that earns this grade. Bands are listed best "
        "first with min strictly decreasing, and the last band's min is exactly 0.",
    )


class Grading(_Strict):
    """How percents become grades, for each theme and for the whole audit."""

    bands: Annotated[list[Band], Field(min_length=2)] = Field(
        description="At least two grade bands, best first. A percent gets the first band whose "
        "min is at or below it.",
    )
    overall: Literal["mean", "lowest"] = Field(
        description='How the overall grade is found. "mean": the band of the weighted mean of '
        "the graded themes' percents, never better than any graded theme marked limiting. "
        '"lowest": the worst grade of any graded theme.',
    )


class BandWithDescriptor(Band):
    """A grade, the lowest percent that earns it, and what the grade looks like in practice."""

    descriptor: NonEmptyText | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="What practice at this grade looks like, in the words of the council's "
        "grading guide (for example Ofsted's descriptors): shown beside the grade whenever an "
        "auditor judges a theme, and needed on every band when a theme is graded by judgement.",
    )


class OverallRule(_Strict):
    """How the overall grade is found, with its options."""

    rule: Literal["mean", "lowest"] = Field(
        description='"mean": the band of the weighted mean of the themes\' percents, never '
        'better than any theme marked limiting. "lowest": the worst grade of any graded theme.',
    )
    capped_by_worst_band: bool = Field(
        default=False,
        description="When true, a theme graded in the worst band makes the overall grade that "
        "band too, whatever the rule gives.",
    )
    graded_by: Literal["both", "score", "judgement"] = Field(
        default="both",
        description='"both" (the default, as in format 1): the rule gives an overall percent '
        "and a suggested grade, and the auditor records the overall grade, which counts. "
        '"score": the overall grade is the rule\'s and no overall judgement is asked. '
        '"judgement": the auditor grades the audit against the bands\' descriptors, with an '
        "analysis; the audit has no overall percent and the rule suggests nothing.",
    )


def _overall_kind(value: Any) -> str:
    """The overall rule written as a name ("mean") or as an object."""
    return "<overall-rule>" if isinstance(value, dict | OverallRule) else "<overall-name>"


class Grading2(Grading):
    """How percents and judgements become grades, for each theme and for the whole audit."""

    bands: Annotated[list[BandWithDescriptor], Field(min_length=2)] = Field(  # type: ignore[assignment]
        description="At least two grade bands, best first. A percent gets the first band whose "
        "min is at or below it.",
    )
    overall: Annotated[
        Annotated[Literal["mean", "lowest"], Tag("<overall-name>")]
        | Annotated[OverallRule, Tag("<overall-rule>")],
        Discriminator(_overall_kind),
    ] = Field(  # type: ignore[assignment]
        description='How the overall grade is found: "mean" or "lowest" (as in format 1), or '
        '{"rule": "mean" | "lowest", "capped_by_worst_band": true | false, "graded_by": "both" | '
        '"score" | "judgement"}. Themes graded by judgement count with the auditor\'s grade '
        "(they have no percent).",
    )

    @property
    def rule(self) -> Literal["mean", "lowest"]:
        """The overall rule, however it is written."""
        return self.overall.rule if isinstance(self.overall, OverallRule) else self.overall

    @property
    def capped_by_worst_band(self) -> bool:
        """Whether a theme in the worst band caps the overall grade."""
        return isinstance(self.overall, OverallRule) and self.overall.capped_by_worst_band

    @property
    def graded_by(self) -> Literal["both", "score", "judgement"]:
        """How the overall grade is given: "both" (the rule suggests, the auditor grades),
        "score" (the rule's grade) or "judgement" (the auditor's alone, no percent)."""
        return self.overall.graded_by if isinstance(self.overall, OverallRule) else "both"


class Option(_Strict):
    """One answer an auditor can choose for a choice question."""

    value: Slug = Field(
        description='The option\'s identifier, unique within its question, e.g. "yes". '
        "show_if refers to options by this value.",
        examples=["yes", "partly", "no", "not-applicable"],
    )
    label: NonEmptyText = Field(description="What the auditor sees next to the radio button.")
    score: Annotated[float, Field(ge=0)] | None = Field(
        default=None,
        description="Points this answer earns (a number >= 0), or null (the default) for an "
        'answer that is left out of the score, such as "Not applicable" or "Unable to tell". '
        "The question's maximum is its highest option score.",
    )


class ShowIf(_Strict):
    """A condition that shows a question only after certain answers to an earlier question."""

    question: Slug = Field(
        description="The id of an earlier choice question in this questionnaire.",
    )
    in_: Annotated[list[str], Field(alias="in", min_length=1)] = Field(
        description="Option values of that question: this question is shown only when the "
        "earlier one is shown and answered with one of them.",
    )


_ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
IsoDate = Annotated[str, StringConstraints(pattern=_ISO_DATE_PATTERN)]
OPERATORS = ("in", "any_of", "all_of", "at_least", "at_most", "before", "after")
"""The keys of a condition on one answer; a condition has exactly one of them."""


class When(_Strict):
    """A condition on the answer to an earlier question: exactly one of in (a choice
    question's options), any_of or all_of (a multi question's), at_least or at_most (a number
    question) and before or after (a date question). It holds only when that question is shown
    and answered to match."""

    question: Slug = Field(description="The id of an earlier question in this questionnaire.")
    in_: Annotated[list[str], Field(min_length=1)] | None = Field(
        default=None,
        alias="in",
        json_schema_extra=_OptionalKey(),
        description="A choice question: option values, one of which the answer must be.",
    )
    any_of: Annotated[list[str], Field(min_length=1)] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="A multi question: option values, at least one of which must be ticked.",
    )
    all_of: Annotated[list[str], Field(min_length=1)] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="A multi question: option values, every one of which must be ticked.",
    )
    at_least: float | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="A number question: the answer must be this or more.",
    )
    at_most: float | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="A number question: the answer must be this or less.",
    )
    before: IsoDate | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="A date question: the answer must be before this day (YYYY-MM-DD).",
    )
    after: IsoDate | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="A date question: the answer must be after this day (YYYY-MM-DD).",
    )

    def operators(self) -> list[str]:
        """The operator keys this condition gives, in the file's key names."""
        return [
            key for key in OPERATORS if getattr(self, "in_" if key == "in" else key) is not None
        ]


class OnService(_Strict):
    """A condition on the service of the audited case (its team's service): it holds when
    that service is one of those named."""

    service: Annotated[list[ServiceName], Field(min_length=1)] = Field(
        description="Names of services, as the tool's list of services writes them (capital "
        "letters, runs of spaces and invisible characters aside): the condition holds when "
        "the audited case belongs to a team in one of them.",
        examples=[["Children in care", "Care leavers"]],
    )


class AllOf(_Strict):
    """Holds when every one of its conditions holds."""

    all: Annotated[list[Condition], Field(min_length=1)] = Field(
        description="Conditions that must all hold (at least one)."
    )


class AnyOf(_Strict):
    """Holds when at least one of its conditions holds."""

    any: Annotated[list[Condition], Field(min_length=1)] = Field(
        description="Conditions of which at least one must hold (at least one)."
    )


class NotCondition(_Strict):
    """Holds when its condition does not."""

    not_: Condition = Field(alias="not", description="The condition that must not hold.")


def _condition_kind(value: Any) -> str:
    """Which kind of condition an object is, told by its own key."""
    if isinstance(value, dict):
        for key in ("all", "any", "not", "service"):
            if key in value:
                return f"<{key}>"
    elif isinstance(value, AllOf | AnyOf | NotCondition | OnService):
        kinds = {AllOf: "<all>", AnyOf: "<any>", NotCondition: "<not>", OnService: "<service>"}
        return kinds[type(value)]
    return "<when>"


Condition = Annotated[
    Annotated[When, Tag("<when>")]
    | Annotated[AllOf, Tag("<all>")]
    | Annotated[AnyOf, Tag("<any>")]
    | Annotated[NotCondition, Tag("<not>")]
    | Annotated[OnService, Tag("<service>")],
    Discriminator(_condition_kind),
]
for _model in (AllOf, AnyOf, NotCondition):
    _model.model_rebuild()


def named_questions(condition: Condition | None) -> Iterator[str]:
    """The ids of the questions a condition names, in file order (repeats included)."""
    if condition is None:
        return
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from named_questions(part)
    elif isinstance(condition, NotCondition):
        yield from named_questions(condition.not_)
    elif isinstance(condition, When):
        yield condition.question


def named_services(condition: Condition | None) -> Iterator[str]:
    """The service names a condition gives, in file order (repeats included)."""
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from named_services(part)
    elif isinstance(condition, NotCondition):
        yield from named_services(condition.not_)
    elif isinstance(condition, OnService):
        yield from condition.service


def conditions_of(questionnaire: Questionnaire) -> Iterator[Condition]:
    """Every condition a questionnaire gives, on themes, sections and questions, in file order."""
    for theme in questionnaire.themes:
        if theme.show_if is not None:
            yield theme.show_if
        for item in theme.items:
            if isinstance(item, Section) and item.section.show_if is not None:
                yield item.section.show_if
            items = item.section.items if isinstance(item, Section) else [item]
            for inner in items:
                if isinstance(inner, Question) and inner.show_if is not None:
                    yield inner.show_if


_SHOW_IF = (
    'Show this only when the condition holds: {"question": ..., "in" | "at_least" | '
    '"at_most" | "before" | "after": ...} on an earlier question, {"service": [...]} on the '
    'audited case\'s service, or "all", "any" and "not" combining conditions. Answers to '
    "hidden questions are discarded."
)


class Question1(_Strict):
    """One question an auditor answers about the case file, as format 1 writes it."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"type": {"const": "choice"}}},
            "then": {"required": ["options"]},
            "else": {"not": {"required": ["options"]}},
        }
    )

    id: Slug = Field(
        description="The question's identifier, unique across the whole questionnaire, "
        'e.g. "child-seen-alone".',
    )
    text: NonEmptyText = Field(description="The question as the auditor reads it.")
    help: str | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Guidance shown under the question: what good looks like and where in the "
        "case file to find it.",
    )
    type: Literal["choice", "text", "date", "number"] = Field(
        description='"choice" (pick one option; the only type that can be scored), "text" '
        '(free text), "date" or "number".',
    )
    required: bool | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Whether an answer is needed before the audit can be submitted. "
        "Defaults to true, except for text questions, where it defaults to false.",
    )
    weight: Weight | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(1),
        description="How much this question counts within its theme, a number > 0 (default 1). "
        "It only matters on scored questions and is ignored on others.",
    )
    options: list[Option] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="The answers to choose from: at least two, and only on choice questions. "
        "A choice question with at least one numeric option score is scored.",
    )
    compliance: Measure | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="The name of the recording-compliance measure this question reports, "
        'e.g. "Chronology up to date". Only on scored questions; several questions may share '
        "a measure, spelled the same way each time. An answer is compliant when it gets the "
        f"question's maximum score. At most {MEASURE_MAX_LENGTH} characters, with no space at "
        "either end.",
    )
    show_if: ShowIf | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Show this question only after certain answers to an earlier choice "
        "question. Answers to hidden questions are discarded.",
    )

    @property
    def is_required(self) -> bool:
        """``required`` defaults to true, except for text questions."""
        if self.required is not None:
            return self.required
        return self.type != "text"

    @property
    def effective_weight(self) -> float:
        """The question's weight, 1 when not given."""
        return 1 if self.weight is None else self.weight

    @property
    def is_scored(self) -> bool:
        """A choice question with at least one numeric option score."""
        return self.type == "choice" and any(o.score is not None for o in self.options or ())

    @property
    def max_score(self) -> float | None:
        """The highest option score, or None for an unscored question."""
        scores = [o.score for o in self.options or () if o.score is not None]
        return max(scores) if scores else None

    def option(self, value: str) -> Option | None:
        """The option with this value, if there is one."""
        return next((o for o in self.options or () if o.value == value), None)


class NumberBand(_Strict):
    """The score a number answer earns from a lowest value up."""

    min: float = Field(
        description="The lowest answer that earns this band's score. Bands are listed "
        "highest first with min strictly decreasing; an answer earns the first band whose min "
        "is at or below it.",
    )
    score: Annotated[float, Field(ge=0)] = Field(description="Points an answer in this band earns.")


Unit = Annotated[
    str,
    StringConstraints(min_length=1, max_length=UNIT_MAX_LENGTH, pattern=r"\S"),
    AfterValidator(_name),
    _NAME_PATTERN,
]


class Question(Question1):
    """One question an auditor answers about the case file."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"type": {"enum": ["choice", "multi"]}}},
            "then": {"required": ["options"]},
            "else": {"not": {"required": ["options"]}},
        }
    )

    type: Literal["choice", "multi", "text", "date", "number"] = Field(  # type: ignore[assignment]
        description='"choice" (pick one option), "multi" (tick all that apply), "text" (free '
        'text), "date" or "number". Choice, multi and number questions can be scored.',
    )
    scoring: Literal["each", "all"] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description='Multi questions only: "each" (the answer earns the scores of the options '
        'ticked; its maximum is all the option scores added up) or "all" (the answer earns 1 '
        "point when every option is ticked, else 0; the options have no scores). Without it "
        "the question is not scored.",
    )

    min: float | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Number questions only: the lowest answer allowed.",
    )
    max: float | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Number questions only: the highest answer allowed.",
    )
    integer: bool | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(False),
        description="Number questions only: true when the answer must be a whole number "
        "(default false).",
    )
    unit: Unit | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Number questions only: what is counted, shown after the box and the answer, "
        f'e.g. "visits" or "days"; at most {UNIT_MAX_LENGTH} characters.',
    )
    show_if: Condition | None = Field(  # type: ignore[assignment]
        default=None, json_schema_extra=_OptionalKey(), description=_SHOW_IF
    )
    bands: Annotated[list[NumberBand], Field(min_length=2)] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Number questions only: scores the answer by bands, highest first (at "
        "least two). Needs min, and the last band's min at or below it, so every allowed "
        "answer earns a score. The question's maximum is its highest band score.",
    )
    comment: Literal["optional", "required"] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description='A comment box under the question, for the auditor\'s evidence: "optional" '
        'or "required" (needed whenever the question is shown, before the theme is complete). '
        "Without it the question has no comment box. A question that is hidden keeps no "
        "comment.",
    )

    @property
    def is_scored(self) -> bool:
        """A choice question with at least one numeric option score, a number question
        scored by bands, or a multi question with a scoring rule."""
        if self.type == "multi":
            return self.scoring is not None
        return super().is_scored or (self.type == "number" and self.bands is not None)

    @property
    def max_score(self) -> float | None:
        """The highest option or band score (a multi question's: its options' scores added
        up, or 1 for "all"), or None for an unscored question. Scoring adds up exactly, with
        ``scoring.most_points``; this is for checks and descriptions."""
        if self.type == "number":
            return max(b.score for b in self.bands) if self.bands else None
        if self.type == "multi":
            if self.scoring == "all":
                return 1
            if self.scoring == "each":
                return sum(o.score for o in self.options or () if o.score is not None)
            return None
        return super().max_score

    def ticked(self, raw: str) -> list[str]:
        """A multi question's stored answer as the option values it ticks."""
        return raw.split()


class Heading(_Strict):
    """A heading between questions, to group them on the page."""

    heading: Title = Field(
        description=f"The heading's text: at most {TITLE_MAX_LENGTH} characters.",
    )


class Guidance(_Strict):
    """A paragraph of guidance for the auditor between questions (blank lines start a new
    paragraph)."""

    guidance: NonEmptyText = Field(description="The guidance, as the auditor reads it.")


def _item_kind(value: Any) -> str:
    """Which kind of item an object is, told by its own key; a question otherwise."""
    if isinstance(value, dict):
        for key in ("heading", "guidance", "section", "repeat"):
            if key in value:
                return f"<{key}>"
    elif isinstance(value, BaseModel):
        return f"<{type(value).__name__.lower()}>"
    return "<question>"


SectionItem = Annotated[
    Annotated[Question, Tag("<question>")]
    | Annotated[Heading, Tag("<heading>")]
    | Annotated[Guidance, Tag("<guidance>")],
    Discriminator(
        _item_kind,
        custom_error_type="section_in_section",
        custom_error_message="a section cannot hold another section: sections go one level deep",
    ),
]


class SectionBody(_Strict):
    """A titled part of a theme's page, with its own questions, headings and guidance."""

    title: Title = Field(
        description=f"The section's title: at most {TITLE_MAX_LENGTH} characters.",
    )
    description: str | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="What the section covers, shown under its title.",
    )
    show_if: Condition | None = Field(
        default=None, json_schema_extra=_OptionalKey(), description=_SHOW_IF
    )
    items: Annotated[list[SectionItem], Field(min_length=1)] = Field(
        description="The section's questions, headings and guidance, in page order (at least "
        "one); a section cannot hold another section.",
    )


class Section(_Strict):
    """One level of sub-section inside a theme."""

    section: SectionBody = Field(description="The section: its title and items.")


MOST_REPEATS = 50
"""The most repeats a repeating group may allow (its ``max``)."""

RepeatItem = Annotated[
    Annotated[Question, Tag("<question>")]
    | Annotated[Heading, Tag("<heading>")]
    | Annotated[Guidance, Tag("<guidance>")],
    Discriminator(
        _item_kind,
        custom_error_type="inside_repeat",
        custom_error_message="a repeating group holds questions, headings and guidance only: "
        "no section and no other repeating group inside it",
    ),
]


class RepeatBody(_Strict):
    """Questions answered once per sibling, visit, meeting or agency, with their roll-up."""

    id: Slug = Field(
        description="The group's identifier, unique across the questionnaire's questions, "
        'groups and timeliness measures, e.g. "visits".',
    )
    title: Title = Field(
        description='What one repeat is, in the singular, e.g. "Visit": the page shows '
        '"Visit 1", "Visit 2" and buttons "Add another visit" and "Remove visit 2". At most '
        f"{TITLE_MAX_LENGTH} characters.",
    )
    description: str | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="What the group covers, shown above its first repeat.",
    )
    min: Annotated[int, Field(ge=0, le=MOST_REPEATS)] = Field(
        default=1,
        description="The fewest repeats an audit has (the page starts with this many, and at "
        "least 1); 0 lets the auditor remove every repeat.",
    )
    max: Annotated[int, Field(ge=1, le=MOST_REPEATS)] = Field(
        description=f"The most repeats an audit may have, from min to {MOST_REPEATS}.",
    )
    roll_up: Literal["all", "any", "share"] = Field(
        description="How each scored question counts in the theme, over the repeats where it "
        'is answered: "all" its lowest score (met only if met in every repeat), "any" its '
        'highest (met if met in at least one), "share" the mean of its scores (for a yes/no '
        "question, the fraction of repeats meeting it).",
    )
    items: Annotated[list[RepeatItem], Field(min_length=1)] = Field(
        description="The questions, headings and guidance of one repeat, in page order (at "
        "least one question); no section or repeating group inside it.",
    )

    @property
    def questions(self) -> list[Question]:
        """The group's questions, in page order."""
        return [item for item in self.items if isinstance(item, Question)]

    @property
    def first_shown(self) -> int:
        """How many repeats the page starts with: min, and at least one."""
        return max(self.min, 1)

    def noun(self) -> str:
        """The title as it reads inside a sentence ("visit"), keeping capitals of a name."""
        title = self.title
        return title[:1].lower() + title[1:] if title[1:2].islower() or len(title) == 1 else title


class Repeat(_Strict):
    """A repeating group inside a theme."""

    repeat: RepeatBody = Field(description="The group: its title, counts, roll-up and items.")


Item = Annotated[
    Annotated[Question, Tag("<question>")]
    | Annotated[Heading, Tag("<heading>")]
    | Annotated[Guidance, Tag("<guidance>")]
    | Annotated[Section, Tag("<section>")]
    | Annotated[Repeat, Tag("<repeat>")],
    Discriminator(_item_kind),
]
_ITEM_TAGS: dict[str, type[BaseModel]] = {
    "<question>": Question,
    "<heading>": Heading,
    "<guidance>": Guidance,
    "<section>": Section,
    "<repeat>": Repeat,
    "<when>": When,
    "<all>": AllOf,
    "<any>": AnyOf,
    "<not>": NotCondition,
    "<service>": OnService,
    "<overall-rule>": OverallRule,
    "<overall-name>": OverallRule,
}


RULE_KINDS = (
    "within_working_days",
    "within_days",
    "at_most_weeks_before_audit",
    "not_expired_at_audit",
)
"""The keys of a timeliness rule; a rule has exactly one of them."""
MOST_WORKING_DAYS = 1000
MOST_DAYS = 3660
MOST_WEEKS = 520


class TimelinessRule(_Strict):
    """When a timeliness measure is met: exactly one of within_working_days or within_days
    (from one date question to another) and at_most_weeks_before_audit or
    not_expired_at_audit (one date question against the audit date)."""

    within_working_days: Annotated[int, Field(ge=0, le=MOST_WORKING_DAYS)] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Met when the date of `to` is on the date of `from` or at most this many "
        "working days after it (weekends and the council's bank holidays do not count; the "
        "day of `from` is day 0).",
    )
    within_days: Annotated[int, Field(ge=0, le=MOST_DAYS)] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Met when the date of `to` is on the date of `from` or at most this many "
        "days after it, every day counted.",
    )
    at_most_weeks_before_audit: Annotated[int, Field(ge=1, le=MOST_WEEKS)] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Met when the date of `date` is on the audit date or at most this many "
        "weeks (7 days each) before it.",
    )
    not_expired_at_audit: Literal[True] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="true: met when the date of `date` (an expiry or review date) is on the "
        "audit date or after it.",
    )
    from_: Slug | None = Field(
        default=None,
        alias="from",
        json_schema_extra=_OptionalKey(),
        description="within_working_days and within_days: the id of the date question the "
        "time runs from.",
    )
    to: Slug | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="within_working_days and within_days: the id of the date question that "
        "must fall within the time.",
    )
    date: Slug | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="at_most_weeks_before_audit and not_expired_at_audit: the id of the date "
        "question compared with the audit date.",
    )

    def kinds(self) -> list[str]:
        """The rule keys this rule gives."""
        return [key for key in RULE_KINDS if getattr(self, key) is not None]

    @property
    def kind(self) -> str:
        """The rule's one kind (valid rules have exactly one)."""
        return self.kinds()[0]

    @property
    def amount(self) -> int:
        """The number of working days, days or weeks the rule allows (0 for an expiry)."""
        value = getattr(self, self.kind)
        return 0 if value is True else int(value)

    def dates(self) -> list[str]:
        """The ids of the date questions the rule reads, in the order it reads them."""
        return [qid for qid in (self.from_, self.to, self.date) if qid is not None]


class TimelinessMeasure(_Strict):
    """A recording-compliance measure worked out from dates, not answered by the auditor."""

    id: Slug = Field(
        description="The measure's identifier, unique across the questionnaire's questions "
        "and timeliness measures; reports and exports keep each result under it.",
    )
    measure: Measure = Field(
        description="The recording-compliance measure's name, as reports show it, e.g. "
        '"Child seen within 15 working days of the strategy discussion". At most '
        f"{MEASURE_MAX_LENGTH} characters.",
    )
    rule: TimelinessRule = Field(description="When the measure is met.")
    source: NonEmptyText | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Where the timescale comes from (statute, guidance or local policy), "
        "shown to the auditor beside the questions the rule reads.",
    )


EvidenceField = Literal["strengths", "areas_for_development", "recommendations"]
EVIDENCE_LABELS: dict[str, str] = {
    "strengths": "Strengths",
    "areas_for_development": "Areas for development",
    "recommendations": "Recommendations",
}
"""A theme's evidence fields, as the pages, the exports and the docs name them."""


class _ThemeFields(_Strict):
    """What a theme is in either format: its identity and how it counts."""

    id: Slug = Field(description="The theme's identifier, unique within the questionnaire.")
    title: Title = Field(
        description="The theme's name as auditors and reports show it: at most "
        f"{TITLE_MAX_LENGTH} characters, with no space at either end.",
    )
    description: str | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="What this theme covers, shown at the top of its page.",
    )
    weight: Weight = Field(
        default=1,
        description="How much this theme counts in the overall percent, a number > 0.",
    )
    limiting: bool = Field(
        default=False,
        description='When true and grading.overall is "mean", the overall grade is never '
        "better than this theme's grade (for example a safety theme).",
    )

    def placed_questions(self) -> Iterator[tuple[Loc, Question1]]:
        """Every question of the theme in page order, each with its location in the theme."""
        raise NotImplementedError


class Theme1(_ThemeFields):
    """A theme in format 1: a list of questions."""

    questions: Annotated[list[Question1], Field(min_length=1)] = Field(
        description="The theme's questions, in the order auditors answer them (at least one).",
    )

    def placed_questions(self) -> Iterator[tuple[Loc, Question1]]:
        """Every question, at ``questions[n]``."""
        for n, question in enumerate(self.questions):
            yield ("questions", n), question


class Theme(_ThemeFields):
    """A group of questions that is graded on its own, such as "Management oversight"."""

    graded_by: Literal["both", "score", "judgement"] = Field(
        default="both",
        description='"both" (the default, as in format 1): the answers suggest a grade and the '
        'auditor judges it. "score": the grade is the answers\' grade and no judgement is '
        'asked. "judgement": the auditor grades the theme against the bands\' descriptors, with '
        "an analysis, whenever the theme is shown; it has no percent, and its questions' scores "
        "count for nothing (compliance still counts).",
    )

    show_if: Condition | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description=_SHOW_IF + " A hidden theme leaves the task list, the judgements and the "
        "grades; its condition may only name questions of earlier themes.",
    )
    items: Annotated[list[Item], Field(min_length=1)] = Field(
        description="What the theme's page holds, in page order: questions, headings, guidance "
        "and sections (one level deep). It needs at least one question.",
    )
    timeliness: list[TimelinessMeasure] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Recording-compliance measures worked out from date answers (met, not met, "
        "or not applicable when a date is unanswered or hidden): they count with the "
        "questionnaire's other compliance measures and never touch the theme's score.",
    )
    evidence: Annotated[list[EvidenceField], Field(min_length=1)] | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="Boxes the auditor writes in beside their judgement of the theme, each "
        'listed once: "strengths", "areas_for_development" and "recommendations", in the order '
        "the page shows them. Without it the theme has none.",
    )

    def placed_questions(self) -> Iterator[tuple[Loc, Question]]:
        """Every question in page order, at ``items[n]`` or ``items[n].section.items[m]``."""
        for n, item in enumerate(self.items):
            if isinstance(item, Question):
                yield ("items", n), item
            elif isinstance(item, Section):
                for m, inner in enumerate(item.section.items):
                    if isinstance(inner, Question):
                        yield ("items", n, "section", "items", m), inner
            elif isinstance(item, Repeat):
                for m, inner in enumerate(item.repeat.items):
                    if isinstance(inner, Question):
                        yield ("items", n, "repeat", "items", m), inner

    @cached_property
    def questions(self) -> list[Question]:
        """Every question an auditor can answer on the theme's page, in page order (a question
        of a repeating group once, however many times it is answered)."""
        return [question for _, question in self.placed_questions()]

    @cached_property
    def repeats(self) -> list[RepeatBody]:
        """The theme's repeating groups, in page order."""
        return [item.repeat for item in self.items if isinstance(item, Repeat)]


class _QuestionnaireFields(_Strict):
    """What a questionnaire is in either format: identity, grading and themes."""

    format: str
    id: Slug = Field(
        description="The questionnaire's identifier, kept across versions, "
        'e.g. "monthly-case-file-audit".',
    )
    version: Annotated[int, Field(ge=1, le=MAX_VERSION)] = Field(
        description="A whole number >= 1. A loaded version never changes: to change the "
        "questionnaire, raise the version.",
    )
    title: Title = Field(
        description="The questionnaire's name as auditors see it: at most "
        f"{TITLE_MAX_LENGTH} characters, with no space at either end.",
    )
    kind: KindName = Field(
        description="The kind of audit, one the council declared (Admin > Kinds of audit), "
        'e.g. "monthly", "deep_dive", "supervision". Reports filter by it.',
        examples=["monthly", "deep_dive", "thematic", "dip_sample", "supervision"],
    )
    description: str | None = Field(
        default=None,
        json_schema_extra=_OptionalKey(),
        description="What the questionnaire is for and when to use it.",
    )
    grading: Grading = Field(description="Grade bands and how the overall grade is found.")
    themes: Sequence[_ThemeFields]

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        """Apply the rules that span several fields once every field is valid."""
        found = list(_rule_problems(self))
        if found:
            raise _RulesBroken(found)
        return self

    @property
    def grades(self) -> list[str]:
        """Grade names, best first."""
        return [b.grade for b in self.grading.bands]


class Questionnaire1(_QuestionnaireFields):
    """A questionnaire written in format 1 (case-audit/1), read as format 2 with the same
    meaning: every format 1 key means the same in format 2, where a theme's questions are its
    items."""

    format: Literal["case-audit/1"] = Field(
        description='The format of this file: "case-audit/1". Run `flask --app wsgi '
        "questionnaires upgrade FILE` to turn it into case-audit/2.",
    )
    kind: Literal["monthly", "deep_dive"] = Field(
        description='"monthly" for the regular case-file audit, "deep_dive" for a themed '
        "deep-dive audit.",
    )
    themes: Annotated[list[Theme1], Field(min_length=1)] = Field(
        description="The themes, in the order auditors work through them (at least one).",
    )


class Questionnaire(_QuestionnaireFields):
    """A case-file audit questionnaire: its identity, grading and themes of questions.

    Format 2 (``case-audit/2``), which is also what every format 1 file becomes when read.
    """

    format: Literal["case-audit/2"] = Field(
        description='The format of this file: "case-audit/2".',
    )
    subject: Subject = Field(
        default="case",
        description='What each audit is of: "case" (the default: a child\'s case, by its case '
        'reference), "worker" (a supervision file, by the worker\'s reference), "household" (a '
        'carer household, by its reference) or "meeting" (by its reference). Never a name. '
        "Reports keep subjects apart.",
        examples=list(SUBJECTS),
    )
    grading: Grading2 = Field(
        description="Grade bands (with their descriptors) and how the overall grade is found."
    )
    themes: Annotated[list[Theme], Field(min_length=1)] = Field(
        description="The themes, in the order auditors work through them (at least one).",
    )

    @cached_property
    def questions(self) -> dict[str, Question]:
        """Every question by id, in page order."""
        return {q.id: q for t in self.themes for q in t.questions}

    @cached_property
    def theme_of(self) -> dict[str, str]:
        """The theme id of each question id."""
        return {q.id: t.id for t in self.themes for q in t.questions}

    @cached_property
    def repeats(self) -> dict[str, RepeatBody]:
        """Every repeating group by id, in page order."""
        return {group.id: group for t in self.themes for group in t.repeats}

    @cached_property
    def repeat_of(self) -> dict[str, RepeatBody]:
        """The repeating group of each question answered once per repeat."""
        return {q.id: group for group in self.repeats.values() for q in group.questions}


_IN_FORMAT_2: dict[type[BaseModel], type[BaseModel]] = {
    Questionnaire1: Questionnaire,
    Theme1: Theme,
    Question1: Question,
    Grading: Grading2,
    Band: BandWithDescriptor,
    ShowIf: When,
}
"""Each format 1 model and the format 2 model in its place, for keys only format 2 knows."""
_RENAMED_IN_FORMAT_2: dict[tuple[type[BaseModel], str], str] = {(Theme, "questions"): "items"}
"""Format 1 keys that format 2 names otherwise."""


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A format 1 questionnaire's JSON as format 2: the same keys in the same order, with
    ``format`` set to case-audit/2 and each theme's ``questions`` named ``items``."""
    themes = [
        {("items" if key == "questions" else key): value for key, value in theme.items()}
        if isinstance(theme, dict)
        else theme
        for theme in data.get("themes") or ()
    ]
    return {
        key: (FORMAT_2 if key == "format" else themes if key == "themes" else value)
        for key, value in data.items()
    }


def as_format_1(questionnaire: Questionnaire) -> dict[str, Any] | None:
    """The questionnaire's content written in format 1 (only the keys its file gave), or None
    when it uses what only format 2 can say. A format 1 file and its upgrade give the same."""
    data = questionnaire.model_dump(mode="json", by_alias=True, exclude_unset=True)
    themes = [
        {("questions" if key == "items" else key): value for key, value in theme.items()}
        for theme in data["themes"]
    ]
    written = {**data, "format": FORMAT_1, "themes": themes}
    try:
        Questionnaire1.model_validate(written)
    except ValidationError:
        return None
    return written


# --------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a questionnaire, at a JSON path such as ``$.themes[0].id``."""

    path: str
    message: str

    def __post_init__(self) -> None:
        """Write a lone surrogate, which no page or terminal can show, as its escape."""
        for name in ("path", "message"):
            text: str = getattr(self, name)
            if not _encodes(text):
                object.__setattr__(self, name, text.encode("utf-8", "backslashreplace").decode())

    def __str__(self) -> str:
        """The problem as ``path: message``."""
        return f"{self.path}: {self.message}"


class QuestionnaireInvalid(ValueError):
    """A questionnaire was rejected; ``problems`` holds the problems found, in file order.

    When there are more than ``MAX_LISTED_PROBLEMS``, the first are listed, then one last problem
    at ``$`` says how many more there are (``unlisted``); ``total`` counts them all.
    """

    problems: tuple[Problem, ...]
    unlisted: int
    total: int

    def __init__(self, problems: Iterable[Problem], *, unlisted: int = 0) -> None:
        """Keep the problems, in the order given, and the count of those left unlisted."""
        listed = tuple(problems)
        self.unlisted = unlisted
        self.total = len(listed) + unlisted
        if unlisted:
            listed = (*listed, Problem("$", _more_problems(unlisted)))
        self.problems = listed
        super().__init__(self.problems)

    def __str__(self) -> str:
        """A heading followed by one problem per line."""
        count = self.total
        heading = f"questionnaire is not valid ({count:,} problem{'s' if count != 1 else ''})"
        return "\n".join([heading, *(str(p) for p in self.problems)])


def _more_problems(count: int) -> str:
    """The last line of a long list of problems."""
    return (
        f"and {count:,} more problem{'s' if count != 1 else ''}, not listed: "
        "fix the ones above and check the file again"
    )


def _refusal(found: Iterable[tuple[Loc, str]]) -> QuestionnaireInvalid:
    """A refusal listing problems already in file order, at most ``MAX_LISTED_PROBLEMS``."""
    listed: list[Problem] = []
    unlisted = 0
    for loc, message in found:
        if len(listed) < MAX_LISTED_PROBLEMS:
            listed.append(Problem(json_path(loc), message))
        else:
            unlisted += 1
    return QuestionnaireInvalid(listed, unlisted=unlisted)


class _RulesBroken(ValueError):
    """Cross-field rule violations, carried through pydantic to the translator."""

    def __init__(self, found: list[tuple[Loc, str]]) -> None:
        """Keep each violation's location and message."""
        self.found = found
        super().__init__("; ".join(f"{json_path(loc)}: {msg}" for loc, msg in found))


def json_path(loc: Iterable[str | int]) -> str:
    """A JSON path for a location, e.g. ``("themes", 1, "id")`` -> ``$.themes[1].id``."""
    parts = ["$"]
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(parts)


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def parse_questionnaire(text: str | bytes) -> Questionnaire:
    """Parse JSON text into a validated questionnaire, or raise QuestionnaireInvalid."""
    if isinstance(text, bytes | bytearray):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise QuestionnaireInvalid([Problem("$", _utf8_message(raw, exc))]) from None
    text = text.removeprefix("\ufeff")
    data, found = _decode_json(text)
    if found:
        raise _refusal(found)
    return validate_questionnaire(data)


def validate_questionnaire(data: object) -> Questionnaire:
    """Validate already-decoded JSON into a questionnaire, or raise QuestionnaireInvalid.

    Takes time in proportion to the data: however many problems there are, only the first
    ``MAX_LISTED_PROBLEMS`` in file order are put into words.
    """
    root = _root_model(data)
    try:
        validated = root.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    else:
        if isinstance(validated, Questionnaire):
            return validated
        assert isinstance(data, dict)
        return Questionnaire.model_validate(upgrade(data))
    found: list[tuple[Loc, str | ErrorDetails]] = []
    for error in errors:
        broken = (error.get("ctx") or {}).get("error")
        if isinstance(broken, _RulesBroken):
            found.extend(broken.found)
        else:
            found.append((_without_tags(tuple(error["loc"])), error))
    if all(not isinstance(what, str) for _, what in found):
        found.extend(_rules_despite(data, errors, root))
    order = _DocumentOrder(data)
    first = heapq.nsmallest(MAX_LISTED_PROBLEMS, found, key=lambda item: order.key(item[0]))
    listed = [
        Problem(json_path(loc), what if isinstance(what, str) else _message(what, root))
        for loc, what in first
    ]
    raise QuestionnaireInvalid(listed, unlisted=len(found) - len(listed)) from None


_SALVAGE_ROUNDS = 3


def _rules_despite(
    data: object, errors: list[ErrorDetails], root: type[_QuestionnaireFields]
) -> list[tuple[Loc, str]]:
    """The rules' problems in the parts of a file that are valid, found in the same pass as
    the problems with single keys (so that no second pass reveals more).

    A copy of the file is salvaged: an unknown key is left out; an optional key holding a value
    it cannot have is left out; a required one gets a stand-in value. The rules' problems at or
    under a place left out, in an object given a stand-in, or naming a question given one are
    not reported: they are the fault of what is already reported. Nothing is reported when the
    file cannot be salvaged (a list item that is not an object, say).
    """
    salvaged = copy.deepcopy(data)
    suspect: list[Loc] = []
    names: set[str] = set()
    for _ in range(_SALVAGE_ROUNDS):
        for error in errors:
            if not _salvage(salvaged, error, root, suspect, names):
                return []
        try:
            root.model_validate(salvaged)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        else:
            return []
        broken = [(e.get("ctx") or {}).get("error") for e in errors]
        rules = [b for b in broken if isinstance(b, _RulesBroken)]
        if len(rules) == len(errors):
            found = [item for b in rules for item in b.found]
            return [
                (loc, message)
                for loc, message in found
                if not any(_suspected(loc, place) for place in suspect)
                and not any(name in message for name in names)
            ]
    return []


def _salvage(
    data: Any, error: ErrorDetails, root: type[BaseModel], suspect: list[Loc], names: set[str]
) -> bool:
    """Mend one error in the copy (see ``_rules_despite``); False when it cannot be mended."""
    loc = _without_tags(tuple(error["loc"]))
    if not loc or not isinstance(loc[-1], str):
        return False
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(parent, dict):
        return False
    if error["type"] == "extra_forbidden":
        # An unknown key is usually a typo: its object's conditions are still checked.
        parent.pop(loc[-1], None)
        suspect.append((*_enclosing(loc), "show_if"))
        return True
    _, field = _field_at(tuple(error["loc"]), root)
    if field is None:
        return False
    suspect.append(_enclosing(loc))
    if not field.is_required():
        parent.pop(loc[-1], None)
        return True
    stand_in = _stand_in(field, len(names))
    if stand_in is None:
        return False
    if len(loc) > 1 and isinstance(parent.get("id"), str):
        names.add(_quote(parent["id"]))
    names.add(_quote(stand_in))
    parent[loc[-1]] = stand_in
    return True


def _suspected(loc: Loc, place: Loc) -> bool:
    """Whether a rule's problem at ``loc`` is suspect: at or under ``place``; a place ending
    in "show_if" stands for its object outside its conditions."""
    if place and place[-1] == "show_if":
        inside = loc[: len(place) - 1] == place[:-1]
        return inside and "show_if" not in loc[len(place) - 1 :]
    return loc[: len(place)] == place


def _enclosing(loc: Loc) -> Loc:
    """What a mended key makes suspect: its question or item, else its theme or band, else
    (a key of the questionnaire's own) the key alone."""
    for lists in (("questions", "items"), ("themes", "bands")):
        for i in range(len(loc) - 1, 0, -1):
            if isinstance(loc[i], int) and loc[i - 1] in lists:
                return loc[: i + 1]
    return loc


def _stand_in(field: FieldInfo, n: int) -> Any:
    """A value a required key can hold, standing in for one it cannot; None for none."""
    if _is_slug(field):
        return f"unreadable-{n + 1}"
    if any(getattr(item, "pattern", None) == KIND_PATTERN for item in field.metadata):
        return "monthly"
    values = _literal_values(field.annotation)
    if values:
        return values[0]
    if field.annotation is str:
        return f"Unreadable {n + 1}"
    if field.annotation is int:
        return 1
    return None


def _without_tags(loc: Loc) -> Loc:
    """A location as the file's keys give it, without the kind of item pydantic notes in it."""
    return tuple(part for part in loc if part not in _ITEM_TAGS)


def _root_model(data: object) -> type[_QuestionnaireFields]:
    """The model a file is read by: the one its ``format`` names or, when that is missing or
    unknown, format 1's for a file whose themes list ``questions`` (so that the only problem
    reported is the format), else format 2's."""
    if not isinstance(data, dict):
        return Questionnaire
    stated = data.get("format")
    if stated in FORMATS:
        return Questionnaire1 if stated == FORMAT_1 else Questionnaire
    themes = data.get("themes")
    if isinstance(themes, list) and any(
        isinstance(theme, dict) and "questions" in theme and "items" not in theme
        for theme in themes
    ):
        return Questionnaire1
    return Questionnaire


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the format, generated from the models."""
    _, generated = models_json_schema(
        [(Questionnaire, "validation"), (Questionnaire1, "validation")], by_alias=True
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"Case-file audit questionnaire ({FORMAT_2} or {FORMAT_1})",
        "description": "One case-file audit questionnaire: its identity, grade bands and themes "
        f'of questions, in format 2 ("format": "{FORMAT_2}") or format 1 ("format": '
        f'"{FORMAT_1}"). Unknown keys are errors. Some rules span several keys and are checked '
        "only by the loader (`flask --app wsgi questionnaires validate`): unique ids, options "
        "only on choice questions, show_if naming an earlier choice question and its options, "
        "band order, and a scored question's highest score above 0. The loader also refuses "
        "grades (and compliance measures) that differ only in capital letters, spaces or "
        "invisible characters, and text made only of invisible characters such as zero-width "
        "spaces.",
        "if": {"properties": {"format": {"const": FORMAT_1}}, "required": ["format"]},
        "then": {"$ref": "#/$defs/Questionnaire1"},
        "else": {"$ref": "#/$defs/Questionnaire"},
        **generated,
    }


# --------------------------------------------------------------------------------------
# JSON decoding
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BadNumber:
    """A number token the format refuses (NaN, Infinity, or too large for a float)."""

    token: str


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers keys given more than once."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    """Build an object from its key/value pairs, noting repeated keys."""
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated: dict[str, None] = {}
        for key, _ in pairs:
            if key in seen:
                repeated[key] = None
            seen.add(key)
        obj.duplicates = tuple(repeated)
    return obj


def _parse_float(token: str) -> float | _BadNumber:
    """Parse a JSON number with a fraction or exponent, refusing ones too large for a float."""
    value = float(token)
    return value if math.isfinite(value) else _BadNumber(token)


MAX_INTEGER_DIGITS = 30
"""Longer whole numbers than any questionnaire needs are refused before Python converts them
(which it refuses itself beyond 4,300 digits, and which takes quadratic time before that)."""


def _parse_int(token: str) -> int | _BadNumber:
    """Parse a JSON whole number, refusing absurdly long ones."""
    if len(token.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _BadNumber(token[:12] + "…" if len(token) > 12 else token)
    return int(token)


def _decode_json(text: str) -> tuple[Any, list[tuple[Loc, str]]]:
    """Decode JSON text into plain dicts and lists, with problems found on the way."""
    try:
        raw = json.loads(
            text,
            object_pairs_hook=_object_pairs,
            parse_constant=_BadNumber,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as exc:
        return None, [((), f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
    except RecursionError:
        return None, [((), "not valid JSON: nested too deeply")]
    found: list[tuple[Loc, str]] = []
    return _clean(raw, found), found


def _clean(raw: Any, found: list[tuple[Loc, str]]) -> Any:
    """Turn decoded values into plain dicts and lists, recording refused numbers and keys."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Loc, Any, str | int]] = [(raw, (), root, 0)]
    while stack:
        value, loc, parent, slot = stack.pop()
        if isinstance(value, _BadNumber):
            found.append((loc, _bad_number_message(value.token)))
            parent[slot] = None
        elif isinstance(value, str):
            if not _encodes(value):
                found.append((loc, _surrogate_message(value)))
            parent[slot] = value
        elif isinstance(value, dict):
            found.extend(
                ((*loc, key), _DUPLICATE_KEY.format(key=key))
                for key in getattr(value, "duplicates", ())
            )
            found.extend(
                ((*loc, key), _surrogate_message(key, "this key "))
                for key in value
                if not _encodes(key)
            )
            plain: dict[str, Any] = dict(value)
            parent[slot] = plain
            stack.extend((v, (*loc, k), plain, k) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            items: list[Any] = list(value)
            parent[slot] = items
            stack.extend((v, (*loc, i), items, i) for i, v in reversed(list(enumerate(value))))
        else:
            parent[slot] = value
    return root[0]


_DUPLICATE_KEY = 'key "{key}" appears more than once in this object: give each key once'


def _encodes(text: str) -> bool:
    """Whether text can be written as UTF-8: false when it holds a lone surrogate."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _surrogate_message(text: str, subject: str = "") -> str:
    """The message for text holding a lone surrogate, which no database or page can hold."""
    code = next(ord(char) for char in text if 0xD800 <= ord(char) <= 0xDFFF)
    return (
        f"{subject}holds \\u{code:04x}, half of a pair of escapes that stands for no character "
        "on its own: write the character itself, or both halves of its pair"
    )


def _bad_number_message(token: str) -> str:
    """The message for a refused number token."""
    if token.lstrip("-") in ("NaN", "Infinity"):
        return f"{token} is not valid JSON: write a number, such as 0 or 2.5"
    return f"{token} is too large: write a number, such as 0 or 2.5"


def _utf8_message(data: bytes, exc: UnicodeDecodeError) -> str:
    """The message for bytes that are not UTF-8, naming the line of the first bad byte."""
    start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    line = data.count(b"\n", 0, start) + 1
    return (
        f"not valid UTF-8: byte 0x{data[start]:02x} on line {line} cannot be read; "
        "save the file with UTF-8 encoding"
    )


# --------------------------------------------------------------------------------------
# Translating pydantic errors
# --------------------------------------------------------------------------------------

_SLUG_MESSAGE = (
    'must be a slug: lower-case letters, digits and single hyphens (e.g. "child-seen-alone"), '
    f"at most {SLUG_MAX_LENGTH} characters"
)

_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "missing": "is required",
    "finite_number": "must be a finite number (not NaN or Infinity)",
    "null_not_allowed": "must not be null (leave the key out instead)",
}

_TOO_SHORT = {
    "bands": "needs at least 2 bands",
    "themes": "needs at least one theme",
    "questions": "needs at least one question",
    "in": "needs at least one value",
    "items": "needs at least one item",
    "evidence": 'needs at least one field: "strengths", "areas_for_development" or '
    '"recommendations" (or leave the key out)',
    "all": "needs at least one condition",
    "any": "needs at least one condition",
    "service": "needs at least one service",
}

_FIELD_MESSAGES: dict[tuple[type[BaseModel], str], dict[str, str]] = {
    (Questionnaire, "kind"): {
        "string_pattern_mismatch": _KIND_MESSAGE,
        "string_too_long": _KIND_MESSAGE,
    },
    (Questionnaire, "subject"): {"literal_error": _SUBJECT_MESSAGE},
    (Option, "score"): {
        "float_type": "must be a number or null",
        "greater_than_equal": "must be >= 0 or null",
        "finite_number": "must be a finite number or null",
    },
    (Band, "min"): {
        "greater_than_equal": "must be between 0 and 100",
        "less_than_equal": "must be between 0 and 100",
    },
}


def _message(error: ErrorDetails, root: type[BaseModel] = Questionnaire) -> str:
    """Plain English for one pydantic error."""
    kind: str = error["type"]
    loc: Loc = tuple(error["loc"])
    ctx: dict[str, Any] = error.get("ctx") or {}
    if not loc and kind in ("model_type", "dict_type"):
        return "must be a JSON object holding the questionnaire (the file starts with {)"
    model, field = _field_at(loc, root)
    if model is not None and field is not None:
        special = _FIELD_MESSAGES.get((model, _alias(loc)), {}).get(kind)
        if special:
            return special
    if kind == "section_in_section" and isinstance(error.get("input"), dict):
        if "repeat" in error["input"]:
            return "a repeating group stands directly among a theme's items, not in a section"
    if kind == "extra_forbidden":
        return _unknown_key_message(str(loc[-1]), _model_at(loc[:-1], root))
    if kind == "literal_error" and loc == ("format",):
        return _FORMAT_MESSAGE
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    if kind == "literal_error":
        values = _literal_values(field.annotation) if field is not None else ()
        if len(values) == 1:
            return f"must be {_quote(values[0])}"
        if values:
            return "must be one of " + ", ".join(_quote(v) for v in values)
        return f"must be {ctx.get('expected', 'one of the allowed values')}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == _ISO_DATE_PATTERN:
            return "must be a date in the form YYYY-MM-DD"
        return _SLUG_MESSAGE if ctx.get("pattern") == SLUG_PATTERN else "must not be blank"
    if kind == "string_too_long":
        if field is not None and _is_slug(field):
            return _SLUG_MESSAGE
        return _too_long(error.get("input"), ctx.get("max_length"))
    if kind == "string_too_short":
        return "must not be blank"
    if kind == "too_short":
        return _TOO_SHORT.get(_alias(loc), f"needs at least {ctx.get('min_length')} items")
    if kind == "greater_than":
        return f"must be > {plain_number(ctx['gt'])}"
    if kind == "greater_than_equal":
        return f"must be >= {plain_number(ctx['ge'])}"
    if kind == "less_than_equal":
        return f"must be <= {plain_number(ctx['le'])}"
    text = str(error.get("msg", "is not valid"))
    return text[:1].lower() + text[1:]


def _too_long(value: object, most: object) -> str:
    """The message for text over its length, e.g. "is 231 characters long; the most is 200"."""
    length = len(value) if isinstance(value, str) else None
    if length is None:
        return f"is too long; the most is {most} characters"
    return f"is {length:,} characters long; the most is {most}"


def _is_slug(field: FieldInfo) -> bool:
    """Whether a field holds a slug."""
    return any(getattr(item, "pattern", None) == SLUG_PATTERN for item in field.metadata)


def _alias(loc: Loc) -> str:
    """The last key name in a location, skipping list indexes."""
    return next((p for p in reversed(loc) if isinstance(p, str) and p not in _ITEM_TAGS), "")


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A model's fields by the key used in JSON."""
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside a type such as ``list[Option] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: Loc, root: type[BaseModel] = Questionnaire) -> type[BaseModel] | None:
    """The model describing the object at a location of a file read by ``root``."""
    model: type[BaseModel] | None = root
    for part in loc:
        if part in _ITEM_TAGS:
            model = _ITEM_TAGS[str(part)]
            continue
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = _fields(model).get(part)
        model = _model_in(field.annotation) if field is not None else None
    return model


def _field_at(
    loc: Loc, root: type[BaseModel] = Questionnaire
) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model and field that a location's last key names."""
    keys = [i for i, part in enumerate(loc) if isinstance(part, str) and part not in _ITEM_TAGS]
    if not keys:
        return None, None
    model = _model_at(loc[: keys[-1]], root)
    if model is None:
        return None, None
    return model, _fields(model).get(str(loc[keys[-1]]))


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    """The allowed values of a Literal type, wherever it sits in the annotation."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    for arg in get_args(annotation):
        values = _literal_values(arg)
        if values:
            return values
    return ()


_FORMAT_MESSAGE = (
    f'must be "{FORMAT_2}" (or "{FORMAT_1}" for a file written in format 1, which is read '
    "as it always was)"
)
_UPGRADE = "flask --app wsgi questionnaires upgrade FILE"


def _unknown_key_message(key: str, model: type[BaseModel] | None) -> str:
    """The message for an unknown key, suggesting the allowed key it most resembles."""
    if model is None:
        return f"unknown key {_quote(key)}"
    newer = _IN_FORMAT_2.get(model)
    if newer is not None and key in _fields(newer):
        return (
            f"{_quote(key)} is only in {FORMAT_2}, and this file is {FORMAT_1}: run "
            f"`{_UPGRADE}` to turn the file into {FORMAT_2}, then add it"
        )
    renamed = _RENAMED_IN_FORMAT_2.get((model, key))
    if renamed is not None:
        return (
            f"unknown key {_quote(key)}: in {FORMAT_2} this list is {_quote(renamed)} "
            f"({_quote(key)} is its name in {FORMAT_1})"
        )
    allowed = list(_fields(model))
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key {_quote(key)} (did you mean {_quote(close[0])}?)"
    return f"unknown key {_quote(key)} (allowed keys: {', '.join(_quote(k) for k in allowed)})"


class _DocumentOrder:
    """Sort keys placing locations where they appear in one document.

    Each object's key positions are found once, so that ordering n problems in an object of n
    keys takes time in proportion to n, not n squared.
    """

    def __init__(self, data: Any) -> None:
        """Order locations in ``data``."""
        self._data = data
        self._positions: dict[int, dict[str, int]] = {}

    def key(self, loc: Loc) -> tuple[int, ...]:
        """A sort key placing a location where it appears in the document."""
        key: list[int] = []
        node = self._data
        for part in loc:
            if isinstance(node, dict) and isinstance(part, str):
                positions = self._positions.get(id(node))
                if positions is None:
                    positions = {name: i for i, name in enumerate(node)}
                    self._positions[id(node)] = positions
                key.append(positions.get(part, len(positions)))
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                key.append(part)
                node = node[part]
            else:
                key.append(0)
                node = None
        return tuple(key)


def _quote(value: Any) -> str:
    """A value in double quotes, as JSON writes it."""
    return json.dumps(value, ensure_ascii=False)


def plain_number(value: float) -> str:
    """A number as a person writes it, without a needless ``.0`` (3, not 3.0)."""
    return str(int(value)) if float(value).is_integer() else str(value)


# --------------------------------------------------------------------------------------
# Rules across fields
# --------------------------------------------------------------------------------------


def _rule_problems(q: _QuestionnaireFields) -> Iterator[tuple[Loc, str]]:
    """Every violation of the rules that span several fields, in file order."""
    yield from _band_problems(q.grading)
    first_theme: dict[str, int] = {}
    for t, theme in enumerate(q.themes):
        if theme.id in first_theme:
            first = json_path(("themes", first_theme[theme.id], "id"))
            yield (
                ("themes", t, "id"),
                f"duplicate theme id {_quote(theme.id)}: already used at {first}",
            )
        first_theme.setdefault(theme.id, t)
        if isinstance(theme, Theme) and not theme.questions:
            yield ("themes", t, "items"), _NO_QUESTIONS
        if isinstance(theme, Theme):
            yield from _evidence_problems(theme.evidence or [], ("themes", t, "evidence"))
    placed = [
        _Placed(position, loc, question)
        for position, (loc, question) in enumerate(
            (("themes", t, *where), question)
            for t, theme in enumerate(q.themes)
            for where, question in theme.placed_questions()
        )
    ]
    first_question: dict[str, _Placed] = {}
    for item in placed:
        first_question.setdefault(item.question.id, item)
    measures: dict[str, tuple[str, Loc]] = {}
    for item in placed:
        first_item = first_question[item.question.id]
        if first_item is not item:
            first = json_path((*first_item.loc, "id"))
            message = (
                f"duplicate question id {_quote(item.question.id)}: already used at {first} "
                "(question ids must be unique across the whole questionnaire)"
            )
            yield (*item.loc, "id"), message
        yield from _question_problems(item.question, item.loc)
        yield from _measure_problems(item, measures)
        show_if = item.question.show_if
        loc = (*item.loc, "show_if")
        yield from _condition_problems(show_if, loc, item.position, first_question, item)
    yield from _layout_condition_problems(q, first_question)
    yield from _descriptor_problems(q)
    yield from _timeliness_problems(q, first_question, measures)
    yield from _repeat_problems(q, first_question)


def _placed_repeats(q: _QuestionnaireFields) -> Iterator[tuple[Loc, RepeatBody]]:
    """Every repeating group with its location, in file order."""
    for t, theme in enumerate(q.themes):
        for n, item in enumerate(getattr(theme, "items", None) or ()):
            if isinstance(item, Repeat):
                yield ("themes", t, "items", n, "repeat"), item.repeat


def _repeat_problems(
    q: _QuestionnaireFields, questions: dict[str, _Placed]
) -> Iterator[tuple[Loc, str]]:
    """Each repeating group: min at most max, a question among its items, and an id of its own
    (its count is kept under it, beside the answers)."""
    taken: dict[str, Loc] = {qid: placed.loc for qid, placed in questions.items()}
    for t, theme in enumerate(q.themes):
        for m, timed in enumerate(getattr(theme, "timeliness", None) or ()):
            taken.setdefault(timed.id, ("themes", t, "timeliness", m))
    for loc, group in _placed_repeats(q):
        if group.min > group.max:
            message = (
                f"is {group.max}, fewer than min ({group.min}): a repeating group cannot need "
                "more repeats than it allows"
            )
            yield (*loc, "max"), message
        if not group.questions:
            message = "needs at least one question: a repeat of headings and guidance only has "
            yield (*loc, "items"), message + "nothing to answer"
        for m, item in enumerate(group.items):
            if isinstance(item, Question) and item.comment is not None:
                yield (*loc, "items", m, "comment"), _COMMENT_IN_REPEAT
        first = taken.setdefault(group.id, loc)
        if first != loc:
            message = (
                f"duplicate id {_quote(group.id)}: already used at {json_path((*first, 'id'))} "
                "(repeating groups, questions and timeliness measures need ids of their own)"
            )
            yield (*loc, "id"), message


_COMMENT_IN_REPEAT = (
    "a question of a repeating group cannot ask for a comment yet: add a text question to "
    "the group instead, answered in each repeat"
)


def _group_at(loc: Loc) -> Loc | None:
    """The location of the repeating group a question's location lies in, if any."""
    for i, part in enumerate(loc):
        if part == "repeat":
            return loc[: i + 1]
    return None


def _into_repeat_message(name: str, target: _Placed, itself: _Placed | None) -> str | None:
    """Why a condition may not name a question of a repeating group, or None when it may
    (the question is in no group)."""
    group = _group_at(target.loc)
    if group is None:
        return None
    where = json_path(target.loc)
    if itself is not None and _group_at(itself.loc) == group:
        return (
            f"show_if names {name}, a question of the same repeating group (at {where}): "
            "a condition inside a repeating group may only name questions outside it"
        )
    return (
        f"show_if names {name}, a question of a repeating group (at {where}), which is "
        "answered once per repeat: only a question outside every repeating group can be named"
    )


def _evidence_problems(fields: Sequence[str], loc: Loc) -> Iterator[tuple[Loc, str]]:
    """A theme lists each evidence field once."""
    first: dict[str, int] = {}
    for i, name in enumerate(fields):
        if name in first:
            where = json_path((*loc, first[name]))
            message = f"{_quote(name)} is listed twice (already at {where}): list each field once"
            yield (*loc, i), message
        first.setdefault(name, i)


def _descriptor_problems(q: _QuestionnaireFields) -> Iterator[tuple[Loc, str]]:
    """A theme or the overall grade graded by judgement needs a descriptor on every band, to
    judge it against."""
    by_judgement = [
        t for t, theme in enumerate(q.themes) if getattr(theme, "graded_by", "") == "judgement"
    ]
    if by_judgement:
        what = f"the theme at {json_path(('themes', by_judgement[0], 'graded_by'))} is"
    elif getattr(q.grading, "graded_by", "both") == "judgement":
        what = "the overall grade ($.grading.overall.graded_by) is"
    else:
        return
    for i, band in enumerate(q.grading.bands):
        if getattr(band, "descriptor", None) is None:
            message = (
                f"needs a descriptor: {what} graded by judgement, which the auditor makes "
                "against the bands' descriptors"
            )
            yield ("grading", "bands", i), message


def _layout_condition_problems(
    q: _QuestionnaireFields, questions: dict[str, _Placed]
) -> Iterator[tuple[Loc, str]]:
    """Conditions on themes and sections name only questions placed before them."""
    before = 0
    for t, theme in enumerate(q.themes):
        if not isinstance(theme, Theme):
            return
        yield from _condition_problems(theme.show_if, ("themes", t, "show_if"), before, questions)
        for n, item in enumerate(theme.items):
            if isinstance(item, Section):
                loc = ("themes", t, "items", n, "section", "show_if")
                yield from _condition_problems(item.section.show_if, loc, before, questions)
                before += sum(isinstance(inner, Question) for inner in item.section.items)
            elif isinstance(item, Repeat):
                before += len(item.repeat.questions)
            elif isinstance(item, Question):
                before += 1


@dataclass(frozen=True)
class _Placed:
    """A question with its position in file order and its location."""

    position: int
    loc: Loc
    question: Question1


def _band_problems(grading: Grading) -> Iterator[tuple[Loc, str]]:
    """Bands best first with min strictly decreasing, the last at 0, grade names unique (and
    not told apart only by capital letters, spaces or invisible characters)."""
    first_grade: dict[str, int] = {}
    bands = grading.bands
    for i, band in enumerate(bands):
        loc: Loc = ("grading", "bands", i)
        key = name_key(band.grade)
        if key in first_grade:
            earlier = bands[first_grade[key]].grade
            first = json_path(("grading", "bands", first_grade[key], "grade"))
            if earlier == band.grade:
                message = f"duplicate grade {_quote(band.grade)}: already used at {first}"
            else:
                message = (
                    f"grade {_quote(band.grade)} looks the same as {_quote(earlier)} at {first}: "
                    f"grades must differ by more than {_LOOK_ALIKE}"
                )
            yield (*loc, "grade"), message
        first_grade.setdefault(key, i)
        previous = bands[i - 1]
        if i > 0 and band.min >= previous.min:
            message = (
                "bands must be listed best first with min strictly decreasing: "
                f"{_quote(band.grade)} (min {plain_number(band.min)}) comes after "
                f"{_quote(previous.grade)} (min {plain_number(previous.min)})"
            )
            yield (*loc, "min"), message
    last = bands[-1]
    if last.min != 0:
        message = (
            "the last band's min must be 0, so that every percent gets a grade "
            f"(it is {plain_number(last.min)})"
        )
        yield ("grading", "bands", len(bands) - 1, "min"), message


def _question_problems(question: Question1, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Options, scores, numbers and compliance of one question."""
    options = question.options
    if question.type not in ("choice", "multi"):
        if options is not None:
            kind = _quote(question.type)
            which = "choice and multi" if isinstance(question, Question) else "choice"
            message = f"only {which} questions have options (this is a {kind} question)"
            yield (*loc, "options"), message
    elif len(options or ()) < 2:
        count = len(options) if options is not None else "none"
        message = f"a {question.type} question needs at least 2 options (it has {count})"
        yield (*loc, "options"), message
    first_value: dict[str, int] = {}
    for i, option in enumerate(options or ()):
        if option.value in first_value:
            first = json_path((*loc, "options", first_value[option.value], "value"))
            message = f"duplicate option value {_quote(option.value)}: already used at {first}"
            yield (*loc, "options", i, "value"), message
        first_value.setdefault(option.value, i)
    if isinstance(question, Question):
        yield from _number_problems(question, loc)
        yield from _multi_problems(question, loc)
    if question.is_scored and question.max_score == 0:
        if question.type == "number":
            yield (*loc, "bands"), _ALL_ZERO_BANDS
        else:
            yield (*loc, "options"), _ALL_ZERO
    if question.compliance is not None and not question.is_scored:
        yield (*loc, "compliance"), _COMPLIANCE_UNSCORED


def _multi_problems(question: Question, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """A multi question's scoring rule fits its option scores; the rule is on no other type."""
    if question.type != "multi":
        if question.scoring is not None:
            kind = _quote(question.type)
            yield (
                (*loc, "scoring"),
                f"only multi questions have scoring (this is a {kind} question)",
            )
        return
    scored = [i for i, o in enumerate(question.options or ()) if o.score is not None]
    if question.scoring == "all":
        for i in scored:
            yield (*loc, "options", i, "score"), _ALL_TICKED_NO_SCORES
    elif question.scoring is None and scored:
        yield (*loc, "options", scored[0], "score"), _MULTI_SCORES_NEED_EACH


_ALL_TICKED_NO_SCORES = (
    'with scoring "all" the options have no scores: ticking every option earns the question '
    "its 1 point"
)
_MULTI_SCORES_NEED_EACH = (
    'option scores count only with "scoring": "each" on the question: add it, or leave the '
    "scores out"
)


_NUMBER_KEYS = ("min", "max", "integer", "unit", "bands")


def _number_problems(question: Question, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """A number question's range, whole numbers and score bands; those keys on no other."""
    if question.type != "number":
        kind = _quote(question.type)
        for key in _NUMBER_KEYS:
            if getattr(question, key) is not None:
                yield (*loc, key), f"only number questions have {key} (this is a {kind} question)"
        return
    low, high = question.min, question.max
    if low is not None and high is not None and low > high:
        message = f"must be at or above min ({plain_number(low)}), or there is no answer to give"
        yield (*loc, "max"), message
    if question.integer:
        for key, value in (("min", low), ("max", high)):
            if value is not None and not float(value).is_integer():
                yield (*loc, key), "must be a whole number, as the answer must be (integer is true)"
    bands = question.bands or []
    for i, band in enumerate(bands[1:], start=1):
        if band.min >= bands[i - 1].min:
            message = (
                "bands must be listed highest first with min strictly decreasing: "
                f"min {plain_number(band.min)} comes after min {plain_number(bands[i - 1].min)}"
            )
            yield (*loc, "bands", i, "min"), message
    if bands and low is None:
        yield (*loc, "bands"), _BANDS_NEED_MIN
    elif bands and low is not None and bands[-1].min > low:
        lowest = plain_number(bands[-1].min)
        message = (
            f"the last band's min ({lowest}) must be at or below the question's min "
            f"({plain_number(low)}), so that every answer earns a score"
        )
        yield (*loc, "bands", len(bands) - 1, "min"), message


_BANDS_NEED_MIN = (
    "a number question scored by bands needs a min, so that every answer it allows earns a score"
)


_LOOK_ALIKE = "capital letters, spaces or invisible characters"


def _measure_problems(
    item: _Placed, measures: dict[str, tuple[str, Loc]]
) -> Iterator[tuple[Loc, str]]:
    """A compliance measure named again is spelled exactly as the first time."""
    measure = item.question.compliance
    if measure is None:
        return
    loc: Loc = (*item.loc, "compliance")
    first = measures.setdefault(name_key(measure), (measure, loc))
    if first[0] != measure:
        message = (
            f"compliance measure {_quote(measure)} differs from {_quote(first[0])} at "
            f"{json_path(first[1])} only in {_LOOK_ALIKE}: spell it the same way to count "
            "both questions in one measure, or name another measure"
        )
        yield loc, message


_NO_QUESTIONS = (
    "needs at least one question: headings, guidance and sections without questions are not "
    "enough to grade a theme"
)
_ALL_ZERO_BANDS = "needs a band with a score above 0 (its highest score is the maximum)"
_ALL_ZERO = (
    "a scored question needs an option with a score above 0 (its highest score is its maximum)"
)
_COMPLIANCE_UNSCORED = (
    "compliance can only be marked on a scored question "
    "(a choice question with at least one option score)"
)


def _condition_problems(
    condition: Condition | ShowIf | None,
    loc: Loc,
    before: int,
    questions: dict[str, _Placed],
    itself: _Placed | None = None,
) -> Iterator[tuple[Loc, str]]:
    """A condition names only questions placed before position ``before``, each with an
    operator that fits its type and values it can have; combinations are checked part by part."""
    if condition is None:
        return
    if isinstance(condition, AllOf | AnyOf):
        key = "all" if isinstance(condition, AllOf) else "any"
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        for i, part in enumerate(parts):
            yield from _condition_problems(part, (*loc, key, i), before, questions, itself)
    elif isinstance(condition, NotCondition):
        yield from _condition_problems(condition.not_, (*loc, "not"), before, questions, itself)
    elif isinstance(condition, OnService):
        yield from _service_problems(condition, loc)
    else:
        yield from _when_problems(condition, loc, before, questions, itself)


def _when_problems(
    when: When | ShowIf,
    loc: Loc,
    before: int,
    questions: dict[str, _Placed],
    itself: _Placed | None,
) -> Iterator[tuple[Loc, str]]:
    """One condition on an answer: one operator, an earlier question of the right type."""
    operators = when.operators() if isinstance(when, When) else ["in"]
    if len(operators) != 1:
        yield loc, _one_operator(operators)
        return
    name = _quote(when.question)
    target = questions.get(when.question)
    if target is None:
        message = f"show_if names {name}, which is not a question in this questionnaire"
    elif target is itself:
        message = f"show_if names {name}, the question itself: it may only name an earlier question"
    elif target.position >= before:
        where = json_path(target.loc)
        message = (
            f"show_if names {name}, which comes later (at {where}): "
            "it may only name an earlier question"
        )
    else:
        into = _into_repeat_message(name, target, itself)
        if into is None:
            yield from _operator_problems(when, operators[0], loc, target)
            return
        message = into
    yield (*loc, "question"), message


def _service_problems(condition: OnService, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Each service is named once. Whether a name is one of the council's services is not
    known here (services are the tool's data): the workshop warns of names it does not know."""
    first: dict[str, int] = {}
    for i, name in enumerate(condition.service):
        key = name_key(name)
        if key in first:
            message = (
                f"{_quote(name)} is named already at "
                f"{json_path((*loc, 'service', first[key]))}: name each service once"
            )
            yield (*loc, "service", i), message
        first.setdefault(key, i)


_NEEDS = {
    "in": "choice",
    "any_of": "multi",
    "all_of": "multi",
    "at_least": "number",
    "at_most": "number",
    "before": "date",
    "after": "date",
}


def _operator_problems(
    when: When | ShowIf, operator: str, loc: Loc, target: _Placed
) -> Iterator[tuple[Loc, str]]:
    """The operator fits the named question's type, and its values are ones it can have."""
    name, kind = _quote(when.question), target.question.type
    needed = _NEEDS[operator]
    if kind != needed:
        if isinstance(when, ShowIf):
            message = (
                f"show_if names {name}, a {_quote(kind)} question: it may only name a choice "
                "question"
            )
        else:
            message = (
                f"show_if names {name}, a {_quote(kind)} question: {_quote(operator)} needs a "
                f"{needed} question ({_OPERATORS_FOR[kind]})"
            )
        yield (*loc, "question"), message
    elif operator in ("in", "any_of", "all_of"):
        values = [o.value for o in target.question.options or ()]
        known = set(values)
        given = when.in_ if operator == "in" else getattr(when, operator)
        for i, value in enumerate(given or ()):
            if value not in known:
                message = (
                    f"{_quote(value)} is not an option of {name} (its options are "
                    f"{_listing(values)})"
                )
                yield (*loc, operator, i), message
    elif operator in ("before", "after"):
        written = getattr(when, operator)
        try:
            date.fromisoformat(written)
        except ValueError:
            yield (*loc, operator), f"{_quote(written)} is not a real date"


_OPERATORS_FOR = {
    "choice": 'use "in" with its option values',
    "multi": 'use "any_of" or "all_of" with its option values',
    "number": 'use "at_least" or "at_most"',
    "date": 'use "before" or "after"',
    "text": "a text question's answer cannot be a condition",
}


def _one_operator(operators: list[str]) -> str:
    """The message for a condition on an answer with no operator, or more than one."""
    allowed = ", ".join(_quote(key) for key in OPERATORS)
    if not operators:
        return f"needs one of {allowed}"
    given = " and ".join(_quote(key) for key in operators)
    return f'has {given}: give one of them, and combine conditions with "all" or "any"'


_LISTED_VALUES = 10


def _listing(values: list[str]) -> str:
    """Values in quotes, separated by commas: the first ten, then how many more."""
    shown = ", ".join(_quote(v) for v in values[:_LISTED_VALUES])
    more = len(values) - _LISTED_VALUES
    return f"{shown} and {more:,} more" if more > 0 else shown


# --------------------------------------------------------------------------------------
# Timeliness measures
# --------------------------------------------------------------------------------------


def _timeliness_problems(
    q: _QuestionnaireFields, questions: dict[str, _Placed], measures: dict[str, tuple[str, Loc]]
) -> Iterator[tuple[Loc, str]]:
    """Each timeliness measure: an id of its own, one rule kind with the keys it needs, and
    date questions that exist (anywhere in the questionnaire)."""
    ids: dict[str, Loc] = {}
    for t, theme in enumerate(q.themes):
        for m, timed in enumerate(getattr(theme, "timeliness", None) or ()):
            loc: Loc = ("themes", t, "timeliness", m)
            earlier = questions.get(timed.id)
            first = earlier.loc if earlier is not None else ids.get(timed.id)
            if first is not None:
                message = (
                    f"duplicate id {_quote(timed.id)}: already used at {json_path((*first, 'id'))} "
                    "(timeliness measures and questions need ids of their own)"
                )
                yield (*loc, "id"), message
            ids.setdefault(timed.id, loc)
            yield from _measure_name_problems(timed.measure, (*loc, "measure"), measures)
            yield from _rule_key_problems(timed.rule, (*loc, "rule"), questions)


def _measure_name_problems(
    measure: str, loc: Loc, measures: dict[str, tuple[str, Loc]]
) -> Iterator[tuple[Loc, str]]:
    """A measure named again is spelled exactly as the first time."""
    first = measures.setdefault(name_key(measure), (measure, loc))
    if first[0] != measure:
        message = (
            f"compliance measure {_quote(measure)} differs from {_quote(first[0])} at "
            f"{json_path(first[1])} only in {_LOOK_ALIKE}: spell it the same way to count "
            "both in one measure, or name another measure"
        )
        yield loc, message


_BETWEEN_DATES = ("within_working_days", "within_days")


def _rule_key_problems(
    rule: TimelinessRule, loc: Loc, questions: dict[str, _Placed]
) -> Iterator[tuple[Loc, str]]:
    """One rule kind, the date keys that kind reads (and no others), naming date questions."""
    kinds = rule.kinds()
    if len(kinds) != 1:
        allowed = ", ".join(_quote(key) for key in RULE_KINDS)
        given = " and ".join(_quote(key) for key in kinds)
        yield loc, (f"needs one of {allowed}" if not kinds else f"has {given}: give one of them")
        return
    kind = kinds[0]
    needed = ("from", "to") if kind in _BETWEEN_DATES else ("date",)
    for key in ("from", "to", "date"):
        named = getattr(rule, "from_" if key == "from" else key)
        if key in needed and named is None:
            yield loc, f"{_quote(kind)} needs {_quote(key)}: the id of a date question"
        elif key not in needed and named is not None:
            keys = " and ".join(_quote(k) for k in needed)
            yield (*loc, key), f"{_quote(kind)} reads {keys}, not {_quote(key)}"
        elif named is not None:
            yield from _date_question_problems(named, (*loc, key), questions)
    if kind in _BETWEEN_DATES and rule.from_ is not None and rule.from_ == rule.to:
        yield (*loc, "to"), f'names {_quote(rule.to)}, as "from" does: name another date question'


def _date_question_problems(
    qid: str, loc: Loc, questions: dict[str, _Placed]
) -> Iterator[tuple[Loc, str]]:
    """A rule names a date question of this questionnaire."""
    target = questions.get(qid)
    if target is None:
        yield loc, f"names {_quote(qid)}, which is not a question in this questionnaire"
    elif target.question.type != "date":
        kind = _quote(target.question.type)
        where = json_path(target.loc)
        yield loc, f"names {_quote(qid)}, a {kind} question (at {where}): it needs a date question"
    elif _group_at(target.loc) is not None:
        where = json_path(target.loc)
        message = (
            f"names {_quote(qid)}, a question of a repeating group (at {where}), which is "
            "answered once per repeat: a timeliness rule reads a date outside every group"
        )
        yield loc, message
