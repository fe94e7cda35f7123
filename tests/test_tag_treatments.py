"""A drug before a therapy head ("antibiotic treatment") is tagged as a treatment procedure coded with the drug."""

from __future__ import annotations

import pytest
from spacy.language import Language

from criteria_nlp.extensions import entity_data
from criteria_nlp.schema import Concept, names_drug


def tagged(nlp: Language, criterion: str) -> dict[str, tuple[str, str | None]]:
    doc = nlp(f"Exclusion Criteria:\n1. {criterion}")
    data = entity_data(doc)
    return {e.text: (e.label_, (data[i].get("concept") or {}).get("code")) for i, e in enumerate(doc.ents)}


@pytest.mark.parametrize(
    "criterion,mention,code",
    [
        ("No prior antibiotic treatment", "antibiotic treatment", "J01"),  # a drug class of the lexicon
        ("Systemic corticosteroid therapy within 4 weeks", "Systemic corticosteroid therapy", "H02"),
        ("Trastuzumab therapy", "Trastuzumab therapy", "DB00072"),  # the drug vocabulary's code of the word inside
        ("Anti-VEGF treatments in the study eye", "Anti-VEGF treatments", "drug:anti-vegf"),  # plural head
    ],
)
def test_tag_treatments_drug_with_therapy_head_is_a_coded_procedure(nlp: Language, criterion: str, mention: str,
                                                                    code: str) -> None:
    assert tagged(nlp, criterion)[mention] == ("PROCEDURE", code)


@pytest.mark.parametrize(
    "criterion,mention,expected",
    [
        ("Prior radiation therapy", "radiation therapy", ("PROCEDURE", "proc:radiotherapy")),  # no drug in it: as it was
        ("Current use of warfarin", "warfarin", ("DRUG", "DB00682")),  # no head: still a drug
    ],
)
def test_tag_treatments_leave_other_mentions_alone(nlp: Language, criterion: str, mention: str,
                                                   expected: tuple[str, str]) -> None:
    assert tagged(nlp, criterion)[mention] == expected


@pytest.mark.parametrize(
    "system,code,drug",
    [("ATC", "L04", True), ("RxNorm", "11289", True), ("CRITERIA_NLP", "drug:biologics", True),
     ("CRITERIA_NLP", "proc:dialysis", False), ("ICD-10-CM", "M32.9", False), ("LOINC", "2160-0", False)],
)
def test_tag_treatments_drug_concepts_are_known_by_system_and_code(system: str, code: str, drug: bool) -> None:
    assert names_drug(system, code) is drug
    assert Concept(system=system, code=code).is_drug is drug

