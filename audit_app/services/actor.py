"""Who is acting: the one description of a person (or the command line) that services take."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the permission checks and the trail see them.

    Built for a web request by ``auth.current_actor()``, and for the ``flask`` commands by
    ``Actor.command_line()``.
    """

    id: int | None
    username: str
    role: str
    managed_service_ids: frozenset[int] = frozenset()
    remote_addr: str | None = None
    # The person's organisation; None for the command line and the tool itself, which act on
    # the whole database (``services/visibility.py``).
    organisation_id: int | None = None

    @property
    def person_id(self) -> int:
        """The user id of the person acting, for what only a signed-in person can do."""
        if self.id is None:
            raise RuntimeError(f"{self.username} is not a signed-in person")
        return self.id

    @classmethod
    def command_line(cls) -> Actor:
        """Whoever runs a ``flask`` command on the server, recorded in the trail as such."""
        return cls.system(COMMAND_LINE)

    @classmethod
    def system(cls, name: str) -> Actor:
        """The tool itself acting (``demo seed``, say), recorded in the trail by that name. Its
        role is no role a person can hold, so no check that asks for one lets it through."""
        return cls(id=None, username=name, role=SYSTEM_ROLE)


COMMAND_LINE = "command line"
SYSTEM_ROLE = "system"
