"""The brief's matching outcomes on analyses the pipeline computes now (the other tests use saved analyses)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp.matching import match
from criteria_nlp.patient import Patient
from criteria_nlp.patient_io import read_patient
from criteria_nlp.read import read_trial
from criteria_nlp.schema import TrialAnalysis

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PREGNANCY_EXCLUDED = {"NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(analyzer: Any) -> dict[str, TrialAnalysis]:
    out = {}
    for path in sorted((FIXTURES / "seeds").glob("*.txt")):
        a = analyzer(read_trial(path))
        out[a.trial.id] = a
    return out


def person(**fields: Any) -> Patient:
    return Patient.from_dict({"id": "p", "as_of": dt.date(2026, 3, 1), **fields})


def test_match_live_seeds_pregnancy(live: dict[str, TrialAnalysis]) -> None:
    pregnant = person(age=29, sex="female", pregnant=True)
    excluded = {tid for tid, a in live.items() if any(r.category == "pregnancy" and r.result == "not_met" for r in match(pregnant, a).rules)}
    assert excluded == PREGNANCY_EXCLUDED


def test_match_live_seeds_ages(live: dict[str, TrialAnalysis]) -> None:
    teen = person(birth_date="2009-09-01", sex="female")
    assert match(teen, live["NCT04184258"]).verdict == "ineligible"
    young = match(teen, live["NCT03219801"])
    assert young.verdict != "ineligible" and all(r.result == "met" for r in young.rules if r.category == "age")


def test_match_live_seeds_sledai(live: dict[str, TrialAnalysis]) -> None:
    low = match(person(age=30, scores=[{"code": "SELENA-SLEDAI", "value": 4}]), live["NCT04184258"])
    missing = match(person(age=30), live["NCT04184258"])
    (sledai,) = [r.rule for r in low.rules if r.category == "score" and r.evidence and "SELENA" in r.evidence]
    assert low.rule(sledai).result == "not_met" and low.verdict == "ineligible"
    assert missing.rule(sledai).result == "unknown" and missing.rule(sledai).needs == ["SELENA-SLEDAI score"]


@pytest.mark.parametrize("trial_id", ["NCT04184258", "IR.KUMS.REC.1400.198"])
def test_match_live_seeds_dialysis(live: dict[str, TrialAnalysis], trial_id: str) -> None:
    result = match(read_patient(FIXTURES / "patients" / "dialysis_bundle.json"), live[trial_id])
    dialysis = [r for r in result.rules if r.evidence and "dialysis" in r.evidence.lower()]
    assert dialysis and all(r.result == "not_met" for r in dialysis)
    assert result.verdict == "ineligible"
