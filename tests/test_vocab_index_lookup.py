"""The open-vocabulary coder's index (criteria_nlp.vocab_index): approximate look-up that survives word order,
plurals and misspellings, the score threshold, generic heads, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from criteria_nlp import vocab_index as vi
from criteria_nlp.vocab_index import Entry, VocabularyIndex, normalize_text

ICD = "ICD-10-CM"


def _entries() -> list[Entry]:
    rows = [
        ("Chronic kidney disease, unspecified", "N18.9", "description"),
        ("Chronic renal insufficiency", "N18.9", "inclusion"),
        ("Chronic kidney disease, stage 3b", "N18.32", "description"),
        ("Unspecified kidney failure", "N19", "description"),
        ("Renal insufficiency NOS", "N19", "inclusion"),
        ("Type 2 diabetes mellitus", "E11", "description"),
        ("Type 1 diabetes mellitus", "E10", "description"),
        ("Acute myocardial infarction, unspecified", "I21.9", "description"),
        ("Unspecified cirrhosis of liver", "K74.60", "description"),
        ("Essential (primary) hypertension", "I10", "description"),
        ("Asthma", "J45.909", "description"),
    ]
    return [Entry(text, ICD, code, text, kind) for text, code, kind in rows]


@pytest.fixture(scope="module")
def index() -> VocabularyIndex:
    generic = {"diabetes": Entry("diabetes", ICD, "E08-E13", "Diabetes mellitus", "generic", True)}
    return VocabularyIndex(_entries(), name="test", generic=generic, threshold=0.7)


def test_normalisation_sorts_words_and_drops_plurals_and_noise() -> None:
    assert normalize_text("Renal insufficiency, chronic") == "chronic insufficiency renal"
    assert normalize_text("Myocardial Infarctions") == normalize_text("myocardial infarction")
    assert normalize_text("Chronic kidney disease, unspecified") == normalize_text("chronic kidney disease")
    assert normalize_text("Renal insufficiency, chronic", sort_words=False) == "renal insufficiency chronic"


def test_word_order_does_not_count(index: VocabularyIndex) -> None:
    best = index.lookup("renal insufficiency, chronic", k=3)[0]
    assert (best.code, best.entry_text, best.kind) == ("N18.9", "Chronic renal insufficiency", "inclusion")
    assert best.score == pytest.approx(1.0)


def test_plurals_and_modifiers(index: VocabularyIndex) -> None:
    assert index.lookup("myocardial infarctions")[0].code == "I21.9"
    assert index.lookup("chronic kidney disease stage 3b")[0].code == "N18.32"
    found = index.code("decompensated liver cirrhosis", threshold=0.4)
    assert found is not None and found.code == "K74.60"


def test_a_misspelling_still_finds_the_code(index: VocabularyIndex) -> None:
    best = index.lookup("diabetis mellitus type 2")[0]
    assert best.code == "E11"
    assert 0.7 <= best.score < 1.0


def test_each_code_once_best_first(index: VocabularyIndex) -> None:
    found = index.lookup("chronic kidney disease", k=5)
    codes = [m.code for m in found]
    assert codes[0] == "N18.9" and len(codes) == len(set(codes))
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_threshold_makes_a_far_match_no_code(index: VocabularyIndex) -> None:
    assert index.lookup("kidney stone")  # something is near ...
    assert index.code("kidney stone") is None  # ... but under the threshold it is no code
    assert index.code("kidney stone", threshold=0.0) is not None
    assert index.lookup("xyzzy") == []  # no shared n-gram: nothing at all
    assert index.code("asthmas") is not None


def test_a_generic_head_gets_its_range(index: VocabularyIndex) -> None:
    best = index.code("Diabetes")
    assert best is not None and (best.code, best.kind, best.score) == ("E08-E13", "generic", 1.0)
    # a specifier makes it a code, not the range
    typed = index.code("type 2 diabetes")
    assert typed is not None and typed.code == "E11"


def test_a_curated_entry_wins_a_tie() -> None:
    entries = [
        Entry("renal failure", ICD, "N17.9", "Acute kidney failure, unspecified", "inclusion"),
        Entry("renal failure", ICD, "N19", "Unspecified kidney failure", "lexicon", curated=True),
    ]
    best = VocabularyIndex(entries).lookup("renal failure", k=2)
    assert [m.code for m in best] == ["N19", "N17.9"]


def test_batch_equals_single(index: VocabularyIndex) -> None:
    texts = ["renal insufficiency, chronic", "diabetes", "asthmas", "nothing like it"]
    assert index.lookup_many(texts, k=3) == [index.lookup(t, k=3) for t in texts]


def test_save_load_round_trip(index: VocabularyIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "idx")
    loaded = VocabularyIndex.load(tmp_path / "idx")
    assert len(loaded) == len(index) and loaded.threshold == index.threshold
    for text in ("renal insufficiency, chronic", "diabetes", "diabetis mellitus type 2"):
        assert loaded.lookup(text, k=3) == index.lookup(text, k=3)


def test_the_small_indexes_are_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITERIA_NLP_CACHE", str(tmp_path))
    built = vi._cached("lab")
    folders = list((tmp_path / "vocab_index").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("lab-")
    again = vi._cached("lab")
    assert len(again) == len(built)
    best = again.code("serum creatinine level")
    assert best is not None and best.code == "2160-0"


@pytest.mark.slow
def test_the_icd10cm_index() -> None:
    index = vi.build_condition_index()
    assert len(index) > 60000
    expect = {
        "renal insufficiency, chronic": "N18.9",
        "chronic kidney disease stage 3b": "N18.32",
        "decompensated liver cirrhosis": "K74.60",
        "diabetes": "E08-E13",
        "heart disease": "I51.9",
        "congestive heart failures": "I50.9",
    }
    for text, code in expect.items():
        found = index.code(text)
        assert found is not None and found.code == code, (text, found)
    assert index.code("broken promises to the sponsor") is None
