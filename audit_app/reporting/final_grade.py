"""The final grade of an audit or theme, as SQL and as pandas: the forms of the rule in
:data:`audit_app.core.grades.FINAL_GRADE_PRECEDENCE` that reports need.

The moderator's grade if there is one, else the auditor's judgement, else the computed grade; a
missing (NULL, None, NaN) or blank ("") grade is passed over, as :func:`final_grade` does.
``tests/unit/test_final_grade_forms_agree.py`` checks that the three forms agree.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import String, func, literal_column
from sqlalchemy.sql import ColumnElement

from audit_app.core.grades import FINAL_GRADE_PRECEDENCE, GradeSource

# Inline, not a bound parameter, so that the same expression in SELECT and GROUP BY renders the
# same text on PostgreSQL.
_BLANK = literal_column("''", String())


def final_grade_column(*, computed: Any, judged: Any, moderated: Any) -> ColumnElement[str]:
    """The final grade as a SQL expression of three grade columns (or expressions)."""
    columns: dict[GradeSource, Any] = {
        "moderated": moderated,
        "judged": judged,
        "computed": computed,
    }
    return func.coalesce(
        *(
            func.nullif(columns[source], _BLANK, type_=String())
            for source in FINAL_GRADE_PRECEDENCE
        ),
        type_=String(),
    )


def final_grade_series(
    frame: pd.DataFrame,
    *,
    computed: str = "computed",
    judged: str = "judged",
    moderated: str = "moderated",
) -> pd.Series:
    """The final grade of each row of a frame, from its grade columns (named by the arguments)."""
    names: dict[GradeSource, str] = {
        "moderated": moderated,
        "judged": judged,
        "computed": computed,
    }
    final: pd.Series | None = None
    for source in FINAL_GRADE_PRECEDENCE:
        column = frame[names[source]]
        column = column.mask(column.eq(""))
        final = column if final is None else final.combine_first(column)
    assert final is not None
    return final
