"""The misspelling check: typing errors of medical and English words, not acronyms, names, drugs or numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria_nlp.quality import misspellings


@pytest.mark.parametrize(
    ("text", "word", "suggestion"),
    [
        ("Lupus paatients", "paatients", "patients"),
        ("Messenchymal stem cell therapy", "Messenchymal", "Mesenchymal"),
        ("Patients with acute sever hepatitis", "sever", "severe"),
        ("History of chornic kidney disease", "chornic", "chronic"),
        ("Known immunosupressive therapy", "immunosupressive", "immunosuppressive"),
        ("Use of cortiscosteroids within 4 weeks", "cortiscosteroids", "corticosteroids"),
        ("Prostrate cancer in the past", "Prostrate", "Prostate"),
        ("Malignant plural effusion", "plural", "pleural"),
        ("Critieria for lupus nephritis", "Critieria", "Criteria"),
    ],
)
def test_lint_spelling_flags(text: str, word: str, suggestion: str) -> None:
    found = [(m.word, m.suggestion) for m in misspellings(text)]
    assert found == [(word, suggestion)]
    m = misspellings(text)[0]
    assert text[m.start:m.end] == word


@pytest.mark.parametrize(
    "text",
    [
        "positive anti-dsDNA and low C3/C4",  # acronyms and inner capitals
        "SELENA-SLEDAI index ≥6; BILAG A or 2B",
        "HIV, HBsAg, anti-HCV positive",
        "eGFR < 30 mL/min/1.73m2 or UPCR > 3000 mg/g",
        "Haemoglobin below 9 g/dL; tumour of any kind; randomisation",  # British spellings
        "Evaluable or resectable disease; excisional biopsy",  # derivatives of known words
        "Patients who can't swallow tablets",  # contractions
        "Treatment with belimumab, anifrolumab or an investigational tyrosine kinase inhibitor such as zorifertinib",
        "Wilms tumour or Henoch purpura",  # names inside a sentence
        "Sever the link",  # "sever" as a verb
        "Non-pregnant, non-lactating women of childbearing potential",
        "Hydroxychloroquine, mycophenolate mofetil, azathioprine, methotrexate",
        "Pre-existing cardiomyopathy or post-transplant lymphoproliferative disorder",
    ],
)
def test_lint_spelling_quiet(text: str) -> None:
    assert misspellings(text) == []


def test_lint_spelling_skips_spans() -> None:
    text = "paatients treatment"
    assert [m.word for m in misspellings(text)] == ["paatients"]
    assert misspellings(text, [(0, 9)]) == []  # inside a drug mention
    assert misspellings("Treatment with Paatients") == []  # a title-case word inside a sentence


@given(st.text(alphabet="abcde", max_size=9), st.text(alphabet="abcde", max_size=9), st.integers(min_value=0, max_value=3))
@settings(max_examples=300, deadline=None)
def test_lint_spelling_banded_distance_agrees_with_full(a: str, b: str, limit: int) -> None:
    from criteria_nlp.quality import _distance, _within

    assert _within(a, b, limit) == (_distance(a, b) <= limit)
