"""The five lupus seed records: criteria counted, numbered, nested and kept once.

The expected criteria of every seed are in tests/fixtures/golden/seed_criteria.jsonl
(checked by eye against the pages); the counts are stated here as well.
"""

from __future__ import annotations

import json

import pytest

from criteria_nlp import Analyzer, read_trial

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

GOLDEN = {
    row["file"]: row
    for row in map(json.loads, (FIXTURES / "golden" / "seed_criteria.jsonl").read_text(encoding="utf-8").splitlines())
}

#: file -> (id, inclusion criteria, exclusion criteria, numbers as written)
SEEDS = {
    "000_c180e44e06a1421d.txt": ("NCT05921058", 1, 1, [None, None]),
    "001_02baf3a22c3ac0c0.txt": ("NCT04184258", 5, 6, [None] * 11),
    "002_af3d16ab93fc7196.txt": ("NCT03219801", 7, 7, [str(i) for i in range(1, 8)] + [None] + [str(i) for i in range(1, 8)]),
    "003_70eb4ea3a255781a.txt": ("IR.KUMS.REC.1400.198", 5, 10, [None] * 15),
    "004_77ce44c2c4d8f4a7.txt": ("NCT00659217", 3, 6, ["2", "3", "4", "2", "3", "4", "5", "6", "7"]),
}


@pytest.fixture(scope="module")
def seed_analyses(analyzer: Analyzer) -> dict[str, object]:
    return {name: analyzer(read_trial(FIXTURES / "seeds" / name)) for name in SEEDS}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_segment_seed_counts_and_numbers(seed_analyses: dict, name: str) -> None:
    trial_id, n_inc, n_exc, numbers = SEEDS[name]
    analysis = seed_analyses[name]
    assert analysis.trial.id == trial_id
    assert len(analysis.criteria_of("inclusion")) == n_inc
    assert len(analysis.criteria_of("exclusion")) == n_exc
    assert [c.number for c in analysis.criteria] == numbers
    for c in analysis.criteria:
        assert analysis.trial.eligibility_text[c.start:c.end] == c.text


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_segment_seed_matches_golden(seed_analyses: dict, name: str) -> None:
    analysis = seed_analyses[name]
    got = [[c.id, c.kind, c.role, c.number, c.parent, c.text] for c in analysis.criteria]
    assert got == GOLDEN[name]["criteria"]
    assert [[d.duplicate_of, d.text] for d in analysis.duplicates] == GOLDEN[name]["duplicates"]


def test_segment_seed_irct_reads_each_criterion_once(seed_analyses: dict) -> None:
    analysis = seed_analyses["003_70eb4ea3a255781a.txt"]
    texts = [c.text.casefold() for c in analysis.criteria]
    assert len(texts) == len(set(texts))
    # "Informed consent" is only in the inline summary, "Depression" only in the detailed list
    assert {"informed consent", "depression"} <= set(texts)
    assert len(analysis.duplicates) == 8


def test_segment_seed_lead_in_is_parent(seed_analyses: dict) -> None:
    analysis = seed_analyses["002_af3d16ab93fc7196.txt"]
    lead = analysis.criteria[7]
    assert lead.role == "lead_in" and lead.text.startswith("Patients with SLE have to be disqualified")
    assert all(c.parent == lead.id for c in analysis.criteria_of("exclusion"))


def test_segment_seed_boilerplate_is_not_a_criterion(seed_analyses: dict) -> None:
    for analysis in seed_analyses.values():
        for c in analysis.criteria:
            assert "participation requirements" not in c.text
            assert "Eligible Age" not in c.text
