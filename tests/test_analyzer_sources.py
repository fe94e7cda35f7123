"""What ``analyze()`` and an ``Analyzer`` take: criteria text as a ``str``, a record's file as a ``pathlib.Path``."""

from __future__ import annotations

from pathlib import Path

import pytest

from criteria_nlp import Analyzer
from criteria_nlp.analyzer import as_trial
from criteria_nlp.errors import AnalysisError, ReadError
from criteria_nlp.read import read_trial

SEED = Path(__file__).resolve().parent / "fixtures" / "seeds" / "002_af3d16ab93fc7196.txt"


def test_analyzer_sources_str_is_criteria_text() -> None:
    trial = as_trial("nope_dir")  # a str is text, even one that looks like a path
    assert (trial.format, trial.eligibility_text) == ("plain-text", "nope_dir")


def test_analyzer_sources_path_reads_the_file(analyzer: Analyzer) -> None:
    assert as_trial(SEED) == read_trial(SEED)
    analysis = analyzer(SEED)
    assert analysis.trial.id == "NCT03219801" and analysis.trial.source == str(SEED)
    assert analysis.to_dict() == analyzer(read_trial(SEED)).to_dict()


def test_analyzer_sources_missing_path_is_r008(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as info:
        as_trial(tmp_path / "nope_dir")
    assert info.value.code == "R008" and str(tmp_path / "nope_dir") in str(info.value)


def test_analyzer_sources_other_objects_are_a001() -> None:
    with pytest.raises(AnalysisError) as info:
        as_trial(42)  # type: ignore[arg-type]
    assert info.value.code == "A001" and "pathlib.Path" in str(info.value)
