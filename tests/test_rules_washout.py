"""Washout periods: "At least 4 weeks since prior chemotherapy" asks how long ago, if at all.

Old ClinicalTrials.gov (PDQ) records list them under "--Prior/Concurrent
Therapy--" in hundreds of trials ("Chemotherapy: At least 4 weeks since prior
chemotherapy"). They were read as requirements of the treatment, so a patient
never treated, whose medication list is complete, was ineligible. They are the
exclusion of the treatment (or condition) within that time. So is "Recovered
from prior chemotherapy": the exclusion of a treatment not recovered from, which
a record's codes cannot confirm (unknown for the treated, eligible for the never
treated).
"""

from __future__ import annotations

from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer

NEVER = {"id": "never", "as_of": "2026-12-07", "age": 50, "sex": "female", "medications": [], "procedures": [],
         "conditions": [], "complete_lists": ["medications", "procedures", "conditions"]}
LONG_AGO = {"id": "long-ago", "as_of": "2026-12-07", "age": 50, "sex": "female",
            "medications": [{"name": "prednisone", "end": "2026-01-01"}, {"name": "cyclophosphamide", "end": "2026-01-01"}],
            "complete_lists": ["medications"]}
NOW = {"id": "now", "as_of": "2026-12-07", "age": 50, "sex": "female",
       "medications": [{"name": "prednisone"}, {"name": "cyclophosphamide"}], "complete_lists": ["medications"]}


@pytest.mark.parametrize("text", [
    "At least 4 weeks since prior chemotherapy",
    "Chemotherapy: At least 4 weeks since prior chemotherapy",
    # the field label before the window is not what it dates, across a line wrap too
    "Chemotherapy: At least 4 weeks since prior\n        chemotherapy",
    # the event right after "since" is a mention of its own, not the window's anchor
    "At least 1 week since corticosteroids",
    "Endocrine therapy: At least 1 week since\n        corticosteroids",
])
@pytest.mark.parametrize(("patient", "verdict"), [(NEVER, "eligible"), (LONG_AGO, "eligible"), (NOW, "ineligible")])
def test_match_washout_is_the_exclusion_within_its_time(analyzer: Analyzer, text: str, patient: dict[str, Any],
                                                          verdict: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    (rule,) = [r for r in analysis.rules if r.category == "drug"]
    assert rule.polarity == "exclude" and rule.window is not None and rule.window.bound == "within"
    assert criteria_nlp.match(patient, analysis).verdict == verdict


@pytest.mark.parametrize("text", [
    "Chemotherapy within 4 weeks prior to randomization",         # a window the event must lie in
    "Prior chemotherapy required",                                # no window
    "Chemotherapy completed more than 4 weeks ago",               # "at least" without "since": a requirement
])
def test_rules_washout_leaves_other_requirements(analyzer: Analyzer, text: str) -> None:
    rules = [r for r in analyzer(f"Inclusion Criteria:\n- {text}\n").rules if r.category == "drug"]
    assert rules and all(r.polarity == "require" for r in rules)


def test_tag_reference_anchor_stays_in_the_window(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Stent implantation within 3 months prior to TAVI procedure\n")
    assert [e.text for e in analysis.entities if e.label == "TEMPORAL"] == ["within 3 months prior to TAVI procedure"]


@pytest.mark.parametrize("text", [
    "Inclusion Criteria:\n- Recovered from prior chemotherapy",
    "Inclusion Criteria:\n- Recovered from the toxic effects of prior chemotherapy",
    "Exclusion Criteria:\n- Patients who have not recovered from the toxic effects of prior chemotherapy",
])
@pytest.mark.parametrize(("patient", "verdict"), [(NEVER, "eligible"), (LONG_AGO, "indeterminate")])
def test_match_recovered_from_asks_recovery_if_treated(analyzer: Analyzer, text: str, patient: dict[str, Any],
                                                       verdict: str) -> None:
    analysis = analyzer(text)
    (rule,) = [r for r in analysis.rules if r.category == "drug"]
    assert rule.polarity == "exclude" and "unrecovered" in rule.qualifiers
    assert criteria_nlp.match(patient, analysis).verdict == verdict
