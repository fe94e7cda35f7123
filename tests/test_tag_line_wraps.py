"""A term broken by the line wrap of legacy ClinicalTrials.gov XML is one mention.

The AllPublicXML records wrap criteria at about 70 characters and indent the
next line; the tokenizer keeps the break and indentation as a whitespace token,
which no dictionary term used to cross: "history of breast\\n        cancer" was
"cancer" (any malignancy, C80.1), "Creatinine\\n        clearance" creatinine.
A blank line, a new list item or a break next to punctuation still ends a term.
"""

from __future__ import annotations

import datetime as dt

import pytest

import criteria_nlp
from criteria_nlp import Analyzer


@pytest.mark.parametrize(("text", "label", "code"), [
    ("history of breast\n        cancer", "CONDITION", "C50.919"),
    ("Known brain\n        metastases", "CONDITION", "C79.31"),
    ("Creatinine\n        clearance > 60 mL/min", "LAB", "2164-2"),
    ("Platelet\n             count < 100,000/mm3", "LAB", "777-3"),
    ("chronic\n        myeloid leukemia", "CONDITION", "C92.10"),
])
def test_tag_term_spans_a_line_wrap(analyzer: Analyzer, text: str, label: str, code: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    found = [(e.label, e.concept.code) for e in analysis.entities if e.concept is not None and "\n" in e.text]
    assert (label, code) in found


@pytest.mark.parametrize("text", [
    "Exclusion Criteria:\n- breast\n\n- cancer\n",          # a blank line and a new item
    "Exclusion Criteria:\n- breast.\n        Cancer\n",     # a sentence ends before the break
    "Exclusion Criteria:\n- breast\ncancer\n",              # a new line without indentation: one criterion a line
])
def test_tag_line_wrap_barriers_still_end_a_term(analyzer: Analyzer, text: str) -> None:
    assert not [e for e in analyzer(text).entities if e.concept is not None and e.concept.code == "C50.919"]


def test_match_wrapped_cancer_excludes_only_its_own(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Prior history of breast\n        cancer\n")
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 60, "sex": "male",
               "conditions": [{"code": "C61", "name": "prostate cancer"}]}
    assert criteria_nlp.match(patient, analysis).verdict == "eligible"


@pytest.mark.parametrize(("text", "operator", "low", "high"), [
    ("Age 18 years\n        or older", ">=", 18.0, None),
    ("Aged 18 to\n        65 years", "between", 18.0, 65.0),
    # the wrap hid "or older": the value read "= 18", which excluded every adult but the 18-year-olds
    ("18 years of age\n        or older", ">=", 18.0, None),
])
def test_values_age_spans_a_line_wrap(analyzer: Analyzer, text: str, operator: str, low: float,
                                      high: float | None) -> None:
    (rule,) = [r for r in analyzer(f"Inclusion Criteria:\n- {text}\n").rules if r.category == "age"]
    assert (rule.operator, rule.low, rule.high) == (operator, low, high)


def test_values_window_text_keeps_the_wrap(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Myocardial infarction within the\n        past 6\n        months\n")
    (rule,) = [r for r in analysis.rules if r.category == "condition"]
    assert rule.window is not None and rule.window.duration_days == pytest.approx(182.625)
    assert rule.window.text == "within the\n        past 6\n        months"
