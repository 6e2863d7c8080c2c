"""Text that no spreadsheet will run as a formula, for the CSV exports and the workbook alike.

A spreadsheet that opens a CSV file reads a cell starting with ``=`` as a formula (Excel also
``+``, ``-`` and ``@``), and a formula can reach out: ``=HYPERLINK(...)``, or DDE
``=cmd|' /C calc'!A0``. Free text typed by auditors goes into the exports, so such a cell gets a
leading ``'``, which every spreadsheet shows as text. The rule:

- a cell whose first character is a tab or a carriage return (they hide the start of a cell), or
- a cell whose first character, once any leading blanks are passed over, is ``=``, ``+``, ``-``
  or ``@``, or a character that NFKC-normalises to one (full-width ``＝``, small ``﹦``,
  superscript ``⁺`` and so on).

Blanks are the Unicode spaces (Zs), line and paragraph separators (Zl, Zp), control characters
(Cc, NUL apart: no database here stores it) and invisible format characters (Cf: the no-break
space's kin, zero-width space and joiners, the byte-order mark, direction marks). Nothing else
changes: the cell shows the same text after its ``'``. Numbers in numeric columns are not text and
are never touched. What LibreOffice actually evaluates, before and after, is in
docs/security.md.

The exports compute their cells in the database (``neutralised``, a SQL expression); the same rule
in Python is ``neutralise``. tests/reports/test_formula_neutralising.py checks that the two agree,
and that the character sets below are still every blank and every trigger Python's Unicode knows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal, or_
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import Text

QUOTE = "'"

# First characters that hide the start of a cell (kept from the first rule: always quoted).
HIDING_STARTS = ("\t", "\r")

# Every character whose NFKC form starts with one of = + - @ (Unicode 14; see the tests).
FORMULA_STARTS = (
    "=+-@"
    "\u207a\u207c\u208a\u208c"  # superscript and subscript plus and equals
    "\u2a75\u2a76"  # two and three consecutive equals signs
    "\ufb29"  # Hebrew alternative plus sign
    "\ufe62\ufe63\ufe66\ufe6b"  # small plus, hyphen-minus, equals, commercial at
    "\uff0b\uff0d\uff1d\uff20"  # full-width plus, hyphen-minus, equals, commercial at
)

# Unicode categories Zs, Zl, Zp, Cc and Cf (Unicode 14), NUL apart, as ranges.
_BLANK_RANGES = (
    (0x0001, 0x0020),
    (0x007F, 0x00A0),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x1680, 0x1680),
    (0x180E, 0x180E),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x2064),
    (0x2066, 0x206F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
BLANKS = "".join(chr(code) for first, last in _BLANK_RANGES for code in range(first, last + 1))

_TRIGGERS = frozenset(FORMULA_STARTS)


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet could take the text for a formula (or it hides its start)."""
    return text.startswith(HIDING_STARTS) or text.lstrip(BLANKS)[:1] in _TRIGGERS


def neutralise(text: str) -> str:
    """The text as a cell no spreadsheet runs: a leading ``'`` when it needs one."""
    return QUOTE + text if needs_quote(text) else text


def neutralised(text: ColumnElement[Any]) -> ColumnElement[str]:
    """``neutralise`` in SQL, on SQLite and PostgreSQL alike (NULL stays NULL)."""
    first = func.substr(text, 1, 1)
    first_after_blanks = func.substr(func.ltrim(text, literal(BLANKS, Text)), 1, 1)
    return case(
        (
            or_(first.in_(HIDING_STARTS), first_after_blanks.in_(tuple(FORMULA_STARTS))),
            literal(QUOTE, Text) + text,
        ),
        else_=text,
    )
