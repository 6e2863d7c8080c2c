"""Questionnaire workbooks as files: .xlsx read with openpyxl and written with XlsxWriter, or
CSV sheets (a folder, or a .zip, of settings.csv, themes.csv, questions.csv and options.csv).

The converting itself is pure (``audit_app.core.workbook``); this module reads and writes the
bytes, and turns the workbook's problems into the loader's ``FileProblem``s.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

from audit_app.core.questionnaire import QuestionnaireInvalid
from audit_app.core.workbook import (
    Cell,
    Place,
    WorkbookInvalid,
    WorkbookProblem,
    from_workbook,
    to_workbook,
)
from audit_app.core.workbook_columns import COLUMNS, SHEETS
from audit_app.services.questionnaires import FileProblem, LoadRefused, parse_file

WORKBOOK_SUFFIXES = (".xlsx", ".zip")
_ZIP = b"PK\x03\x04"
_FIXED_TIME = datetime(2026, 1, 1)
"""The time written into every workbook made here, so that the same questionnaire makes the
same bytes (the committed template is checked against its generator)."""
_ROWS_CHECKED = 500
"""How many rows below the headings the yes/no and type lists are offered on."""


def is_workbook(source: str, raw: bytes) -> bool:
    """Whether an uploaded or named file is a workbook (or a .zip of CSV sheets)."""
    return raw.startswith(_ZIP) and source.lower().endswith(WORKBOOK_SUFFIXES)


def _unreadable(message: str) -> WorkbookInvalid:
    return WorkbookInvalid([WorkbookProblem(Place("workbook"), message)])


def read_sheets(raw: bytes) -> dict[str, list[list[Cell]]]:
    """The sheets of an .xlsx file or a .zip of CSV files; WorkbookInvalid when unreadable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        raise _unreadable("cannot be read: save it as an Excel workbook (.xlsx)") from None
    if "xl/workbook.xml" in names:
        return _xlsx_sheets(raw)
    sheets: dict[str, list[list[Cell]]] = {}
    for name in names:
        if name.lower().endswith(".csv") and not name.startswith("__MACOSX"):
            text = _decoded(archive.read(name), name)
            sheets[Path(name).stem] = [list(row) for row in csv.reader(io.StringIO(text))]
    if not sheets:
        raise _unreadable("holds no workbook and no CSV sheets: save it as .xlsx")
    return sheets


def _decoded(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _unreadable(f"{name} is not UTF-8: save the CSV sheet with UTF-8 encoding") from None


def _xlsx_sheets(raw: bytes) -> dict[str, list[list[Cell]]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(f"cannot be read as a workbook ({type(exc).__name__})") from None
    try:
        return {
            sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


def read_csv_folder(folder: Path) -> dict[str, list[list[Cell]]]:
    """The CSV sheets in a folder, one sheet per ``.csv`` file named after it."""
    sheets: dict[str, list[list[Cell]]] = {}
    for path in sorted(folder.glob("*.csv")):
        text = _decoded(path.read_bytes(), path.name)
        sheets[path.stem] = [list(row) for row in csv.reader(io.StringIO(text))]
    return sheets


def questionnaire_json(sheets: Mapping[str, Sequence[Sequence[Cell]]]) -> str:
    """The workbook's questionnaire as JSON text; WorkbookInvalid lists every problem."""
    return json.dumps(from_workbook(sheets), indent=2, ensure_ascii=False) + "\n"


def file_problems(source: str, invalid: WorkbookInvalid) -> LoadRefused:
    """A workbook's problems as the loader's refusal: each at its sheet, row and column."""
    return LoadRefused([FileProblem(source, str(p.place), p.message) for p in invalid.problems])


def converted_upload(source: str, raw: bytes) -> bytes:
    """An uploaded workbook as its questionnaire's JSON bytes; LoadRefused lists its problems."""
    try:
        return questionnaire_json(read_sheets(raw)).encode("utf-8")
    except WorkbookInvalid as invalid:
        raise file_problems(source, invalid) from None


def upload_as_json(source: str, raw: bytes, *, max_bytes: int) -> bytes:
    """An uploaded file as the questionnaire JSON to check: a workbook converted (LoadRefused
    lists its problems at their sheet, row and column), any other file as it came."""
    if not is_workbook(source, raw):
        return raw
    if len(raw) > max_bytes:
        message = f"the workbook is larger than {max_bytes // 1024:,} KB, the most a file can be"
        raise LoadRefused([FileProblem(source, "workbook", message)])
    return converted_upload(source, raw)


def workbook_bytes(data: Mapping[str, Any]) -> bytes:
    """A questionnaire's JSON (already decoded) as an .xlsx workbook; QuestionnaireInvalid when
    the JSON is not a valid questionnaire."""
    return write_xlsx(to_workbook(data))


def write_xlsx(sheets: Mapping[str, Sequence[Sequence[Cell]]]) -> bytes:
    """Sheets as an .xlsx workbook: headings in bold, notes in grey, and lists to choose from
    in the columns that take yes or no, a type or a rule."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    book.set_properties({"created": _FIXED_TIME, "author": "", "title": "Questionnaire"})
    bold = book.add_format({"bold": True, "bottom": 1})
    note = book.add_format({"italic": True, "font_color": "#505a5f", "text_wrap": True})
    for name in SHEETS:
        sheet = book.add_worksheet(name)
        rows = sheets.get(name, [])
        for r, row in enumerate(rows):
            is_note = isinstance(row[0], str) and row[0].startswith("#")
            style = bold if r == 0 else note if is_note else None
            for c, value in enumerate(row):
                _write(sheet, r, c, value, style)
        _lay_out(sheet, name, rows)
    book.close()
    return out.getvalue()


def _write(sheet: Any, row: int, column: int, value: Cell, style: Any) -> None:
    if value is None:
        if style is not None:
            sheet.write_blank(row, column, None, style)
    elif isinstance(value, bool):
        sheet.write_string(row, column, "yes" if value else "no", style)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, style)
    else:
        sheet.write_string(row, column, str(value), style)


def _lay_out(sheet: Any, name: str, rows: Sequence[Sequence[Cell]]) -> None:
    """Column widths, the headings kept in view, and the lists to choose from."""
    columns = COLUMNS[name]
    sheet.freeze_panes(1, 0)
    for c, column in enumerate(columns):
        wide = column.name in ("text", "help", "description", "label", "descriptor", "title")
        sheet.set_column(c, c, 50 if wide else 18)
        if column.choices and name != "settings":
            sheet.data_validation(
                1,
                c,
                max(len(rows), _ROWS_CHECKED),
                c,
                {
                    "validate": "list",
                    "source": list(column.choices),
                    "error_title": column.name,
                    "error_message": "Choose one of: " + ", ".join(column.choices),
                    "ignore_blank": True,
                },
            )


def _cannot_read(source: str, exc: OSError) -> LoadRefused:
    return LoadRefused([FileProblem(source, "workbook", f"cannot be read: {exc.strerror or exc}")])


def json_of_workbook_file(path: Path) -> str:
    """A workbook file (.xlsx, a .zip of CSV sheets, or a folder of them) as the JSON text of
    its questionnaire; LoadRefused lists every problem at its sheet, row and column."""
    try:
        sheets = read_csv_folder(path) if path.is_dir() else read_sheets(path.read_bytes())
        return questionnaire_json(sheets)
    except OSError as exc:
        raise _cannot_read(path.name, exc) from None
    except WorkbookInvalid as invalid:
        raise file_problems(path.name, invalid) from None


def workbook_of_json_file(path: Path) -> bytes:
    """A questionnaire's JSON file (either format) as an .xlsx workbook; LoadRefused lists
    every problem when it is not a valid questionnaire."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _cannot_read(path.name, exc) from None
    text = parse_file(path.name, raw).text
    try:
        return workbook_bytes(json.loads(text))
    except QuestionnaireInvalid as invalid:
        problems = [FileProblem(path.name, p.path, p.message) for p in invalid.problems]
        raise LoadRefused(problems) from None


def write_bytes_atomically(target: Path, raw: bytes) -> None:
    """Write a file that appears whole or not at all (the folder must exist)."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(raw)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
