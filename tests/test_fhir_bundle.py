"""FHIR R4 bundles as patients, and the dialysis exclusion of the seed trials on a hand-written bundle."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp.errors import PatientError
from criteria_nlp.fhir import patient_from_fhir
from criteria_nlp.matching import match
from criteria_nlp.patient_io import read_patient
from criteria_nlp.schema import TrialAnalysis

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "patients"
BUNDLE = FIXTURES / "dialysis_bundle.json"


@functools.lru_cache(maxsize=None)
def bundle() -> dict[str, Any]:
    with BUNDLE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def analysis(trial_id: str) -> TrialAnalysis:
    with (FIXTURES / "analyses" / f"{trial_id}.json").open(encoding="utf-8") as handle:
        return TrialAnalysis.from_dict(json.load(handle))


def without(kind: str) -> dict[str, Any]:
    data = copy.deepcopy(bundle())
    data["entry"] = [e for e in data["entry"] if e["resource"]["resourceType"] != kind]
    return data


def test_fhir_bundle_demographics_and_as_of() -> None:
    p = patient_from_fhir(BUNDLE)
    assert (p.id, p.sex, p.birth_date) == ("dialysis-1", "female", dt.date(1988, 6, 15))
    assert p.as_of == dt.date(2026, 3, 1)  # the bundle's timestamp
    assert patient_from_fhir(BUNDLE, as_of=dt.date(2027, 1, 1)).as_of == dt.date(2027, 1, 1)


def test_fhir_bundle_conditions_skip_refuted_and_prefer_icd10cm() -> None:
    p = patient_from_fhir(BUNDLE)
    assert [(c.concept.code if c.concept else None, c.status, c.onset) for c in p.conditions or []] == [
        ("M32.14", "active", dt.date(2019, 4, 2))]


def test_fhir_bundle_hemodialysis_procedure_is_coded() -> None:
    (proc,) = patient_from_fhir(BUNDLE).procedures or []
    assert proc.concept is not None and proc.concept.code == "proc:hemodialysis"
    assert (proc.status, proc.date, proc.system, proc.code) == ("in-progress", dt.date(2025, 11, 20), "SNOMED", "302497006")


def test_fhir_bundle_observations() -> None:
    p = patient_from_fhir(BUNDLE)
    creatinine, dsdna, systolic, diastolic = p.labs
    assert (creatinine.value, creatinine.unit, creatinine.reference_low, creatinine.reference_high) == (6.2, "mg/dL", 0.5, 1.1)
    assert creatinine.date == dt.date(2026, 2, 20)
    assert dsdna.result == "positive" and dsdna.value is None
    assert (systolic.code, systolic.value, diastolic.code, diastolic.value) == ("8480-6", 142.0, "8462-4", 91.0)
    assert [(s.concept.code if s.concept else None, s.value) for s in p.scores] == [("SELENA-SLEDAI", 10.0)]
    (smoking,) = p.observations
    assert smoking.concept is not None and smoking.concept.code == "obs:smoking" and (smoking.present, smoking.ever) == (False, True)
    assert p.pregnant is False


@pytest.mark.slow
def test_fhir_bundle_medications() -> None:
    # codes RxNorm displays with the drug package (its index is built once: several seconds)
    p = patient_from_fhir(BUNDLE)
    statement, plan = p.medications or []
    # a single substance is coded with its ATC level-5 code where the table has one (prednisone H02AB07)
    assert statement.concept is not None and statement.concept.code == "H02AB07" and statement.status == "active"
    assert plan.concept is not None and plan.concept.code == "L01FA01" and plan.status == "intended"


@pytest.mark.parametrize(("kind", "field"), [("Condition", "conditions"), ("Procedure", "procedures"),
                                             ("FamilyMemberHistory", "family_history")])
def test_fhir_bundle_absent_resources_leave_lists_unknown(kind: str, field: str) -> None:
    p = patient_from_fhir(without(kind))
    assert getattr(p, field) is None
    assert getattr(patient_from_fhir(without(kind), complete=[field]), field) == []


def test_fhir_bundle_family_history() -> None:
    data = copy.deepcopy(bundle())
    data["entry"].append({"resource": {
        "resourceType": "FamilyMemberHistory", "status": "completed", "patient": {"reference": "Patient/dialysis-1"},
        "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH", "display": "mother"}]},
        "condition": [{"code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.919"}]}}]}})
    (relative,) = patient_from_fhir(data).family_history or []
    assert relative.relation == "mother" and relative.concept is not None and relative.concept.code == "C50.919"


@pytest.mark.parametrize(("mutate", "fragment"), [
    (lambda d: d.update(resourceType="Patient"), "expected resourceType 'Bundle'"),
    (lambda d: d.update(entry=[e for e in d["entry"] if e["resource"]["resourceType"] != "Patient"]), "no Patient"),
    (lambda d: d["entry"].append(copy.deepcopy(d["entry"][0])), "more than one Patient"),
    (lambda d: d["entry"][3]["resource"].update(performedPeriod={"start": "yesterday"}), "entry.3.resource"),
    (lambda d: d["entry"][3]["resource"].pop("subject"), "subject"),
])
def test_fhir_bundle_invalid_bundles_raise_p002(mutate: Any, fragment: str) -> None:
    data = copy.deepcopy(bundle())
    mutate(data)
    with pytest.raises(PatientError) as info:
        patient_from_fhir(data)
    assert info.value.code == "P002" and fragment in str(info.value)


def test_fhir_bundle_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(PatientError) as info:
        patient_from_fhir(tmp_path / "none.json")
    assert info.value.code == "P004" and "none.json" in str(info.value)


@pytest.mark.parametrize(("trial_id", "rule"), [("NCT04184258", "r12"), ("IR.KUMS.REC.1400.198", "r10")])
def test_fhir_bundle_dialysis_excludes_from_the_seed_trials(trial_id: str, rule: str) -> None:
    # "need for dialysis" (NCT04184258), "Severe renal failure and need to dialysis" (IRCT)
    p = read_patient(BUNDLE)
    result = match(p, analysis(trial_id))
    dialysis = result.rule(rule)
    assert dialysis.evidence is not None and "dialysis" in dialysis.evidence
    assert (dialysis.result, dialysis.holds) == ("not_met", True)
    assert dialysis.fact is not None and "Hemodialysis" in dialysis.fact and "proc:hemodialysis" in dialysis.fact
    assert dialysis.reason.startswith("excluded: ")
    assert result.verdict == "ineligible" and rule in result.decided_by


def test_fhir_bundle_completed_dialysis_counts_for_need_for_dialysis() -> None:
    data = copy.deepcopy(bundle())
    proc = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Procedure")
    proc.update(status="completed", performedDateTime="2026-02-27")
    proc.pop("performedPeriod")
    proc["code"] = {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "90935", "display": "Hemodialysis procedure"}]}
    assert match(patient_from_fhir(data), analysis("NCT04184258")).rule("r12").result == "not_met"
