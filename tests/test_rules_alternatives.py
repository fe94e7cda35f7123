"""Alternatives: requirements joined by "or", values included, across categories, and "one of the following"
lists, in inclusions one any-of group (issue 22, class 4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer, TrialAnalysis

AS_OF = dt.date(2026, 3, 1)


def _rules(analysis: TrialAnalysis) -> list[Any]:
    return [r for r in analysis.rules if r.source == "text" and r.computable]


def _match(analysis: TrialAnalysis, **fields: Any) -> str:
    data: dict[str, Any] = {"id": "p", "as_of": AS_OF, "age": 50, "sex": "female"}
    data.update(fields)
    return criteria_nlp.match(data, analysis).verdict


@pytest.mark.parametrize(("labs", "verdict"), [
    # bilirubin too high, AST fine: the alternative holds
    ([{"code": "1975-2", "value": 3.0, "unit": "mg/dL"}, {"code": "1920-8", "value": 40, "unit": "U/L", "reference_high": 40}],
     "eligible"),
    ([{"code": "1975-2", "value": 3.0, "unit": "mg/dL"}, {"code": "1920-8", "value": 200, "unit": "U/L", "reference_high": 40}],
     "ineligible"),
    # one alternative fails, the other is not recorded
    ([{"code": "1975-2", "value": 3.0, "unit": "mg/dL"}], "indeterminate"),
])
def test_rules_alternatives_values_between_labs(analyzer: Analyzer, labs: list[dict[str, Any]], verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Total bilirubin < 2 mg/dL or AST < 3 x ULN\n")
    rules = _rules(analysis)
    assert [r.category for r in rules] == ["lab", "lab"] and rules[0].group is not None and rules[0].group == rules[1].group
    assert _match(analysis, labs=labs) == verdict


def test_rules_alternatives_creatinine_or_clearance(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Serum creatinine ≤ 1.5 mg/dL or creatinine clearance ≥ 60 mL/min\n")
    rules = _rules(analysis)
    assert len(rules) == 2 and len({r.group for r in rules}) == 1 and rules[0].group is not None
    clearance = rules[1].concept
    assert clearance is not None
    labs = [{"code": "2160-0", "value": 2.0, "unit": "mg/dL"}, {"code": clearance.code, "value": 70, "unit": "mL/min"}]
    assert _match(analysis, labs=labs) == "eligible"
    labs[1]["value"] = 40
    assert _match(analysis, labs=labs) == "ineligible"


@pytest.mark.parametrize(("medications", "procedures", "verdict"), [
    ([], [{"code": "proc:radiotherapy", "date": "2024-01-01"}], "eligible"),
    ([{"name": "cyclophosphamide", "start": "2023-01-01", "end": "2023-03-01", "status": "completed"}], [], "eligible"),
    ([], [], "ineligible"),
])
def test_rules_alternatives_across_categories(analyzer: Analyzer, medications: list[dict[str, Any]],
                                              procedures: list[dict[str, Any]], verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Previous chemotherapy or radiotherapy\n")
    rules = _rules(analysis)
    assert sorted(r.category for r in rules) == ["drug", "procedure"]
    assert {r.status for r in rules} == {"history"} and len({r.group for r in rules}) == 1
    assert _match(analysis, medications=medications, procedures=procedures) == verdict


def test_rules_alternatives_one_of_the_following_items(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Meets one of the following:\n  1. Lupus nephritis class III\n"
                        "  2. Lupus nephritis class IV\n  3. Membranous lupus nephritis\n")
    required = [r for r in _rules(analysis) if r.polarity == "require"]
    assert len(required) >= 3 and len({r.group for r in required}) == 1 and required[0].group is not None


def test_rules_alternatives_inline_enumeration(analyzer: Analyzer) -> None:
    # TREC 2022 NCT00005005: an age > 65 is one risk factor of three, not an age limit of its own
    text = ("Inclusion Criteria:\n\n  -  Have a bone mineral density scan with a T-score equal to or below -2.5 and have at "
            "least one of the following risk factors for fracture: (a) age > 65 years;\n     (b) history of "
            "postmenopausal fracture (nonvertebral or vertebral); or (c) maternal\n     history of hip fracture\n")
    analysis = analyzer(text)
    assert len([c for c in analysis.criteria if c.role == "criterion"]) == 1
    (age,) = [r for r in analysis.rules if r.category == "age"]
    assert age.group is not None
    partners = [r for r in analysis.rules if r.group == age.group and r.id != age.id]
    assert partners and all(r.category == "condition" for r in partners)
    # nor is "risk factors for fracture" a fracture requirement
    assert not [r for r in analysis.rules if r.evidence == "fracture" and r.group is None]
    assert _match(analysis, age=55) != "ineligible"


def test_rules_alternatives_exclusions_need_no_group(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Pregnant or lactating\n")
    rules = _rules(analysis)
    assert len(rules) == 2 and all(r.group is None for r in rules)
    assert _match(analysis, pregnant=False, lactating=True) == "ineligible"
    assert _match(analysis, pregnant=False, lactating=False) == "eligible"


def test_rules_alternatives_in_the_comparison_table(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Previous chemotherapy or radiotherapy\n")
    table = criteria_nlp.compare([analysis])
    cells = set(table.iloc[:, -1])
    assert any("or radiotherapy" in cell for cell in cells) and any("or chemotherapy" in cell for cell in cells)


@pytest.mark.parametrize(("conditions", "labs", "verdict"), [
    # a controlled diabetic with a normal HbA1c meets the first alternative: not a fail on the second
    ([{"code": "E11.9", "onset": "2020-01-01"}], [{"code": "4548-4", "value": 5.8, "unit": "%"}], "eligible"),
    ([], [{"code": "4548-4", "value": 7.1, "unit": "%"}], "eligible"),
    # no condition list: diabetes is not ruled out by the record
    (None, [{"code": "4548-4", "value": 5.2, "unit": "%"}], "indeterminate"),
    ([], [{"code": "4548-4", "value": 5.2, "unit": "%"}], "ineligible"),  # a condition list without it: neither holds
])
def test_rules_alternatives_explicit_or_across_kinds(analyzer: Analyzer, conditions: list[dict[str, Any]] | None,
                                                     labs: list[dict[str, Any]], verdict: str) -> None:
    """An explicit "or" joins a condition and a measurement as alternatives, their categories apart."""
    analysis = analyzer("Inclusion Criteria:\n- Type 2 diabetes or HbA1c >= 6.5%\n")
    rules = _rules(analysis)
    assert [r.category for r in rules] == ["condition", "lab"] and rules[0].group is not None
    assert rules[0].group == rules[1].group
    fields: dict[str, Any] = {"labs": labs} if conditions is None else {"labs": labs, "conditions": conditions}
    assert _match(analysis, **fields) == verdict


@pytest.mark.parametrize(("text", "grouped"), [
    # a qualifier before the second mention stands between them like a value
    ("Normal blood pressure or controlled hypertension", True),
    ("Hypersensitivity or allergy to penicillin", True),
    # the "or" joins two qualifiers of one mention, not the mention before them
    ("Histologically proven recurrent or persistent endometrial cancer", False),
])
def test_rules_alternatives_qualifiers_between(analyzer: Analyzer, text: str, grouped: bool) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    first, second = [r for r in analysis.rules if r.source == "text"][:2]
    assert (first.group is not None and first.group == second.group) is grouped


@pytest.mark.parametrize(("text", "medications", "verdict"), [
    # an untagged item of the list stands between two that gave rules ("non-insulin injectables")
    ("Treated with oral antidiabetic agents, non-insulin injectables or insulin therapy",
     [{"name": "metformin", "start": "2025-01-01", "status": "active"}], "eligible"),
    ("Treated with oral antidiabetic agents, non-insulin injectables or insulin therapy", [], "ineligible"),
    # words before the second mention modify it ("or long-acting basal insulin")
    ("Treated with metformin or long-acting basal insulin",
     [{"name": "insulin glargine", "start": "2025-01-01", "status": "active"}], "eligible"),
])
def test_rules_alternatives_untagged_words_between(analyzer: Analyzer, text: str, medications: list[dict[str, Any]],
                                                   verdict: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    rules = [r for r in _rules(analysis) if r.category == "drug"]
    assert len(rules) == 2 and rules[0].group is not None and rules[0].group == rules[1].group
    assert _match(analysis, medications=medications) == verdict


@pytest.mark.parametrize(("text", "fields", "verdict"), [
    # examples of a class are alternatives of it, not further requirements
    ("Patients taking high potency opioid analgesics (e.g., methadone, hydromorphone, morphine)",
     {"medications": [{"name": "morphine", "start": "2025-06-01", "status": "active"}]}, "eligible"),
    ("Patients taking high potency opioid analgesics (e.g., methadone, hydromorphone, morphine)",
     {"medications": []}, "ineligible"),
    # a bracketed aside of one item does not cut the list
    ("Documented stable angina pectoris [CCS 1, 2, 3, or 4], unstable angina pectoris or non-ST segment elevation "
     "myocardial infarction", {"conditions": [{"code": "I21.4", "onset": "2026-01-10"}]}, "eligible"),
])
def test_rules_alternatives_examples_and_asides(analyzer: Analyzer, text: str, fields: dict[str, Any],
                                                verdict: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    groups = {r.group for r in _rules(analysis)}
    assert len(groups) == 1 and None not in groups
    assert _match(analysis, **fields) == verdict


@pytest.mark.parametrize(("conditions", "medications", "verdict"), [
    ([{"code": "M32.9", "onset": "2020-01-01"}], [], "eligible"),
    ([], [{"name": "azathioprine", "start": "2025-01-01", "status": "active"}], "eligible"),
    ([], [], "ineligible"),
])
def test_rules_alternatives_or_with_a_predicate(analyzer: Analyzer, conditions: list[dict[str, Any]],
                                                medications: list[dict[str, Any]], verdict: str) -> None:
    """"Is receiving X or has known Y": the second item brings its own verb, and is still an alternative."""
    analysis = analyzer("Inclusion Criteria:\n- Patient is receiving immunosuppressive therapy or has known autoimmune "
                        "disease\n")
    rules = _rules(analysis)
    assert len(rules) == 2 and rules[0].group is not None and rules[0].group == rules[1].group
    assert _match(analysis, conditions=conditions, medications=medications) == verdict


def test_rules_alternatives_join_an_existing_group(analyzer: Analyzer) -> None:
    """An "or" inside an inline enumeration joins the enumeration's group instead of splitting it off: a diabetic
    of 55 has one of "(a) age > 65 years; (b) diabetes or hypertension; or (c) obesity"."""
    analysis = analyzer("Inclusion Criteria:\n- Have at least one of the following risk factors: (a) age > 65 years; "
                        "(b) diabetes mellitus or hypertension; or (c) obesity\n")
    grouped = [r for r in _rules(analysis) if r.group is not None]
    assert len(grouped) == 4 and len({r.group for r in grouped}) == 1
    assert _match(analysis, age=55, conditions=[{"code": "E11.9", "onset": "2020-01-01"}]) == "eligible"
