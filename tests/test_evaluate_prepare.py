"""Training-data preparation of the Chia NER model (models/scripts/prepare.py)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import spacy

from conftest import FIXTURES, REPO
from criteria_nlp.evaluate import read_chia_file


def _load_prepare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chia_prepare", REPO / "models" / "scripts" / "prepare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prepare = _load_prepare()


@pytest.fixture(scope="module")
def blank_nlp() -> Any:
    return spacy.blank("en", config=prepare.TOKENIZER_CONFIG)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("women", "SEX"),
        ("Male", "SEX"),
        ("postmenopausal women", "SEX"),
        ("both sexes", "SEX"),
        ("girls", "SEX"),
        ("age", "AGE"),
        ("aged", "AGE"),
        ("children", "AGE"),
        ("adult", "AGE"),
        ("women of childbearing potential", "SEX"),
        ("men aged 18 to 65", "AGE"),
    ],
)
def test_evaluate_prepare_person_label(text: str, label: str) -> None:
    assert prepare.person_label(text) == label


@pytest.mark.parametrize(
    ("trial_id", "expected"),
    [("NCT00050349", False), ("NCT00000102", False)],
)
def test_evaluate_prepare_validation_is_a_fixed_rule(trial_id: str, expected: bool) -> None:
    assert prepare.is_validation(trial_id) is expected
    assert prepare.is_validation(trial_id) is prepare.is_validation(trial_id)


def test_evaluate_prepare_line_docs_from_fixture(blank_nlp: Any) -> None:
    stats: Counter[str] = Counter()
    docs = prepare.line_docs(blank_nlp, read_chia_file(FIXTURES / "chia" / "NCT00050349_inc.txt"), stats)
    assert len(docs) == 2
    second = {(e.text, e.label_) for e in docs[1].ents}
    # T19/T20 share their extent: kept whole, once (filter_spans)
    assert ("major impairment of renal or hepatic function", "CONDITION") in second
    assert ("total bilirubin", "LAB") in second
    assert ("<1.5 X ULN", "VALUE") in second
    first = {(e.text, e.label_) for e in docs[0].ents}
    # nested Procedure "radiation therapy" loses to the longer Temporal span
    assert ("since the radiation therapy", "TEMPORAL") in first
    assert ("radiation therapy", "PROCEDURE") not in first
    assert stats["discontinuous_full_extent"] == 2
    assert stats["lines"] == 2
    # "biopsy" and "proven" both snap to the token "biopsy-proven"; filter_spans keeps the first of the two equal spans
    assert ("biopsy-proven", "PROCEDURE") in first
    assert stats["snapped_to_tokens"] == 2
    assert stats["dropped_overlapping"] == 3


def _write(folder: Path, text: str, ann: str) -> Path:
    (folder / "NCT00000001_inc.txt").write_text(text, encoding="utf-8", newline="")
    (folder / "NCT00000001_inc.ann").write_text(ann, encoding="utf-8", newline="")
    return folder / "NCT00000001_inc.txt"


def test_evaluate_prepare_discontinuous_that_swallows_uses_first_fragment(tmp_path: Path, blank_nlp: Any) -> None:
    path = _write(
        tmp_path,
        "renal or hepatic failure\n",
        "T1\tCondition 0 5;17 24\trenal failure\nT2\tCondition 9 24\thepatic failure\n",
    )
    stats: Counter[str] = Counter()
    (doc,) = prepare.line_docs(blank_nlp, read_chia_file(path), stats)
    assert [(e.text, e.label_) for e in doc.ents] == [("renal", "CONDITION"), ("hepatic failure", "CONDITION")]
    assert stats["discontinuous_first_fragment"] == 1


def test_evaluate_prepare_snaps_partial_tokens(tmp_path: Path, blank_nlp: Any) -> None:
    path = _write(tmp_path, "Hypertension and asthma\n", "T1\tCondition 0 5\tHyper\nT2\tPerson 17 23\tasthma\n")
    stats: Counter[str] = Counter()
    (doc,) = prepare.line_docs(blank_nlp, read_chia_file(path), stats)
    assert [(e.text, e.label_) for e in doc.ents] == [("Hypertension", "CONDITION"), ("asthma", "AGE")]
    assert stats["snapped_to_tokens"] == 1
