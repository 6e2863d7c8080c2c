"""Which grade counts, and which audits are moderated: rules a group manager can check by hand.

Pure: no I/O, no framework. The random number for the moderation sample is drawn by the caller
and passed in, so that the choice can be recorded and checked later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

ModerationReason = Literal["worst band", "sample"]


GradeSource = Literal["moderated", "judged", "computed"]

FINAL_GRADE_PRECEDENCE: tuple[GradeSource, ...] = ("moderated", "judged", "computed")
"""Which grade counts, first choice first: the moderator's, then the auditor's judgement, then the
grade the answers scored. A grade that is missing (None) or blank ("") is passed over.

Every form of the rule is built from this tuple: :func:`final_grade` here, and the SQL and pandas
forms in :mod:`audit_app.reporting.final_grade`.
"""


def is_grade(value: str | None) -> bool:
    """Whether a grade is there: not missing (None) and not blank ("")."""
    return bool(value)


def final_grade(
    *, computed: str | None, judged: str | None, moderated: str | None = None
) -> str | None:
    """The grade that counts: the moderator's if there is one, else the auditor's, else the score's.

    >>> final_grade(computed="Good", judged="Outstanding", moderated="Requires improvement")
    'Requires improvement'
    >>> final_grade(computed="Good", judged="Outstanding")
    'Outstanding'
    >>> final_grade(computed="Good", judged=None)
    'Good'
    >>> final_grade(computed="Good", judged="", moderated="")
    'Good'
    """
    grades: dict[GradeSource, str | None] = {
        "moderated": moderated,
        "judged": judged,
        "computed": computed,
    }
    for source in FINAL_GRADE_PRECEDENCE:
        grade = grades[source]
        if is_grade(grade):
            return grade
    return None


def worst_band(grades: Sequence[str]) -> str:
    """The worst grade of a questionnaire (grades are listed best first)."""
    if not grades:
        raise ValueError("a questionnaire has at least two grades")
    return grades[-1]


def moderation_reason(
    judged_overall: str | None, grades: Sequence[str], draw: float, rate: float
) -> ModerationReason | None:
    """Why a newly submitted audit is due for moderation, or None when it is not.

    Every audit judged in the worst band is moderated. Of the rest, those whose random ``draw``
    (uniform on [0, 1)) falls below ``rate`` are: so a rate of 0.1 samples one in ten on average,
    0 samples none and 1 samples all.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"the sample rate must be between 0 and 1, not {rate}")
    if judged_overall is not None and judged_overall == worst_band(grades):
        return "worst band"
    if draw < rate:
        return "sample"
    return None
