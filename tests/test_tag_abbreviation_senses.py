"""Short forms read as the document defines them: "Dermatomyositis (DM)" makes every "DM" after it dermatomyositis,
though a bare "DM" is diabetes mellitus; "type 1 diabetes mellitus (DM)" makes it type 1 diabetes."""

from __future__ import annotations

import datetime as dt

import pytest

import criteria_nlp
from criteria_nlp import Analyzer


def _coded(analyzer: Analyzer, text: str) -> list[tuple[str, str | None]]:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    return [(e.text, e.concept.code if e.concept else None) for e in analysis.entities if e.label == "CONDITION"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Patients with DM", [("DM", "E08-E13")]),
    ("Dermatomyositis (DM) with active DM", [("Dermatomyositis", "M33.90"), ("DM", "M33.90"), ("DM", "M33.90")]),
    ("Diagnosis of type 1 diabetes mellitus (DM) or uncontrolled DM",
     [("type 1 diabetes mellitus", "E10"), ("DM", "E10"), ("DM", "E10")]),
    ("Type 1 diabetes mellitus (DM)", [("Type 1 diabetes mellitus", "E10"), ("DM", "E10")]),
    # the other short forms two conditions share, each read as the document defines it
    ("Probable Alzheimer's disease (AD); mild AD", [("Probable Alzheimer's disease", "G30.9"), ("AD", "G30.9"), ("AD", "G30.9")]),
    ("Sickle cell disease (SCD); SCD crisis", [("Sickle cell disease", "D57.1"), ("SCD", "D57.1"), ("SCD", "D57.1")]),
    ("Aortic stenosis (AS); severe AS", [("Aortic stenosis", "I35.0"), ("AS", "I35.0"), ("AS", "I35.0")]),
    ("Ankylosing spondylitis (AS); active AS", [("Ankylosing spondylitis", "M45.9"), ("AS", "M45.9"), ("AS", "M45.9")]),
])
def test_tag_abbreviation_sense_is_the_documents_definition(analyzer: Analyzer, text: str,
                                                            expected: list[tuple[str, str]]) -> None:
    assert _coded(analyzer, text) == expected


def test_tag_abbreviation_defined_type_does_not_exclude_the_other_type(analyzer: Analyzer) -> None:
    """"Type 1 diabetes mellitus (DM)" excluded every diabetic when its "(DM)" was read as any diabetes."""
    analysis = analyzer("Exclusion Criteria:\n- Type 1 diabetes mellitus (DM)\n")
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 50, "sex": "male",
               "conditions": [{"code": "E11.9", "name": "type 2 diabetes"}]}
    assert criteria_nlp.match(patient, analysis).verdict == "eligible"
    patient["conditions"] = [{"code": "M33.90", "name": "dermatomyositis"}]
    assert criteria_nlp.match(patient, analyzer("Exclusion Criteria:\n- Patients with DM\n")).verdict == "eligible"
