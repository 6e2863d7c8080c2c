"""Formula neutralising in the CSV exports and the workbook, checked against LibreOffice.

The unit cases pin the rule (audit_app/reporting/cells.py) in Python and in the SQL the exports
run. The LibreOffice tests export audits whose free-text answers (and a team's and a service's
names) are the cells a penetration test tried, open the files in headless LibreOffice Calc, and
check that it evaluated none of them as a formula. In CI (CI=true) a missing LibreOffice fails
the run; elsewhere those tests are skipped with a message saying how to install it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.types import Integer, String

from audit_app.db import get_engine, session_scope
from audit_app.models import Answer, Case, QuestionnaireVersion, Service, Team
from audit_app.reporting import cells
from audit_app.reporting.cells import neutralise, neutralised
from audit_app.reporting.database import ReportReader
from tests.builders import ReportData, add_audit, on
from tests.conftest import IN_CI

# What a penetration test tried, and what else hides a trigger: (text, given a leading ').
CANDIDATES = [
    ("=1+1", True),
    (" =1+1", True),
    ("  +1+1", True),
    ("\u00a0=1+1", True),  # no-break space
    ("\u200b=1+1", True),  # zero-width space
    ("\u2060=1+1", True),  # word joiner
    ("\ufeff=1+1", True),  # byte-order mark
    ("\u3000=1+1", True),  # ideographic space
    ("\u00a0\u200b \u3000-1", True),
    ("\n=1+1", True),
    ("\uff1d1+1", True),  # full-width =
    (" \uff1d1+1", True),
    ("\uff0b1+1", True),  # full-width +
    ("\uff0d1+1", True),  # full-width -
    ("\uff20SUM(1,1)", True),  # full-width @
    ("\ufe661+1", True),  # small =
    ("\u207a1+1", True),  # superscript +
    ("\u2a75", True),  # two equals signs in one character
    ("+1+1", True),
    ("-1+1", True),
    ("-5", True),  # text in a text column: quoted before this rule too
    ("@SUM(1,1)", True),
    (" @SUM(1,1)", True),
    ("\t=1+1", True),
    ("\r=1+1", True),
    ("\tSeen alone", True),  # a tab or carriage return first hides the start: quoted as before
    ("\rSeen alone", True),
    ('=HYPERLINK("http://x","y")', True),
    ("=cmd|' /C calc'!A0", True),
    (" =cmd|' /C calc'!A0", True),
    ("Seen alone", False),
    ("Seen alone = yes", False),
    (" Seen alone", False),
    ("1+1", False),
    ("100005", False),
    ("\u2212 5", False),  # the minus sign: no spreadsheet starts a formula with it
    ("'=1+1", False),  # already text
    ("", False),
    ("   ", False),
    ("\u00a0", False),
]
TEXTS = [text for text, _ in CANDIDATES]


@pytest.mark.parametrize(("text", "quoted"), CANDIDATES)
def test_a_cell_is_quoted_when_a_spreadsheet_could_take_it_for_a_formula(
    text: str, quoted: bool
) -> None:
    assert neutralise(text) == ("'" + text if quoted else text)
    assert neutralise(neutralise(text)) == neutralise(text)  # the same after neutralising


def test_the_trail_csv_neutralises_by_the_same_rule() -> None:
    from audit_app.views.trail import cell

    assert [cell(text) for text in TEXTS] == [neutralise(text) for text in TEXTS]
    assert cell(None) == ""


def test_the_database_neutralises_as_python_does(app: Flask) -> None:
    """The exports compute their cells in SQL: the same rule on SQLite and PostgreSQL."""
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        table = reader.lookup(
            "candidates",
            [("position", Integer), ("text", String)],
            ["position"],
            [*enumerate(TEXTS), (len(TEXTS), None)],
        )
        found = reader.rows(
            select(table.c.position, neutralised(table.c.text)).order_by(table.c.position)
        )
    assert [row[1] for row in found] == [*(neutralise(text) for text in TEXTS), None]


def test_the_blanks_and_triggers_are_all_that_this_unicode_knows() -> None:
    """Every character of categories Zs, Zl, Zp, Cc, Cf (NUL apart) is a blank, and every
    character that NFKC-normalises to a text starting with = + - @ is a trigger. A newer Python
    knows a newer Unicode: add what this test names to audit_app/reporting/cells.py."""
    blank_categories = {"Zs", "Zl", "Zp", "Cc", "Cf"}
    everything = [chr(code) for code in range(1, sys.maxunicode + 1)]
    blanks = {c for c in everything if unicodedata.category(c) in blank_categories}
    missing = sorted(f"U+{ord(c):04X}" for c in blanks - set(cells.BLANKS))
    assert not missing, f"blanks missing from cells.BLANKS: {missing}"
    assert {unicodedata.category(c) for c in cells.BLANKS} <= blank_categories | {"Cn"}
    triggers = {c for c in everything if unicodedata.normalize("NFKC", c)[:1] in set("=+-@")}
    missing = sorted(f"U+{ord(c):04X}" for c in triggers - set(cells.FORMULA_STARTS))
    assert not missing, f"triggers missing from cells.FORMULA_STARTS: {missing}"
    assert set(cells.FORMULA_STARTS) <= triggers | {
        c for c in cells.FORMULA_STARTS if unicodedata.category(c) == "Cn"
    }


# LibreOffice


@dataclass(frozen=True)
class Calc:
    """Headless LibreOffice Calc with a profile of its own."""

    program: str
    profile: Path

    def convert(self, paths: list[Path], out: Path, *, infilter: str | None = None) -> None:
        """Open each file and save it as a workbook in ``out``, in one start of LibreOffice."""
        out.mkdir()
        command = [
            self.program,
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--headless",
            "--norestore",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            *map(str, paths),
        ]
        env = {**os.environ, "HOME": str(self.profile.parent)}
        result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
        made = sorted(p.name for p in out.iterdir())
        wanted = sorted(f"{p.stem}.xlsx" for p in paths)
        assert made == wanted, result.stdout + result.stderr


@pytest.fixture(scope="session")
def calc(tmp_path_factory: pytest.TempPathFactory) -> Calc:
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        message = (
            "LibreOffice Calc is not installed: run 'sudo apt-get install "
            "--no-install-recommends libreoffice-calc' (or 'make libreoffice' as root)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return Calc(program, tmp_path_factory.mktemp("libreoffice") / "profile")


# A CSV file opened as a person can choose to: UTF-8, formulas evaluated, spaces trimmed (which
# makes " =1+1" a formula). Tokens: separator, quote, character set, first line, column types,
# language, quoted fields as text, special numbers, (two for saving), trim spaces, (one for
# saving), evaluate formulas.
CSV_IMPORT = "Text - txt - csv (StarCalc):44,34,76,1,,0,false,false,false,false,true,-1,true"

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(frozen=True)
class Cell:
    type: str  # the cell's t attribute: s, inlineStr, str (a formula's text), n, b, e
    formula: str | None
    text: str


def _sheets(path: Path) -> dict[str, dict[tuple[int, int], Cell]]:
    """Every sheet of a workbook: its cells by (row, column), both from 0, with any formula."""
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            for item in ET.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{MAIN}si"):
                shared.append(_unescaped("".join(t.text or "" for t in item.iter(f"{MAIN}t"))))
        targets = {
            r.get("Id"): r.get("Target", "").removeprefix("/xl/")
            for r in ET.fromstring(book.read("xl/_rels/workbook.xml.rels")).iter(
                f"{RELS}Relationship"
            )
        }
        sheets = {}
        for sheet in ET.fromstring(book.read("xl/workbook.xml")).iter(f"{MAIN}sheet"):
            xml = ET.fromstring(book.read(f"xl/{targets[sheet.get(f'{OFFICE_RELS}id')]}"))
            found = {}
            for cell in xml.iter(f"{MAIN}c"):
                kind = cell.get("t", "n")
                formula = cell.find(f"{MAIN}f")
                value = cell.find(f"{MAIN}v")
                text = value.text or "" if value is not None else ""
                if kind == "s":
                    text = shared[int(text)]
                elif kind == "inlineStr":
                    text = _unescaped("".join(t.text or "" for t in cell.iter(f"{MAIN}t")))
                found[_position(cell.get("r", ""))] = Cell(
                    kind, formula.text if formula is not None else None, text
                )
            sheets[str(sheet.get("name"))] = found
    return sheets


def _unescaped(text: str) -> str:
    """Workbook text with its escaped characters (a carriage return is ``_x000D_``)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _position(reference: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", reference)
    assert match, reference
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)) - 1, column - 1


def _formulas(kind: str, sheet: dict[tuple[int, int], Cell]) -> list[str]:
    return [
        f"{kind} row {row + 1} column {column + 1}: {cell}"
        for (row, column), cell in sorted(sheet.items())
        if cell.formula is not None or cell.type in {"str", "e"}
    ]


def _as_read(text: str) -> str:
    """A line break in a cell reads back as a line feed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _same_text(seen: str, written: str) -> bool:
    """The CSV cell as LibreOffice shows it, opened with its spaces trimmed."""
    return seen in {_as_read(written), _as_read(written).strip(" ")}


def _with_candidates(report_data: ReportData) -> dict[int, str]:
    """An audit per candidate, its comment that candidate; a team's and a service's names are
    candidates too. The audits' ids and the comments stored."""
    app = report_data.app
    with session_scope(app) as session:
        version_id = session.scalars(
            select(QuestionnaireVersion.id).where(
                QuestionnaireVersion.questionnaire_id == "report-audit",
                QuestionnaireVersion.version == 1,
            )
        ).one()
        team_id = report_data.teams["CP Team 2"]
        for number in range(len(TEXTS)):
            session.add(Case(case_ref=f"2000{number:02}", team_id=team_id))
        session.execute(update(Team).where(Team.id == team_id).values(name=" =1+1"))
        session.execute(
            update(Service)
            .where(Service.id == report_data.services["Children in Need"])
            .values(name="\u00a0=cmd|' /C calc'!A0")
        )
    audits = {}
    for number, text in enumerate(TEXTS):
        audit_id = add_audit(
            app,
            f"2000{number:02}",
            "amber",
            version_id,
            created_at=on(9),
            submitted_at=on(10),
            status="submitted",
        )
        audits[audit_id] = text
    with session_scope(app) as session:
        for audit_id, text in audits.items():
            session.add(Answer(audit_id=audit_id, question_id="voice-comment", value=text))
    return audits


def _text(path: Path) -> io.StringIO:
    """A CSV file's text, its line breaks within cells as written."""
    return io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")


def _records(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(_text(path)))


def _export(runner: FlaskCliRunner, tmp_path: Path, kind: str) -> Path:
    out = tmp_path / f"{kind}.{'xlsx' if kind == 'workbook' else 'csv'}"
    result = runner.invoke(args=["export", kind, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_libreoffice_evaluates_no_cell_of_the_csv_exports(
    calc: Calc, report_data: ReportData, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    audits = _with_candidates(report_data)
    files = [_export(runner, tmp_path, kind) for kind in ("audits", "themes", "compliance")]
    files.append(_export(runner, tmp_path, "answers"))
    calc.convert(files, tmp_path / "opened", infilter=CSV_IMPORT)
    seen = {p.stem: _sheets(tmp_path / "opened" / f"{p.stem}.xlsx")[p.stem] for p in files}
    assert [f for kind, sheet in seen.items() for f in _formulas(kind, sheet)] == []

    for path in files:
        written = list(csv.reader(_text(path)))
        for row, line in enumerate(written):
            for column, text in enumerate(line):
                cell = seen[path.stem].get((row, column), Cell("s", None, ""))
                if cell.type == "n":  # an identifier, a percent or a score
                    assert float(cell.text) == float(text), (path.stem, row, column, text)
                else:
                    assert _same_text(cell.text, text), (path.stem, row, column, cell, text)
    comments = {
        int(r["audit_id"]): r["value"] for r in _records(files[-1]) if int(r["audit_id"]) in audits
    }
    assert comments == {audit_id: neutralise(text) for audit_id, text in audits.items()}
    services = {r["service"] for r in _records(files[0])}
    assert "'\u00a0=cmd|' /C calc'!A0" in services


@pytest.mark.slow
def test_libreoffice_evaluates_no_cell_of_the_workbook(
    calc: Calc, report_data: ReportData, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    audits = _with_candidates(report_data)
    workbook = _export(runner, tmp_path, "workbook")
    calc.convert([workbook], tmp_path / "opened")
    written = _sheets(workbook)
    seen = _sheets(tmp_path / "opened" / "workbook.xlsx")
    assert list(seen) == list(written)
    formulas: list[str] = []
    for kind, cells_written in written.items():
        formulas += _formulas(kind, seen[kind])
        assert set(seen[kind]) == set(cells_written), kind
        for position, cell in cells_written.items():
            shown = seen[kind][position]
            assert (shown.type == "n") == (cell.type == "n"), (kind, position, cell, shown)
            if cell.type == "n":
                assert float(shown.text) == float(cell.text), (kind, position, cell, shown)
            else:
                assert shown.text == cell.text, (kind, position, cell, shown)
    assert formulas == []
    shown = {cell.text for cell in seen["answers"].values()}
    for text in audits.values():
        assert not text or neutralise(text) in shown, text
