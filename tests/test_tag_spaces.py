"""The tagger's dictionary match across spaces: words are not glued into terms ("as a" is no ASA)."""

from __future__ import annotations

import pytest
from spacy.language import Language


def labels(nlp: Language, criterion: str) -> dict[str, str]:
    doc = nlp(f"Exclusion Criteria:\n1. {criterion}")
    return {e.text.lower(): e.label_ for e in doc.ents}


@pytest.mark.parametrize(
    "criterion,absent",
    [
        ("Women defined as a postmenopausal woman", "as a"),   # not the ASA score
        ("Insulin given as part of the protocol", "as part"),  # not insulin aspart
        ("AML or MDS", "aml or"),                              # not the drug Amlor
    ],
)
def test_tag_spaces_words_are_not_glued_into_terms(nlp: Language, criterion: str, absent: str) -> None:
    assert absent not in labels(nlp, criterion)


@pytest.mark.parametrize(
    "criterion,mention,label",
    [
        ("Women who are breast feeding", "breast feeding", "CONDITION"),  # "breast-feeding" written with a space
        ("ASA class III or IV", "asa class", "SCORE"),
        ("Use of strong CYP 3A4 inhibitors", "strong cyp 3a4 inhibitors", "DRUG"),  # a space inside a name, no stop word
    ],
)
def test_tag_spaces_spelling_variants_still_match(nlp: Language, criterion: str, mention: str, label: str) -> None:
    assert labels(nlp, criterion).get(mention) == label
