"""criteria_nlp.load(): the named pipelines ("default" with the trained NER, "fast" rules only) and saved ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

import criteria_nlp
from criteria_nlp.errors import ResourceError
from criteria_nlp.pipeline import PIPELINE

TEXT = (
    "Inclusion Criteria:\n1. Age 18-65 years\n2. SLEDAI-2K >= 6\n"
    "Exclusion Criteria:\n1. No prior dialysis\n2. Pregnancy or lactation\n3. eGFR < 30 mL/min/1.73 m2 within the past 6 months"
)


@pytest.fixture(scope="module")
def default_nlp() -> spacy.language.Language:
    return criteria_nlp.load("default")


def test_pipeline_load_default_has_trained_ner_before_tagger(default_nlp: spacy.language.Language) -> None:
    names = default_nlp.pipe_names
    assert names.index("criteria_segmenter") < names.index("ner") < names.index("criteria_tagger")
    assert [n for n in names if n not in ("tok2vec", "ner")] == list(PIPELINE)
    assert criteria_nlp.load.__defaults__ == ("default",)  # load() with no name gives the trained pipeline


def test_pipeline_load_fast_is_rules_only(nlp: spacy.language.Language) -> None:
    assert nlp.pipe_names == list(PIPELINE)


@pytest.mark.parametrize("name", ["no-such-pipeline", "models/not/here"])
def test_pipeline_load_unknown_name_is_a_coded_error(name: str) -> None:
    with pytest.raises(ResourceError) as caught:
        criteria_nlp.load(name)
    assert caught.value.code == "X003" and name in str(caught.value) and "'fast'" in str(caught.value)


def test_pipeline_load_both_pipelines_give_the_same_schema(default_nlp: spacy.language.Language, nlp: spacy.language.Language) -> None:
    fast = criteria_nlp.Analyzer(nlp)(TEXT).to_dict()
    full = criteria_nlp.Analyzer(default_nlp)(TEXT).to_dict()
    assert fast.keys() == full.keys()
    for section in ("criteria", "entities", "rules"):
        assert fast[section] and full[section]
        assert {frozenset(item) for item in fast[section]} == {frozenset(item) for item in full[section]}
    assert [c["text"] for c in fast["criteria"]] == [c["text"] for c in full["criteria"]]


def test_pipeline_load_saved_default_pipeline_round_trips(default_nlp: spacy.language.Language, tmp_path: Path) -> None:
    default_nlp.to_disk(tmp_path / "pipeline")
    config = (tmp_path / "pipeline" / "config.cfg").read_text(encoding="utf-8")
    for name in [*PIPELINE, "tok2vec", "ner"]:
        assert f"[components.{name}]" in config
    assert "criteria_nlp.tokenizer.v1" in config
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == default_nlp.pipe_names
    again = criteria_nlp.load(tmp_path / "pipeline")
    before = criteria_nlp.Analyzer(default_nlp)(TEXT).to_dict()["entities"]
    for reloaded in (loaded, again):
        after = criteria_nlp.Analyzer(reloaded)(TEXT).to_dict()["entities"]
        assert after == before
