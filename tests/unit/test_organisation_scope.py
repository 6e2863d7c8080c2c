"""The reports' scope by organisation: an admin or viewer sees every service of their
organisation, a manager the services they manage within it, an auditor their own audits."""

from __future__ import annotations

from audit_app.reporting.filters import Scope

OWN = frozenset({1, 2})


def test_without_other_organisations_services_admins_and_viewers_see_every_service() -> None:
    for role in ("admin", "viewer"):
        assert Scope.for_person(role, 7, frozenset(), None) == Scope(all_services=True)


def test_with_them_admins_and_viewers_see_their_organisations_services() -> None:
    for role in ("admin", "viewer"):
        scope = Scope.for_person(role, 7, frozenset(), OWN)
        assert (scope.all_services, scope.service_ids, scope.whole_organisation) == (
            False,
            OWN,
            True,
        )


def test_a_manager_sees_the_services_they_manage_within_their_organisation() -> None:
    scope = Scope.for_person("manager", 7, frozenset({2, 3}), OWN)
    assert scope.service_ids == frozenset({2})
    assert Scope.for_person("manager", 7, frozenset({2, 3}), None).service_ids == {2, 3}


def test_an_auditor_sees_their_own_audits_whatever_the_organisation() -> None:
    assert Scope.for_person("auditor", 7, frozenset(), OWN).auditor_id == 7
