"""The board's exports: tidy tables as CSV, and one workbook with them all and the dictionary.

Each table is one SQL statement whose columns are already the exported text (timestamps in ISO
8601 UTC, percents to one decimal, formula-like text neutralised by ``cells.neutralised``, for
the CSV files and the workbook alike), so Python only writes rows:
the database streams them in batches and nothing holds the whole export in memory.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy import and_, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.types import Integer, String

from audit_app.core.questionnaire import EVIDENCE_LABELS
from audit_app.models import (
    Answer,
    Case,
    ComplianceResult,
    QuestionnaireVersion,
    Service,
    Team,
    ThemeJudgement,
    ThemeResult,
    User,
    table_of,
)
from audit_app.reporting.cells import neutralised
from audit_app.reporting.database import ReportReader, iso_utc, one_decimal
from audit_app.reporting.dictionary import RULES, TABLES
from audit_app.reporting.final_grade import final_grade_column
from audit_app.reporting.questionnaires import (
    multi_options,
    question_meta,
    read_kinds,
    read_versions,
    theme_titles,
)
from audit_app.reporting.selection import A, C, R, Selection, of_audits
from audit_app.reporting.withheld import answer_withheld, unless_hidden
from audit_app.services.answer_keys import key_column
from audit_app.services.questionnaires import questionnaire_of

KINDS = tuple(TABLES)
BOM = "\ufeff"
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, the header row included

T = table_of(ThemeResult).c
CR = table_of(ComplianceResult).c
AN = table_of(Answer).c
TJ = table_of(ThemeJudgement).c
QV = table_of(QuestionnaireVersion).c
TM = table_of(Team).c
SV = table_of(Service).c
US = table_of(User).c
CASE_REF = table_of(Case).c.case_ref


def versions_in(reader: ReportReader, selection: Selection) -> list[QuestionnaireVersion]:
    """The questionnaire versions of the exported audits (their labels go into the SQL)."""
    ids = (
        select(A.questionnaire_version_id)
        .select_from(selection.audits())
        .where(*selection.conditions(in_id_order=True))
        .distinct()
    )
    return read_versions(reader, QV.id.in_(ids))


def _audit_and_version() -> list[Any]:
    """The first columns of the audits, themes and answers tables (``_AUDIT_AND_VERSION`` of
    the data dictionary): audit id, case ID, questionnaire and version."""
    return [A.id, neutralised(CASE_REF), QV.questionnaire_id, QV.version]


def _with_places(joined: Any) -> Any:
    return joined.join(table_of(Team), TM.id == C.team_id).join(
        table_of(Service), SV.id == TM.service_id
    )


def _grades(selection: Selection, computed: Any, judged: Any, moderated: Any) -> list[Any]:
    """Computed, judged, moderated and final grades; the judged and final ones blank where
    blind moderation keeps the auditor's judgements from the person (reporting/withheld.py)."""
    final = final_grade_column(computed=computed, judged=judged, moderated=moderated)
    judged, final = (unless_hidden(selection.scope, g) for g in (judged, final))
    return [neutralised(g) for g in (computed, judged, moderated, final)]


def audits_statement(
    _reader: ReportReader, selection: Selection, _versions: list[QuestionnaireVersion]
) -> Any:
    joined = (
        _with_places(selection.audits_with_result())
        .join(table_of(QuestionnaireVersion), QV.id == A.questionnaire_version_id)
        .join(table_of(User), US.id == A.auditor_id)
    )
    return (
        select(
            *_audit_and_version(),
            QV.kind,
            neutralised(SV.name),
            neutralised(TM.name),
            neutralised(US.username),
            A.status,
            iso_utc(A.submitted_at),
            one_decimal(R.percent_rounded),
            *_grades(selection, R.grade_computed, R.grade_judged, R.grade_moderated),
        )
        .select_from(joined)
        .where(*selection.conditions(in_id_order=True))
        .order_by(A.id)
    )


def _theme_lookup(reader: ReportReader, versions: list[QuestionnaireVersion]) -> Any:
    return reader.lookup(
        "theme_meta",
        [("version_id", Integer), ("theme_id", String), ("title", String), ("position", Integer)],
        ["version_id", "theme_id"],
        theme_titles(versions),
    )


def themes_statement(
    reader: ReportReader, selection: Selection, versions: list[QuestionnaireVersion]
) -> Any:
    meta = _theme_lookup(reader, versions)
    joined = (
        _with_places(of_audits(table_of(ThemeResult)))
        .join(table_of(QuestionnaireVersion), QV.id == A.questionnaire_version_id)
        .outerjoin(
            meta,
            and_(meta.c.version_id == A.questionnaire_version_id, meta.c.theme_id == T.theme_id),
        )
    )
    return (
        select(
            *_audit_and_version(),
            T.theme_id,
            neutralised(meta.c.title),
            one_decimal(T.percent_rounded),
            *_grades(selection, T.grade_computed, T.grade_judged, T.grade_moderated),
            neutralised(SV.name),
            neutralised(TM.name),
            iso_utc(A.submitted_at),
        )
        .select_from(joined)
        .where(*selection.conditions(in_id_order=True))
        .order_by(T.audit_id, meta.c.position, T.id)
    )


def _question_lookups(
    reader: ReportReader, versions: list[QuestionnaireVersion]
) -> tuple[Any, Any]:
    questions, options = question_meta(versions)
    question_table = reader.lookup(
        "question_meta",
        [
            ("version_id", Integer),
            ("question_id", String),
            ("theme_id", String),
            ("position", Integer),
            ("max_score", String),
            ("free_text", Integer),
            ("analysis", Integer),
        ],
        ["version_id", "question_id"],
        [
            (
                q.version_id,
                q.question_id,
                q.theme_id,
                q.position,
                q.max_score,
                int(q.free_text),
                int(q.analysis),
            )
            for q in questions
        ],
    )
    option_table = reader.lookup(
        "option_meta",
        [
            ("version_id", Integer),
            ("question_id", String),
            ("value", String),
            ("label", String),
            ("score", String),
        ],
        ["version_id", "question_id", "value"],
        [(o.version_id, o.question_id, o.value, o.label, o.score) for o in options],
    )
    return question_table, option_table


def _option_of(options: Any, question_id: Any, value: Any) -> Any:
    """The join to the option of the audit's version that a stored value chose."""
    return and_(
        options.c.version_id == A.questionnaire_version_id,
        options.c.question_id == question_id,
        options.c.value == value,
    )


def compliance_statement(
    reader: ReportReader, selection: Selection, versions: list[QuestionnaireVersion]
) -> Any:
    options = _question_lookups(reader, versions)[1]
    joined = (
        _with_places(of_audits(table_of(ComplianceResult)))
        .join(table_of(QuestionnaireVersion), QV.id == A.questionnaire_version_id)
        .outerjoin(options, _option_of(options, CR.question_id, CR.value))
    )
    return (
        select(
            A.id,
            neutralised(CASE_REF),
            neutralised(SV.name),
            neutralised(TM.name),
            iso_utc(A.submitted_at),
            CR.question_id,
            neutralised(CR.measure),
            neutralised(func.coalesce(options.c.label, _timeliness_label())),
            case((CR.compliant, literal("yes")), else_=literal("no")),
            QV.questionnaire_id,
            QV.version,
            CR.theme_id,
            neutralised(CR.value),
        )
        .select_from(joined)
        .where(*selection.conditions(in_id_order=True))
        .order_by(A.id, CR.id)
    )


def _timeliness_label() -> Any:
    """A timeliness measure's result in words (it has no option whose label to show)."""
    return case(
        (CR.value == "met", literal("Met")),
        (CR.value == "not-met", literal("Not met")),
        else_=null(),
    )


def answers_statement(
    reader: ReportReader, selection: Selection, versions: list[QuestionnaireVersion]
) -> Any:
    questions, options = _question_lookups(reader, versions)
    joined = (
        of_audits(table_of(Answer))
        .join(table_of(QuestionnaireVersion), QV.id == A.questionnaire_version_id)
        .join(
            questions,
            and_(
                questions.c.version_id == A.questionnaire_version_id,
                questions.c.question_id == AN.question_id,
            ),
        )
        .outerjoin(options, _option_of(options, AN.question_id, AN.value))
    )
    return (
        select(
            *_audit_and_version(),
            questions.c.theme_id,
            # A repeating group's answer: the question's id with "--" and the repeat's number.
            key_column(AN),
            neutralised(_answer_value(selection, questions)),
            neutralised(options.c.label),
            options.c.score,
            questions.c.max_score,
        )
        .select_from(joined)
        # A blank value with a comment is a comment on a question left unanswered: no answer
        # to list. Any other row is listed as it always was.
        .where(*selection.conditions(in_id_order=True), or_(AN.value != "", AN.comment.is_(None)))
        .order_by(AN.audit_id, questions.c.position, AN.repeat)
    )


def _answer_value(selection: Selection, questions: Any) -> Any:
    """The answer, blank where it is withheld from the person (reporting/withheld.py)."""
    withheld = answer_withheld(selection.scope, questions.c.free_text, questions.c.analysis)
    return AN.value if withheld is None else case((withheld, null()), else_=AN.value)


def _multi_option_lookup(reader: ReportReader, versions: list[QuestionnaireVersion]) -> Any:
    return reader.lookup(
        "multi_option_meta",
        [
            ("version_id", Integer),
            ("question_id", String),
            ("theme_id", String),
            ("position", Integer),
            ("value", String),
            ("label", String),
        ],
        ["version_id", "question_id", "value"],
        multi_options(versions),
    )


def options_statement(
    reader: ReportReader, selection: Selection, versions: list[QuestionnaireVersion]
) -> Any:
    """Per option of each multi-select question: how many of the exported audits answered the
    question, and how many ticked the option (a stored multi answer is its option values
    separated by single spaces, and option values are slugs, so a space-padded LIKE finds
    one exactly)."""
    options = _multi_option_lookup(reader, versions)
    joined = (
        of_audits(table_of(Answer))
        .join(table_of(QuestionnaireVersion), QV.id == A.questionnaire_version_id)
        .join(
            options,
            and_(
                options.c.version_id == A.questionnaire_version_id,
                options.c.question_id == AN.question_id,
            ),
        )
    )
    padded = literal(" ").concat(AN.value).concat(" ")
    ticked = padded.like(literal("% ").concat(options.c.value).concat(" %"))
    return (
        select(
            QV.questionnaire_id,
            QV.version,
            options.c.theme_id,
            options.c.question_id,
            options.c.value,
            neutralised(options.c.label),
            func.sum(case((ticked, 1), else_=0)),
            func.count(),
        )
        .select_from(joined)
        .where(*selection.conditions(in_id_order=True))
        .group_by(
            QV.questionnaire_id,
            QV.version,
            options.c.position,
            options.c.theme_id,
            options.c.question_id,
            options.c.value,
            options.c.label,
        )
        .order_by(QV.questionnaire_id, QV.version, options.c.position)
    )


def evidence_statement(
    reader: ReportReader, selection: Selection, versions: list[QuestionnaireVersion]
) -> Any:
    """Each comment on a question and each evidence field of a theme, in questionnaire order:
    a theme's comments, then its fields in the order of ``EVIDENCE_LABELS``."""
    themes = _theme_lookup(reader, versions)
    questions = _question_lookups(reader, versions)[0]
    comments = _with_places(of_audits(table_of(Answer))).join(
        questions,
        and_(
            questions.c.version_id == A.questionnaire_version_id,
            questions.c.question_id == AN.question_id,
        ),
    )
    parts = [
        _evidence_part(
            comments,
            themes,
            questions.c.theme_id,
            (AN.question_id, questions.c.position),
            ("comment", AN.comment, 0),
            selection,
        )
    ]
    judgements = _with_places(of_audits(table_of(ThemeJudgement)))
    for order, name in enumerate(EVIDENCE_LABELS, start=1):
        column = getattr(TJ, name)
        parts.append(
            _evidence_part(
                judgements,
                themes,
                TJ.theme_id,
                (cast(null(), String), literal(0, Integer)),
                (name, column, order),
                selection,
            )
        )
    rows = union_all(*parts).subquery("evidence_rows")
    return select(*list(rows.c)[:11]).order_by(
        rows.c.audit_id, rows.c.theme_position, rows.c.field_order, rows.c.question_position
    )


def _evidence_part(
    joined: Any,
    themes: Any,
    theme_id: Any,
    question: tuple[Any, Any],
    written: tuple[str, Any, int],
    selection: Selection,
) -> Any:
    """The rows of one kind of evidence: ``question`` is the question's id and position (or
    none), ``written`` the field's name, its column and its place among a theme's fields. The
    text is withheld as a free-text answer is, and evidence fields (the auditor's findings)
    from a blind moderator as the analyses are."""
    field, text, order = written
    withheld = answer_withheld(selection.scope, literal(1), literal(0 if field == "comment" else 1))
    shown_text = text if withheld is None else case((withheld, null()), else_=text)
    located = joined.join(table_of(QuestionnaireVersion), QV.id == A.questionnaire_version_id)
    located = located.outerjoin(
        themes,
        and_(themes.c.version_id == A.questionnaire_version_id, themes.c.theme_id == theme_id),
    )
    return (
        select(
            A.id.label("audit_id"),
            neutralised(CASE_REF).label("case_id"),
            QV.questionnaire_id.label("questionnaire_id"),
            QV.version.label("questionnaire_version"),
            theme_id.label("theme_id"),
            question[0].label("question_id"),
            literal(field, String).label("field"),
            neutralised(shown_text).label("text"),
            neutralised(SV.name).label("service"),
            neutralised(TM.name).label("team"),
            iso_utc(A.submitted_at).label("submitted_at"),
            themes.c.position.label("theme_position"),
            literal(order, Integer).label("field_order"),
            question[1].label("question_position"),
        )
        .select_from(located)
        .where(*selection.conditions(in_id_order=True), text.is_not(None), text != "")
    )


STATEMENTS: dict[str, Callable[[ReportReader, Selection, list[QuestionnaireVersion]], Any]] = {
    "audits": audits_statement,
    "themes": themes_statement,
    "compliance": compliance_statement,
    "answers": answers_statement,
    "evidence": evidence_statement,
    "options": options_statement,
}
FIRST_KINDS = ("audits", "themes", "compliance", "answers", "evidence")
"""The tables every workbook has; "options" only when a version exported has a multi-select
question (so that an export of format 1 questionnaires is as it always was)."""


def workbook_kinds(reader: ReportReader, selection: Selection) -> tuple[str, ...]:
    """The tables of a workbook of this selection."""
    if multi_options(versions_in(reader, selection)):
        return KINDS
    return FIRST_KINDS


def statement(reader: ReportReader, kind: str, selection: Selection) -> Any:
    return STATEMENTS[kind](reader, selection, versions_in(reader, selection))


def rows(reader: ReportReader, kind: str, selection: Selection) -> Iterator[list[Any]]:
    """The table's rows, in batches."""
    yield from reader.stream(statement(reader, kind, selection))


class RowCount:
    """How many data rows an export has written so far."""

    def __init__(self) -> None:
        self.rows = 0


def csv_chunks(
    reader: ReportReader,
    kind: str,
    selection: Selection,
    counter: RowCount,
    *,
    header: bool = True,
) -> Iterator[bytes]:
    """The CSV file as a stream of UTF-8 byte chunks, byte-order mark and header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quotes where needed, CRLF line ends
    if header:
        writer.writerow(TABLES[kind].names)
        yield (BOM + buffer.getvalue()).encode("utf-8")
    for batch in rows(reader, kind, selection):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        counter.rows += len(batch)
        yield buffer.getvalue().encode("utf-8")


def write_csv(
    reader: ReportReader, kind: str, selection: Selection, out: BinaryIO, *, jobs: int = 1
) -> int:
    """Write one table as CSV; return how many rows.

    ``jobs`` above one: a large export is cut into that many parts by audit, and other
    processes write the later parts while this one writes the first; the parts are then put
    together in order, so the bytes are the same as written in one go. (Python, not the
    database, is what limits an export's speed, and one process uses one processor.) Each
    part reads its own snapshot of the database, moments apart.
    """
    # One row per audit: writing the audits table is quicker than starting processes. The
    # options table counts over every audit, so it is not cut by audit.
    split = jobs > 1 and kind not in ("audits", "options")
    parts = _parts(reader, selection, jobs) if split else []
    if not parts:
        counter = RowCount()
        for chunk in csv_chunks(reader, kind, selection, counter):
            out.write(chunk)
        return counter.rows
    return _write_in_parts(reader, kind, selection, out, parts)


# An export of fewer audits than this is written in one go: starting processes costs more.
PARALLEL_FROM_AUDITS = 5000


def _parts(reader: ReportReader, selection: Selection, jobs: int) -> list[tuple[Any, Any]]:
    """Audit id ranges that share the export's audits about equally; none if it is small."""
    ids = select(A.id).select_from(selection.audits()).where(*selection.conditions())
    total = reader.scalar(select(func.count()).select_from(ids.subquery()))
    if not total or total < PARALLEL_FROM_AUDITS:
        return []
    cuts = [
        reader.scalar(ids.order_by(A.id).offset(total * k // jobs).limit(1)) for k in range(1, jobs)
    ]
    bounds = [None, *cuts, None]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _write_in_parts(
    reader: ReportReader,
    kind: str,
    selection: Selection,
    out: BinaryIO,
    parts: list[tuple[Any, Any]],
) -> int:
    import multiprocessing
    import tempfile

    # Forked, so that the parts start at once with everything already imported; each opens
    # its own connection (the one inherited is never touched).
    context = multiprocessing.get_context("fork")
    url = reader.engine.url.render_as_string(hide_password=False)
    workers = []
    with tempfile.TemporaryDirectory(prefix="case-audit-export-") as folder:
        for number, part in enumerate(parts[1:], start=1):
            path = f"{folder}/part-{number}.csv"
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_write_part,
                args=(send, url, kind, replace(selection, audit_ids=part), path),
                name=f"export-part-{number}",
            )
            process.start()
            send.close()
            workers.append((process, receive, path))
        counter = RowCount()
        total = 0
        try:
            for chunk in csv_chunks(reader, kind, replace(selection, audit_ids=parts[0]), counter):
                out.write(chunk)
            total = counter.rows
            for process, receive, path in workers:
                outcome = receive.recv()
                process.join()
                if not isinstance(outcome, int):
                    raise RuntimeError(f"A part of the export failed: {outcome}")
                with open(path, "rb") as part_file:
                    shutil.copyfileobj(part_file, out, 1 << 20)
                total += outcome
        finally:
            for process, _receive, _path in workers:
                if process.is_alive():
                    process.kill()
                process.join()
    return total


def _write_part(send: Any, url: str, kind: str, selection: Selection, path: str) -> None:
    """In a process of its own: one part of an export, rows only, to a file."""
    from audit_app.db import make_engine

    engine = make_engine(url)
    try:
        counter = RowCount()
        with ReportReader(engine, every_row=True) as reader, open(path, "wb") as file:
            for chunk in csv_chunks(reader, kind, selection, counter, header=False):
                file.write(chunk)
        send.send(counter.rows)
    except BaseException as error:  # reported to the process that waits for the part
        send.send(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()
        send.close()


_NUMERIC_TYPES = {"integer", "percent", "number"}
# Excel's own formats for the workbook's date cells: the CSV files' ISO forms, read as dates.
TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
TIMESTAMP_SHAPE = "%Y-%m-%dT%H:%M:%SZ"
# The answers table's stored answer: its question's type says whether it is a date or a number.
ANSWER_VALUE = TABLES["answers"].names.index("value")


@dataclass(frozen=True)
class _Cells:
    """How the workbook writes each column of one table: the column types of the data
    dictionary, the cell formats, and for the answers table each question's type."""

    types: list[str]
    timestamp: Any
    date: Any
    answer_types: dict[tuple[str, int, str], str]


def write_workbook(
    reader: ReportReader, selection: Selection, out: BinaryIO | str
) -> dict[str, int]:
    """The tables as sheets (split across sheets beyond Excel's row limit) and the
    dictionary; return the rows of each table.

    Numbers are number cells, timestamps date-and-time cells (UTC) and dates date cells, each
    with a format Excel shows; a stored answer is a date or a number when its question asks
    for one. Every table's sheet keeps its header row in view (frozen).
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,  # rows go to disk as written
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "in_memory": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    kinds = workbook_kinds(reader, selection)
    answer_types = _answer_types(versions_in(reader, selection))
    counts = {}
    for kind in kinds:
        cells = _Cells(
            types=[c.type for c in TABLES[kind].columns],
            timestamp=workbook.add_format({"num_format": TIMESTAMP_FORMAT}),
            date=workbook.add_format({"num_format": DATE_FORMAT}),
            answer_types=answer_types if kind == "answers" else {},
        )
        counts[kind] = _write_table(workbook, reader, kind, selection, bold, cells)
    _write_dictionary(workbook, bold, kinds, read_kinds(reader))
    workbook.close()
    return counts


def _answer_types(versions: list[QuestionnaireVersion]) -> dict[tuple[str, int, str], str]:
    """(questionnaire id, version, question id) to the type of each date or number question."""
    return {
        (row.questionnaire_id, row.version, question.id): question.type
        for row in versions
        for question in questionnaire_of(row).questions.values()
        if question.type in ("date", "number")
    }


def _write_table(
    workbook: Any,
    reader: ReportReader,
    kind: str,
    selection: Selection,
    bold: Any,
    cells: _Cells,
) -> int:
    """One table's rows on its sheet, and more sheets past Excel's row limit; return how many."""
    table = TABLES[kind]
    sheet_number = 1
    sheet = _new_sheet(workbook, kind, sheet_number, table.names, bold, cells)
    row_index = 1
    written = 0
    for batch in rows(reader, kind, selection):
        for record in batch:
            if row_index >= XLSX_MAX_ROWS:
                sheet_number += 1
                sheet = _new_sheet(workbook, kind, sheet_number, table.names, bold, cells)
                row_index = 1
            _write_record(sheet, row_index, record, cells)
            row_index += 1
        written += len(batch)
    return written


def _write_record(sheet: Any, row_index: int, record: Any, cells: _Cells) -> None:
    """One row: numbers as numbers, timestamps and dates as dates, text as text (never a
    formula), empty cells left empty."""
    for col, value in enumerate(record):
        if value is None or value == "":
            continue
        kind = cells.types[col]
        if kind == "text" and col == ANSWER_VALUE and cells.answer_types:
            kind = cells.answer_types.get((record[2], int(record[3]), record[5]), "text")
        _write_cell(sheet, row_index, col, kind, value, cells)


def _write_cell(sheet: Any, row: int, col: int, kind: str, value: Any, cells: _Cells) -> None:
    """A value as the cell its type asks for; one that does not read as such stays text."""
    try:
        if kind in _NUMERIC_TYPES:
            sheet.write_number(row, col, float(value))
            return
        if kind == "timestamp":
            sheet.write_datetime(
                row, col, datetime.strptime(value, TIMESTAMP_SHAPE), cells.timestamp
            )
            return
        if kind == "date":
            sheet.write_datetime(row, col, date.fromisoformat(value), cells.date)
            return
    except ValueError:
        pass  # kept as written, as in the CSV file
    sheet.write_string(row, col, str(value))


def _write_dictionary(
    workbook: Any, bold: Any, tables: tuple[str, ...], audit_kinds: dict[str, str]
) -> None:
    """The data dictionary's sheet: every column of every table written, the rules, then the
    declared kinds of audit with the names people read."""
    sheet = workbook.add_worksheet("dictionary")
    sheet.write_row(0, 0, ["table", "column", "type", "meaning", "example"], bold)
    row_index = 1
    for kind in tables:
        table = TABLES[kind]
        for column in table.columns:
            sheet.write_row(
                row_index, 0, [kind, column.name, column.type, column.meaning, column.example]
            )
            row_index += 1
    row_index += 1
    for rule in RULES:
        sheet.write_string(row_index, 0, rule)
        row_index += 1
    row_index += 1
    sheet.write_row(row_index, 0, ["kind", "name people read"], bold)
    for name, display_name in audit_kinds.items():
        row_index += 1
        sheet.write_string(row_index, 0, name)
        sheet.write_string(row_index, 1, display_name)  # as text, never a formula


def _new_sheet(
    workbook: Any, kind: str, number: int, names: list[str], bold: Any, cells: _Cells
) -> Any:
    sheet = workbook.add_worksheet(kind if number == 1 else f"{kind} ({number})")
    sheet.write_row(0, 0, names, bold)
    sheet.freeze_panes(1, 0)
    for col, column_type in enumerate(cells.types):
        if column_type == "timestamp":
            sheet.set_column(col, col, 20)  # wide enough for the date and the time
    return sheet
