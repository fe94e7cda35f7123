"""Status, scope and capacity clauses: which time a statement is about, which mentions a value, window or status
word qualifies, and clauses about a condition's consequences (issue 22, classes 6 and 7); the schema's version 1
still reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer, TrialAnalysis
from criteria_nlp.errors import AnalysisError
from criteria_nlp.schema import SCHEMA_VERSION

AS_OF = dt.date(2026, 3, 1)


def _patient(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "p", "as_of": AS_OF, "age": 45, "sex": "female"}
    data.update(fields)
    return data


def _entity(analysis: TrialAnalysis, text: str) -> Any:
    return next(e for e in analysis.entities if e.text == text)


@pytest.mark.parametrize(("medications", "verdict"), [
    # a patient who stopped adalimumab had prior treatment with a biologic DMARD
    ([{"name": "adalimumab", "start": "2021-01-01", "end": "2022-01-01", "status": "stopped"}], "ineligible"),
    ([{"name": "methotrexate", "start": "2021-01-01", "status": "active"}], "eligible"),
])
def test_rules_status_prior_treatment_with(analyzer: Analyzer, medications: list[dict[str, Any]], verdict: str) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Prior treatment with any biologic DMARD\n")
    rules = [r for r in analysis.rules if r.source == "text" and r.computable]
    assert [(r.category, r.status) for r in rules] == [("drug", "history")]  # no rule for "prior treatment" itself
    assert criteria_nlp.match(_patient(medications=medications), analysis).verdict == verdict


def test_rules_status_suspected_is_not_planned(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Active infection, or under treatment for suspected TB\n")
    statuses = {r.evidence: r.status for r in analysis.rules if r.category == "condition"}
    assert statuses["TB"] == "suspected"
    result = criteria_nlp.match(_patient(conditions=[]), analysis)
    tb = next(r for r in result.rules if r.evidence == "TB")
    assert tb.result == "unknown" and "suspected" in tb.reason


def test_rules_status_window_scope_seed(analyzer: Analyzer) -> None:
    # seed NCT00659217: "in past 6 months" belongs to acute coronary syndrome only
    analysis = analyzer("Exclusion Criteria:\n4. Evidence of cardiovascular disease, existing congestive cardiac failure on "
                        "physical exam and/or acute coronary syndrome in past 6 months.\n")
    windows = {r.evidence: (r.window.duration_days if r.window else None) for r in analysis.rules if r.category == "condition"}
    assert windows["acute coronary syndrome"] == pytest.approx(182.625)
    assert windows["cardiovascular disease"] is None and windows["congestive cardiac failure"] is None
    window = next(e for e in analysis.entities if e.label == "TEMPORAL")
    assert [analysis.entities[int(i[1:]) - 1].text for i in window.qualifies] == ["acute coronary syndrome"]
    # heart failure diagnosed two years ago and still there: excluded; an ACS two years ago: not
    heart_failure = {"code": "I50.9", "onset": "2024-01-01"}
    assert criteria_nlp.match(_patient(conditions=[heart_failure]), analysis).verdict == "ineligible"
    old_acs = {"code": "I24.9", "onset": "2024-01-01", "abatement": "2024-02-01", "status": "resolved"}
    assert criteria_nlp.match(_patient(conditions=[old_acs]), analysis).verdict == "eligible"


@pytest.mark.parametrize(("text", "drug"), [
    # the window stands on the generic treatment word; the drugs it names take it
    ("No previous treatment with hematopoietic growth factors within 3 months prior to screening", "filgrastim"),
    ("Prior treatment with methotrexate or azathioprine within 3 months", "azathioprine"),
    # the window stands in the lead of the list
    ("Use of any of the following medications within two weeks of randomization: MAO inhibitors, calcium channel "
     "blockers", "amlodipine"),
])
@pytest.mark.parametrize(("end", "verdict"), [("2024-01-01", "eligible"), ("2026-02-20", "ineligible")])
def test_rules_status_generic_treatment_window(analyzer: Analyzer, text: str, drug: str, end: str, verdict: str) -> None:
    """A treatment stopped long before the window does not exclude; one inside it does."""
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    rules = [r for r in analysis.rules if r.source == "text" and r.computable]
    assert rules and all(r.window is not None for r in rules)
    medication = {"name": drug, "start": "2023-06-01", "end": end, "status": "completed"}
    assert criteria_nlp.match(_patient(medications=[medication]), analysis).verdict == verdict


@pytest.mark.parametrize(("onset", "verdict"), [("2016-01-01", "eligible"), ("2026-02-10", "ineligible")])
@pytest.mark.parametrize("text", [
    "Myocardial infarction, sepsis, respiratory failure, or severe intercurrent illness within the previous 6 weeks",
    "Stroke, acute myocardial infarction, or hospitalization for heart failure within the previous 30 days",
])
def test_rules_status_window_over_the_whole_enumeration(analyzer: Analyzer, text: str, onset: str, verdict: str) -> None:
    """A myocardial infarction ten years ago does not exclude from "MI, ..., or X within N weeks"; a recent one does."""
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    mi = {"code": "I21.9", "onset": onset, "abatement": onset, "status": "resolved"}
    assert criteria_nlp.match(_patient(conditions=[mi], procedures=[]), analysis).verdict == verdict


def test_rules_status_generic_head_names_the_drug(analyzer: Analyzer) -> None:
    """"Systemic treatment with aminosides": the generic head (coded chemotherapy where it stands alone) gives no
    rule where the drug it names is tagged, and is dated with it where not, so chemotherapy five years ago does
    not exclude."""
    analysis = analyzer("Exclusion Criteria:\n- Systemic treatment with aminosides in the last 15 days\n")
    assert all(r.window is not None for r in analysis.rules if r.category == "procedure")
    if any(e.text == "aminosides" for e in analysis.entities):
        assert not [r for r in analysis.rules if r.category == "procedure"]
    chemo = {"code": "proc:chemotherapy", "date": "2021-01-01"}
    assert criteria_nlp.match(_patient(procedures=[chemo]), analysis).verdict != "ineligible"


@pytest.mark.parametrize(("text", "word", "qualified"), [
    ("History of myocardial infarction, stroke or unstable angina", "History",
     ["myocardial infarction", "stroke", "unstable angina"]),
    ("Current use of systemic steroids", "Current", ["systemic steroids"]),
    ("Previous history of malignancy", "history", ["malignancy"]),
    ("Myocardial infarction, stroke or unstable angina within 6 months", "within 6 months",
     ["unstable angina", "stroke", "Myocardial infarction"]),
    ("Chemotherapy or radiotherapy within 4 weeks", "within 4 weeks", ["radiotherapy", "Chemotherapy"]),
    ("Receipt of chemotherapy for prostate cancer within the past 12 months", "within the past 12 months",
     ["chemotherapy"]),
    # a window right after another narrows the same mention, not the next one
    ("Use of systemic corticosteroids for over 4 weeks within the past 3 months", "within the past 3 months",
     ["systemic corticosteroids"]),
    # the values of listed mentions stand between them
    ("Neutrophil count <1500 cells/mm3 or platelet count <90,000 cells/mm3 within 7 days before enrollment",
     "within 7 days before enrollment", ["platelet count", "Neutrophil count"]),
    # a generic head leaves the time to what it names
    ("Treatment with rifaximin or neomycin in the previous 7 days", "in the previous 7 days", ["neomycin", "rifaximin"]),
    # an enumeration may mix kinds, and the qualifiers of its items stand between them
    ("History of myocardial infarction, unstable angina, coronary bypass surgery, or any percutaneous coronary "
     "intervention during the 6 months prior to screening", "during the 6 months prior to screening",
     ["percutaneous coronary intervention", "coronary bypass surgery", "unstable angina", "myocardial infarction"]),
    ("History of myocardial infarction, unstable angina, coronary bypass surgery, or any percutaneous coronary "
     "intervention during the 6 months prior to screening", "History",
     ["myocardial infarction", "unstable angina", "coronary bypass surgery", "percutaneous coronary intervention"]),
    ("Myocardial infarct, sepsis, respiratory failure, or severe intercurrent illness within the previous 6 weeks",
     "within the previous 6 weeks", ["intercurrent illness", "respiratory failure", "sepsis", "Myocardial infarct"]),
    # other time words, and a bracket holding only them, stand between a status word and its event
    ("current or recent (within one week of surgery) systemic antibiotic use", "current", ["systemic antibiotic"]),
    ("any current (or within past 2 months) medical condition", "current", ["medical condition"]),
    # a word before the next item of the list modifies it
    ("History of bleeding diathesis or known coagulopathy", "History", ["bleeding diathesis", "coagulopathy"]),
    # ... or is the untagged head that item complements
    ("Acute heart failure or acute exacerbation of chronic heart failure within the past 2 weeks",
     "within the past 2 weeks", ["chronic heart failure", "Acute heart failure"]),
])
def test_rules_status_qualifies_lists(analyzer: Analyzer, text: str, word: str, qualified: list[str]) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    by_id = {e.id: e for e in analysis.entities}
    temporal = next(e for e in analysis.entities if e.text == word)
    assert [by_id[i].text for i in temporal.qualifies] == qualified


def test_rules_status_values_qualify_every_listed_lab(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- AST, ALT < 2.5 x ULN\n- Positive for hepatitis B, hepatitis C or HIV infection\n")
    by_id = {e.id: e for e in analysis.entities}
    values = [e for e in analysis.entities if e.label == "VALUE"]
    assert sorted(by_id[i].text for i in values[0].qualifies) == ["ALT", "AST"]
    assert [by_id[i].text for i in values[1].qualifies] == ["hepatitis B", "hepatitis C", "HIV infection"]


@pytest.mark.parametrize(("conditions", "verdict"), [
    ([{"code": "F20.9", "name": "schizophrenia"}], "indeterminate"),  # the record cannot say whether consent is impossible
    ([{"code": "F20.9", "name": "schizophrenia", "qualifiers": ["interfering"]}], "ineligible"),
    ([], "eligible"),
])
def test_rules_status_capacity_clause(analyzer: Analyzer, conditions: list[dict[str, Any]], verdict: str) -> None:
    # seed NCT00659217: the clause excludes the illness, never consent or compliance
    analysis = analyzer("Exclusion Criteria:\n5. Psychiatric illness or mental deficiency making compliance with treatment "
                        "or informed consent impossible.\n")
    rules = [r for r in analysis.rules if r.source == "text"]
    assert not [r for r in rules if r.concept is not None and r.concept.code in ("obs:informed-consent", "obs:compliance")]
    assert all("interfering" in r.qualifiers for r in rules if r.computable)
    assert criteria_nlp.match(_patient(conditions=conditions), analysis).verdict == verdict


def test_rules_status_allergy_agents_are_not_medications(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Known allergies to: aspirin, clopidogrel (Plavix) and heparin\n")
    rules = [r for r in analysis.rules if r.source == "text"]
    assert {r.category for r in rules} == {"allergy"} and not any(r.computable for r in rules)
    # a patient taking aspirin is not excluded by an aspirin allergy clause
    patient = _patient(medications=[{"name": "aspirin", "start": "2020-01-01", "status": "active"}], conditions=[])
    assert criteria_nlp.match(patient, analysis).verdict == "eligible"


# --------------------------------------------------------------------------- schema versions


def test_rules_schema_reads_version_1(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Creatinine <= 1.5 mg/dL\n")
    data = analysis.to_dict()
    assert data["schema_version"] == SCHEMA_VERSION == "3"
    old = dict(data, schema_version="1")
    old["entities"] = [dict(e, qualifies=(e["qualifies"][0] if e["qualifies"] else None)) for e in data["entities"]]
    for e in old["entities"]:
        e.pop("qualifiers")
        e.pop("uncertain")
    for r in old["rules"]:
        r.pop("qualifiers")
        r.pop("applies_to")
    restored = TrialAnalysis.from_dict(old)
    assert restored.schema_version == "3"
    assert [e.qualifies for e in restored.entities] == [e.qualifies for e in analysis.entities]


def test_rules_schema_refuses_unknown_versions(analyzer: Analyzer) -> None:
    data = analyzer("Inclusion Criteria:\n- Age 18 or older\n").to_dict()
    with pytest.raises(AnalysisError) as info:
        TrialAnalysis.from_dict(dict(data, schema_version="9"))
    assert info.value.code == "A002" and "schema_version '9'" in str(info.value)


@pytest.mark.parametrize(("text", "when", "verdict"), [
    # a one-sided duration after an event is how long ago it happened, not a value of it
    ("recent surgery (< 3 months)", "2015-01-01", "eligible"),
    ("recent surgery (< 3 months)", "2026-02-01", "ineligible"),
])
def test_rules_status_duration_dates_the_event(analyzer: Analyzer, text: str, when: str, verdict: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    rules = [r for r in analysis.rules if r.category == "procedure"]
    assert rules and all(r.window is not None and r.operator is None for r in rules)
    surgery = {"code": "proc:surgery", "date": when}
    assert criteria_nlp.match(_patient(procedures=[surgery]), analysis).verdict == verdict


def test_rules_status_duration_of_a_measure_stays_a_value(analyzer: Analyzer) -> None:
    """"Life expectancy < 3 months" and "gestational age < 28 weeks" compare a measure, not a time ago; "6D" is
    diopters, not days."""
    analysis = analyzer("Exclusion Criteria:\n- Life expectancy < 3 months\n- Gestational age < 28 weeks\n"
                        "- Myopia > 6D\n")
    assert [e.label for e in analysis.entities if e.text in ("< 3 months", "< 28 weeks", "> 6D")] == ["VALUE"] * 3
    assert all(r.window is None for r in analysis.rules)
