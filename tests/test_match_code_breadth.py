"""Codes neither too broad nor too narrow: criteria text analysed, then matched against small patients.

A mention that names a whole family ("diabetes") is coded with the ICD-10-CM
range of the family, so the rule, its comparison row and the match reason say
what the criterion said; a carrier of hepatitis B has hepatitis B; an acute
hepatitis of no stated cause is not viral hepatitis of any course; each organ of
an elided coordination ("liver and kidney disease") is a rule of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer, TrialAnalysis

AS_OF = dt.date(2026, 3, 1)


def _patient(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"id": "p", "as_of": AS_OF, "age": 40, "sex": "female", "conditions": list(conditions)}


def _codes(analysis: TrialAnalysis) -> list[str]:
    return [r.concept.code for r in analysis.rules if r.source == "text" and r.computable and r.concept is not None]


@pytest.mark.parametrize(("text", "qualifiers"), [
    ("diabetes", None), ("diabetes mellitus", None), ("Diabetes mellitus (DM)", None),
    # a qualifier the record must confirm: stated here, so the code alone decides
    ("uncontrolled diabetes", ["poorly controlled"]),
])
def test_match_unspecified_diabetes_excludes_every_type(analyzer: Analyzer, text: str, qualifiers: list[str] | None) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    (rule,) = [r for r in analysis.rules if r.source == "text"]
    assert rule.concept is not None and (rule.concept.code, rule.concept.name) == ("E08-E13", "Diabetes mellitus")
    result = criteria_nlp.match(_patient({"code": "E10.9", "name": "type 1 diabetes", "qualifiers": qualifiers}), analysis)
    assert result.verdict == "ineligible"
    reason = result.rules[0].reason.lower()
    assert "diabetes mellitus (e08-e13)" in reason and "type 2" not in reason


@pytest.mark.parametrize(("condition", "verdict"), [
    ({"code": "E10.9"}, "ineligible"),           # type 1 is not type 2
    ({"code": "E11.65"}, "eligible"),            # type 2 with hyperglycaemia (E11.9 "without complications" left it out)
    ({"code": "E11.9"}, "eligible"),
    ({"code": "E13.9"}, "ineligible"),           # other specified diabetes
])
def test_match_type_2_diabetes_still_requires_e11(analyzer: Analyzer, condition: dict[str, Any], verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- type 2 diabetes\n")
    assert _codes(analysis) == ["E11"]
    assert criteria_nlp.match(_patient(condition), analysis).verdict == verdict


@pytest.mark.parametrize(("text", "code", "condition"), [
    ("tuberculosis", "A15-A19", {"code": "A18.01", "name": "tuberculosis of spine"}),
    ("coronary artery disease", "I20-I25", {"code": "I20.9", "name": "angina pectoris"}),
])
def test_match_unspecified_family_is_its_block(analyzer: Analyzer, text: str, code: str, condition: dict[str, Any]) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    assert _codes(analysis) == [code]
    result = criteria_nlp.match(_patient(condition), analysis)
    assert result.verdict == "ineligible" and f"({code})" in result.rules[0].reason


@pytest.mark.parametrize(("text", "condition", "verdict"), [
    # the carrier state is a hepatitis B (C) infection; Z22.5x is its code in ICD-10 and older ICD-10-CM releases
    ("hepatitis B", {"code": "Z22.51", "name": "carrier of viral hepatitis B"}, "ineligible"),
    ("HBV infection", {"code": "Z22.51"}, "ineligible"),
    ("hepatitis C", {"code": "Z22.52", "name": "carrier of viral hepatitis C"}, "ineligible"),
    ("viral hepatitis", {"code": "Z22.59"}, "ineligible"),
    ("hepatitis B", {"name": "hepatitis B carrier"}, "ineligible"),
    ("hepatitis B", {"code": "Z22.52"}, "eligible"),
    # "hepatitis B carrier" is the chronic carrier state, not an acute hepatitis B
    ("hepatitis B carrier", {"code": "Z22.51"}, "ineligible"),
    ("HBsAg carrier", {"code": "B18.0"}, "ineligible"),
    ("hepatitis B carrier", {"code": "B16.9", "name": "acute hepatitis B"}, "eligible"),
])
def test_match_hepatitis_carrier_state(analyzer: Analyzer, text: str, condition: dict[str, Any], verdict: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    assert criteria_nlp.match(_patient(condition), analysis).verdict == verdict


def test_match_hepatitis_b_carrier_is_coded_to_the_carrier_code(analyzer: Analyzer) -> None:
    # ICD-10-CM files "Carrier of viral hepatitis B" under B18.1 (it has no Z22.51 any more)
    analysis = analyzer("Exclusion Criteria:\n- hepatitis B carrier\n")
    (entity,) = [e for e in analysis.entities if e.label == "CONDITION"]
    assert entity.text == "hepatitis B carrier" and entity.concept is not None and entity.concept.code == "B18.1"


@pytest.mark.parametrize(("text", "condition", "verdict"), [
    # an acute hepatitis of no stated cause: any acute hepatitis, not a chronic viral one ("severe" is a qualifier
    # the record must confirm; "acute" is in the code)
    ("Patients with active tuberculosis, acute sever hepatitis",
     {"code": "K72.00", "name": "acute hepatic failure", "qualifiers": ["severe"]}, "ineligible"),
    ("Patients with active tuberculosis, acute sever hepatitis", {"code": "K72.00", "name": "acute hepatic failure"},
     "indeterminate"),
    ("acute hepatitis", {"code": "B17.10", "name": "acute hepatitis C"}, "ineligible"),
    ("acute severe hepatitis", {"code": "K71.2", "name": "drug-induced acute hepatitis", "qualifiers": ["severe"]},
     "ineligible"),
    ("Patients with active tuberculosis, acute sever hepatitis", {"code": "B18.1", "name": "chronic hepatitis B"}, "eligible"),
    # hepatitis of no stated cause or course: viral, autoimmune, alcoholic, toxic...
    ("hepatitis", {"code": "K75.4", "name": "autoimmune hepatitis"}, "ineligible"),
    ("hepatitis", {"code": "B18.2", "name": "chronic hepatitis C"}, "ineligible"),
    ("hepatitis", {"code": "K76.0", "name": "fatty liver"}, "eligible"),
])
def test_match_hepatitis_of_no_stated_cause(analyzer: Analyzer, text: str, condition: dict[str, Any], verdict: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    assert criteria_nlp.match(_patient(condition), analysis).verdict == verdict


def test_match_acute_hepatitis_is_not_coded_viral(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n7. Patients with active tuberculosis, acute sever hepatitis or infectious period of diseases.\n")
    hepatitis = [e for e in analysis.entities if "hepatitis" in e.text]
    assert [(e.text, e.concept.code if e.concept else None) for e in hepatitis] == [("acute sever hepatitis", "B17.9")]
    assert hepatitis[0].concept is not None and hepatitis[0].concept.name == "Acute hepatitis NOS"


@pytest.mark.parametrize(("condition", "verdict"), [
    # "Severe" narrows every organ of the list: the record must say the disease is severe
    ({"code": "K70.30", "name": "alcoholic cirrhosis", "qualifiers": ["severe"]}, "ineligible"),  # liver disease, lost before
    ({"code": "N18.4", "name": "CKD stage 4", "qualifiers": ["severe"]}, "ineligible"),
    ({"code": "N04.9", "name": "nephrotic syndrome", "qualifiers": ["severe"]}, "ineligible"),  # kidney disease, not only kidney failure
    ({"code": "I21.4", "name": "NSTEMI", "qualifiers": ["severe"]}, "ineligible"),
    ({"code": "K70.30", "name": "alcoholic cirrhosis"}, "indeterminate"),
    ({"code": "K70.30", "name": "alcoholic cirrhosis", "qualifiers": ["mild"]}, "eligible"),
    ({"code": "J45.909", "name": "asthma"}, "eligible"),
])
def test_match_elided_coordination_gives_each_organ_a_rule(analyzer: Analyzer, condition: dict[str, Any], verdict: str) -> None:
    analysis = analyzer("Exclusion Criteria:\n2. Severe heart attack, liver and kidney disease following serious complications\n")
    assert _codes(analysis) == ["I21.9", "K76.9", "N28.9"]
    assert criteria_nlp.match(_patient(condition), analysis).verdict == verdict


def test_match_cardiovascular_failure_is_heart_failure(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion criteria:\nCardiovascular failure\n")
    (entity,) = [e for e in analysis.entities if e.label == "CONDITION"]
    assert entity.text == "Cardiovascular failure" and entity.concept is not None and entity.concept.code == "I50.9"
    assert criteria_nlp.match(_patient({"code": "I50.22", "name": "chronic systolic heart failure"}), analysis).verdict == "ineligible"
    assert criteria_nlp.match(_patient({"code": "I10", "name": "hypertension"}), analysis).verdict == "eligible"


@pytest.mark.parametrize(("text", "condition", "verdict"), [
    # the record names the condition less specifically than the criterion: unknown, never a fail
    ("Inclusion Criteria:\n- paroxysmal atrial fibrillation\n", {"code": "I48.91"}, "indeterminate"),
    ("Inclusion Criteria:\n- paroxysmal atrial fibrillation\n", {"code": "I48"}, "indeterminate"),
    ("Inclusion Criteria:\n- paroxysmal atrial fibrillation\n", {"code": "I48.0"}, "eligible"),
    ("Inclusion Criteria:\n- paroxysmal atrial fibrillation\n", {"code": "I48.21"}, "ineligible"),  # permanent
    ("Exclusion Criteria:\n- non-ST elevation myocardial infarction\n", {"code": "I21.9"}, "indeterminate"),
    ("Exclusion Criteria:\n- non-ST elevation myocardial infarction\n", {"code": "I21.01"}, "eligible"),  # STEMI
    ("Exclusion Criteria:\n- non-ST elevation myocardial infarction\n", {"code": "I21.4"}, "ineligible"),
    ("Exclusion Criteria:\n- generalized anxiety disorder\n", {"code": "F41.9"}, "indeterminate"),
    ("Exclusion Criteria:\n- generalized anxiety disorder\n", {"code": "F41.0"}, "eligible"),  # panic disorder
    ("Inclusion Criteria:\n- type 1 diabetes\n", {"code": "E08-E13", "name": "diabetes mellitus"}, "indeterminate"),
])
def test_match_broader_patient_code_is_unknown(analyzer: Analyzer, text: str, condition: dict[str, Any],
                                               verdict: str) -> None:
    analysis = analyzer(text)
    result = criteria_nlp.match(_patient(condition), analysis)
    assert result.verdict == verdict
    if verdict == "indeterminate":
        assert "less specifically" in result.rules[0].reason


def test_match_broader_patient_code_screen_agrees(analyzer: Analyzer) -> None:
    import pandas as pd

    analysis = analyzer("Inclusion Criteria:\n- paroxysmal atrial fibrillation\n")
    table = pd.DataFrame({"patient_id": ["a", "b", "c"], "age": [60] * 3, "sex": ["male"] * 3,
                          "conditions": ["I48.91", "I48.0", "I48.21"]})
    screened = criteria_nlp.screen(table, analysis, as_of=AS_OF)
    assert screened["verdict"].tolist() == ["indeterminate", "eligible", "ineligible"]


@pytest.mark.parametrize(("condition", "verdict"), [
    ({"code": "C83.30", "name": "DLBCL"}, "eligible"),      # another lymphoma: not excluded any more
    ({"code": "C82.90"}, "ineligible"),
    ({"code": "C85.90", "name": "lymphoma"}, "indeterminate"),  # the record does not say which lymphoma
])
def test_match_lymphoma_subtype_is_not_every_lymphoma(analyzer: Analyzer, condition: dict[str, Any], verdict: str) -> None:
    analysis = analyzer("Exclusion Criteria:\n- follicular lymphoma\n")
    assert _codes(analysis) == ["C82.90"]
    assert criteria_nlp.match(_patient(condition), analysis).verdict == verdict


@pytest.mark.parametrize(("text", "condition", "verdict"), [
    ("Exclusion Criteria:\n- Hodgkin lymphoma\n", {"code": "C85.90", "name": "NHL"}, "eligible"),    # not every lymphoma
    ("Exclusion Criteria:\n- Hodgkin lymphoma\n", {"code": "C81.10"}, "ineligible"),
    ("Inclusion Criteria:\n- lymphoma\n", {"code": "C83.30", "name": "DLBCL"}, "eligible"),         # any lymphoma
    ("Inclusion Criteria:\n- lymphoma\n", {"code": "C81.90"}, "eligible"),
    ("Exclusion Criteria:\n- non-Hodgkin lymphoma\n", {"code": "C81.90"}, "eligible"),
])
def test_match_lymphoma_families(analyzer: Analyzer, text: str, condition: dict[str, Any], verdict: str) -> None:
    assert criteria_nlp.match(_patient(condition), analyzer(text)).verdict == verdict


@pytest.mark.parametrize(("code", "verdict"), [
    ("A49.9", "ineligible"),     # a bacterial infection: excluded
    ("B34.9", "ineligible"),     # a viral infection, the second member of the elided list: excluded
    ("N39.0", "eligible"),       # a urinary tract infection is none of the three kinds the criterion lists
])
def test_match_each_kind_of_an_elided_infection_list_is_its_own_rule(analyzer: Analyzer, code: str, verdict: str) -> None:
    """"bacterial, viral or fungal infection" names three kinds of infection, not any infection."""
    analysis = analyzer("Exclusion Criteria:\n- Uncontrolled bacterial, viral, or fungal infection\n")
    assert _codes(analysis) == ["A49.9", "B34.9", "B49"]
    patient = _patient({"code": code, "name": "infection", "qualifiers": ["uncontrolled"]})
    assert criteria_nlp.match(patient, analysis).verdict == verdict


@pytest.mark.parametrize(("text", "code", "colon", "breast"), [
    # Z80.9 "unspecified" covers every family history of cancer: a colon cancer in the family was excluded too
    ("Family history of breast cancer", "Z80.3", "eligible", "ineligible"),
    # a genetic susceptibility (Z15.0-) is no family history of cancer (Z80.-)
    ("Known BRCA1 or BRCA2 mutation", "Z15.0", "eligible", "eligible"),
])
def test_match_family_history_of_one_cancer_is_not_any(analyzer: Analyzer, text: str, code: str, colon: str,
                                                       breast: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    assert _codes(analysis) == [code]
    assert criteria_nlp.match(_patient({"code": "Z80.0", "name": "family history of colon cancer"}),
                              analysis).verdict == colon
    assert criteria_nlp.match(_patient({"code": "Z80.3"}), analysis).verdict == breast
