"""The criteria tokenizer keeps clinical tokens whole and splits comparators from what they compare."""

from __future__ import annotations

from typing import Callable

import pytest

from criteria_nlp.pipeline import blank


@pytest.fixture(scope="module")
def tokenize() -> Callable[[str], list[str]]:
    nlp = blank()
    return lambda text: [t.text for t in nlp.make_doc(text)]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("anti-dsDNA", ["anti-dsDNA"]),
        ("IL-6", ["IL-6"]),
        ("< 2 mg/dL", ["<", "2", "mg/dL"]),
        ("ALT<2.5", ["ALT", "<", "2.5"]),
        ("age>=18", ["age", ">=", "18"]),
        ("LVEF≥50%", ["LVEF", "≥", "50", "%"]),
        # spaCy's emoticons "(=", "=3", "<3" must not glue comparators to brackets or numbers
        ("(=18 years)", ["(", "=", "18", "years", ")"]),
        ("ECOG =3", ["ECOG", "=", "3"]),
        ("platelets <3", ["platelets", "<", "3"]),
    ],
)
def test_tokenizer_splits(tokenize: Callable[[str], list[str]], text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens
