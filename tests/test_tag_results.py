"""A result word at either end of a test ("elevated troponin", "HBsAg positive") is the test's value: the rule
compares the patient's result instead of naming a test without one (issue 22, values linked to their entity)."""

from __future__ import annotations

import datetime as dt

import pytest

import criteria_nlp
from criteria_nlp import Analyzer


def _entities(analyzer: Analyzer, text: str) -> list[tuple[str, str, str | None]]:
    analysis = analyzer(text)
    return [(e.text, e.label, e.value.operator if e.value else None) for e in analysis.entities]


@pytest.mark.parametrize(("text", "expected"), [
    ("Exclusion Criteria:\n- Elevated troponin levels\n",
     [("Elevated", "VALUE", ">"), ("troponin", "LAB", ">")]),
    ("Exclusion Criteria:\n- A positive drug screen\n",
     [("positive", "VALUE", "positive"), ("drug screen", "LAB", "positive")]),
    ("Exclusion Criteria:\n- HBsAg positive\n",
     [("HBsAg", "LAB", "positive"), ("positive", "VALUE", "positive")]),
])
def test_tag_results_word_is_the_tests_value(analyzer: Analyzer, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _entities(analyzer, text) == expected


@pytest.mark.parametrize(("text", "mention"), [
    ("Inclusion Criteria:\n- Low density lipoprotein cholesterol > 160 mg/dL\n", "Low density lipoprotein cholesterol"),
    ("Inclusion Criteria:\n- High-sensitivity CRP > 2 mg/L\n", "High-sensitivity CRP"),
])
def test_tag_results_leave_a_test_named_with_the_word(analyzer: Analyzer, text: str, mention: str) -> None:
    assert (mention, "LAB") in [(text, label) for text, label, _ in _entities(analyzer, text)]


@pytest.mark.parametrize(("labs", "verdict"), [
    ([{"code": "5196-1", "result": "positive"}], "ineligible"),
    ([{"code": "5196-1", "result": "negative"}], "eligible"),
    ([], "indeterminate"),  # not tested: unknown, never a fail
])
def test_tag_results_decide_the_verdict(analyzer: Analyzer, labs: list[dict[str, str]], verdict: str) -> None:
    analysis = analyzer("Exclusion Criteria:\n- HBsAg positive\n")
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 50, "sex": "male", "labs": labs}
    assert criteria_nlp.match(patient, analysis).verdict == verdict
