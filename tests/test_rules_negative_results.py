"""Items asking for a negative result (issue 22, polarity): 'Negative for hepatitis B surface antigen' used to
negate the test and give it the value 'negative' both, so a patient whose test was negative was excluded and one
whose test was positive passed; 'Negative status for hepatitis B and C' required hepatitis B of everyone."""

from __future__ import annotations

import datetime as dt

import pytest

import criteria_nlp
from criteria_nlp import Analyzer


def _patient(**facts: object) -> dict[str, object]:
    return {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 40, "sex": "male", "conditions": [], **facts}


@pytest.mark.parametrize(("result", "verdict"), [("negative", "eligible"), ("positive", "ineligible")])
def test_rules_negative_for_a_test_wants_the_negative_result(analyzer: Analyzer, result: str, verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Negative for hepatitis B surface antigen\n")
    rule = next(r for r in analysis.rules if r.category == "lab")
    assert (rule.polarity, rule.operator) == ("require", "negative")
    assert criteria_nlp.match(_patient(labs=[{"code": "5196-1", "result": result}]), analysis).verdict == verdict


@pytest.mark.parametrize("text", ["Negative status for hepatitis B and C.",
                                  "Negative serology for HIV infection as determined by licensed HIV ELISA test."])
def test_rules_negative_result_item_excludes_its_conditions(analyzer: Analyzer, text: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    conditions = [r for r in analysis.rules if r.category == "condition" and r.computable]
    assert conditions and all(r.polarity == "exclude" for r in conditions)
    assert criteria_nlp.match(_patient(), analysis).verdict != "ineligible"


@pytest.mark.parametrize(("conditions", "verdict"), [([], "eligible"), ([{"code": "B20"}], "ineligible")])
def test_rules_negative_for_a_condition_excludes_it(analyzer: Analyzer, conditions: list[dict[str, str]],
                                                   verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Negative for HIV\n")
    assert criteria_nlp.match(_patient(conditions=conditions), analysis).verdict == verdict
