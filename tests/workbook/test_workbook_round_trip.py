"""A questionnaire written as a workbook reads back the same, and a broken workbook lists every
problem at its sheet, row and column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit_app.core import conditions_text
from audit_app.core.questionnaire import QuestionnaireInvalid, upgrade
from audit_app.core.workbook import WorkbookInvalid, from_workbook, to_workbook
from audit_app.services.questionnaire_workbooks import read_sheets, workbook_bytes, write_xlsx
from tests.builders import visits_questionnaire
from tests.workbook.samples import every_feature

SHIPPED = sorted(
    p
    for p in (Path(__file__).resolve().parents[2] / "questionnaires").glob("*.json")
    if p.name != "schema.json"
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_questionnaire_round_trips_as_its_upgrade(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert from_workbook(to_workbook(data)) == upgrade(data)
    assert from_workbook(read_sheets(workbook_bytes(data))) == upgrade(data)


def test_every_format_2_feature_round_trips_through_an_xlsx_file() -> None:
    data = every_feature()
    assert from_workbook(to_workbook(data)) == data
    assert from_workbook(read_sheets(workbook_bytes(data))) == data


def test_the_same_questionnaire_makes_the_same_bytes() -> None:
    assert workbook_bytes(every_feature()) == workbook_bytes(every_feature())


def test_csv_sheets_in_a_zip_read_like_the_workbook() -> None:
    import csv
    import io
    import zipfile

    data = every_feature()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, rows in to_workbook(data).items():
            text = io.StringIO()
            csv.writer(text).writerows(["" if c is None else c for c in row] for row in rows)
            archive.writestr(f"{name}.csv", text.getvalue())
    assert from_workbook(read_sheets(out.getvalue())) == data


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("in-care = yes", {"question": "in-care", "in": ["yes"]}),
        ("plan in [cp, cin]", {"question": "plan", "in": ["cp", "cin"]}),
        ("concerns has neglect", {"question": "concerns", "any_of": ["neglect"]}),
        ("concerns has any [a, b]", {"question": "concerns", "any_of": ["a", "b"]}),
        ("concerns has all [a]", {"question": "concerns", "all_of": ["a"]}),
        ("visits >= 4", {"question": "visits", "at_least": 4}),
        ("visits <= 2.5", {"question": "visits", "at_most": 2.5}),
        ("seen before 2024-04-01", {"question": "seen", "before": "2024-04-01"}),
        ("seen after 2024-04-01", {"question": "seen", "after": "2024-04-01"}),
        (
            "any(a = x, not(b = y))",
            {"any": [{"question": "a", "in": ["x"]}, {"not": {"question": "b", "in": ["y"]}}]},
        ),
        ('{"question": "a", "in": ["x y"]}', {"question": "a", "in": ["x y"]}),
    ],
)
def test_conditions_read_and_write_the_short_way(text: str, condition: Any) -> None:
    assert conditions_text.read(text) == condition
    assert conditions_text.write(condition) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("in-care yes", "has “yes” after “in-care”"),
        ("in-care =", "ends too soon"),
        ("any(a = x, b = y", "ends too soon"),
        ("visits >= many", "has “many” where a number should be"),
        ("a = x b = y", "where the condition should end"),
    ],
)
def test_a_condition_that_cannot_be_read_says_where(text: str, message: str) -> None:
    with pytest.raises(conditions_text.ConditionUnreadable, match=message):
        conditions_text.read(text)


def _sheets() -> dict[str, list[list[Any]]]:
    return to_workbook(every_feature(), notes=False)


def _problems(sheets: dict[str, list[list[Any]]]) -> list[str]:
    with pytest.raises(WorkbookInvalid) as refused:
        from_workbook(sheets)
    return [str(p) for p in refused.value.problems]


def _set(sheets: dict[str, list[list[Any]]], sheet: str, row: int, column: str, value: Any) -> None:
    sheets[sheet][row - 1][sheets[sheet][0].index(column)] = value


def test_three_problems_on_three_sheets_are_reported_at_once() -> None:
    sheets = _sheets()
    _set(sheets, "settings", 5, "value", "weekly audit")  # kind
    _set(sheets, "themes", 2, "limiting", "maybe")
    _set(sheets, "questions", 4, "condition", "visits >= 2")  # visits comes later
    assert _problems(sheets) == [
        "settings, row 5, column value: must be the name of a kind of audit: "
        "at most 16 characters, "
        'lower-case letters, digits and _ only, starting with a letter, e.g. "supervision"',
        "themes, row 2, column limiting: must be yes or no, or left empty (it is “maybe”)",
        'questions, row 4, column condition: condition names "visits", which comes later (at '
        "questions, row 7): it may only name an earlier question",
    ]


def test_problems_found_by_the_loader_are_traced_to_their_cells() -> None:
    sheets = _sheets()
    _set(sheets, "options", 3, "value", "Not Applicable")
    _set(sheets, "questions", 7, "max", "lots")
    _set(sheets, "questions", 5, "scoring", None)
    found = _problems(sheets)
    assert found[0] == (
        "questions, row 7, column max: must be a number, such as 2 or 0.5 (it is “lots”)"
    )
    assert found[1].startswith("options, row 3, column value: must be a slug")
    assert found[2].startswith("options, row 5, column score: option scores count only with")


def test_the_workbooks_own_mistakes_say_where() -> None:
    sheets = _sheets()
    sheets["questions"][0][3] = "txet"
    _set(sheets, "questions", 3, "theme", "nowhere")
    _set(sheets, "questions", 4, "options", "no-such-list")
    _set(sheets, "questions", 2, "id", "a-heading")
    del sheets["options"]
    found = _problems(sheets)
    assert "questions, row 1: unknown column “txet” (did you mean “text”?)" in found
    assert (
        "questions, row 2, column id: a heading row uses only the text column: leave id empty"
    ) in found
    assert (
        "questions, row 3, column theme: names the theme “nowhere”, which is not on the themes "
        "sheet"
    ) in found
    assert "options: the workbook has no sheet named “options”" in found


def test_a_missing_setting_is_named() -> None:
    sheets = _sheets()
    sheets["settings"] = [row for row in sheets["settings"] if row[0] != "title"]
    assert "settings, setting title: is required" in _problems(sheets)


def test_write_xlsx_makes_a_workbook_openpyxl_reads() -> None:
    raw = write_xlsx(to_workbook(every_feature()))
    assert set(read_sheets(raw)) == {"settings", "themes", "questions", "options", "timeliness"}


def test_a_version_with_a_repeating_group_must_stay_json() -> None:
    with pytest.raises(QuestionnaireInvalid) as caught:
        to_workbook(visits_questionnaire())
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "$.themes[0].items[2]",
            "is a repeating group, which the workbook has no rows for yet: this version must "
            "stay JSON (download it as JSON, change it there and upload the JSON file)",
        )
    ]
