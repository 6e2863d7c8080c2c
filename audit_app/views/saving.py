"""Saving what a page's form asks for, and what came of it.

A view hands :func:`save` the service call. The change is committed when the call succeeds and
rolled back when the service refuses it (``changes()``, ``db.py``). The :class:`Saved` it gives
back says what the page does next: done (the view redirects), problems at fields (the page again,
400), out of date (the page again with the latest and a notice, 409), or refused with a message
(the view shows the message where the person can act on it).

Only the audit's refusals are turned into a result; any other error (a NotFound, which is the
404 page, or a database error) goes on to the handlers in ``web.py`` as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from audit_app.db import changes
from audit_app.services.audits import AuditError, FieldErrors, StaleAudit

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What came of saving a form. ``Saved()`` is a form not sent yet: nothing to report."""

    done: bool = False
    value: T | None = None  # what the service gave back, when done
    errors: dict[str, str] = field(default_factory=dict)  # problems by field name
    notice: str | None = None  # the page was out of date: the notice shown above the form
    refusal: str | None = None  # refused outright: why, for the view to show

    @property
    def stale(self) -> bool:
        return self.notice is not None

    @property
    def status(self) -> int:
        """The status of the page shown again: 400 with problems, 409 when it was out of date."""
        return 400 if self.errors else 409 if self.stale else 200


def save(change: Callable[[], T]) -> Saved[T]:
    """Run the service call in one transaction; say what came of it."""
    try:
        with changes():
            value = change()
    except StaleAudit as refused:
        return Saved(notice=str(refused))
    except FieldErrors as problems:
        return Saved(errors=problems.errors)
    except AuditError as refused:
        return Saved(refusal=str(refused))
    return Saved(done=True, value=value)
