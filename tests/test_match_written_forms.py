"""match() on patients written as people write them: bare strings in coded lists, mappings for labs and scores,
no id; the verdicts these forms decide (analyses of tests/fixtures/patients, no pipeline)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp import match
from criteria_nlp.schema import TrialAnalysis

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "patients"

#: a lupus patient in the short forms: meets every computable rule of NCT04184258
PLAIN: dict[str, Any] = {
    "age": 34, "sex": "female", "pregnant": False, "lactating": False, "as_of": "2026-03-01",
    "conditions": ["lupus nephritis"], "medications": [], "procedures": [], "plans_complete": True,
    "labs": {"5130-0": "positive"}, "scores": {"SELENA-SLEDAI": 8, "ACR-1997": 5},
}


@functools.lru_cache(maxsize=None)
def analysis(name: str) -> TrialAnalysis:
    path = FIXTURES / ("feature_trial.json" if name == "FEATURE-TRIAL" else f"analyses/{name}.json")
    return TrialAnalysis.from_dict(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("change", "verdict", "decided_by"), [
    ({}, "eligible", []),
    ({"scores": {"SELENA-SLEDAI": 4, "ACR-1997": 5}}, "ineligible", ["r9"]),                   # SELENA-SLEDAI >= 6
    ({"scores": {"SELENA-SLEDAI": {"value": 8, "date": "2026-02-10"}, "ACR-1997": 5}}, "eligible", []),
    ({"scores": {"ACR-1997": 5}}, "indeterminate", ["r9"]),                                    # a score not given: unknown
    ({"labs": {"anti-dsDNA": "negative"}}, "ineligible", ["r8"]),                              # a lab by name
    ({"labs": {}}, "indeterminate", ["r8"]),
    ({"procedures": ["hemodialysis"]}, "ineligible", ["r12"]),                                 # need for dialysis
    ({"procedures": ["proc:hemodialysis"]}, "ineligible", ["r12"]),
    ({"conditions": ["M32.14", "HIV"]}, "ineligible", ["r17", "r21"]),                         # chronic infections, HIV
    ({"conditions": ["lupus nephritis", "B18.1"]}, "ineligible", ["r17", "r18"]),              # hepatitis B by code
])
def test_match_written_forms_decide_nct04184258(change: dict[str, Any], verdict: str, decided_by: list[str]) -> None:
    result = match({**PLAIN, **change}, analysis("NCT04184258"))
    assert (result.verdict, result.decided_by) == (verdict, decided_by)
    assert result.patient_id == "patient"


@pytest.mark.parametrize(("conditions", "verdict"), [
    (["lupus"], "eligible"),
    (["SLE"], "eligible"),
    (["M32.9"], "eligible"),
    (["hypertension"], "ineligible"),  # a complete list without lupus
    ([], "ineligible"),                # an empty list is complete: no lupus
    (None, "indeterminate"),           # no list: unknown
])
def test_match_written_forms_empty_list_is_complete(conditions: list[str] | None, verdict: str) -> None:
    patient = {**PLAIN, "conditions": conditions}
    assert match(patient, analysis("NCT05921058")).verdict == verdict


@pytest.mark.parametrize(("change", "rule", "result"), [
    ({"labs": {"creatinine": {"value": 1.1, "unit": "mg/dL"}}}, "r6", "met"),     # creatinine <= 1.5 mg/dL
    ({"labs": {"creatinine": {"value": 180, "unit": "µmol/L"}}}, "r6", "not_met"),  # = 2.04 mg/dL
    ({"labs": {"2160-0": 1.1}}, "r6", "met"),                                      # no unit: the lab's canonical one
    ({"labs": {"serum creatinine": "1,7"}}, "r6", "not_met"),
    ({"labs": {"LVEF": 45}}, "r21", "not_met"),                                     # LVEF >= 50 %
    ({"medications": ["prednisone"]}, "r8", "not_met"),                            # current systemic corticosteroids
    ({"medications": ["H02AB07"]}, "r8", "not_met"),
    ({"medications": ["hydroxychloroquine"]}, "r8", "met"),
    ({"medications": ["hydroxychloroquine"]}, "r27", "met"),                       # prior antimalarial
    ({"medications": ["DB01611"]}, "r27", "met"),
    ({"medications": []}, "r27", "not_met"),
    ({"procedures": ["renal biopsy"]}, "r29", "met"),                              # prior renal biopsy
    ({"procedures": ["SNOMED:302497006"]}, "r10", "not_met"),                      # need for dialysis
    ({"family_history": ["breast cancer"]}, "r18", "not_met"),                     # family history of cancer
    ({"family_history": []}, "r18", "met"),
    ({}, "r18", "unknown"),
    ({"observations": {"smoking": {"value": "current", "date": "2026-01-01"}}}, "r12", "not_met"),
    ({"observations": {"smoking": "never"}}, "r12", "met"),
])
def test_match_written_forms_decide_rules(change: dict[str, Any], rule: str, result: str) -> None:
    patient = {"age": 34, "sex": "female", "as_of": "2026-03-01", **change}
    outcome = match(patient, analysis("FEATURE-TRIAL"))
    assert outcome.rule(rule).result == result
    if result == "not_met":
        assert outcome.verdict == "ineligible" and rule in outcome.decided_by
