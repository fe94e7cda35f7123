"""Notebook views: TrialAnalysis._repr_html_ and frame()."""

from __future__ import annotations

import pytest

from criteria_nlp import Analyzer, read_trial

from conftest import FIXTURES  # type: ignore[import-not-found]


@pytest.fixture(scope="module")
def analysis(analyzer: Analyzer):  # type: ignore[no-untyped-def]
    return analyzer(read_trial(FIXTURES / "seeds" / "002_af3d16ab93fc7196.txt"))


def test_display_html_shows_criteria_and_entities(analysis) -> None:  # type: ignore[no-untyped-def]
    page = analysis._repr_html_()
    assert "NCT03219801" in page and "Inclusion criteria" in page and "Exclusion criteria" in page
    assert "no CONDITION" in page  # "No serious infection or acute hemorrhage"
    assert "LVEF" in page


@pytest.mark.parametrize("section,column", [("criteria", "kind"), ("entities", "concept_code"), ("rules", "polarity"),
                                            ("issues", "code")])
def test_display_frame_flattens_sections(analysis, section: str, column: str) -> None:  # type: ignore[no-untyped-def]
    frame = analysis.frame(section)
    assert len(frame) == len(getattr(analysis, section))
    assert {"trial_id", column} <= set(frame.columns)
