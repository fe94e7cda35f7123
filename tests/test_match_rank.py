"""The order of rank(): ruled out last, then relevance (inclusion requirements met, studied conditions), then verdict."""

from __future__ import annotations

import pytest

import criteria_nlp as cn
from criteria_nlp.matching.rank import rank_key, relevance, studied_met


def _trial(nct: str, criteria: str, conditions: list[str]) -> cn.TrialAnalysis:
    return cn.analyze(cn.Trial(id=nct, eligibility_text=criteria, conditions=conditions))


@pytest.fixture(scope="module")
def trials() -> list[cn.TrialAnalysis]:
    return [
        _trial("NCT00000001", "Inclusion Criteria:\n- Age 18 to 80 years", ["Asthma"]),
        _trial("NCT00000002", "Inclusion Criteria:\n- Age 18 to 80 years", ["Hypertension"]),
        _trial("NCT00000003", "Inclusion Criteria:\n- Diagnosis of hypertension\n- Age 18 to 80 years", []),
        _trial("NCT00000004", "Exclusion Criteria:\n- Hypertension", ["Hypertension"]),
    ]


def test_match_rank_relevance_before_verdict(trials: list[cn.TrialAnalysis]) -> None:
    patient = cn.Patient.from_dict({"id": "p", "age": 50, "sex": "female", "conditions": ["I10"]})
    order = [r.trial_id for r in cn.rank(patient, trials)]
    # the trial studying hypertension and the one requiring it come before the asthma trial; the one that
    # excludes hypertension comes last, whatever it studies
    assert order[-1] == "NCT00000004"
    assert order.index("NCT00000001") > max(order.index("NCT00000002"), order.index("NCT00000003"))


def test_match_rank_studied_conditions_the_patient_has(trials: list[cn.TrialAnalysis]) -> None:
    patient = cn.Patient.from_dict({"id": "p", "conditions": ["I10"]})
    assert studied_met(patient, trials[1]) == ["Hypertension"]
    assert studied_met(patient, trials[0]) == []
    denied = cn.Patient.from_dict({"id": "p", "open_world": True,
                                   "denied": [{"kind": "condition", "code": "I10"}], "conditions": []})
    assert studied_met(denied, trials[1]) == []


@pytest.mark.parametrize("verdict,studied,later_than_eligible", [("indeterminate", 1, False), ("ineligible", 5, True)])
def test_match_rank_key_orders_ineligible_last(trials: list[cn.TrialAnalysis], verdict: str, studied: int,
                                                later_than_eligible: bool) -> None:
    patient = cn.Patient.from_dict({"id": "p", "age": 50, "sex": "female"})
    eligible = cn.match(patient, trials[0])
    assert eligible.verdict == "eligible" and relevance(eligible) == 0
    other = eligible.model_copy(update={"verdict": verdict, "trial_id": "NCT00000009"})
    assert (rank_key(other, studied) > rank_key(eligible)) is later_than_eligible


def test_match_rank_relevance_not_from_other_peoples_requirements() -> None:
    """A man meets "Females: negative pregnancy test" only because it binds women: no sign of relevance."""
    trial = _trial("NCT00000005", "Inclusion Criteria:\n- Diagnosis of hypertension\n- Females must have a negative "
                   "pregnancy test and be post-menopausal", [])
    man = cn.Patient.from_dict({"id": "p", "age": 50, "sex": "male", "conditions": ["I10"]})
    result = cn.match(man, trial)
    assert result.verdict != "ineligible"
    assert relevance(result) == 1
