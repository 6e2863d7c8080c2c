"""The one root of every refusal a service gives.

A service refuses a request it cannot meet by raising one of these, with a message in words the
person can act on; nothing was changed. The web layer and the commands know what to do with each
kind: ``NotFound`` is the 404 page (one handler in ``web.py``), ``Stale`` asks the person to look
again, ``FieldErrors`` shows each problem at its field, and any other ``Refused`` shows its message.
"""

from __future__ import annotations


class Refused(Exception):
    """A request that cannot be met; the message says why. Nothing was changed."""


class NotFound(Refused, LookupError):
    """No such thing, or not one this person may see: the two are never told apart."""


class Stale(Refused):
    """What the person saw is out of date: something changed since the page was opened."""


class FieldErrors(Refused, ValueError):
    """Problems with submitted values, by field name, in page order."""

    def __init__(self, errors: dict[str, str] | None = None) -> None:
        self.errors: dict[str, str] = dict(errors or {})
        super().__init__("; ".join(self.errors.values()))
