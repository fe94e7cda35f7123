"""TermIndex: dictionary matching independent of tokenisation."""

from __future__ import annotations

import pytest

from criteria_nlp.terms import TermIndex, term_key


@pytest.mark.parametrize(
    "term,key",
    [("Hepatitis B", "hepatitisb"), ("breast-feeding", "breastfeeding"), ("anti-ds DNA", "antidsdna"), ("  LVEF ", "lvef")],
)
def test_terms_index_key(term: str, key: str) -> None:
    assert term_key(term) == key


def _index() -> TermIndex:
    index = TermIndex()
    index.add(["hepatitis B", "breastfeeding"], index.add_payload("condition"))
    index.add(["anti-dsDNA"], index.add_payload("lab"))
    index.add(["AS"], index.add_payload("ankylosing spondylitis"), case_sensitive=["AS"])
    return index


@pytest.mark.parametrize(
    "tokens,expected",
    [
        (["no", "hepatitis", "B"], [(1, 3, "condition")]),
        (["breast", "-", "feeding"], [(0, 3, "condition")]),   # split at the hyphen
        (["breast-feeding"], [(0, 1, "condition")]),           # one token
        (["anti", "-", "dsDNA", "positive"], [(0, 3, "lab")]),
        (["AS", "as", "As"], [(0, 1, "ankylosing spondylitis")]),  # the acronym only as written
        (["hepatitis", "\n", "B"], []),                         # never across a line break
        (["-", "hepatitis", "B", "-"], [(1, 3, "condition")]),  # never starting or ending on a bare hyphen
    ],
)
def test_terms_index_match(tokens: list[str], expected: list[tuple[int, int, str]]) -> None:
    index = _index()
    barrier = [t.isspace() for t in tokens]
    found = [(s, e, index.payloads[p]) for s, e, p in index.match([t.lower() for t in tokens], tokens, barrier)]
    assert found == expected


@pytest.mark.parametrize(
    "tokens,spaced,expected",
    [
        (["as", "a"], [True, False], []),                                 # a word-separating space inside "ASA"
        (["ASA"], [False], [(0, 1, "score")]),
        (["breast", "feeding"], [True, False], [(0, 2, "condition")]),    # the form "breast-feeding" has a place for it
        (["breastfeeding"], [False], [(0, 1, "condition")]),
        (["hepatitis", "B"], [True, False], [(0, 2, "condition")]),
        (["as", "a"], None, [(0, 2, "score")]),                          # without space information: as before
    ],
)
def test_terms_index_match_spaces(tokens: list[str], spaced: list[bool] | None,
                                  expected: list[tuple[int, int, str]]) -> None:
    index = TermIndex()
    index.add(["hepatitis B", "breastfeeding", "breast-feeding"], index.add_payload("condition"))
    index.add(["ASA"], index.add_payload("score"))
    found = [(s, e, index.payloads[p]) for s, e, p in index.match([t.lower() for t in tokens], tokens, spaced=spaced)]
    assert found == expected
