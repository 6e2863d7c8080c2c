"""The data dictionary of the board's exports: every column, its meaning, type and an example.

The CSV files, the workbook's dictionary sheet, the page at /reports/data-dictionary and
docs/data-dictionary.md are all made from this one list, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    example: str


@dataclass(frozen=True)
class Table:
    kind: str
    title: str
    one_row_per: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_AUDIT_ID = Column(
    "audit_id", "integer", "The audit's number in this tool; joins the five tables.", "1042"
)
_CASE_ID = Column(
    "case_id",
    "text",
    "The case reference in the case management system (never a child's name).",
    "100824",
)
_QUESTIONNAIRE_ID = Column(
    "questionnaire_id",
    "text",
    "The questionnaire's id, the same across its versions.",
    "monthly-case-file-audit",
)
_QUESTIONNAIRE_VERSION = Column(
    "questionnaire_version",
    "integer",
    "The version of the questionnaire the audit was completed on.",
    "2",
)
# The first columns of the audits, themes and answers tables.
_AUDIT_AND_VERSION = (_AUDIT_ID, _CASE_ID, _QUESTIONNAIRE_ID, _QUESTIONNAIRE_VERSION)
_SERVICE = Column(
    "service",
    "text",
    "The service of the case's team, as the tool holds it now.",
    "Child Protection",
)
_TEAM = Column(
    "team", "text", "The case's team, as the tool holds it now.", "Child Protection Team 1"
)
_SUBMITTED_AT = Column(
    "submitted_at",
    "timestamp",
    "When the audit's standing submission was made: ISO 8601, UTC, to the second.",
    "2026-03-27T10:30:00Z",
)
_THEME_ID = Column(
    "theme_id",
    "text",
    "The theme's id, matched across versions of the questionnaire.",
    "assessment-and-planning",
)
_QUESTION_ID = Column(
    "question_id",
    "text",
    "The question's id, matched across versions of the questionnaire.",
    "chronology-up-to-date",
)


def _grade(name: str, what: str, example: str) -> Column:
    return Column(name, "grade", what + " Empty when no such grade was given.", example)


TABLES: dict[str, Table] = {
    "audits": Table(
        kind="audits",
        title="Audits",
        one_row_per="audit whose latest submission stands (submitted, moderated or closed)",
        columns=(
            *_AUDIT_AND_VERSION,
            Column(
                "kind",
                "text",
                "The kind of audit, by its name in questionnaires: one the council declared "
                "(Admin > Kinds of audit; the dictionary's page and sheet list them with the names "
                "people read). A format 1 questionnaire is monthly or deep_dive.",
                "monthly",
            ),
            _SERVICE,
            _TEAM,
            Column(
                "auditor",
                "text",
                "The username of the auditor who completed the audit.",
                "jsmith",
            ),
            Column("status", "text", "submitted, moderated or closed.", "submitted"),
            _SUBMITTED_AT,
            Column(
                "overall_percent",
                "percent",
                "The weighted mean of the graded themes' percents, to one decimal place "
                "(half away from zero). Empty when no theme was graded, and when the "
                "questionnaire grades the audit overall by judgement (it has no percent).",
                "72.4",
            ),
            _grade(
                "overall_grade_computed",
                "The overall grade the scoring rules gave from the answers (none when the "
                "questionnaire grades the audit overall by judgement).",
                "Good",
            ),
            _grade(
                "overall_grade_judged",
                "The auditor's professional judgement overall (empty while blind moderation "
                "keeps it from you, and when the questionnaire takes the overall grade from "
                "the score and asks for none).",
                "Good",
            ),
            _grade(
                "overall_grade_moderated",
                "The overall grade a group manager gave on moderation.",
                "Requires improvement",
            ),
            _grade(
                "overall_grade_final",
                "The grade that counts: moderated if there is one, else judged, else computed.",
                "Requires improvement",
            ),
        ),
    ),
    "themes": Table(
        kind="themes",
        title="Themes",
        one_row_per="theme of an exported audit",
        columns=(
            *_AUDIT_AND_VERSION,
            _THEME_ID,
            Column(
                "theme_title",
                "text",
                "The theme's title in the audit's version of the questionnaire.",
                "Assessment and planning",
            ),
            Column(
                "percent",
                "percent",
                "Points scored as a percent of points possible, one decimal place (half away "
                "from zero). Empty when the theme was not graded (every answer not applicable), "
                "and when the questionnaire grades the theme by judgement (it has no percent).",
                "66.7",
            ),
            _grade(
                "grade_computed",
                "The theme's grade from the answers (none when it is graded by judgement).",
                "Good",
            ),
            _grade(
                "grade_judged",
                "The auditor's judgement of the theme (empty while blind moderation keeps it "
                "from you).",
                "Good",
            ),
            _grade("grade_moderated", "The moderator's grade for the theme.", "Good"),
            _grade(
                "grade_final",
                "Moderated if there is one, else judged, else computed.",
                "Good",
            ),
            _SERVICE,
            _TEAM,
            _SUBMITTED_AT,
        ),
    ),
    "compliance": Table(
        kind="compliance",
        title="Recording compliance",
        one_row_per="answer to a question that reports a recording-compliance measure, and "
        "result of a timeliness measure worked out from dates (answers left out of the score, "
        "such as not applicable, and timeliness measures not applicable, are not rows)",
        columns=(
            _AUDIT_ID,
            _CASE_ID,
            _SERVICE,
            _TEAM,
            _SUBMITTED_AT,
            Column(
                "question_id",
                "text",
                "The question's id, matched across versions of the questionnaire; for a "
                "timeliness measure, the measure's id.",
                "chronology-up-to-date",
            ),
            Column(
                "measure",
                "text",
                "The recording-compliance measure the question reports, or the timeliness "
                "measure's name.",
                "Chronology up to date",
            ),
            Column(
                "answer",
                "text",
                "The answer given, in the questionnaire's words; for a timeliness measure, Met "
                "or Not met.",
                "No",
            ),
            Column(
                "compliant",
                "yes/no",
                "yes when the answer got the question's full score (a timeliness measure: when "
                "it was met), otherwise no.",
                "no",
            ),
            _QUESTIONNAIRE_ID,
            _QUESTIONNAIRE_VERSION,
            _THEME_ID,
            Column(
                "answer_value",
                "text",
                "The answer's option value; for a timeliness measure, met or not-met.",
                "no",
            ),
        ),
    ),
    "answers": Table(
        kind="answers",
        title="Answers",
        one_row_per="answered question of an exported audit (questions hidden by earlier "
        "answers are not rows)",
        columns=(
            *_AUDIT_AND_VERSION,
            _THEME_ID,
            Column(
                "question_id",
                "text",
                "The question's id, matched across versions of the questionnaire. A question "
                "of a repeating group (format 2), answered once per repeat, has a row for "
                'each repeat, its id followed by "--" and the repeat\'s number from 1 '
                '("visit-seen-alone--2"); no other id holds "--".',
                "chronology-up-to-date",
            ),
            Column(
                "value",
                "text",
                "The stored answer: an option value, free text, a date (YYYY-MM-DD) or a "
                "number. Free text is empty for a role that cannot open audits (see the rules).",
                "partly",
            ),
            Column(
                "label",
                "text",
                "For a choice question, the option's label; empty for other questions.",
                "Partly",
            ),
            Column(
                "score",
                "number",
                "The points the option earns; empty when the answer is left out of the score "
                "or the question is not scored.",
                "1",
            ),
            Column(
                "max_score",
                "number",
                "The question's highest option score; empty when it is not scored.",
                "2",
            ),
        ),
    ),
    "evidence": Table(
        kind="evidence",
        title="Evidence",
        one_row_per="comment on a question, or evidence field of a theme, written on an "
        "exported audit (format 2 questionnaires that ask for them; a question or theme hidden "
        "by earlier answers keeps none), in questionnaire order: each theme's comments, then "
        "its fields",
        columns=(
            *_AUDIT_AND_VERSION,
            _THEME_ID,
            Column(
                "question_id",
                "text",
                "The question commented on; empty for a theme's evidence field.",
                "child-seen-alone",
            ),
            Column(
                "field",
                "text",
                "comment (on a question), or the theme's strengths, areas_for_development or "
                "recommendations.",
                "strengths",
            ),
            Column(
                "text",
                "text",
                "What the auditor wrote. Empty for a role that cannot open audits (see the "
                "rules), and, for a theme's fields, while blind moderation keeps the auditor's "
                "judgements from you.",
                "Seen alone at school on 3 March",
            ),
            _SERVICE,
            _TEAM,
            _SUBMITTED_AT,
        ),
    ),
    "options": Table(
        kind="options",
        title="Tick-all-that-apply options",
        one_row_per="option of a multi-select (tick all that apply) question, for each "
        "questionnaire version with such questions among the exported audits (rows in "
        "questionnaire order, not by audit)",
        columns=(
            _QUESTIONNAIRE_ID,
            _QUESTIONNAIRE_VERSION,
            _THEME_ID,
            _QUESTION_ID,
            Column(
                "option_value",
                "text",
                "The option's value, matched across versions of the questionnaire.",
                "risk",
            ),
            Column(
                "option_label",
                "text",
                "The option's label in this version of the questionnaire.",
                "Risk and safety",
            ),
            Column(
                "audits_ticking",
                "integer",
                "How many of the exported audits ticked the option.",
                "31",
            ),
            Column(
                "audits_answering",
                "integer",
                "How many of the exported audits answered the question (ticked at least one "
                "option); audits where it was hidden or left blank are not counted. The share "
                "ticking the option is audits_ticking out of audits_answering.",
                "40",
            ),
        ),
    ),
}

RULES = (
    "Files are UTF-8 with a byte-order mark, so that Excel reads them correctly.",
    "Rows are in order of audit_id (and, within an audit, in questionnaire order).",
    "Timestamps are ISO 8601 in UTC with Z, to the second.",
    "Percents have one decimal place, rounded half away from zero; empty when not graded.",
    "A grade that was never given is empty.",
    "A text cell that begins with =, +, -, @, a tab or a carriage return is prefixed with ' "
    "so that no spreadsheet runs it as a formula; so is one whose =, +, - or @ comes after "
    "leading spaces or invisible characters, or is a full-width or other variant of them.",
    "Exported audits are those whose latest submission stands: submitted, moderated or "
    "closed. Drafts and audits returned to their auditor are left out.",
    "Service and team are the case's as the tool holds them when the export is made.",
    "Each file is of one subject: case files (the default), or, chosen with the subject filter "
    "(--subject), supervision files (case_ref a worker reference), carer households or "
    "meetings (case_ref the household's or meeting's reference); with a questionnaire chosen "
    "and no subject, that questionnaire's own. A subject is its questionnaire version's, so the "
    "files have no column for it.",
    "Free-text answers (the value of a text question, the themes' analyses among them, and "
    "the evidence table's comments and evidence fields) are about children and workers: they "
    "are in the files of roles that can open audits (auditors, managers, admins) and empty in "
    "a viewer's, unless the service sets FREE_TEXT_DOWNLOADS=everyone.",
    "Blind moderation (MODERATION_BLIND=true): for a group manager, an audit awaiting "
    "moderation by someone other than its auditor has its judged and final grades, its "
    "themes' analyses and its themes' evidence fields empty, as on its own pages, until they "
    "record their grades in the moderation they are doing.",
)


def markdown() -> str:
    """The dictionary as Markdown, for docs/data-dictionary.md."""
    lines = [
        "# Data dictionary of the board's exports",
        "",
        "Made from `audit_app/reporting/dictionary.py`; the same text is on the page "
        "`/reports/data-dictionary` and in the workbook's `dictionary` sheet.",
        "",
        "Download the tables from the reports dashboard (applying its filters), or:",
        "",
        "```sh",
        "flask --app wsgi export KIND [--from YYYY-MM-DD] [--to YYYY-MM-DD] "
        "[--service NAME] [--questionnaire ID] [--kind NAME] [--subject SUBJECT] --out FILE"
        "   # FILE or - for stdout",
        "```",
        "",
        "KIND is `audits`, `themes`, `compliance`, `answers`, `evidence`, `options`, or "
        "`workbook` (an .xlsx file with the tables and this dictionary; the `options` sheet only "
        "when an exported audit's questionnaire has a tick-all-that-apply question).",
        "",
        "## Rules for every file",
        "",
        *(f"- {rule}" for rule in RULES),
    ]
    for table in TABLES.values():
        lines += [
            "",
            f"## `{table.kind}`: {table.title}",
            "",
            f"One row per {table.one_row_per}.",
            "",
            "| Column | Type | Meaning | Example |",
            "|---|---|---|---|",
            *(f"| `{c.name}` | {c.type} | {c.meaning} | `{c.example}` |" for c in table.columns),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates the Markdown by hand
    print(markdown(), end="")
