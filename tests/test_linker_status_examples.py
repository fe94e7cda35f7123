"""Status words and windows over treatment terms and bracketed examples (issue 22, time linked to its entity):
"Prior treatment with A, B or C" places A, B and C in the past; "Antitumor therapy (e.g., chemotherapy) or
X within 30 days" dates the therapy as well as its examples."""

from __future__ import annotations

import pytest

from criteria_nlp import Analyzer


def _by_text(analyzer: Analyzer, text: str) -> dict[str, object]:
    return {e.text: e for e in analyzer(text).entities}


@pytest.mark.parametrize(("text", "status", "treatment", "named"), [
    ("Exclusion Criteria:\n- No previous treatment with Clopidogrel, Prasugrel or Ticagrelor.\n",
     "previous", "treatment", ["Clopidogrel", "Prasugrel", "Ticagrelor"]),
    ("Exclusion Criteria:\n- Current treatment with corticosteroids\n", "Current", "treatment", ["corticosteroids"]),
    ("Exclusion Criteria:\n- Concomitant medications such as warfarin\n", "Concomitant", "medications", ["warfarin"]),
])
def test_linker_status_word_of_a_treatment_term_places_what_it_names(analyzer: Analyzer, text: str, status: str,
                                                                     treatment: str, named: list[str]) -> None:
    analysis = analyzer(text)
    ids = {e.id: e.text for e in analysis.entities}
    word = next(e for e in analysis.entities if e.text == status)
    assert word.label == "TEMPORAL"
    head = next(e for e in analysis.entities if e.text == treatment)
    assert head.concept is not None and head.concept.code == "proc:prior-treatment"  # the rest keeps the term's code
    assert {ids[i] for i in word.qualifies} == {treatment, *named}


def test_linker_status_word_past_makes_the_named_treatments_historical(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- No previous treatment with Clopidogrel, Prasugrel or Ticagrelor.\n")
    statuses = {r.evidence: r.status for r in analysis.rules}
    assert statuses == {"Clopidogrel": "history", "Prasugrel": "history", "Ticagrelor": "history"}


def test_linker_status_word_does_not_place_what_a_therapy_is_for(analyzer: Analyzer) -> None:
    """'Previous therapy of psoriasis within the last 4 weeks': the status word and the window are the therapy's."""
    analysis = analyzer("Exclusion Criteria:\n- Previous therapy of psoriasis within the last 4 weeks\n")
    ids = {e.id: e.text for e in analysis.entities}
    word, window = (next(e for e in analysis.entities if e.text == t) for t in ("Previous", "within the last 4 weeks"))
    assert word.label == "TEMPORAL" and [ids[i] for i in word.qualifies] == ["therapy"]
    assert [ids[i] for i in window.qualifies] == ["therapy"]


def test_linker_status_word_inside_an_examination_name_is_not_split(analyzer: Analyzer) -> None:
    """'medical history and physical examination' names an examination: no status word and 'and physical'."""
    entities = _by_text(analyzer, "Inclusion Criteria:\n- Healthy on the basis of medical history and physical "
                                  "examination\n")
    assert "history and physical" in entities and "and physical" not in entities


def test_linker_window_after_examples_dates_their_term(analyzer: Analyzer) -> None:
    text = ("Exclusion Criteria:\n- Antitumor therapy (e.g., chemotherapy, hormonal therapy, radiotherapy), or "
            "investigational agent <=30 days before first dose of study treatment.\n")
    analysis = analyzer(text)
    window = next(e for e in analysis.entities if e.label == "TEMPORAL")
    ids = {e.id: e.text for e in analysis.entities}
    assert {"Antitumor therapy", "chemotherapy", "radiotherapy", "investigational agent"} <= {ids[i] for i in window.qualifies}
    # the term's own rule has the window: therapy years ago does not exclude
    rule = next(r for r in analysis.rules if r.evidence == "Antitumor therapy")
    assert rule.window is not None and rule.window.duration_days == 30


def test_linker_status_word_before_a_term_does_not_enter_its_examples(analyzer: Analyzer) -> None:
    """'History of X (e.g., A, B)': the word is X's; Chia draws no link from it into the examples."""
    analysis = analyzer("Exclusion Criteria:\n- History of ischemic cerebrovascular disorders (e.g., stroke, transient "
                        "ischemic attack)\n")
    word = next(e for e in analysis.entities if e.text == "History")
    ids = {e.id: e.text for e in analysis.entities}
    assert "stroke" not in {ids[i] for i in word.qualifies}
