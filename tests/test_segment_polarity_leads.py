"""Lead-ins and headings that decide what their items are (issue 22, polarity inside a list): 'None of the
following:' under Inclusion Criteria makes exclusions; 'Discouraged:' in old ACTG records, like 'Allowed:',
makes neither (its items used to be read as requirements and failed everyone not taking the drug)."""

from __future__ import annotations

import datetime as dt

import pytest

import criteria_nlp
from criteria_nlp import Analyzer


@pytest.mark.parametrize("lead", ["None of the following:", "No history of any of the following conditions:",
                                  "Patients must be free of the following:"])
def test_segment_polarity_lead_none_of_the_following_excludes(analyzer: Analyzer, lead: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- Age 18 or older\n- {lead}\n  - stroke\n  - myocardial infarction\n")
    rules = {r.evidence: r for r in analysis.rules if r.category == "condition"}
    assert {e: r.polarity for e, r in rules.items()} == {"stroke": "exclude", "myocardial infarction": "exclude"}
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 50, "sex": "male", "conditions": []}
    assert criteria_nlp.match(patient, analysis).verdict == "eligible"


@pytest.mark.parametrize("heading", ["Discouraged:", "Recommended:", "Allowed:"])
def test_segment_polarity_heading_that_neither_requires_nor_excludes(analyzer: Analyzer, heading: str) -> None:
    text = f"Inclusion Criteria\n\nConcurrent Medication:\n\n{heading}\n\n  - Sucralfate or antacids.\n"
    analysis = analyzer(text)
    assert [c.kind for c in analysis.criteria if c.text.startswith("Sucralfate")] == ["unknown"]
    assert not [r for r in analysis.rules if r.computable and r.source == "text"]


def test_segment_polarity_item_under_allowed_is_not_read_alone(analyzer: Analyzer) -> None:
    """An item opening with 'No' is read alone only under no heading: under 'Allowed:' it permits."""
    analysis = analyzer("Inclusion Criteria\n\nPrior Medication:\n\nAllowed:\n\n  - No more than 2 prior chemotherapy "
                        "regimens.\n")
    assert not [r for r in analysis.rules if r.computable and r.source == "text"]
