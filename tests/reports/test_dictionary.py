"""The data dictionary: one source for the page, the workbook and docs/data-dictionary.md."""

from __future__ import annotations

from pathlib import Path

from audit_app.reporting import dictionary
from audit_app.reporting.exports import KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_the_markdown_is_up_to_date() -> None:
    assert DOC.read_text("utf-8") == dictionary.markdown(), (
        "regenerate it: .venv/bin/python -m audit_app.reporting.dictionary > "
        "docs/data-dictionary.md"
    )


def test_every_table_leads_with_the_agreed_columns() -> None:
    assert KINDS == ("audits", "themes", "compliance", "answers", "evidence", "options")
    leading = {
        "audits": "audit_id case_id questionnaire_id questionnaire_version kind service team "
        "auditor status submitted_at overall_percent overall_grade_computed overall_grade_judged "
        "overall_grade_moderated overall_grade_final",
        "themes": "audit_id case_id questionnaire_id questionnaire_version theme_id theme_title "
        "percent grade_computed grade_judged grade_moderated grade_final",
        "compliance": "audit_id case_id service team submitted_at question_id measure answer "
        "compliant",
        "answers": "audit_id case_id questionnaire_id questionnaire_version theme_id question_id "
        "value label score max_score",
        "options": "questionnaire_id questionnaire_version theme_id question_id option_value "
        "option_label audits_ticking audits_answering",
    }
    for kind, names in leading.items():
        expected = names.split()
        assert dictionary.TABLES[kind].names[: len(expected)] == expected


def test_every_column_has_a_meaning_a_type_and_an_example() -> None:
    for table in dictionary.TABLES.values():
        assert len(set(table.names)) == len(table.names)
        for column in table.columns:
            assert column.meaning and column.type and column.example
