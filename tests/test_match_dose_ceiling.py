"""A requirement limited only by a dose ceiling ("stable dose of prednisone <= 10 mg/day") limits those who take the
drug and may not require it: a patient not taking it is unknown, never unmet; a dose floor still requires it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import criteria_nlp
from criteria_nlp import Analyzer

AS_OF = dt.date(2026, 3, 1)
PREDNISONE = {"code": "DB00635", "name": "prednisone"}


@pytest.mark.parametrize(("criterion", "medications", "verdict"), [
    ("Stable dose of prednisone <= 10 mg/day for at least 4 weeks", [], "indeterminate"),  # was ineligible
    ("Prednisone dose of 10 mg/day or less", [], "indeterminate"),
    ("Prednisone dose of 10 mg/day or less", [PREDNISONE], "eligible"),
    ("Receiving methotrexate at a dose of at least 15 mg/week", [], "ineligible"),  # a floor asks for the drug
])
def test_match_dose_ceiling_is_no_requirement_to_take(analyzer: Analyzer, criterion: str,
                                                      medications: list[dict[str, str]], verdict: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {criterion}\n")
    patient = {"id": "p", "as_of": AS_OF, "age": 50, "sex": "male", "medications": medications}
    assert criteria_nlp.match(patient, analysis).verdict == verdict


def test_match_dose_ceiling_screen_agrees(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Prednisone dose of 10 mg/day or less\n")
    table = pd.DataFrame({"patient_id": ["a", "b"], "age": [50, 50], "sex": ["male", "male"],
                          "medications": ["DB00635", ""]})
    assert criteria_nlp.screen(table, analysis, as_of=AS_OF)["verdict"].tolist() == ["eligible", "indeterminate"]
