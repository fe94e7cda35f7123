"""A model's span the lexicon names whole takes the whole name's code, not that of a term inside it.

Legacy ClinicalTrials.gov XML wraps criteria at about 70 characters and indents
the next line, so a name can be cut by a line break ("breast\\n        cancer").
The tagger then finds only the term after the break ("cancer", C80.1) and the
statistical model's span around both inherited its code: "history of breast
cancer" excluded every cancer, "Creatinine clearance > 60 mL/min" became a
creatinine limit.
"""

from __future__ import annotations

import datetime as dt

import pytest

import criteria_nlp
from criteria_nlp import Analyzer


@pytest.fixture(scope="module")
def default() -> Analyzer:
    return Analyzer(pipeline="default")


@pytest.mark.parametrize(("text", "code"), [
    ("history of breast\n        cancer", "C50.919"),
    ("Creatinine\n        clearance > 60 mL/min", "2164-2"),
    ("Patients with unstable\n        angina", "I20.0"),
    ("Chronic obstructive pulmonary\n        disease", "J44.9"),
])
def test_coder_line_broken_name_keeps_its_code(default: Analyzer, text: str, code: str) -> None:
    analysis = default(f"Exclusion Criteria:\n- {text}\n")
    assert [r.concept.code for r in analysis.rules if r.concept is not None] == [code]


def test_match_line_broken_cancer_excludes_only_its_own(default: Analyzer) -> None:
    analysis = default("Exclusion Criteria:\n- Prior history of breast\n        cancer\n")
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 60, "sex": "male",
               "conditions": [{"code": "C61", "name": "prostate cancer"}]}
    assert criteria_nlp.match(patient, analysis).verdict == "eligible"
