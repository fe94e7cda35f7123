"""The segmenter over every shared ClinicalTrials.gov record (XML and API v2)."""

from __future__ import annotations

import re

import pytest

from criteria_nlp import iter_records
from criteria_nlp.errors import ReadError
from criteria_nlp.segment import segment_text

from conftest import shared_path  # type: ignore[import-not-found]

pytestmark = pytest.mark.shared

# Records whose "Inclusion Criteria" or "Exclusion Criteria" header has nothing under it but
# "Allowed:" items (which permit, not require) or an empty bullet: finding no criteria of that
# kind is right.
EMPTY_SECTION = {"NCT00002024", "NCT00002298", "NCT00007761", "NCT05958095"}
# a header line (not a mention in prose): optional bullet, modifier, the keyword, optional "criteria"
INCLUSION = re.compile(r"(?im)^[\W_]*(?:key |main |general |study )?inclusion(?:ary)? criteria\b")
EXCLUSION = re.compile(r"(?im)^[\W_]*(?:key |main |general |study )?exclusion(?:ary)? criteria\b")


@pytest.mark.parametrize("corpus", ["ctgov-xml", "ctgov-v2"])
def test_segment_corpus_offsets_and_both_kinds(corpus: str) -> None:
    path = shared_path("data", corpus)
    records = 0
    for trial in iter_records(path):
        assert not isinstance(trial, ReadError), trial
        records += 1
        text = trial.eligibility_text
        criteria, duplicates = segment_text(text, record=trial.id)
        ids = {c.id for c in criteria}
        for c in criteria:
            assert text[c.start:c.end] == c.text, (trial.id, c)
            assert c.text == c.text.strip() and c.text
            assert c.parent is None or c.parent in ids
        for d in duplicates:
            assert text[d.start:d.end] == d.text and d.duplicate_of in ids
        kinds = {c.kind for c in criteria if c.role == "criterion"}
        if INCLUSION.search(text) and EXCLUSION.search(text) and trial.id not in EMPTY_SECTION:
            assert {"inclusion", "exclusion"} <= kinds, trial.id
    assert records > 300
