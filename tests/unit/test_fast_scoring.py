"""The compiled scoring engine gives exactly the reference engine's percents, grades and
compliance counts, on random questionnaires and answers and on the shipped questionnaires."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from audit_app.core.fast_scoring import QuickScore, ScoringPlan
from audit_app.core.questionnaire import Questionnaire, parse_questionnaire
from audit_app.core.scoring import AuditScore, score_audit
from tests.unit.test_scoring_properties import DAY, PROPERTY, SERVICES, Audit, audits

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"


def reference(
    questionnaire: Questionnaire,
    answers: dict[str, str],
    judged: dict[str, str] | None = None,
    service: str | None = None,
    overall_judged: str | None = None,
) -> tuple[object, ...]:
    score: AuditScore = score_audit(
        questionnaire, answers, judged, day=DAY, service=service, overall_judged=overall_judged
    )
    return (
        tuple((t.theme_id, t.percent, t.grade) for t in score.themes),
        score.overall.percent,
        score.overall.grade,
        {m.measure: (m.compliant, m.non_compliant) for m in score.compliance},
    )


def compiled(
    plan: ScoringPlan,
    answers: dict[str, str],
    judged: dict[str, str] | None = None,
    service: str | None = None,
    overall_judged: str | None = None,
) -> tuple[object, ...]:
    score: QuickScore = plan.score(
        answers, judged, day=DAY, service=service, overall_judged=overall_judged
    )
    return (
        tuple((t.theme_id, t.percent, t.grade) for t in score.themes),
        score.overall_percent,
        score.overall_grade,
        score.compliance,
    )


@PROPERTY
@given(audits())
def test_the_compiled_engine_agrees_with_the_reference(audit: Audit) -> None:
    questionnaire, answers = audit
    assert compiled(ScoringPlan(questionnaire), answers) == reference(questionnaire, answers)


@PROPERTY
@given(audits(), st.data())
def test_the_engines_agree_on_the_auditors_grades_of_themes_graded_by_judgement(
    audit: Audit, data: st.DataObject
) -> None:
    """Every theme, and the audit overall, may carry a judgement: a grade, one that is no
    grade, or none."""
    questionnaire, answers = audit
    choices = st.sampled_from([*questionnaire.grades, "Not a grade"]) | st.none()
    judged = {
        theme.id: grade
        for theme in questionnaire.themes
        if (grade := data.draw(choices)) is not None
    }
    overall = data.draw(choices)
    plan = ScoringPlan(questionnaire)
    expected = reference(questionnaire, answers, judged, overall_judged=overall)
    assert compiled(plan, answers, judged, overall_judged=overall) == expected


@PROPERTY
@given(audits(), st.data())
def test_the_engines_agree_on_conditions_on_the_cases_service(
    audit: Audit, data: st.DataObject
) -> None:
    """The case is in one of the services conditions name, in another, or in none known; the
    auditor's grades are drawn as above, since a judged theme may be hidden by the service."""
    questionnaire, answers = audit
    service = data.draw(st.sampled_from([*SERVICES, "Fostering"]) | st.none())
    choices = st.sampled_from(questionnaire.grades) | st.none()
    judged = {
        theme.id: grade
        for theme in questionnaire.themes
        if (grade := data.draw(choices)) is not None
    }
    plan = ScoringPlan(questionnaire)
    expected = reference(questionnaire, answers, judged, service)
    assert compiled(plan, answers, judged, service) == expected


@PROPERTY
@given(audits(), st.data())
def test_odd_stored_values_count_the_same(audit: Audit, data: st.DataObject) -> None:
    """Blank, padded and unknown values, and answers to questions hidden by show_if."""
    questionnaire, answers = audit
    odd = dict(answers)
    for qid in data.draw(st.lists(st.sampled_from(sorted(questionnaire.questions)), max_size=4)):
        odd[qid] = data.draw(st.sampled_from(["", "  ", " o0", "o0 ", "unknown", "o1"]))
    assert compiled(ScoringPlan(questionnaire), odd) == reference(questionnaire, odd)


def test_every_shipped_questionnaire_scores_the_same_on_its_first_and_last_options() -> None:
    files = sorted(QUESTIONNAIRES.glob("*.json"))
    assert files
    for path in files:
        if "schema" in path.name:
            continue
        questionnaire = parse_questionnaire(path.read_text(encoding="utf-8"))
        plan = ScoringPlan(questionnaire)
        for pick in (0, -1):
            answers = {
                qid: (q.options or [])[pick].value
                for qid, q in questionnaire.questions.items()
                if q.type == "choice"
            }
            assert compiled(plan, answers) == reference(questionnaire, answers), path.name
