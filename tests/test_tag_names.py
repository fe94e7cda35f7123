"""Names of bodies ("National Institute of Neurological and Communicative Disorders and Stroke") say nothing of the patient."""

from __future__ import annotations

import pytest
from spacy.language import Language


def ents(nlp: Language, criterion: str) -> set[tuple[str, str]]:
    doc = nlp(f"Inclusion Criteria:\n1. {criterion}")
    return {(e.text, e.label_) for e in doc.ents}


@pytest.mark.parametrize(
    ("criterion", "absent"),
    [
        ("Probable AD according to the National Institute of Neurological and Communicative Disorders and Stroke criteria",
         ("Stroke", "CONDITION")),
        ("Staged by the American Joint Committee on Cancer", ("Cancer", "CONDITION")),
        ("Members of the Osteogenesis Imperfecta Foundation", ("Osteogenesis Imperfecta", "CONDITION")),
        ("Treated at the Pediatric Branch of the National Cancer Institute", ("Pediatric", "AGE")),
        ("Dementia by the Diagnostic and Statistical Manual of Mental Disorders", ("Mental Disorders", "CONDITION")),
    ],
)
def test_tag_names_of_bodies_hold_no_patient_entities(nlp: Language, criterion: str, absent: tuple[str, str]) -> None:
    assert absent not in ents(nlp, criterion)


@pytest.mark.parametrize(
    ("criterion", "present"),
    [
        # a scale named after a body is still the scale
        ("Heart failure of New York Heart Association class III or IV", ("Heart failure", "CONDITION")),
        # Title Case writes its function words capitalised: no name of a body, whatever its words
        ("Stroke Association Member With Diabetes", ("Diabetes", "CONDITION")),
        ("History Of Stroke Or Myocardial Infarction", ("Stroke", "CONDITION")),
        # a name ends where its use begins ("... Classification Criteria for"): what follows is the subject
        ("Meets American College of Rheumatology Classification Criteria for Rheumatoid Arthritis",
         ("Rheumatoid Arthritis", "CONDITION")),
        # the condition beside a name is kept
        ("SLE according to the American College of Rheumatology criteria", ("SLE", "CONDITION")),
    ],
)
def test_tag_names_of_bodies_leave_the_rest(nlp: Language, criterion: str, present: tuple[str, str]) -> None:
    assert present in ents(nlp, criterion)


def test_tag_names_keep_a_scale_named_after_a_body(nlp: Language) -> None:
    found = ents(nlp, "Cardiac disease (New York Heart Association stage III or IV)")
    assert any(label == "SCORE" and "New York Heart Association" in text for text, label in found)
