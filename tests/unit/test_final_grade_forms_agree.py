"""The final grade is one rule written three ways: in Python (``audit_app.core.grades``), as SQL
and as pandas (``audit_app.reporting.final_grade``). The three agree on every combination of a
moderated grade, a judgement and a computed grade each being there, missing (None, NULL, NaN) or
blank (""), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pandas as pd
import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
)

from audit_app.core.grades import FINAL_GRADE_PRECEDENCE, final_grade
from audit_app.reporting.final_grade import final_grade_column, final_grade_series

# A different grade for each source, so that the answer says which source won.
GRADES = {"moderated": "Inadequate", "judged": "Good", "computed": "Outstanding"}
SOURCES = ("moderated", "judged", "computed")


def combinations() -> list[dict[str, str | None]]:
    """Every way the three grades can each be there, missing or blank: 27 rows."""
    return [
        {
            source: (GRADES[source] if state == "there" else None if state == "missing" else "")
            for source, state in zip(SOURCES, states, strict=True)
        }
        for states in itertools.product(("there", "missing", "blank"), repeat=len(SOURCES))
    ]


def expected(row: dict[str, str | None]) -> str | None:
    """The rule as the issue states it: the first source, in order, whose grade is there."""
    return next((row[s] for s in ("moderated", "judged", "computed") if row[s]), None)


def test_the_precedence_is_moderated_then_judged_then_computed() -> None:
    assert FINAL_GRADE_PRECEDENCE == ("moderated", "judged", "computed")


def test_there_are_27_combinations() -> None:
    rows = combinations()
    assert len(rows) == 27
    assert len({tuple(r.values()) for r in rows}) == 27


@pytest.mark.parametrize("row", combinations(), ids=lambda r: "-".join(repr(v) for v in r.values()))
def test_python_form(row: dict[str, str | None]) -> None:
    assert final_grade(**row) == expected(row)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize("missing", [None, float("nan")], ids=["None", "NaN"])
def test_pandas_form_agrees(missing: object) -> None:
    rows = combinations()
    frame = pd.DataFrame(
        [{k: (missing if v is None else v) for k, v in row.items()} for row in rows],
        dtype=object,
    )
    got = final_grade_series(frame).tolist()
    for row, value in zip(rows, got, strict=True):
        python = final_grade(**row)
        assert (value == python) or (_missing(value) and python is None), (row, value)


def test_pandas_form_reads_named_columns() -> None:
    frame = pd.DataFrame(
        {"m": [None, ""], "j": ["", "Good"], "c": ["Outstanding", "Outstanding"]}, dtype=object
    )
    got = final_grade_series(frame, moderated="m", judged="j", computed="c").tolist()
    assert got == ["Outstanding", "Good"]


def test_sql_form_agrees(database_url: str) -> None:
    rows = combinations()
    # Grade columns as the results tables store them, in a table of this connection only.
    table = Table(
        "final_grade_cases",
        MetaData(),
        Column("n", Integer, primary_key=True),
        *(Column(source, String(64)) for source in SOURCES),
        prefixes=["TEMPORARY"],
    )
    final = final_grade_column(
        computed=table.c.computed, judged=table.c.judged, moderated=table.c.moderated
    )
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            table.create(connection)
            connection.execute(insert(table), [{"n": i, **row} for i, row in enumerate(rows)])
            found = dict(connection.execute(select(table.c.n, final)).all())
            # The same expression in SELECT and GROUP BY: PostgreSQL must see them as one.
            grouped = dict(connection.execute(select(final, func.count()).group_by(final)).all())
            connection.rollback()
    finally:
        engine.dispose()
    assert found == {i: final_grade(**row) for i, row in enumerate(rows)}
    assert grouped == Counter(final_grade(**row) for row in rows)
