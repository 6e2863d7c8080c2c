"""Every refusal a service gives has one root, and every service takes the one Actor.

The web layer and the commands handle refusals by kind (``services/errors.py``): a new refusal
class that does not derive from ``Refused`` would reach a person as a 500 page or a traceback, and
a service that takes a name instead of an ``Actor`` would record the trail without who or where.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import audit_app.services
from audit_app.services.actor import Actor
from audit_app.services.errors import FieldErrors, NotFound, Refused, Stale
from audit_app.services.trail import record_event


def service_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"audit_app.services.{info.name}")
        for info in pkgutil.iter_modules(audit_app.services.__path__)
    ]


def defined_here(module: ModuleType, kind: type) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, kind)
        and value.__module__ == module.__name__
    ]


def test_every_refusal_a_service_defines_derives_from_refused() -> None:
    found = {
        f"{module.__name__}.{cls.__name__}": cls
        for module in service_modules()
        for cls in defined_here(module, Exception)
    }
    assert len(found) >= 15, sorted(found)  # the check is looking at the real classes
    strays = sorted(name for name, cls in found.items() if not issubclass(cls, Refused))
    assert not strays, f"refusals outside audit_app.services.errors.Refused: {strays}"


def test_each_kind_of_refusal_is_where_the_handlers_expect_it() -> None:
    from audit_app.services import accounts, actions, audits, users, workshop

    for not_found in (audits.AuditNotFound, workshop.VersionNotFound, users.UserNotFound):
        assert issubclass(not_found, NotFound)
    for stale in (audits.StaleAudit, audits.EditConflict, actions.StaleAction):
        assert issubclass(stale, Stale)
    assert issubclass(audits.FieldErrors, FieldErrors)
    assert issubclass(users.SelfChangeRefused, accounts.AccountError)
    # Callers that caught the standard kinds still catch them.
    assert issubclass(NotFound, LookupError) and issubclass(FieldErrors, ValueError)


def test_every_service_that_acts_for_someone_takes_an_actor() -> None:
    takers = []
    for module in service_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or function is record_event:
                continue  # the trail's recorder also records people not signed in, by name
            parameters = inspect.signature(function).parameters
            assert "actor_id" not in parameters, f"{module.__name__}.{name} takes actor_id"
            for parameter in ("actor", "loaded_by"):
                if parameter in parameters:
                    takers.append(f"{module.__name__}.{name}")
                    annotation = parameters[parameter].annotation
                    assert annotation in ("Actor", "Actor | None", Actor), (
                        f"{module.__name__}.{name}({parameter}: {annotation}): take an Actor"
                    )
    assert len(takers) >= 30, takers


def test_the_command_line_and_the_tool_itself_hold_no_role_a_person_can() -> None:
    from audit_app.core.roles import ALL_ROLES

    assert Actor.command_line().role not in ALL_ROLES
    assert Actor.system("demo seed").username == "demo seed"
    assert Actor.command_line().id is None
