"""`flask cases import`, `flask allocations import` and `flask allocations draw`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from tests.builders import cases_csv, load_small_questionnaire
from tests.cases.conftest import events, table_counts


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return str(path)


def test_cases_import_prints_a_summary(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        cases_csv("1001,Child Protection,CP Team 1,A", header="case_id,service,team,name"),
    )
    result = runner.invoke(args=["cases", "import", path])
    assert result.exit_code == 0, result.output
    assert "1 case in the file: 1 created, 0 updated, 0 unchanged." in result.stdout
    assert "New services: Child Protection." in result.stdout
    assert "New teams: CP Team 1." in result.stdout
    assert "Ignored columns (not stored): name." in result.stdout
    assert table_counts(app)["Case"] == 1
    (event,) = events(app, "cases.imported")
    assert event["_actor"] == "command line"


def test_cases_import_lists_every_error_and_imports_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, "cases.csv", cases_csv("1001,CP,T1,", "12 34,CP,T1,", "1001,CP,,"))
    result = runner.invoke(args=["cases", "import", path])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'Line 3: case_id "12 34" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)",
        'Line 4: case_id "1001" is also on line 2; each case must appear once',
        "Line 4: team is empty",
        "Nothing was imported.",
    ]
    assert result.stdout == ""
    assert table_counts(app)["Case"] == 0


def test_cases_import_uses_the_configured_case_id_pattern(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    app.config["CASE_ID_PATTERN"] = r"^\d{6}$"
    path = write(tmp_path, "cases.csv", cases_csv("100824,CP,T1,", "AB12,CP,T1,"))
    result = runner.invoke(args=["cases", "import", path])
    assert result.exit_code == 1
    assert r'Line 3: case_id "AB12" is not a valid case reference (it must match ^\d{6}$)' in (
        result.stderr
    )


def test_cases_import_refuses_a_file_that_is_not_utf8(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, "cases.csv", "case_id,service,team\n1001,Café,T1\n".encode("latin-1"))
    result = runner.invoke(args=["cases", "import", path])
    assert result.exit_code == 1
    assert "The file is not UTF-8 text" in result.stderr
    assert "Nothing was imported." in result.stderr


def test_allocations_import(
    app: Flask, runner: FlaskCliRunner, make_user: Callable[..., str], tmp_path: Path
) -> None:
    runner.invoke(args=["cases", "import", write(tmp_path, "c.csv", cases_csv("1001,CP,T1,"))])
    make_user("auditor1", "auditor")
    load_small_questionnaire(app, "test-audit")
    good = write(
        tmp_path,
        "a.csv",
        "case_id,questionnaire_id,auditor,due\n1001,test-audit,auditor1,2025-03-31\n",
    )
    result = runner.invoke(args=["allocations", "import", good])
    assert result.exit_code == 0, result.output
    assert "1 allocation in the file: 1 created, 0 already allocated." in result.stdout

    bad = write(
        tmp_path,
        "b.csv",
        "case_id,questionnaire_id,auditor,due\n"
        "1001,test-audit,auditor1,2025-04-30\n"
        "1001,test-audit,nobody,2025-04-31\n",
    )
    result = runner.invoke(args=["allocations", "import", bad])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'Line 3: auditor "nobody" is not a user',
        'Line 3: due "2025-04-31" is not a real date',
        "Nothing was imported.",
    ]
    assert table_counts(app)["Allocation"] == 1


def test_allocations_draw(
    app: Flask, runner: FlaskCliRunner, make_user: Callable[..., str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "c.csv",
        cases_csv("A1,Children in Need,Team A,", "B1,Children in Need,Team B,"),
    )
    assert runner.invoke(args=["cases", "import", path]).exit_code == 0
    make_user("auditor-a", "auditor", team="Team A")
    make_user("auditor-b", "auditor", team="Team B")
    load_small_questionnaire(app, "test-audit")
    args = ["allocations", "draw", "--month", "2025-03", "--questionnaire", "test-audit"]
    result = runner.invoke(args=[*args, "--per-auditor", "2", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Allocated 2 cases to 2 auditors for March 2025, due 31 March 2025.",
        "Shortfall: auditor-a has 1 of 2: not enough eligible cases.",
        "Shortfall: auditor-b has 1 of 2: not enough eligible cases.",
        "  auditor-a: B1",
        "  auditor-b: A1",
    ]
    (event,) = events(app, "allocations.drawn")
    assert event["month"] == "2025-03" and event["allocated"] == 2


def test_allocations_draw_refusals(
    app: Flask, runner: FlaskCliRunner, make_user: Callable[..., str]
) -> None:
    make_user("auditor1", "auditor")
    base = ["allocations", "draw", "--per-auditor", "2"]
    result = runner.invoke(args=[*base, "--month", "2025-3x", "--questionnaire", "test-audit"])
    assert result.exit_code == 2
    assert "is not a month in the form YYYY-MM" in result.stderr
    result = runner.invoke(args=[*base, "--month", "2025-03", "--questionnaire", "nope"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        '"nope" is not a questionnaire in use (it is not loaded, is retired, or is a draft not '
        "yet published)",
        "Nothing was allocated.",
    ]
    assert table_counts(app)["Allocation"] == 0
