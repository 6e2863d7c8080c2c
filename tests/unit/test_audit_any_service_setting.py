"""AUDIT_ANY_SERVICE: the usernames who may audit cases outside their own services."""

from __future__ import annotations

import pytest

from config import ConfigError, load_config


def test_nobody_audits_outside_their_services_unless_named() -> None:
    assert load_config({"APP_ENV": "test"})["AUDIT_ANY_SERVICE"] == ()


def test_the_setting_lists_usernames_in_lower_case_without_repeats() -> None:
    settings = load_config({"APP_ENV": "test", "AUDIT_ANY_SERVICE": " QA.Lead, jsmith ,qa.lead,"})
    assert settings["AUDIT_ANY_SERVICE"] == ("qa.lead", "jsmith")


def test_a_setting_that_is_not_a_list_of_usernames_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"AUDIT_ANY_SERVICE must list usernames .*'qa lead'"):
        load_config({"APP_ENV": "test", "AUDIT_ANY_SERVICE": "qa lead"})
