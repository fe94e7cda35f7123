"""A condition's adjective is not a condition of its own: before another condition it modifies it ("hemorrhagic
cystitis"); before an examination or test it names what is examined ("neurologic examination")."""

from __future__ import annotations

import pytest

from criteria_nlp import Analyzer


@pytest.mark.parametrize("pipeline", ["fast", "default"])
@pytest.mark.parametrize(("text", "head"), [
    ("hemorrhagic cystitis", None),          # one mention; no rule on every bleeding
    ("anemic heart failure", "I50.9"),
    ("obese asthma", "J45.909"),
])
def test_tag_modifiers_adjective_before_a_condition(pipeline: str, text: str, head: str | None) -> None:
    analysis = Analyzer(pipeline=pipeline)(f"Exclusion Criteria:\n- {text}\n")
    conditions = [e for e in analysis.entities if e.label == "CONDITION"]
    assert [e.text for e in conditions] == [text]
    rules = [r for r in analysis.rules if r.category == "condition" and r.computable]
    assert all(r.narrower for r in rules)  # the code names the head (or the adjective) only: unknown for it
    if head is not None:
        assert [r.concept.code for r in rules if r.concept is not None] == [head]


@pytest.mark.parametrize("pipeline", ["fast", "default"])
def test_tag_modifiers_examined_organ_is_no_condition(pipeline: str) -> None:
    analysis = Analyzer(pipeline=pipeline)("Exclusion Criteria:\n- These six neurologic tests detect disc herniation.\n"
                                           "- Neurologic disease\n- Patients who are obese, diabetic or hypertensive\n")
    texts = [e.text for e in analysis.entities if e.label == "CONDITION"]
    assert "neurologic" not in texts and "Neurologic disease" in texts
    assert {"obese", "diabetic", "hypertensive"} <= set(texts)  # standing alone they are conditions


@pytest.mark.parametrize("pipeline", ["fast", "default"])
def test_tag_modifiers_histology_words_narrow_the_condition(pipeline: str) -> None:
    import datetime as dt

    import criteria_nlp

    analysis = Analyzer(pipeline=pipeline)("Exclusion Criteria:\n- Squamous cell carcinoma of the lung\n")
    (entity,) = [e for e in analysis.entities if e.label == "CONDITION"]
    assert entity.text == "Squamous cell carcinoma of the lung"
    assert entity.coding is not None and entity.coding.narrower == "squamous cell"
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 60, "sex": "male",
               "conditions": [{"code": "C34.90", "name": "lung adenocarcinoma"}]}
    assert criteria_nlp.match(patient, analysis).verdict == "indeterminate"  # not excluded as any lung cancer
