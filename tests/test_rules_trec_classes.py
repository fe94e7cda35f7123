"""Rule classes found from the TREC 2022 false-exclusion list (issue 24): each read a criterion so that a patient
was wrongly ruled out."""

from __future__ import annotations

import pytest

import criteria_nlp as cn


def _rules(text: str) -> list[cn.schema.Rule]:
    return [r for r in cn.analyze(text).rules if r.concept is not None]


def _by_code(text: str) -> dict[str, cn.schema.Rule]:
    return {r.concept.code: r for r in _rules(text) if r.concept is not None}


def test_rules_bracketed_examples_take_the_negation_of_their_concept() -> None:
    rules = _by_code("Inclusion Criteria:\n- No concurrent active systemic antifungal agents (e.g., azoles or polyenes)")
    assert all(r.polarity == "exclude" for r in rules.values())


def test_rules_examples_of_a_too_general_head_keep_their_rules() -> None:
    rules = _by_code("Exclusion Criteria:\n- Conditions other than knee OA (e.g., hip arthritis)")
    assert any(code.startswith("M1") and r.computable for code, r in rules.items())


@pytest.mark.parametrize("text", [
    "Inclusion Criteria:\n- Chemotherapy: No prior chemotherapy",
    "Inclusion Criteria:\n- Biologic therapy: Not specified",
])
def test_rules_therapy_field_labels_are_headings(text: str) -> None:
    assert not [r for r in _rules(text) if r.polarity == "require" and r.category == "drug" and r.computable]


@pytest.mark.parametrize(("text", "kept"), [
    # the label broken by legacy XML's line wrap is still a label
    ("Inclusion Criteria:\n- Endocrine\n        therapy: Not specified", set()),
    # an organ system labelling a patient characteristic is no disease the trial requires
    ("Inclusion Criteria:\n- Hepatic: Not specified", set()),
    ("Inclusion Criteria:\n- Hepatic: Bilirubin no greater than 1.5 mg/dL", {"1975-2"}),
    ("Inclusion Criteria:\n- Renal: Creatinine normal", {"2160-0"}),
    ("Inclusion Criteria:\n- Cardiovascular: No myocardial infarction within 6 months", {"I21.9"}),
])
def test_rules_patient_characteristic_labels_are_headings(text: str, kept: set[str]) -> None:
    assert {code for code, r in _by_code(text).items() if r.computable} == kept


def test_match_organ_label_requires_no_organ_disease() -> None:
    analysis = cn.analyze("Inclusion Criteria:\n- Hepatic: Not specified\n- Pulmonary: Not specified")
    patient = {"id": "p", "age": 50, "sex": "female", "conditions": [], "complete_lists": ["conditions"]}
    assert cn.match(patient, analysis).verdict != "ineligible"


def test_rules_list_negation_crosses_line_breaks_and_bracketed_asides() -> None:
    rules = _rules("Inclusion Criteria:\n- No prior irinotecan (CPT-11)\n        or other camptothecin")
    assert rules and all(r.polarity == "exclude" for r in rules if r.category == "drug")


@pytest.mark.parametrize("text,control,object_code", [
    ("Exclusion Criteria:\n- Conditions which would confound the evaluation of knee pain",
     "Exclusion Criteria:\n- Conditions and knee pain", "R52"),
    ("Exclusion Criteria:\n- Hepatic failure that may affect the evaluation of knee pain",
     "Exclusion Criteria:\n- Hepatic failure and knee pain", "R52"),
])
def test_rules_consequence_clauses_judge_the_condition_not_their_object(text: str, control: str, object_code: str) -> None:
    assert object_code in _by_code(control)  # the object is read where it is a condition of its own
    assert object_code not in _by_code(text)


@pytest.mark.parametrize("text,code,reason", [
    ("Exclusion Criteria:\n- Patients with iron overload not due to HH", "E83.119", "depends on the cause"),
    ("Exclusion Criteria:\n- adenoviral infection", "B99.9", "coded only as any infection"),
    ("Inclusion Criteria:\n- No change in antibacterial regimen within 48 hours prior to study", "J01", "a change in it"),
])
def test_rules_not_computable_where_a_record_cannot_answer(text: str, code: str, reason: str) -> None:
    rule = _by_code(text)[code]
    assert not rule.computable and reason in (rule.reason or "")


@pytest.mark.parametrize("text", ["Exclusion Criteria:\n- active infection", "Exclusion Criteria:\n- serious infections"])
def test_rules_generic_infection_stays_computable(text: str) -> None:
    assert _by_code(text)["B99.9"].computable
