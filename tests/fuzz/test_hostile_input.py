"""Hostile input: any questionnaire file or CSV ends in success or a clear refusal, never a
traceback or a partial write."""

from __future__ import annotations

import json
import string

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from audit_app.core.questionnaire import (
    Questionnaire,
    QuestionnaireInvalid,
    parse_questionnaire,
    validate_questionnaire,
)
from audit_app.db import session_scope
from audit_app.models import Allocation, Case, QuestionnaireVersion, Service, Team
from audit_app.services import allocations, cases
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from tests.builders import questionnaire_dict

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "format",
    "id",
    "version",
    "title",
    "kind",
    "grading",
    "themes",
    "questions",
    "options",
    "score",
    "weight",
    "show_if",
    "in",
    "compliance",
    "type",
    "value",
    "label",
    "min",
]


def _mutations() -> st.SearchStrategy[dict]:
    """A valid questionnaire with one key somewhere replaced by junk."""

    def mutate(data: dict, path_choice: int, key: str, junk: object) -> dict:
        nodes: list[dict] = []

        def walk(node: object) -> None:
            if isinstance(node, dict):
                nodes.append(node)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(data)
        nodes[path_choice % len(nodes)][key] = junk
        return data

    return st.builds(
        mutate,
        st.builds(questionnaire_dict),
        st.integers(min_value=0, max_value=200),
        st.sampled_from(KEYS),
        JSON,
    )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_any_bytes_or_text_is_loaded_or_clearly_refused(raw: bytes | str) -> None:
    try:
        assert isinstance(parse_questionnaire(raw), Questionnaire)
    except QuestionnaireInvalid as invalid:
        assert invalid.problems
        assert all(p.path.startswith("$") and p.message for p in invalid.problems)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_is_loaded_or_clearly_refused(data: object) -> None:
    try:
        validate_questionnaire(data)
    except QuestionnaireInvalid as invalid:
        assert invalid.problems


@settings(max_examples=300, deadline=None)
@given(_mutations())
def test_a_questionnaire_with_junk_somewhere_is_loaded_or_clearly_refused(data: dict) -> None:
    try:
        validate_questionnaire(data)
    except QuestionnaireInvalid as invalid:
        assert all(p.path.startswith("$") and p.message for p in invalid.problems)


def _counts(app: Flask) -> tuple[int, ...]:
    with session_scope(app) as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (QuestionnaireVersion, Case, Team, Service, Allocation)
        )


FUZZ_DB = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ_DB
@given(st.lists(_mutations(), min_size=1, max_size=3))
def test_loading_fuzzed_files_stores_all_or_nothing(app: Flask, datas: list[dict]) -> None:
    before = _counts(app)
    files = [(f"f{n}.json", json.dumps(d)) for n, d in enumerate(datas)]
    try:
        parsed = [questionnaire_service.parse_file(name, text) for name, text in files]
        with app.app_context(), session_scope(app) as session:
            outcomes = questionnaire_service.load(
                parsed, session=session, loaded_by=Actor.system("fuzz")
            )
    except questionnaire_service.LoadRefused as refused:
        assert refused.problems
        assert _counts(app) == before
    else:
        assert outcomes


CSV_CELLS = st.text(alphabet=string.printable + "éñ\u2028\x00", max_size=12)


def _csv(rows: list[list[str]]) -> str:
    return "\n".join(",".join(row) for row in rows)


@FUZZ_DB
@given(
    st.lists(st.lists(CSV_CELLS, min_size=0, max_size=5), min_size=0, max_size=6),
    st.booleans(),
)
def test_fuzzed_case_files_import_all_or_nothing(
    app: Flask, rows: list[list[str]], with_header: bool
) -> None:
    before = _counts(app)
    text = _csv(([["case_id", "service", "team"]] if with_header else []) + rows)
    try:
        with app.app_context(), session_scope(app) as session:
            cases.import_cases(
                text,
                session=session,
                actor=Actor.system("fuzz"),
                case_id_pattern=app.config["CASE_ID_PATTERN"],
            )
    except cases.ImportRefused as refused:
        assert refused.problems and all(str(p) for p in refused.problems)
        assert _counts(app) == before


@FUZZ_DB
@given(st.binary(max_size=200))
def test_fuzzed_bytes_as_allocation_files_are_refused_cleanly(app: Flask, raw: bytes) -> None:
    before = _counts(app)
    try:
        with app.app_context(), session_scope(app) as session:
            allocations.import_allocations(raw, session=session, actor=Actor.system("fuzz"))
    except cases.ImportRefused as refused:
        assert refused.problems
    assert _counts(app) == before
