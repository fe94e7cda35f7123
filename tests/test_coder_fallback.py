"""The coder component's open-vocabulary fallback (issue 25): a code with its score and the entry it matched,
and a weak or catch-all match flagged for review instead of kept."""

from __future__ import annotations

from typing import Any

import pytest
import spacy
from spacy.tokens import Doc, Span

from criteria_nlp.coder import CriteriaCoder
from criteria_nlp.extensions import entity_data


@pytest.fixture(scope="module")
def coder() -> CriteriaCoder:
    component = CriteriaCoder(spacy.blank("en"), deep=True, vocab_fallback=True)
    component.initialize()
    return component


def test_coder_fallback_codes_word_order_and_modifiers(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "renal insufficiency, chronic")
    assert concept is not None and concept["code"] == "N18.9"  # not N19, the "renal insufficiency" inside it
    concept, coding = coder.code("CONDITION", "chronic kidney disease stage 3b")
    assert concept is not None and concept["code"] == "N18.32"


def test_coder_fallback_records_score_and_entry(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "renal insufficiency, chronic")
    assert coding is not None and coding["source"] == "vocab_index"
    assert coding["entry"] == "chronic renal insufficiency" and coding["score"] >= coder.thresholds["CONDITION"]
    assert concept is not None and concept["code"] == coding["code"] and "review" not in coding
    concept, coding = coder.code("CONDITION", "decompensated liver cirrhosis")  # a lexicon term: no index record
    assert concept is not None and concept["code"] == "K74.60" and coding is None


def test_coder_fallback_flags_weak_and_catch_all_matches(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "medical condition")
    assert concept is None and coding is not None and "catch-all" in coding["review"]
    concept, coding = coder.code("DRUG", "PI")  # an abbreviation: n-grams say nothing of it
    assert concept is None and coding is not None and "review" in coding
    concept, coding = coder.code("CONDITION", "zzqx blorf")
    assert concept is None and (coding is None or "review" in coding)


def test_coder_fallback_off_keeps_the_lexicon_coding() -> None:
    component = CriteriaCoder(spacy.blank("en"))
    component.initialize()
    assert component.code("CONDITION", "medical condition")[1] is None


def test_coder_fallback_sets_entity_data(coder: CriteriaCoder) -> None:
    nlp = coder.nlp
    doc = nlp.make_doc("History of renal insufficiency, chronic")
    doc.ents = [Span(doc, 2, 6, label="CONDITION")]
    data: list[dict[str, Any]] = entity_data(doc)
    assert isinstance(coder(doc), Doc)
    assert data[0]["concept"] is not None and data[0]["coding"]["source"] == "vocab_index"


def test_coder_fallback_rejects_entries_that_only_share_syllables_or_say_more(coder: CriteriaCoder) -> None:
    """'therapy' is not 'chemotherapy'; 'treatment' is not 'dental treatment': such matches are flagged."""
    from criteria_nlp.coder import says_more, shares_word

    assert not shares_word("therapy", "chemotherapy") and shares_word("transfusions", "blood transfusion")
    assert not shares_word("Nuss procedure", "MRI procedure")
    assert says_more("dental treatment", "treatment") and not says_more("surgical procedure", "surgical")
    assert not says_more("chronic renal insufficiency", "renal insufficiency, chronic")
    concept, coding = coder.code("PROCEDURE", "treatment")
    assert concept is None and coding is not None and "narrower" in coding["review"]
    concept, coding = coder.code("PROCEDURE", "chemotherapy")  # the name without its '(procedure)' tag
    assert concept is not None and concept["code"] == "proc:chemotherapy"


def test_coder_fallback_loads_its_indexes_on_first_use_when_not_initialised() -> None:
    component = CriteriaCoder(spacy.blank("en"), vocab_fallback=True, fallback_labels=["PROCEDURE"])
    concept, _ = component.code("PROCEDURE", "chemotherapy")
    assert concept is not None and component._indexes is not None and set(component._indexes) == {"PROCEDURE"}
    assert component.code("CONDITION", "zzqx blorf") == (None, None)  # no condition index: nothing recorded
