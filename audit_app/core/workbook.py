"""Questionnaires as workbooks: sheets of rows to format 2 JSON, and any questionnaire back.

A workbook has four sheets (``settings``, ``themes``, ``questions``, ``options``), each a list of
rows whose first row names the columns (``workbook_columns`` lists them). Reading gives the
questionnaire's JSON, or ``WorkbookInvalid`` listing every problem at once, each at its sheet,
row and column: the workbook's own (a yes/no column holding "maybe", a condition that cannot be
read) and the loader's, its JSON paths traced back to the cells they came from. Pure: the cells
come from the caller, who reads the file.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from audit_app.core import conditions_text
from audit_app.core.questionnaire import (
    FORMAT_2,
    Problem,
    QuestionnaireInvalid,
    json_path,
    plain_number,
    upgrade,
    validate_questionnaire,
)
from audit_app.core.workbook_columns import (
    COLUMNS,
    GRADE_ROW,
    NO,
    OPTIONAL_SHEETS,
    OPTIONS,
    QUESTIONS,
    RULE_KEYS,
    SECTION_KEYS,
    SETTING_ROWS,
    SETTINGS,
    SHEETS,
    THEMES,
    TIMELINESS,
    YES,
    Column,
)

Cell = str | int | float | bool | date | None
Rows = Sequence[Sequence[Cell]]
Sheets = Mapping[str, Rows]
Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Place:
    """Where in the workbook: a sheet, perhaps a row, perhaps a column (for a setting not
    given, its name)."""

    sheet: str
    row: int = 0
    column: str = ""

    def __str__(self) -> str:
        """e.g. "questions, row 14, column condition"."""
        parts = [self.sheet]
        if self.row:
            parts.append(f"row {self.row}")
            if self.column:
                parts.append(f"column {self.column}")
        elif self.column:
            parts.append(f"setting {self.column}" if self.sheet == SETTINGS else self.column)
        return ", ".join(parts)

    def order(self) -> tuple[int, int, int]:
        """Sheets in workbook order, then rows, then columns."""
        sheet = SHEETS.index(self.sheet) if self.sheet in SHEETS else len(SHEETS)
        names = [c.name for c in COLUMNS.get(self.sheet, ())]
        column = names.index(self.column) if self.column in names else len(names)
        return sheet, self.row, column


@dataclass(frozen=True)
class WorkbookProblem:
    """One thing wrong with a workbook, at one place."""

    place: Place
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class WorkbookInvalid(ValueError):
    """A workbook was refused; ``problems`` lists every problem in workbook order."""

    def __init__(self, problems: Iterable[WorkbookProblem]) -> None:
        unique = dict.fromkeys(problems)
        self.problems = tuple(sorted(unique, key=lambda p: (p.place.order(), p.message)))
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------


class _Unreadable(ValueError):
    """A cell that cannot be read as its column's kind."""


_NUMBER = re.compile(r"^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$")
_BAND = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*\+\s*:\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$")


def is_blank(cell: Cell) -> bool:
    """An empty cell, or one holding only spaces."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Cell) -> str:
    if isinstance(cell, bool):
        return YES if cell else NO
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int | float):
        return plain_number(cell)
    return str(cell)


def _number(cell: Cell) -> int | float:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return int(cell) if isinstance(cell, float) and cell.is_integer() else cell
    text = _text(cell)
    if not _NUMBER.match(text):
        raise _Unreadable(f"must be a number, such as 2 or 0.5 (it is “{text}”)")
    value = float(text)
    return (
        int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    )


def _yes_no(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    text = _text(cell).strip().casefold()
    if text in ("yes", "true", "y"):
        return True
    if text in ("no", "false", "n"):
        return False
    raise _Unreadable(f"must be yes or no, or left empty (it is “{_text(cell)}”)")


def read_bands(text: str) -> list[dict[str, Any]] | Any:
    """A number question's bands from "10+: 3; 5+: 2; 0+: 0" (or JSON)."""
    if text.strip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Unreadable(f"is not valid JSON: {exc.msg}") from None
    bands = []
    for part in (p for p in text.split(";") if p.strip()):
        match = _BAND.match(part)
        if match is None:
            raise _Unreadable(
                f"cannot be read at “{part.strip()}”: write each band as the lowest answer, "
                "a plus and its score, highest first, such as 10+: 3; 5+: 2; 0+: 0"
            )
        bands.append({"min": _number(match[1]), "score": _number(match[2])})
    return bands


def write_bands(bands: list[dict[str, Any]]) -> str:
    """Bands the short way, or as JSON when that would not read back the same."""
    text = "; ".join(f"{_plain(b['min'])}+: {_plain(b['score'])}" for b in bands)
    try:
        if read_bands(text) == bands and all(set(b) == {"min", "score"} for b in bands):
            return text
    except (_Unreadable, KeyError):
        pass
    return json.dumps(bands, ensure_ascii=False)


def _plain(value: Any) -> str:
    return (
        str(value) if isinstance(value, float) and not value.is_integer() else plain_number(value)
    )


def read_cell(cell: Cell, column: Column) -> Any:
    """A non-blank cell as its column's JSON value; _Unreadable says why it cannot be."""
    if column.kind == "number":
        return _number(cell)
    if column.kind == "yesno":
        return _yes_no(cell)
    if column.kind == "condition":
        try:
            return conditions_text.read(_text(cell))
        except conditions_text.ConditionUnreadable as unreadable:
            raise _Unreadable(f"cannot be read: the condition {unreadable}") from None
    if column.kind == "bands":
        return read_bands(_text(cell))
    if column.kind == "words":
        return [word.strip() for word in _text(cell).split(",") if word.strip()]
    return _text(cell)


def write_cell(value: Any, column: Column) -> Cell:
    """A JSON value as its column's cell."""
    if column.kind == "yesno":
        return YES if value else NO
    if column.kind == "condition":
        return conditions_text.write(value)
    if column.kind == "bands":
        return write_bands(value)
    if column.kind == "words":
        return ", ".join(str(word) for word in value)
    if column.kind == "number" and isinstance(value, int | float):
        return value
    return str(value)


# --------------------------------------------------------------------------------------
# Reading sheets
# --------------------------------------------------------------------------------------


@dataclass
class Row:
    """A data row: its number in the sheet and its cells by column name."""

    number: int
    cells: dict[str, Cell]

    def given(self, name: str) -> bool:
        return not is_blank(self.cells.get(name))


def _heading_key(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").casefold().split())


@dataclass
class _Reading:
    """Everything read so far: the JSON built, where each part came from, and the problems."""

    origins: dict[str, Place] = field(default_factory=dict)
    problems: list[WorkbookProblem] = field(default_factory=list)

    def problem(self, place: Place, message: str) -> None:
        self.problems.append(WorkbookProblem(place, message))

    def place(self, loc: Loc, sheet: str, row: int, columns: Iterable[Column] = ()) -> None:
        """Note that ``loc`` came from a row, and each column's key from its cell."""
        self.origins[json_path(loc)] = Place(sheet, row)
        for column in columns:
            if column.key:
                self.origins[json_path((*loc, column.key))] = Place(sheet, row, column.name)

    def fill(self, target: dict[str, Any], row: Row, sheet: str, columns: Iterable[Column]) -> None:
        """Put each given cell's value under its column's key; a cell that cannot be read is a
        problem and leaves its key out."""
        for column in columns:
            if not column.key or not row.given(column.name):
                continue
            try:
                target[column.key] = read_cell(row.cells[column.name], column)
            except _Unreadable as unreadable:
                self.problem(Place(sheet, row.number, column.name), str(unreadable))

    def rows(self, sheets: Sheets, sheet: str) -> list[Row]:
        """A sheet's data rows, skipping empty rows and notes (a first cell starting with #);
        unknown columns are problems."""
        found = {_heading_key(name): rows for name, rows in sheets.items()}
        raw = found.get(sheet)
        if raw is None:
            if sheet not in OPTIONAL_SHEETS:
                self.problem(Place(sheet), f"the workbook has no sheet named “{sheet}”")
            return []
        header, names = self._header(raw, sheet)
        rows = []
        for number, cells in enumerate(raw[header + 1 :], start=header + 2):
            if all(is_blank(c) for c in cells) or _text(cells[0]).lstrip().startswith("#"):
                continue
            values = {name: cells[i] for i, name in names.items() if i < len(cells)}
            rows.append(Row(number, values))
        return rows

    def _header(self, raw: Rows, sheet: str) -> tuple[int, dict[int, str]]:
        """The first row that is not blank or a note names the columns."""
        header = 0
        while header < len(raw) and (
            all(is_blank(c) for c in raw[header]) or _text(raw[header][0]).startswith("#")
        ):
            header += 1
        known = {_heading_key(c.name): c.name for c in COLUMNS[sheet]}
        names: dict[int, str] = {}
        for i, cell in enumerate(raw[header] if header < len(raw) else ()):
            if is_blank(cell):
                continue
            key = _heading_key(_text(cell))
            if key in known:
                names[i] = known[key]
            else:
                self.problem(Place(sheet, header + 1), _unknown_column(_text(cell), known.values()))
        return header, names


def _unknown_column(name: str, known: Iterable[str]) -> str:
    allowed = list(known)
    close = difflib.get_close_matches(_heading_key(name), allowed, n=1, cutoff=0.6)
    hint = f"did you mean “{close[0]}”?" if close else "the columns are " + ", ".join(allowed)
    return f"unknown column “{name}” ({hint})"


# --------------------------------------------------------------------------------------
# Workbook to JSON
# --------------------------------------------------------------------------------------

_SETTING_BY_NAME = {_heading_key(c.name): c for c in SETTING_ROWS}
_VALUE = Column("value", "", "text", "")


def _read_settings(reading: _Reading, sheets: Sheets) -> dict[str, Any]:
    """The questionnaire's own keys and its grading, from the settings sheet."""
    data: dict[str, Any] = {"format": FORMAT_2}
    overall: dict[str, Any] = {}
    bands: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in reading.rows(sheets, SETTINGS):
        name = _heading_key(_text(row.cells.get("setting")))
        if name == GRADE_ROW:
            bands.append(_read_grade(reading, row, len(bands)))
            continue
        setting = _SETTING_BY_NAME.get(name)
        if setting is None:
            reading.problem(Place(SETTINGS, row.number, "setting"), _unknown_setting(row))
            continue
        if name in seen:
            message = f"“{setting.name}” is set again: it is already set in row {seen[name]}"
            reading.problem(Place(SETTINGS, row.number, "setting"), message)
            continue
        seen[name] = row.number
        target = overall if setting.key in _OVERALL_KEYS else data
        _read_setting(reading, row, setting, target)
    for setting in SETTING_ROWS:
        if setting.key not in (*overall, *data):
            reading.origins.setdefault(json_path((setting.key,)), Place(SETTINGS, 0, setting.name))
    data["grading"] = {"bands": bands, **_overall(overall)}
    reading.origins.setdefault(json_path(("grading", "overall")), Place(SETTINGS, 0, "overall"))
    reading.origins[json_path(("grading", "bands"))] = Place(SETTINGS, 0, "grade")
    return data


def _unknown_setting(row: Row) -> str:
    given = _text(row.cells.get("setting"))
    names = [c.name for c in SETTING_ROWS] + [GRADE_ROW]
    close = difflib.get_close_matches(_heading_key(given), names, n=1, cutoff=0.6)
    hint = f"did you mean “{close[0]}”?" if close else "the settings are " + ", ".join(names)
    return f"unknown setting “{given}” ({hint})" if given.strip() else f"names no setting ({hint})"


_SETTING_LOCS: dict[str, tuple[Loc, ...]] = {
    "overall": (("grading", "overall"), ("grading", "overall", "rule")),
    "capped_by_worst_band": (("grading", "overall", "capped_by_worst_band"),),
    "graded_by": (("grading", "overall", "graded_by"),),
}


def _read_setting(reading: _Reading, row: Row, setting: Column, target: dict[str, Any]) -> None:
    """One setting's value; a blank one is left out, for the loader to say if it is needed."""
    place = Place(SETTINGS, row.number, "value")
    for loc in _SETTING_LOCS.get(setting.key, ((setting.key,),)):
        reading.origins[json_path(loc)] = place
    if not row.given("value"):
        return
    try:
        target[setting.key] = read_cell(row.cells["value"], setting)
    except _Unreadable as unreadable:
        reading.problem(place, str(unreadable))


_OVERALL_KEYS = ("overall", "capped_by_worst_band", "graded_by")
"""The settings that make the overall rule: the rule's name first."""


def _overall(given: dict[str, Any]) -> dict[str, Any]:
    """The overall rule as a name alone, or as an object when capping by the worst band is set."""
    more = {k: given[k] for k in _OVERALL_KEYS[1:] if k in given}
    if not more:
        return {"overall": given["overall"]} if "overall" in given else {}
    rule = {"rule": given["overall"]} if "overall" in given else {}
    return {"overall": {**rule, **more}}


_GRADE_COLUMNS = (Column("value", "grade", "text", ""), *COLUMNS[SETTINGS][2:])


def _read_grade(reading: _Reading, row: Row, index: int) -> dict[str, Any]:
    band: dict[str, Any] = {}
    reading.place(("grading", "bands", index), SETTINGS, row.number, _GRADE_COLUMNS)
    reading.fill(band, row, SETTINGS, _GRADE_COLUMNS)
    return band


def _read_options(reading: _Reading, sheets: Sheets) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Each option list by name, with each option's row."""
    lists: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    name = ""
    for row in reading.rows(sheets, OPTIONS):
        if row.given("list"):
            name = _text(row.cells["list"]).strip()
        elif not name:
            reading.problem(Place(OPTIONS, row.number, "list"), "needs the name of its list")
            continue
        option: dict[str, Any] = {}
        reading.fill(option, row, OPTIONS, OPTION_COLUMNS_WITH_KEYS)
        lists.setdefault(name, []).append((row.number, option))
    return lists


OPTION_COLUMNS_WITH_KEYS = tuple(c for c in COLUMNS[OPTIONS] if c.key)


def _read_themes(reading: _Reading, sheets: Sheets) -> list[dict[str, Any]]:
    themes: list[dict[str, Any]] = []
    for row in reading.rows(sheets, THEMES):
        theme: dict[str, Any] = {}
        reading.place(("themes", len(themes)), THEMES, row.number, COLUMNS[THEMES])
        reading.fill(theme, row, THEMES, COLUMNS[THEMES])
        theme["items"] = []
        reading.origins[json_path(("themes", len(themes), "items"))] = Place(THEMES, row.number)
        themes.append(theme)
    reading.origins[json_path(("themes",))] = Place(THEMES)
    return themes


_ONLY = {
    "heading": ("text",),
    "guidance": ("text",),
    "section": tuple(SECTION_KEYS),
    "end section": (),
}
_BASIC = ("theme", "type")


@dataclass
class _Placing:
    """Where the questions sheet's rows go: the theme of the row above and an open section."""

    themes: list[dict[str, Any]]
    lists: dict[str, list[tuple[int, dict[str, Any]]]]
    theme: str | None = None
    section: tuple[int, Loc, list[Any]] | None = None

    def theme_index(self) -> int | None:
        return next((t for t, th in enumerate(self.themes) if th.get("id") == self.theme), None)

    def target(self, t: int) -> tuple[Loc, list[Any]]:
        """The list a row's item joins, with its location: the open section's, or the theme's."""
        if self.section is not None and self.section[0] == t:
            return self.section[1], self.section[2]
        return ("themes", t, "items"), self.themes[t]["items"]


def _read_questions(reading: _Reading, sheets: Sheets, placing: _Placing) -> None:
    """Each row of the questions sheet into its theme, in row order."""
    for row in reading.rows(sheets, QUESTIONS):
        if row.given("theme"):
            name = _text(row.cells["theme"]).strip()
            if name != placing.theme:
                placing.theme, placing.section = name, None
        elif placing.theme is None:
            reading.problem(Place(QUESTIONS, row.number, "theme"), "needs the theme's id")
            continue
        t = placing.theme_index()
        if t is None:
            message = f"names the theme “{placing.theme}”, which is not on the themes sheet"
            reading.problem(Place(QUESTIONS, row.number, "theme"), message)
            continue
        kind = _heading_key(_text(row.cells.get("type"))) if row.given("type") else ""
        if kind in _ONLY and _only_columns(reading, row, kind):
            _read_layout(reading, row, kind, t, placing)
        elif kind not in _ONLY:
            _read_question(reading, row, t, placing)


def _only_columns(reading: _Reading, row: Row, kind: str) -> bool:
    """Whether a heading, guidance, section or end section row fills only its own columns."""
    extra = [n for n in row.cells if row.given(n) and n not in (*_BASIC, *_ONLY[kind])]
    allowed = " and ".join(_ONLY[kind])
    for name in extra:
        uses = f"uses only the {allowed} column{'s' if len(_ONLY[kind]) > 1 else ''}"
        message = f"a {kind} row {uses if allowed else 'uses no other column'}: leave {name} empty"
        reading.problem(Place(QUESTIONS, row.number, name), message)
    return not extra


def _read_layout(reading: _Reading, row: Row, kind: str, t: int, placing: _Placing) -> None:
    """A heading, guidance, or a section's start or end."""
    if kind == "end section":
        if placing.section is None:
            reading.problem(Place(QUESTIONS, row.number, "type"), "there is no section to end")
        placing.section = None
        return
    if kind == "section":
        placing.section = None
    loc, items = placing.target(t)
    loc = (*loc, len(items))
    reading.origins[json_path(loc)] = Place(QUESTIONS, row.number)
    if kind != "section":
        reading.origins[json_path((*loc, kind))] = Place(QUESTIONS, row.number, "text")
        items.append({kind: _text(row.cells["text"]) if row.given("text") else ""})
        return
    body: dict[str, Any] = {}
    columns = [
        Column(n, k, "condition" if n == "condition" else "text", "")
        for n, k in SECTION_KEYS.items()
    ]
    reading.place((*loc, "section"), QUESTIONS, row.number, columns)
    reading.fill(body, row, QUESTIONS, columns)
    body["items"] = []
    reading.origins[json_path((*loc, "section", "items"))] = Place(QUESTIONS, row.number)
    items.append({"section": body})
    placing.section = (t, (*loc, "section", "items"), body["items"])


_QUESTION_COLUMNS = tuple(c for c in COLUMNS[QUESTIONS] if c.key)


def _read_question(reading: _Reading, row: Row, t: int, placing: _Placing) -> None:
    """A question, with the options of the list it names."""
    loc, items = placing.target(t)
    loc = (*loc, len(items))
    question: dict[str, Any] = {}
    reading.place(loc, QUESTIONS, row.number, _QUESTION_COLUMNS)
    reading.fill(question, row, QUESTIONS, [c for c in _QUESTION_COLUMNS if c.kind != "list"])
    if row.given("options"):
        name = _text(row.cells["options"]).strip()
        found = placing.lists.get(name)
        if found is None:
            message = f"names the list “{name}”, which is not on the options sheet"
            reading.problem(Place(QUESTIONS, row.number, "options"), message)
        else:
            for k, (number, _) in enumerate(found):
                reading.place((*loc, "options", k), OPTIONS, number, OPTION_COLUMNS_WITH_KEYS)
            question["options"] = [dict(option) for _, option in found]
    items.append(question)


_MEASURE_COLUMNS = tuple(c for c in COLUMNS[TIMELINESS] if c.key and c.key not in RULE_KEYS)
_RULE_COLUMNS = tuple(c for c in COLUMNS[TIMELINESS] if c.key in RULE_KEYS)


def _read_timeliness(reading: _Reading, sheets: Sheets, themes: list[dict[str, Any]]) -> None:
    """Each timeliness measure into its theme's list, in row order."""
    theme: str | None = None
    for row in reading.rows(sheets, TIMELINESS):
        theme = _text(row.cells["theme"]).strip() if row.given("theme") else theme
        t = next((i for i, th in enumerate(themes) if th.get("id") == theme), None)
        if t is None:
            message = (
                f"names the theme “{theme}”, which is not on the themes sheet"
                if theme
                else "needs the theme's id"
            )
            reading.problem(Place(TIMELINESS, row.number, "theme"), message)
            continue
        measures = themes[t].setdefault("timeliness", [])
        loc: Loc = ("themes", t, "timeliness", len(measures))
        measure: dict[str, Any] = {}
        rule: dict[str, Any] = {}
        reading.place(loc, TIMELINESS, row.number, _MEASURE_COLUMNS)
        reading.place((*loc, "rule"), TIMELINESS, row.number, _RULE_COLUMNS)
        reading.fill(measure, row, TIMELINESS, _MEASURE_COLUMNS)
        reading.fill(rule, row, TIMELINESS, _RULE_COLUMNS)
        measures.append({**measure, "rule": rule})


_PATH = re.compile(r'\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\]|\["(?:[^"\\]|\\.)*"\])*')
_PART = re.compile(r'\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\]|\["(?:[^"\\]|\\.)*"\]')


def place_of(path: str, origins: Mapping[str, Place]) -> Place:
    """The cell a JSON path came from: the path's own, or the nearest enclosing one noted."""
    parts = _PART.findall(path[1:])
    for end in range(len(parts), 0, -1):
        found = origins.get("$" + "".join(parts[:end]))
        if found is not None:
            return found
    return Place("workbook")


def _in_workbook_words(message: str, origins: Mapping[str, Place]) -> str:
    """A loader's message with the JSON paths it names written as places in the workbook."""
    message = _PATH.sub(lambda m: str(place_of(m.group(), origins)), message)
    return message.replace("show_if", "condition")


def _loader_problems(data: dict[str, Any], reading: _Reading) -> list[WorkbookProblem]:
    try:
        validate_questionnaire(data)
    except QuestionnaireInvalid as invalid:
        return [
            WorkbookProblem(
                place_of(p.path, reading.origins), _in_workbook_words(p.message, reading.origins)
            )
            for p in invalid.problems
        ]
    return []


_TOP_KEYS = (
    "format",
    "id",
    "version",
    "title",
    "kind",
    "subject",
    "description",
    "grading",
    "themes",
)


def from_workbook(sheets: Sheets) -> dict[str, Any]:
    """A workbook's questionnaire as format 2 JSON; WorkbookInvalid lists every problem."""
    reading = _Reading()
    data = _read_settings(reading, sheets)
    lists = _read_options(reading, sheets)
    themes = _read_themes(reading, sheets)
    _read_questions(reading, sheets, _Placing(themes, lists))
    _read_timeliness(reading, sheets, themes)
    data["themes"] = themes
    data = {key: data[key] for key in _TOP_KEYS if key in data}
    taken = {p.place for p in reading.problems}
    problems = reading.problems + [
        p for p in _loader_problems(data, reading) if p.place not in taken
    ]
    if problems:
        raise WorkbookInvalid(problems)
    return data


# --------------------------------------------------------------------------------------
# JSON to workbook
# --------------------------------------------------------------------------------------


def to_workbook(data: Mapping[str, Any], *, notes: bool = True) -> dict[str, list[list[Cell]]]:
    """A valid questionnaire's JSON (either format) as a workbook's sheets, each headed by its
    column names and, with ``notes``, a row of guidance (a note, which reading skips).

    QuestionnaireInvalid when the JSON is not a valid questionnaire. Reading the sheets back
    gives the JSON in format 2: the same as ``upgrade`` gives for a format 1 file.
    """
    validate_questionnaire(data)
    content = upgrade(dict(data))
    _refuse_repeats(content)
    lists = _OptionLists()
    sheets = {
        SETTINGS: _settings_rows(content),
        THEMES: [_row(theme, COLUMNS[THEMES]) for theme in content["themes"]],
        QUESTIONS: _question_rows(content["themes"], lists),
        OPTIONS: lists.rows(),
        TIMELINESS: _timeliness_rows(content["themes"]),
    }
    written = {name: [*_heads(name, notes), *rows] for name, rows in sheets.items()}
    if from_workbook(written) != content:
        # A key of the format the workbook has no column for yet: refuse rather than lose it.
        message = "holds something the workbook has no column for yet: keep it as JSON"
        raise QuestionnaireInvalid([Problem("$", message)])
    return written


REPEAT_REFUSED = (
    "is a repeating group, which the workbook has no rows for yet: this version must stay "
    "JSON (download it as JSON, change it there and upload the JSON file)"
)


def _refuse_repeats(content: Mapping[str, Any]) -> None:
    """Refuse, at each group's path, a questionnaire holding repeating groups."""
    found = [
        Problem(json_path(("themes", t, "items", n)), REPEAT_REFUSED)
        for t, theme in enumerate(content["themes"])
        for n, item in enumerate(theme["items"])
        if isinstance(item, Mapping) and "repeat" in item
    ]
    if found:
        raise QuestionnaireInvalid(found)


def _heads(sheet: str, notes: bool) -> list[list[Cell]]:
    columns = COLUMNS[sheet]
    heads: list[list[Cell]] = [[c.name for c in columns]]
    if notes:
        heads.append([f"# {c.guidance}" if i == 0 else c.guidance for i, c in enumerate(columns)])
    return heads


def _row(source: Mapping[str, Any], columns: Sequence[Column]) -> list[Cell]:
    return [write_cell(source[c.key], c) if c.key and c.key in source else None for c in columns]


def _settings_rows(content: Mapping[str, Any]) -> list[list[Cell]]:
    grading = content["grading"]
    overall = grading["overall"]
    given = dict(content)
    if isinstance(overall, dict):
        given.update({k: v for k, v in overall.items() if k != "rule"})
        if "rule" in overall:
            given["overall"] = overall["rule"]
    else:
        given["overall"] = overall
    rows: list[list[Cell]] = [
        [setting.name, write_cell(given[setting.key], setting), None, None]
        for setting in SETTING_ROWS
        if setting.key in given
    ]
    for band in grading["bands"]:
        rows.append([GRADE_ROW, *_row(band, _GRADE_COLUMNS)])
    return rows


class _OptionLists:
    """Option lists shared by the questions that have the same options, each named once."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.lists: dict[str, list[dict[str, Any]]] = {}

    def name_of(self, options: list[dict[str, Any]]) -> str:
        kept = [{k: v for k, v in o.items() if not (k == "score" and v is None)} for o in options]
        key = json.dumps(kept, sort_keys=True)
        if key not in self.names:
            base = "-".join(str(o.get("value", "")) for o in kept)[:40].strip("-") or "options"
            name, n = base, 1
            while name in self.lists:
                n += 1
                name = f"{base}-{n}"
            self.names[key] = name
            self.lists[name] = kept
        return self.names[key]

    def rows(self) -> list[list[Cell]]:
        columns = COLUMNS[OPTIONS]
        return [
            [name if i == 0 else None, *_row(option, columns[1:])]
            for name, options in self.lists.items()
            for i, option in enumerate(options)
        ]


def _question_rows(themes: list[dict[str, Any]], lists: _OptionLists) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for theme in themes:
        items = theme["items"]
        for n, item in enumerate(items):
            rows.extend(_item_rows(theme["id"], item, lists))
            following = items[n + 1] if n + 1 < len(items) else None
            if "section" in item and following is not None and "section" not in following:
                rows.append(_layout_row(theme["id"], "end section", {}))
    return rows


def _layout_row(theme: str, kind: str, cells: Mapping[str, Cell]) -> list[Cell]:
    given = {"theme": theme, "type": kind, **cells}
    return [given.get(c.name) for c in COLUMNS[QUESTIONS]]


def _item_rows(theme: str, item: Mapping[str, Any], lists: _OptionLists) -> list[list[Cell]]:
    if "heading" in item or "guidance" in item:
        kind = "heading" if "heading" in item else "guidance"
        return [_layout_row(theme, kind, {"text": item[kind]})]
    if "section" in item:
        body = item["section"]
        cells: dict[str, Cell] = {
            name: (conditions_text.write(body[key]) if key == "show_if" else body[key])
            for name, key in SECTION_KEYS.items()
            if key in body
        }
        rows = [_layout_row(theme, "section", cells)]
        for inner in body["items"]:
            rows.extend(_item_rows(theme, inner, lists))
        return rows
    row = _row(item, COLUMNS[QUESTIONS])
    row[0] = theme
    if "options" in item:
        row[[c.name for c in COLUMNS[QUESTIONS]].index("options")] = lists.name_of(item["options"])
    return [row]


def _timeliness_rows(themes: list[dict[str, Any]]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for theme in themes:
        for measure in theme.get("timeliness", ()):
            row = _row({**measure, **measure["rule"]}, COLUMNS[TIMELINESS])
            row[0] = theme["id"]
            rows.append(row)
    return rows
