"""Property-based: analyze() never raises on arbitrary text, and every analysis round-trips through JSON."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import criteria_nlp
from criteria_nlp.output import analysis_tables
from criteria_nlp.schema import TrialAnalysis

#: pieces criteria are made of, so the generator reaches the interesting paths (headers,
#: list markers, comparators, numbers with units, time windows, negations, brackets)
PIECES = [
    "Inclusion Criteria:", "Exclusion Criteria:", "\n", "\n- ", "\n* ", "\n1. ", "\n  a) ", "(", ")", "[", "]", ";", ":",
    ",", ".", " ", "\t", ">=", "<=", ">", "<", "=", "≥", "≤", "±", "-", "–", "/", "%", "x", "×", "ULN", "LLN", "18", "2.5",
    "10^9/L", "mg/dL", "mmol/L", "years", "months", "weeks", "days", "at least ", "within the past 6 months", "no history of ",
    "prior ", "other than ", "unless ", "or ", "and ", "not ", "pregnant", "HIV", "diabetes", "hemoglobin", "ALT", "eGFR",
    "ECOG", "age", "male", "female", "\u05d0\u05d1", "\u0627\u0644", "\u202e", "\u200b", "\x00", "\x07", "\ufeff",
]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=60).map("".join),
)
kinds = st.sampled_from([None, "inclusion", "exclusion"])
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


@SETTINGS
@given(text=texts, kind=kinds)
def test_robustness_hypothesis_analyze_never_raises(text: str, kind: Any) -> None:
    analysis = criteria_nlp.analyze(text, kind=kind)
    assert analysis.trial.eligibility_text == text
    for item in [*analysis.criteria, *analysis.entities]:
        assert 0 <= item.start <= item.end <= len(text)
        assert text[item.start:item.end] == item.text or item.text.strip() in text


@SETTINGS
@given(text=texts, kind=kinds)
def test_robustness_hypothesis_json_round_trip(text: str, kind: Any) -> None:
    analysis = criteria_nlp.analyze(text, kind=kind)
    data = json.loads(json.dumps(analysis.to_dict(), ensure_ascii=False))
    assert TrialAnalysis.from_dict(data) == analysis
    tables = analysis_tables(data, 0)  # and it flattens into the output tables
    assert len(tables["trials"]) == 1 and len(tables["criteria"]) == len(analysis.criteria)
