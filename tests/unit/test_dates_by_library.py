"""No month or year arithmetic by hand: every step goes through ``audit_app.core.dates``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*(ROOT / "audit_app").rglob("*.py"), *(ROOT / "bench").rglob("*.py"), ROOT / "config.py"]
)
# Shapes of hand-written calendar arithmetic: a month or year plus or minus a number, wrapping
# months with 12, or moving a date to another year by replacing the field.
HAND_WRITTEN = [
    re.compile(r"\.month\s*[-+]\s*\w"),
    re.compile(r"\bmonth\s*[-+]=\s*\d"),
    re.compile(r"\.year\s*[-+]\s*\w"),
    re.compile(r"\byear\s*[-+]=\s*\d"),
    re.compile(r"[%/]\s*12\b"),
    re.compile(r"replace\(\s*(year|month)="),
    re.compile(r"calendar\.monthrange"),
]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dates_are_moved_by_the_library(path: Path) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if not line.lstrip().startswith("#") and any(p.search(line) for p in HAND_WRITTEN)
    ]
    assert not found, "use audit_app.core.dates (relativedelta) instead:\n" + "\n".join(found)


def test_the_check_finds_hand_written_arithmetic() -> None:
    for line in (
        "year, month = today.year, today.month - 11",
        "end = datetime(year + number // 12, number % 12 + 1, 1)",
        "return now.replace(year=now.year - years)",
        "month += 1",
    ):
        assert any(p.search(line) for p in HAND_WRITTEN), line
