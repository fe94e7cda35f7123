"""Qualifiers ("uncontrolled", "chronic", "severe", ...): carried on the rule and in the comparison table,
compared with what the patient's record says, unknown where it says nothing (issue 22, class 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer
from criteria_nlp.errors import ResourceError
from criteria_nlp.patient import ConditionFact
from criteria_nlp.qualifiers import F, T, U, QualifierLexicon, qualifier_lexicon

AS_OF = dt.date(2026, 3, 1)


def _match(analysis: Any, *conditions: dict[str, Any]) -> str:
    patient = {"id": "p", "as_of": AS_OF, "age": 50, "sex": "male", "conditions": list(conditions)}
    return criteria_nlp.match(patient, analysis).verdict


@pytest.mark.parametrize(("qualifiers", "verdict"), [
    (["controlled"], "eligible"),            # well-controlled hypertension is not uncontrolled
    (["well-controlled"], "eligible"),
    (None, "indeterminate"),                 # the record does not say: unknown, never a fail
    (["uncontrolled"], "ineligible"),
    (["poorly controlled"], "ineligible"),
])
def test_match_qualifiers_uncontrolled_hypertension(analyzer: Analyzer, qualifiers: list[str] | None, verdict: str) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Uncontrolled high blood pressure\n")
    (rule,) = [r for r in analysis.rules if r.source == "text"]
    assert rule.qualifiers == ["uncontrolled"]
    assert _match(analysis, {"code": "I10", "name": "hypertension", "qualifiers": qualifiers}) == verdict


@pytest.mark.parametrize(("qualifiers", "verdict"), [(["acute"], "eligible"), (None, "indeterminate"), (["chronic"], "ineligible")])
def test_match_qualifiers_chronic_infection(analyzer: Analyzer, qualifiers: list[str] | None, verdict: str) -> None:
    # "chronic infections" does not exclude an acute urinary tract infection
    analysis = analyzer("Exclusion Criteria:\n- chronic infections\n")
    assert _match(analysis, {"code": "N39.0", "name": "urinary tract infection", "qualifiers": qualifiers}) == verdict


@pytest.mark.parametrize(("text", "qualifier"), [
    ("Active opportunistic infection", "opportunistic"),       # an HIV trial's exclusion: not every pneumonia
    ("No opportunistic infections", "opportunistic"),
])
@pytest.mark.parametrize(("conditions", "verdict"), [
    ([{"code": "J18.9", "name": "pneumonia"}], "indeterminate"),  # an infection the record does not say is of the kind
    ([], "eligible"),                                              # no infection at all
    ([{"code": "J18.9", "name": "pneumonia", "qualifiers": ["opportunistic"]}], "ineligible"),
])
def test_match_qualifiers_a_kind_of_infection_is_not_every_infection(
        analyzer: Analyzer, text: str, qualifier: str, conditions: list[dict[str, Any]], verdict: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    (rule,) = [r for r in analysis.rules if r.source == "text" and r.category == "condition"]
    assert qualifier in rule.qualifiers
    assert _match(analysis, *conditions) == verdict


@pytest.mark.parametrize(("text", "qualifiers"), [
    ("Severe hepatic or renal impairment", {"hepatic": ["severe"], "renal impairment": ["severe"]}),
    ("Active tuberculosis", {"tuberculosis": ["active"]}),
    ("Refractory lupus nephritis", {"lupus nephritis": ["refractory"]}),
    ("Hypertension, poorly controlled", {"Hypertension": ["uncontrolled"]}),
    ("Clinically significant heart disease", {"heart disease": ["significant"]}),
    ("Decompensated liver cirrhosis", {"liver cirrhosis": ["decompensated"]}),
])
def test_match_qualifiers_found_on_the_mentions(analyzer: Analyzer, text: str, qualifiers: dict[str, list[str]]) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    found = {e.text: [q.name for q in e.qualifiers] for e in analysis.entities if e.qualifiers}
    for mention, names in qualifiers.items():
        assert any(mention in text_ and found[text_] == names for text_ in found), found


@pytest.mark.parametrize(("text", "dropped"), [
    ("Acute myocardial infarction", "acute"),     # I21.9 "Acute myocardial infarction": the code says it
    ("Chronic kidney disease", "chronic"),
])
def test_match_qualifiers_the_code_already_says(analyzer: Analyzer, text: str, dropped: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    assert all(dropped not in r.qualifiers for r in analysis.rules)


def test_match_qualifiers_active_needs_no_confirmation(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Active tuberculosis\n")
    assert _match(analysis, {"code": "A15.0", "name": "pulmonary tuberculosis"}) == "ineligible"
    assert _match(analysis, {"code": "A15.0", "status": "resolved", "abatement": "2020-01-01"}) == "eligible"


def test_match_qualifiers_in_the_comparison_table(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Uncontrolled high blood pressure\n- chronic infections\n")
    cells = set(criteria_nlp.compare([analysis]).iloc[:, -1])
    assert {"excluded (uncontrolled)", "excluded (chronic)"} <= cells
    long = criteria_nlp.compare([analysis], form="long")
    assert set(long["qualifiers"].dropna()) == {"uncontrolled", "chronic"}


def test_match_qualifiers_screen_agrees(analyzer: Analyzer) -> None:
    import pandas as pd

    analysis = analyzer("Exclusion Criteria:\n- Uncontrolled high blood pressure\n")
    table = pd.DataFrame({"patient_id": ["a", "b"], "age": [50, 50], "sex": ["male", "male"], "conditions": ["I10", ""]})
    screened = criteria_nlp.screen(table, analysis, as_of=AS_OF)
    # a table states no qualifiers: unknown for the patient with hypertension, met for the one without
    assert screened["verdict"].tolist() == ["indeterminate", "eligible"]


# --------------------------------------------------------------------------- the catalogue and the patient side


def test_match_qualifiers_patient_words_normalised() -> None:
    fact = ConditionFact.model_validate({"code": "I10", "qualifiers": ["Poorly controlled", "SEVERE", "stage 2"]})
    assert fact.qualifiers == ["uncontrolled", "severe", "stage 2"]
    assert ConditionFact.model_validate({"code": "I10", "qualifiers": "well-controlled"}).qualifiers == ["controlled"]


@pytest.mark.parametrize(("wanted", "stated", "expected"), [
    (["uncontrolled"], ["uncontrolled"], T), (["uncontrolled"], ["controlled"], F), (["uncontrolled"], None, U),
    (["moderate", "severe"], ["severe"], T), (["moderate", "severe"], ["mild"], F),
    (["severe", "chronic"], ["severe"], U), (["severe", "chronic"], ["severe", "acute"], F),
    (["active"], None, T),  # needs no confirmation
    (["refractory"], ["acute"], U),  # another scale says nothing of it
])
def test_match_qualifiers_compare_by_scale(wanted: list[str], stated: list[str] | None, expected: int) -> None:
    assert qualifier_lexicon().compare(wanted, stated) == expected


def test_match_qualifiers_fhir_severity() -> None:
    from criteria_nlp.fhir import patient_from_fhir

    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1970-01-01"}},
        {"resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
                      "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I10"}]},
                      "severity": {"coding": [{"system": "http://snomed.info/sct", "code": "24484000", "display": "Severe"}]}}},
    ]}
    patient = patient_from_fhir(bundle)
    assert patient.conditions is not None and patient.conditions[0].qualifiers == ["severe"]


def test_match_qualifiers_catalogue_validated(tmp_path: Any) -> None:
    bad = tmp_path / "qualifiers.json"
    bad.write_text('{"name": "q", "version": "1", "qualifiers": [{"name": "a", "scale": "s", "labels": ["CONDITION"], '
                   '"forms": ["x"]}, {"name": "b", "scale": "s", "labels": ["CONDITION"], "forms": ["x"]}]}', encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        QualifierLexicon.load(bad)
    assert info.value.code == "X001" and "belongs to both" in str(info.value)
