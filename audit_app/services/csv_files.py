"""Reading an uploaded CSV file (of cases or allocations) and checking its header.

A file is read whole before anything is imported: every problem is reported with its line
number (line 1 is the header), as a spreadsheet or text editor numbers lines. Only the columns
an import knows are kept; the others (which could hold a child's name) are named, not stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from audit_app.services.errors import Refused

SAVE_AS_UTF8 = 'Save it as "CSV UTF-8 (comma delimited)" and try again.'

# A file's lines as read: the header (None for an empty file), and each later row of values
# with the line it starts on.
Records = tuple[list[str] | None, list[tuple[int, list[str]]]]


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file; ``line`` is None for the file as a whole."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line is not None else self.message


class ImportRefused(Refused, ValueError):
    """Nothing was imported; ``problems`` lists every reason, in line order."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


class ImportSummaryWords:
    """What an import did, in words: the import's own sentences (``done``), then the columns it
    ignored; as text, all on one line."""

    ignored_columns: tuple[str, ...]

    def done(self) -> list[str]:
        raise NotImplementedError

    def lines(self) -> list[str]:
        """The summary in words, one sentence a line."""
        out = self.done()
        if self.ignored_columns:
            out.append(f"Ignored columns (not stored): {', '.join(self.ignored_columns)}.")
        return out

    def __str__(self) -> str:
        return " ".join(self.lines())


@dataclass(frozen=True)
class CsvRow:
    """One data row: its line number in the file and its values by (normalised) column name."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read: the normalised column names, the ignored ones, and the data rows."""

    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def refuse_file(message: str) -> NoReturn:
    """Refuse the file as a whole (a problem with no line number)."""
    raise ImportRefused([ImportProblem(None, message)])


def normalise_column(name: str) -> str:
    """``" Case ID "`` and ``case_id`` name the same column."""
    return "_".join(name.strip().lower().split())


# Decoding ------------------------------------------------------------------------------------


def decode_csv(raw: bytes | str) -> str:
    """The text of an uploaded file; refuse binary content and anything that is not UTF-8."""
    text = raw if isinstance(raw, str) else _decode_bytes(raw)
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        refuse_file("The file is not a CSV file: it contains binary content.")
    return text


def _decode_bytes(raw: bytes) -> str:
    """UTF-8 bytes as text; a UTF-16, binary or otherwise non-UTF-8 file is refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        refuse_file(f"The file is UTF-16 text, not UTF-8. {SAVE_AS_UTF8}")
    if b"\x00" in raw:
        refuse_file(
            "The file is not a CSV file: it looks like a spreadsheet or other binary "
            f"file. {SAVE_AS_UTF8}"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
    refuse_file(
        f"The file is not UTF-8 text (line {line} has a character that is not "
        f"UTF-8). {SAVE_AS_UTF8}"
    )


# Reading -------------------------------------------------------------------------------------


def read_csv(
    source: bytes | str | Iterable[Mapping[str, object]],
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> CsvTable:
    """Read a CSV file (or rows already read) and check its header; raise ImportRefused."""
    if isinstance(source, bytes | str):
        header, records = _parse_text(decode_csv(source))
    else:
        header, records = _from_mappings(source)
    if header is None:
        refuse_file("The file is empty")
    known = set(required) | set(optional)
    columns, ignored = _check_header(header, required=required, known=known)
    rows = _data_rows(records, columns=columns, known=known)
    if not rows:
        refuse_file("The file has no rows")
    return CsvTable(tuple(columns), tuple(ignored), tuple(rows))


def _check_header(
    header: list[str], *, required: Sequence[str], known: set[str]
) -> tuple[list[str], list[str]]:
    """The normalised column names and the ignored (unknown) ones, as written; a repeated or
    missing required column refuses the file."""
    problems: list[ImportProblem] = []
    columns: list[str] = []
    ignored: list[str] = []
    seen: set[str] = set()
    for raw_name in header:
        name = normalise_column(raw_name)
        if name in seen and name:
            problems.append(ImportProblem(1, f'the column "{raw_name.strip()}" appears twice'))
        seen.add(name)
        columns.append(name)
        if name and name not in known and raw_name.strip() not in ignored:
            ignored.append(raw_name.strip())
    for name in required:
        if name not in seen:
            problems.append(ImportProblem(1, f'the required column "{name}" is missing'))
    if problems:
        raise ImportRefused(problems)
    return columns, ignored


def _data_rows(
    records: list[tuple[int, list[str]]], *, columns: list[str], known: set[str]
) -> list[CsvRow]:
    """The rows that have values, keeping the known columns; a row with more values than the
    header has columns refuses the file (every such row is reported)."""
    problems: list[ImportProblem] = []
    rows: list[CsvRow] = []
    for line, values in records:
        if not any(v.strip() for v in values):
            continue  # blank lines, and rows of empty cells that spreadsheets leave behind
        if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
            problems.append(
                ImportProblem(
                    line,
                    f"has {len(values)} values but the header has {len(columns)} columns "
                    "(a value with a comma in it must be in double quotes)",
                )
            )
            continue
        kept = {
            name: value.strip()
            for name, value in zip(columns, values, strict=False)
            if name in known
        }
        rows.append(CsvRow(line, kept))
    if problems:
        raise ImportRefused(problems)
    return rows


def _parse_text(text: str) -> Records:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for values in reader:
            # Lines as a text editor or spreadsheet numbers them; a quoted value may span lines.
            start = previous_end + 1
            previous_end = reader.line_num
            if header is None:
                if not any(v.strip() for v in values):
                    continue
                header = values
                continue
            records.append((start, values))
    except csv.Error as exc:
        raise ImportRefused(
            [ImportProblem(previous_end + 1, f"cannot be read as CSV ({exc})")]
        ) from None
    return header, records


def _from_mappings(rows: Iterable[Mapping[str, object]]) -> Records:
    materialised = list(rows)
    if not materialised:
        return None, []
    header: list[str] = []
    for row in materialised:
        header.extend(str(k) for k in row if str(k) not in header)
    records = [
        (index + 2, ["" if row.get(k) is None else str(row.get(k)) for k in header])
        for index, row in enumerate(materialised)
    ]
    return header, records
