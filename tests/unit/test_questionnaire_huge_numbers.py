"""A whole number thousands of digits long in a questionnaire file is a clear problem at its
place, never a Python error (Python refuses to convert more than 4,300 digits itself)."""

from __future__ import annotations

import json

import pytest

from audit_app.core.questionnaire import QuestionnaireInvalid, parse_questionnaire
from tests.builders import questionnaire_dict


@pytest.mark.parametrize("digits", [31, 4301, 100_000])
def test_a_huge_whole_number_is_refused_at_its_place(digits: int) -> None:
    text = json.dumps(questionnaire_dict()).replace('"version": 1', '"version": ' + "9" * digits)
    assert "9" * digits in text
    with pytest.raises(QuestionnaireInvalid) as refused:
        parse_questionnaire(text)
    message = str(refused.value)
    assert "version" in message and "too large" in message
    assert len(message) < 2000  # the number is not repeated whole


def test_ordinary_whole_numbers_still_load() -> None:
    questionnaire = parse_questionnaire(json.dumps(questionnaire_dict()))
    assert questionnaire.version == 1
