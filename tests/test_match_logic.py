"""match(): concept coverage, time, exceptions, groups, completeness, labs (hand-built rules)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from criteria_nlp.matching import ConditionCover, compare, describe_limit, linear, match, sig
from criteria_nlp.patient import Patient, icd_in
from criteria_nlp.schema import Concept, Rule, RuleException, Trial, TrialAnalysis, Window

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "patients"
AS_OF = dt.date(2026, 3, 1)


@functools.lru_cache(maxsize=None)
def feature() -> TrialAnalysis:
    """Hand-built rules covering every evaluator (tests/fixtures/patients/feature_trial.json)."""
    with (FIXTURES / "feature_trial.json").open(encoding="utf-8") as handle:
        return TrialAnalysis.from_dict(json.load(handle))


def one_rule(**fields: Any) -> TrialAnalysis:
    """A trial holding one rule."""
    fields.setdefault("kind", "inclusion" if fields.get("polarity") == "require" else "exclusion")
    fields.setdefault("text", fields.get("evidence") or "rule")
    return TrialAnalysis(trial=Trial(id="ONE"), rules=[Rule(id="r1", **fields)])


def patient(**fields: Any) -> Patient:
    data: dict[str, Any] = {"id": "p", "as_of": AS_OF, "age": 40, "sex": "female"}
    data.update(fields)
    return Patient.from_dict(data)


def icd(code: str, name: str | None = None) -> Concept:
    return Concept(system="ICD-10-CM", code=code, name=name)


# --------------------------------------------------------------------------- ICD-10-CM coverage

NAMES = {"M32.9": "Systemic lupus erythematosus, unspecified", "E11.9": "Type 2 diabetes mellitus without complications",
         "A15.9": "Respiratory tuberculosis unspecified", "M32.14": "Glomerular disease in systemic lupus erythematosus",
         "E08-E13": "Diabetes mellitus", "K75.9": "Hepatitis NOS", "B17.9": "Acute hepatitis NOS"}


@pytest.mark.parametrize(("rule", "evidence", "code", "covered"), [
    ("M32", None, "M32.14", True),               # a category covers its codes
    ("M32.14", None, "M32.9", False),            # a code does not cover its siblings
    ("M32.14", None, "M32.14", True),
    ("M32.9", "SLE", "M32.14", True),            # "SLE, unspecified" covers the category
    ("B99.9", "infection", "A41.9", True),       # infection: A00-B99
    ("B99.9", "infection", "J18.9", True),       # ... and pneumonia
    ("B99.9", "infection", "N39.0", True),       # ... and urinary tract infection
    ("B99.9", "infection", "M32.14", False),
    ("C80.1", "malignancy", "C50.919", True),    # malignancy: C00-C96
    ("C80.1", "malignancy", "D06.9", False),     # carcinoma in situ is not
    ("C80.1", "malignancy", "Z85.3", True),      # a personal history of cancer is a (past) malignancy
    ("I51.9", "heart disease", "I42.0", True),   # heart disease: I00-I52
    ("I51.9", "heart disease", "I11.9", True),   # hypertensive heart disease
    ("I51.9", "heart disease", "I10", False),    # hypertension alone is not
    ("N19", "renal failure", "N17.9", True),
    ("N19", "renal failure", "N18.6", True),
    ("N19", "renal failure", "N20.0", False),
    ("N28.9", "kidney disease", "N05.9", True),  # kidney disease is every disease of the kidney, not only its failure
    ("N28.9", "renal disease", "M32.14", True),
    ("N28.9", "kidney disease", "E11.22", True),
    ("N28.9", "kidney disease", "N30.0", False),  # cystitis is of the bladder
    ("K76.9", "liver disease", "K70.30", True),
    ("F99", "psychiatric illness", "F32.A", True),
    ("E34.9", "endocrine disorders", "E11.65", True),
    ("M35.9", "autoimmune diseases", "M05.79", True),
    ("M35.9", "autoimmune diseases", "G35", True),
    ("M35.9", "autoimmune diseases", "I10", False),
    ("E08-E13", "diabetes", "E10.9", True),      # "diabetes" is any type: the range E08-E13
    ("E08-E13", None, "E13.9", True),            # ... whatever the mention
    ("E08-E13", "diabetes", "O24.410", True),    # ... and gestational diabetes
    ("E08-E13", "diabetes", "R73.03", False),    # prediabetes is not
    ("E08-E13", "diabetes", "E08-E13", True),    # a patient's "diabetes" (coded from its name) is the whole range
    ("E11", "type 2 diabetes", "E08-E13", False),  # ... which is more than type 2
    ("E11", "type 2 diabetes", "E11.65", True),  # "type 2 diabetes" is every type 2 diabetes, complications included
    ("E11.9", "diabetes", "E10.9", False),       # E11.9 is type 2 whatever the words
    ("E11", "type 2 diabetes", "E10.9", False),  # "type 2 diabetes" is not type 1
    ("A15.9", "tuberculosis", "A15.0", True),    # respiratory tuberculosis, unspecified: its category
    ("A15.9", "tuberculosis", "A18.01", False),  # ... not every site, which "tuberculosis" (A15-A19) is
    ("A15-A19", None, "A18.01", True),
    ("A15-A19", None, "Z22.7", False),           # latent tuberculosis is not tuberculosis disease
    ("I20-I25", None, "I21.4", True),
    ("B18.1", "hepatitis B", "Z22.51", True),    # the former carrier code of hepatitis B
    ("B18.1", "hepatitis B carrier", "B16.9", False),  # acute hepatitis B is no carrier state
    ("B19.9", "viral hepatitis", "Z22.52", True),
    ("K75.9", "hepatitis", "K75.4", True),       # hepatitis of any cause
    ("K75.9", "hepatitis", "B18.2", True),
    ("K75.9", "hepatitis", "K75.0", False),      # a liver abscess is not hepatitis
    ("K75.9", None, "K75.0", True),              # "Hepatitis NOS" of another mention: the category, as "unspecified" codes
    ("B17.9", "acute hepatitis", "K72.00", True),
    ("B17.9", "acute hepatitis", "B18.1", False),  # chronic hepatitis B is not acute hepatitis
    ("C44.91", "basal cell carcinoma of skin", "C44.311", True),
    ("C44.91", "basal cell carcinoma of skin", "C44.321", False),  # squamous
])
def test_match_logic_condition_coverage(rule: str, evidence: str | None, code: str, covered: bool) -> None:
    # rules carry the coder's ICD-10-CM description as the concept's name
    assert ConditionCover(icd(rule, NAMES.get(rule)), evidence).covers(code) is covered


@pytest.mark.parametrize(("code", "spec", "inside"), [
    ("A41.9", "A00-B99", True), ("C00.0", "C00-C96", True), ("C97", "C00-C96", False),
    ("O99.89", "O00-O9A", True), ("O9A.111", "O00-O9A", True), ("P00", "O00-O9A", False),
    ("M32.14", "M32", True), ("M321", "M32", False), ("C44.311", "C44.31", True), ("C44.321", "C44.31", False),
    # a code that is itself a range lies in a spec when the whole range does
    ("E08-E13", "E00-E35", True), ("E08-E13", "E08-E13", True), ("E08-E13", "E11", False), ("E08-E13", "E10-E11", False),
    ("K75.2-K75.9", "K75", True), ("K75.2-K75.9", "K75.4", False),
])
def test_match_logic_icd_ranges(code: str, spec: str, inside: bool) -> None:
    assert icd_in(code, spec) is inside


# --------------------------------------------------------------------------- missing data and completeness


def test_match_logic_missing_lists_are_unknown_given_lists_are_complete() -> None:
    a = one_rule(category="condition", polarity="exclude", concept=icd("B20", "HIV"), evidence="HIV")
    assert match(patient(), a).rule("r1").result == "unknown"
    assert match(patient(), a).rule("r1").needs == ["condition list (ICD-10-CM)"]
    assert match(patient(conditions=[]), a).rule("r1").result == "met"
    assert match(patient(conditions=[{"code": "B20"}]), a).rule("r1").result == "not_met"


def test_match_logic_an_uncoded_fact_keeps_a_negative_answer_unknown() -> None:
    a = one_rule(category="condition", polarity="exclude", concept=icd("B20", "HIV"), evidence="HIV")
    p = patient(conditions=[{"code": "840539006", "system": "http://snomed.info/sct"}])
    r = match(p, a).rule("r1")
    assert r.result == "unknown" and "could not be coded" in r.reason and r.needs == ["codes for 840539006"]


def test_match_logic_uncoded_fact_does_not_hide_a_match() -> None:
    a = one_rule(category="condition", polarity="exclude", concept=icd("B20", "HIV"), evidence="HIV")
    p = patient(conditions=[{"code": "840539006", "system": "SNOMED"}, {"code": "B20"}])
    assert match(p, a).rule("r1").result == "not_met"


@pytest.mark.parametrize(("plans_complete", "procedures", "result"), [
    (False, [], "unknown"),
    (True, [], "met"),
    (False, [{"code": "proc:kidney-transplant", "status": "planned"}], "not_met"),
    (True, [{"code": "proc:kidney-transplant", "status": "completed", "date": "2020-01-01"}], "met"),  # done, not planned
])
def test_match_logic_planned_procedures(plans_complete: bool, procedures: list[dict[str, Any]], result: str) -> None:
    r = match(patient(procedures=procedures, plans_complete=plans_complete), feature()).rule("r11")
    assert r.result == result, r.reason


@pytest.mark.parametrize(("family", "result"), [
    (None, "unknown"), ([], "met"), ([{"code": "C18.9", "relation": "father"}], "not_met"), ([{"code": "I21.4"}], "met"),
])
def test_match_logic_family_history(family: Any, result: str) -> None:
    r = match(patient(family_history=family, conditions=[{"code": "C50.919"}]), feature()).rule("r18")
    assert r.result == result, r.reason  # the patient's own cancer is not family history


@pytest.mark.parametrize(("observations", "result"), [
    ([], "unknown"), ({"smoking": "current"}, "not_met"), ({"smoking": "former"}, "met"),
    ({"smoking": "never"}, "met"), ([{"code": "obs:smoking", "present": True}], "not_met"),
])
def test_match_logic_observations(observations: Any, result: str) -> None:
    assert match(patient(observations=observations), feature()).rule("r12").result == result


def test_match_logic_childbearing_potential_of_a_man() -> None:
    a = one_rule(category="pregnancy", polarity="exclude", concept=Concept(system="CRITERIA_NLP", code="obs:childbearing-potential"),
                 evidence="women of childbearing potential")
    assert match(patient(sex="male"), a).rule("r1").result == "met"
    assert match(patient(sex="female"), a).rule("r1").result == "unknown"
    assert match(patient(observations={"childbearing potential": True}), a).rule("r1").result == "not_met"


def test_match_logic_sex_rules() -> None:
    a = feature()
    assert match(patient(sex="female"), a).rule("r2").result == "met"
    assert match(patient(sex="male"), a).rule("r2").result == "not_met"
    assert match(patient(sex="other"), a).rule("r2").needs == ["sex"]


# --------------------------------------------------------------------------- time


def anchored(anchor: str | None, days: float, direction: str = "past", bound: str | None = None) -> TrialAnalysis:
    return one_rule(category="procedure", polarity="exclude", status="history",
                    concept=Concept(system="CRITERIA_NLP", code="proc:surgery", name="surgery"), evidence="major surgery",
                    window=Window(duration_days=days, direction=direction, anchor=anchor, bound=bound, text="window"))


@pytest.mark.parametrize(("date", "dates", "result"), [
    ("2026-02-10", {}, "not_met"),                        # 19 days before as_of: within 30 days
    ("2026-01-10", {}, "met"),                            # 50 days before as_of
    ("2026-01-10", {"randomization": "2026-02-01"}, "not_met"),  # 22 days before randomization
    ("2025-12-01", {"Randomization": "2026-02-01"}, "met"),      # 62 days before randomization
])
def test_match_logic_windows_use_the_named_anchor(date: str, dates: dict[str, str], result: str) -> None:
    p = patient(procedures=[{"code": "proc:major-surgery", "date": date}], dates=dates)
    r = match(p, anchored("randomization", 30)).rule("r1")
    assert r.result == result, r.reason
    if not dates:
        assert "anchored on as_of" in r.reason


def test_match_logic_undated_procedure_in_a_window_is_unknown() -> None:
    r = match(patient(procedures=[{"code": "proc:major-surgery"}]), anchored(None, 30)).rule("r1")
    assert r.result == "unknown" and r.needs and r.needs[0].startswith("dates of")


@pytest.mark.parametrize(("start", "result"), [("2025-10-01", "met"), ("2026-02-01", "not_met"), (None, "unknown")])
def test_match_logic_at_least_windows(start: str | None, result: str) -> None:
    # "on hydroxychloroquine for at least 3 months"
    a = one_rule(category="drug", polarity="require", concept=Concept(system="ATC", code="P01BA02", name="hydroxychloroquine"),
                 evidence="hydroxychloroquine", window=Window(duration_days=91.3, direction="past", bound="at_least", text="for at least 3 months"))
    med: dict[str, Any] = {"code": "P01BA02", "status": "active"}
    if start:
        med["start"] = start
    assert match(patient(medications=[med]), a).rule("r1").result == result


@pytest.mark.parametrize(("med", "result"), [
    ({"code": "L01FA01", "name": "rituximab", "start": "2025-11-01", "end": "2025-11-15", "status": "completed"}, "not_met"),
    ({"code": "L01FA01", "name": "rituximab", "start": "2024-01-01", "end": "2024-02-01", "status": "completed"}, "met"),
    ({"code": "L01FA01", "name": "rituximab", "start": "2024-01-01", "status": "active"}, "not_met"),  # still on it
    ({"code": "L01FA01", "name": "rituximab", "status": "completed"}, "unknown"),
])
def test_match_logic_drug_history_window(med: dict[str, Any], result: str) -> None:
    a = one_rule(category="drug", polarity="exclude", status="history", concept=Concept(system="ATC", code="L01FA01", name="rituximab"),
                 evidence="rituximab", window=Window(duration_days=182.625, direction="past", text="within the past 6 months"))
    assert match(patient(medications=[med]), a).rule("r1").result == result


def test_match_logic_drug_class_by_atc_code() -> None:
    r = match(patient(medications=[{"code": "H02AB07", "name": "prednisone", "status": "active"}]), feature()).rule("r8")
    assert r.result == "not_met" and "H02AB07" in (r.fact or "")
    stopped = match(patient(medications=[{"code": "H02AB07", "status": "completed", "end": "2025-01-01"}]), feature()).rule("r8")
    assert stopped.result == "met"


@pytest.mark.slow
@pytest.mark.parametrize("med", [{"code": "DB00635"}, {"name": "prednisolone"}, {"name": "Medrol (methylprednisolone) 4 mg"}])
def test_match_logic_drug_class_members(med: dict[str, Any]) -> None:
    # builds the drug package's index once (several seconds)
    r = match(patient(medications=[med]), feature()).rule("r8")
    assert r.result == "not_met", r.reason


# --------------------------------------------------------------------------- exceptions


@pytest.mark.parametrize(("cancers", "result"), [
    ([{"code": "C44.311", "onset": "2024-05-01"}], "met"),                                      # basal cell carcinoma only
    ([{"code": "C44.311", "onset": "2024-05-01"}, {"code": "C50.919", "onset": "2024-01-01"}], "not_met"),
    ([{"code": "C44.321", "onset": "2024-05-01"}], "not_met"),                                  # squamous cell carcinoma
])
def test_match_logic_exception_takes_facts_out(cancers: list[dict[str, Any]], result: str) -> None:
    r = match(patient(conditions=[{"code": "M32.9"}, *cancers]), feature()).rule("r4")
    assert r.result == result, r.reason
    if result == "met":
        assert "exception" in r.reason


def test_match_logic_exception_of_another_kind_makes_unknown() -> None:
    lab = [{"code": "1742-6", "value": 95, "unit": "U/L", "reference_high": 40}]
    with_lupus = match(patient(conditions=[{"code": "M32.14"}], labs=lab), feature()).rule("r5")
    assert with_lupus.result == "unknown" and "may apply" in with_lupus.reason and "M32.14" in with_lupus.reason
    without = match(patient(conditions=[{"code": "I10"}], labs=lab), feature()).rule("r5")
    assert without.result == "not_met"
    alt_only = match(patient(conditions=[{"code": "M32.14"}], labs=[{"code": "1742-6", "value": 30}]), feature()).rule("r5")
    assert alt_only.result == "unknown"  # "transaminases": AST could still be high
    normal = match(patient(conditions=[{"code": "M32.14"}], labs=[{"code": "1742-6", "value": 30}, {"code": "1920-8", "value": 25}]),
                   feature()).rule("r5")
    assert normal.result == "met"


# --------------------------------------------------------------------------- labs


@pytest.mark.parametrize(("value", "unit", "rule", "result"), [
    (1.4, "mg/dL", "r6", "met"), (1.6, "mg/dL", "r6", "not_met"),
    (120, "µmol/L", "r6", "met"),       # 1.06 mg/dL
    (140, "µmol/L", "r6", "not_met"),   # 1.58 mg/dL
    (1.5, "mg/dL", "r6", "met"),        # the limit itself (<=)
    (132.6, "umol/L", "r6", "met"),     # 1.5 mg/dL exactly, written in µmol/L
    (1.9, "mg/dL", "r7", "met"),        # 168 µmol/L < 176.8
    (2.0, "mg/dL", "r7", "not_met"),    # 176.8 µmol/L is not < 176.8
    (1.4, None, "r6", "met"),           # no unit: the lab's canonical unit (mg/dL)
    (1.4, "mmol/L", "r6", "not_met"),   # 1.4 mmol/L of creatinine is 15.8 mg/dL (molar mass 113.12 g/mol)
])
def test_match_logic_lab_units(value: float, unit: str | None, rule: str, result: str) -> None:
    lab: dict[str, Any] = {"code": "2160-0", "value": value, "date": "2026-02-20"}
    if unit:
        lab["unit"] = unit
    r = match(patient(labs=[lab]), feature()).rule(rule)
    assert r.result == result, r.reason


def test_match_logic_lab_that_does_not_convert_is_unknown() -> None:
    r = match(patient(labs=[{"code": "2160-0", "value": 1.1, "unit": "mL/min"}]), feature()).rule("r6")
    assert r.result == "unknown" and "cannot convert mL/min to mg/dL" in r.reason


def test_match_logic_lab_window_and_latest_measurement() -> None:
    labs = [{"code": "2160-0", "value": 1.0, "unit": "mg/dL", "date": "2025-06-01"},
            {"code": "2160-0", "value": 2.5, "unit": "mg/dL", "date": "2026-01-15"},
            {"code": "2160-0", "value": 0.9, "unit": "mg/dL", "date": "2026-04-01"}]  # after as_of: ignored
    r7 = match(patient(labs=labs), feature()).rule("r7")  # < 176.8 µmol/L within the past 90 days
    assert r7.result == "not_met" and "2.5" in (r7.fact or "")
    old = match(patient(labs=labs[:1]), feature()).rule("r7")
    assert old.result == "unknown" and old.needs == ["serum creatinine (LOINC 2160-0)"]


@pytest.mark.parametrize(("labs", "result"), [
    ([{"code": "1920-8", "value": 30, "reference_low": 10, "reference_high": 35}], "met"),
    ([{"code": "1920-8", "value": 50, "reference_low": 10, "reference_high": 35}], "not_met"),
    ([{"code": "1920-8", "value": 50}], "not_met"),       # the lexicon's range (12-38 U/L)
    ([{"code": "1920-8", "value": "negative"}], "met"),   # a qualitative normal result
    ([], "unknown"),
])
def test_match_logic_abnormal_lab(labs: list[dict[str, Any]], result: str) -> None:
    assert match(patient(labs=labs), feature()).rule("r22").result == result


@pytest.mark.parametrize(("lab", "result", "reason"), [
    ({"value": 2000, "unit": "IU/mL"}, "met", "2000 IU/mL = 3.301 log10 IU/mL (> 6 log10 IU/mL)"),
    ({"value": 2e6, "unit": "IU/mL"}, "not_met", "excluded: 2e+06 IU/mL = 6.301 log10 IU/mL (> 6 log10 IU/mL)"),
    ({"value": 5e9, "unit": "IU/L"}, "not_met", "excluded: 5e+09 IU/L = 6.699 log10 IU/mL (> 6 log10 IU/mL)"),
    ({"value": 6.5, "unit": "log10 IU/mL"}, "not_met", "excluded: 6.5 log10 IU/mL (> 6 log10 IU/mL)"),
    ({"value": 5.1, "unit": "log IU/mL"}, "met", "5.1 log IU/mL = 5.1 log10 IU/mL (> 6 log10 IU/mL)"),
    ({"value": 0, "unit": "IU/mL"}, "met", "0 IU/mL = -inf log10 IU/mL (> 6 log10 IU/mL)"),  # undetectable
    ({"value": -5, "unit": "IU/mL"}, "unknown", "-5 IU/mL has no logarithm"),
    ({"value": 5, "unit": "mg/dL"}, "unknown", "cannot convert mg/dL to log10 IU/mL"),
])
def test_match_logic_log_unit_lab(lab: dict[str, Any], result: str, reason: str) -> None:
    # "HBV DNA > 6 log IU/mL": the limit is 10^6 IU/mL, never 6 IU/mL
    a = one_rule(category="lab", polarity="exclude", concept=Concept(system="LOINC", code="29615-2"), operator=">",
                 low=6.0, unit="log10 IU/mL", evidence="HBV DNA")
    r = match(patient(labs=[{"code": "29615-2", **lab}]), a).rule("r1")
    assert (r.result, r.reason) == (result, reason)


def test_match_logic_uln_without_any_reference_is_unknown() -> None:
    a = one_rule(category="lab", polarity="exclude", concept=Concept(system="LOINC", code="5130-0"), operator=">",
                 uln_multiple=3.0, evidence="anti-dsDNA")
    r = match(patient(labs=[{"code": "5130-0", "value": 400, "unit": "IU/mL"}]), a).rule("r1")
    assert r.result == "unknown" and r.needs == ["reference range of anti-double-stranded DNA antibodies"]
    own = match(patient(labs=[{"code": "5130-0", "value": 400, "unit": "IU/mL", "reference_high": 100}]), a).rule("r1")
    assert own.result == "not_met"


@pytest.mark.parametrize(("labs", "result"), [
    ([{"name": "anti-dsDNA", "value": "positive"}], "met"),
    ([{"code": "5130-0", "value": "negative"}], "not_met"),
    ([{"code": "5130-0", "value": 20, "unit": "IU/mL", "reference_high": 10}], "met"),
    ([{"code": "5130-0", "value": 20, "unit": "IU/mL"}], "unknown"),  # no reference range for anti-dsDNA
])
def test_match_logic_positive_lab(labs: list[dict[str, Any]], result: str) -> None:
    assert match(patient(labs=labs), feature()).rule("r14").result == result


# --------------------------------------------------------------------------- groups and manual review


@pytest.mark.parametrize(("labs", "scores", "group"), [
    ([{"code": "5130-0", "value": "positive"}], [], "met"),
    ([{"code": "5130-0", "value": "negative"}], [{"code": "ACR-1997", "value": 4}], "met"),
    ([{"code": "5130-0", "value": "negative"}], [{"code": "ACR-1997", "value": 3}], "not_met"),
    ([{"code": "5130-0", "value": "negative"}], [], "unknown"),
])
def test_match_logic_require_group_is_any_of(labs: list[Any], scores: list[Any], group: str) -> None:
    assert match(patient(labs=labs, scores=scores), feature()).groups["g1"] == group


@pytest.mark.parametrize(("conditions", "group"), [([{"code": "M32.14"}], "met"), ([{"code": "M32.9"}], "unknown"), (None, "unknown")])
def test_match_logic_group_with_a_non_computable_alternative(conditions: Any, group: str) -> None:
    # "lupus nephritis or refractory cytopenia": the cytopenia cannot be checked, so failing nephritis is not a failure
    result = match(patient(conditions=conditions), feature())
    assert result.groups["g3"] == group
    assert "r26" in {m.rule for m in result.manual_review}


def test_match_logic_non_computable_rules_do_not_make_indeterminate() -> None:
    a = TrialAnalysis(trial=Trial(id="T"), rules=[
        Rule(id="r1", kind="inclusion", category="age", polarity="require", operator=">=", low=18, unit="years", text="adults"),
        Rule(id="r2", kind="inclusion", category="other", polarity="require", text="Able to consent", computable=False, reason="no code"),
    ])
    result = match(patient(age=30), a)
    assert result.verdict == "eligible"
    assert result.rule("r2").result == "unknown" and result.rule("r2").reason == "not computable: no code"
    assert [m.rule for m in result.manual_review] == ["r2"]
    assert (result.met, result.not_met, result.unknown) == (1, 0, 0)


def test_match_logic_condition_class_value() -> None:
    # "class III or IV glomerulonephritis" (N05.9 covers lupus nephritis M32.14)
    nephritis = [{"code": "M32.14", "value": 4}]
    assert match(patient(conditions=nephritis), feature()).rule("r23").result == "met"
    assert match(patient(conditions=[{"code": "M32.14", "value": 2}]), feature()).rule("r23").result == "not_met"
    r = match(patient(conditions=[{"code": "M32.14"}]), feature()).rule("r23")
    assert r.result == "unknown" and r.needs == ["class, grade or stage of M32.14"]


def test_match_logic_other_autoimmune_is_not_the_trial_condition() -> None:
    # feature trial requires M32.9 (SLE) and excludes M35.9 "other autoimmune diseases"
    assert match(patient(conditions=[{"code": "M32.14"}]), feature()).rule("r24").result == "met"
    assert match(patient(conditions=[{"code": "M32.14"}, {"code": "G35"}]), feature()).rule("r24").result == "not_met"


# --------------------------------------------------------------------------- numbers


def test_match_logic_compare_is_three_valued() -> None:
    values = np.array([1.0, 2.0, np.nan, 3.0])
    assert compare(values, ">=", 2.0, None).tolist() == [0, 1, -1, 1]
    assert compare(values, "between", 1.5, 3.0).tolist() == [0, 1, -1, 1]
    assert compare(values, "<", 2.0, None).tolist() == [1, 0, -1, 0]
    assert compare(values, "~", 2.0, None).tolist() == [-1, -1, -1, -1]


def test_match_logic_conversions_round_to_ten_digits() -> None:
    conv = linear("µmol/L", "mg/dL", 113.12)
    assert conv is not None
    assert float(sig(np.array([conv[0] * 132.6 + conv[1]]))[0]) == pytest.approx(1.5, abs=1e-3)
    assert float(sig(np.array([1.0 / 3.0]))[0]) == 0.3333333333
    assert linear("mg/dL", "mg/dL") == (1.0, 0.0)
    assert linear("mL/min", "mg/dL") is None
    assert describe_limit("between", 14, 60, "years") == "between 14 and 60 years"


@pytest.mark.parametrize(("concept", "med", "holds"), [
    # anticoagulants are a class ATC has no code for: its groups and members, not all of B01A
    (Concept(system="CRITERIA_NLP", code="drug:anticoagulants", name="anticoagulants"), {"name": "aspirin"}, False),
    (Concept(system="CRITERIA_NLP", code="drug:anticoagulants", name="anticoagulants"), {"code": "B01AC06"}, False),
    (Concept(system="CRITERIA_NLP", code="drug:anticoagulants", name="anticoagulants"), {"name": "alteplase"}, False),
    (Concept(system="CRITERIA_NLP", code="drug:anticoagulants", name="anticoagulants"), {"name": "warfarin"}, True),
    (Concept(system="CRITERIA_NLP", code="drug:anticoagulants", name="anticoagulants"), {"code": "B01AA03"}, True),
    (Concept(system="CRITERIA_NLP", code="drug:anticoagulants", name="anticoagulants"), {"code": "B01AF02"}, True),
    (Concept(system="CRITERIA_NLP", code="drug:doacs", name="direct oral anticoagulants"), {"code": "B01AF01"}, True),
    (Concept(system="CRITERIA_NLP", code="drug:doacs", name="direct oral anticoagulants"), {"name": "warfarin"}, False),
    # antithrombotic agents (ATC B01A) take in anticoagulants, antiplatelets and thrombolytics
    (Concept(system="ATC", code="B01A", name="Antithrombotic agents"), {"name": "aspirin"}, True),
    (Concept(system="ATC", code="B01A", name="Antithrombotic agents"), {"name": "dabigatran"}, True),
    (Concept(system="ATC", code="B01A", name="Antithrombotic agents"), {"name": "metformin"}, False),
    # chemotherapy is cytotoxic: not all of ATC L01, which also files rituximab and kinase inhibitors
    (Concept(system="CRITERIA_NLP", code="drug:chemotherapy", name="cytotoxic chemotherapy"), {"name": "rituximab"}, False),
    (Concept(system="CRITERIA_NLP", code="drug:chemotherapy", name="cytotoxic chemotherapy"), {"code": "L01FA01"}, False),
    (Concept(system="CRITERIA_NLP", code="drug:chemotherapy", name="cytotoxic chemotherapy"), {"name": "imatinib"}, False),
    (Concept(system="CRITERIA_NLP", code="drug:chemotherapy", name="cytotoxic chemotherapy"), {"name": "cisplatin"}, True),
    (Concept(system="CRITERIA_NLP", code="drug:chemotherapy", name="cytotoxic chemotherapy"), {"code": "L01BC02"}, True),
    (Concept(system="CRITERIA_NLP", code="drug:chemotherapy", name="cytotoxic chemotherapy"), {"name": "paclitaxel"}, True),
    (Concept(system="CRITERIA_NLP", code="drug:chemotherapy", name="cytotoxic chemotherapy"), {"name": "cyclophosphamide"}, True),
    (Concept(system="ATC", code="L01", name="Antineoplastic agents"), {"name": "rituximab"}, True),
    (Concept(system="ATC", code="L01", name="Antineoplastic agents"), {"name": "cisplatin"}, True),
])
def test_match_logic_drug_class_membership(concept: Concept, med: dict[str, Any], holds: bool) -> None:
    a = one_rule(category="drug", polarity="exclude", status="current", concept=concept, evidence=concept.name)
    r = match(patient(medications=[{**med, "status": "active"}]), a).rule("r1")
    assert r.result == ("not_met" if holds else "met"), r.reason


@pytest.mark.parametrize(("rule_code", "done", "covered"), [
    ("proc:coronary-revascularization", "proc:cabg", True),
    ("proc:coronary-revascularization", "proc:pci", True),
    ("proc:cardiac-surgery", "proc:cabg", True),
    ("proc:ablation", "proc:cardioversion", False),  # a cardioversion is no catheter ablation
    ("proc:cardiac-procedure", "proc:cardioversion", True),
    ("proc:cardiac-catheterization", "proc:coronary-angiography", True),
    ("proc:coronary-angiography", "proc:right-heart-catheterization", False),
])
def test_match_logic_procedure_ranges(rule_code: str, done: str, covered: bool) -> None:
    a = one_rule(category="procedure", polarity="exclude", status="history", concept=Concept(system="CRITERIA_NLP", code=rule_code, name=rule_code),
                 evidence=rule_code)
    r = match(patient(procedures=[{"code": done, "date": "2024-01-01"}]), a).rule("r1")
    assert r.result == ("not_met" if covered else "met"), r.reason
