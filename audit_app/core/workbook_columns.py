"""The questionnaire workbook's sheets and columns: one table, read and written alike.

Each column names the JSON key it holds and how a cell becomes a value (its kind). To give the
workbook a new key of the format, add a row here.
"""

from __future__ import annotations

from dataclasses import dataclass

SETTINGS, THEMES, QUESTIONS, OPTIONS = "settings", "themes", "questions", "options"
TIMELINESS = "timeliness"
SHEETS = (SETTINGS, THEMES, QUESTIONS, OPTIONS, TIMELINESS)
OPTIONAL_SHEETS = (TIMELINESS,)

YES, NO = "yes", "no"
TYPES = ("choice", "multi", "number", "date", "text")
LAYOUT_TYPES = ("heading", "guidance", "section", "end section")
GRADED_BY = ("both", "score", "judgement")
OVERALL_RULES = ("mean", "lowest")
SCORING = ("each", "all")
COMMENTS = ("optional", "required")
SUBJECTS = ("case", "worker", "household", "meeting")


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its heading, the JSON key it holds and how its cells read."""

    name: str
    key: str
    kind: str
    """"text", "number", "yesno", "condition", "list" (an option list's name), "bands",
    "words" (a list of words, written with commas between)."""
    guidance: str
    choices: tuple[str, ...] = ()


THEME_COLUMNS = (
    Column("id", "id", "text", "The theme's id: lower-case letters, digits and hyphens."),
    Column("title", "title", "text", "The theme's name as auditors and reports show it."),
    Column("description", "description", "text", "What the theme covers (optional)."),
    Column("weight", "weight", "number", "How much the theme counts overall (empty: 1)."),
    Column(
        "limiting",
        "limiting",
        "yesno",
        "yes: the overall grade is never better than this theme's (empty: no).",
        (YES, NO),
    ),
    Column("graded by", "graded_by", "text", "both (empty), score or judgement.", GRADED_BY),
    Column("condition", "show_if", "condition", "Show the theme only when this holds."),
    Column(
        "evidence",
        "evidence",
        "words",
        "Evidence fields under the judgement, with commas between: strengths, "
        "areas_for_development, recommendations (empty: none).",
    ),
)

QUESTION_COLUMNS = (
    Column("theme", "", "text", "The theme's id (empty: the theme of the row above)."),
    Column(
        "type",
        "type",
        "text",
        "choice, multi, number, date, text; or heading, guidance, section, end section.",
        TYPES + LAYOUT_TYPES,
    ),
    Column("id", "id", "text", "The question's id, unique in the questionnaire."),
    Column(
        "text",
        "text",
        "text",
        "The question as the auditor reads it (a heading's, guidance's or section's text).",
    ),
    Column("help", "help", "text", "Guidance under the question (a section's description)."),
    Column(
        "required",
        "required",
        "yesno",
        "no: an answer is not needed (empty: yes, except for text questions).",
        (YES, NO),
    ),
    Column("weight", "weight", "number", "How much the question counts in its theme (empty: 1)."),
    Column("options", "options", "list", "The name of the question's list on the options sheet."),
    Column(
        "scoring", "scoring", "text", "Multi questions: each or all (empty: not scored).", SCORING
    ),
    Column("compliance", "compliance", "text", "The compliance measure the question reports."),
    Column("min", "min", "number", "Number questions: the lowest answer allowed."),
    Column("max", "max", "number", "Number questions: the highest answer allowed."),
    Column(
        "whole number",
        "integer",
        "yesno",
        "Number questions: yes when the answer is a whole number.",
        (YES, NO),
    ),
    Column("unit", "unit", "text", "Number questions: what is counted, such as visits."),
    Column(
        "bands",
        "bands",
        "bands",
        "Number questions scored by bands, highest first: 10+: 3; 5+: 2; 0+: 0.",
    ),
    Column(
        "condition",
        "show_if",
        "condition",
        "Show only when this holds: in-care = yes, any(a = x, b >= 2).",
    ),
    Column(
        "comment",
        "comment",
        "text",
        "A comment box under the question: optional or required (empty: none).",
        COMMENTS,
    ),
)

SECTION_KEYS = {"text": "title", "help": "description", "condition": "show_if"}
"""The columns a section row uses, and the keys of the section they hold."""

OPTION_COLUMNS = (
    Column("list", "", "text", "The list's name, as a question's options column gives it."),
    Column("value", "value", "text", "The option's id within the list, such as yes."),
    Column("label", "label", "text", "What the auditor sees beside the option."),
    Column("score", "score", "number", "Points the option earns (empty: not scored)."),
)

SETTING_COLUMNS = (
    Column("setting", "", "text", "What the row sets."),
    Column("value", "", "text", "Its value (a grade row: the grade's name)."),
    Column("min", "min", "number", "Grade rows: the lowest percent that earns the grade."),
    Column(
        "descriptor", "descriptor", "text", "Grade rows: what practice at this grade looks like."
    ),
)

SETTING_ROWS = (
    Column("id", "id", "text", "The questionnaire's id, kept across versions."),
    Column("version", "version", "number", "A whole number; raise it for every change."),
    Column("title", "title", "text", "The questionnaire's name as auditors see it."),
    Column(
        "kind",
        "kind",
        "text",
        "A kind of audit declared in Admin > Kinds of audit, such as monthly or deep_dive.",
    ),
    Column(
        "subject",
        "subject",
        "text",
        "What each audit is of, by its reference: case (empty), worker, household or meeting.",
        SUBJECTS,
    ),
    Column("description", "description", "text", "What the questionnaire is for (optional)."),
    Column(
        "overall",
        "overall",
        "text",
        "How the overall grade is found: mean or lowest.",
        OVERALL_RULES,
    ),
    Column(
        "overall graded by",
        "graded_by",
        "text",
        "both (empty: the rule suggests, the auditor's overall judgement counts), score or "
        "judgement.",
        GRADED_BY,
    ),
    Column(
        "capped by worst band",
        "capped_by_worst_band",
        "yesno",
        "yes: a theme in the worst band makes the overall grade that band too.",
        (YES, NO),
    ),
)
GRADE_ROW = "grade"

TIMELINESS_COLUMNS = (
    Column("theme", "", "text", "The id of the theme the measure belongs to."),
    Column("id", "id", "text", "The measure's id, unique among questions and measures."),
    Column("measure", "measure", "text", "The compliance measure's name, as reports show it."),
    Column("source", "source", "text", "Where the timescale comes from (optional)."),
    Column(
        "within working days",
        "within_working_days",
        "number",
        "Met when the to date is at most this many working days after the from date.",
    ),
    Column(
        "within days", "within_days", "number", "Met when to is at most this many days after from."
    ),
    Column(
        "at most weeks before audit",
        "at_most_weeks_before_audit",
        "number",
        "Met when the date is at most this many weeks before the audit date.",
    ),
    Column(
        "not expired at audit",
        "not_expired_at_audit",
        "yesno",
        "yes: met when the date is on or after the audit date.",
        (YES,),
    ),
    Column("from", "from", "text", "The id of the date question the time runs from."),
    Column("to", "to", "text", "The id of the date question that must fall within the time."),
    Column("date", "date", "text", "The id of the date question compared with the audit date."),
)
RULE_KEYS = frozenset(c.key for c in TIMELINESS_COLUMNS[4:])
"""The timeliness sheet's columns that make up the measure's rule."""

COLUMNS = {
    SETTINGS: SETTING_COLUMNS,
    THEMES: THEME_COLUMNS,
    QUESTIONS: QUESTION_COLUMNS,
    OPTIONS: OPTION_COLUMNS,
    TIMELINESS: TIMELINESS_COLUMNS,
}
