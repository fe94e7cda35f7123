"""Ranking figures of the TREC 2022 evaluation: NDCG@10 and the AUC of eligible over excluded on hand-made
rankings, the BM25 baseline, the rankings on a hand-made folder, the command line's --patients and --rankings,
and (slow, shared) the figures on TREC 2022."""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from criteria_nlp import Analyzer
from criteria_nlp.cli import app
from criteria_nlp.evaluate_trec import auc_counts, bm25_rank, evaluate_trec, ndcg_at, tokenize, write_rankings

from conftest import shared_path  # type: ignore[import-not-found]

TRIAL = """<clinical_study><id_info><nct_id>{nct}</nct_id></id_info><brief_title>{title}</brief_title>
<eligibility><criteria><textblock>
Inclusion Criteria:
  - {inclusion}
Exclusion Criteria:
  - {exclusion}
</textblock></criteria><gender>{gender}</gender><minimum_age>{minimum} Years</minimum_age>
<maximum_age>N/A</maximum_age></eligibility></clinical_study>"""


def _dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


@pytest.mark.parametrize(("labels", "k", "expected"), [
    ([2, 1, 0], 10, 1.0),                                        # already the ideal order
    ([0, 1, 2], 10, _dcg([0, 1, 2]) / _dcg([2, 1, 0])),
    ([0, 0, 2], 10, (2 / 2) / 2),                                # 2 at position 3: 2/log2(4) over 2/log2(2)
    ([1, 2], 1, 1 / 2),                                          # @1: gain 1 of an ideal 2
    ([0] * 10 + [2], 10, 0.0),                                   # the only positive ranked 11th
    ([0, 0, 0], 10, None),                                       # nothing to find: no figure
])
def test_evaluate_trec_ranking_ndcg(labels: list[int], k: int, expected: float | None) -> None:
    value = ndcg_at(labels, k)
    assert value == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(("labels", "ties", "wins", "pairs"), [
    ([2, 1], None, 1.0, 1),
    ([1, 2], None, 0.0, 1),
    ([2, 0, 1, 2, 1], None, 3.0, 4),                             # first 2 beats both 1s; second 2 beats the last 1
    ([2, 1, 1], ["a", "a", "b"], 1.5, 2),                        # a tie counts one half
    ([0, 2, 0], None, 0.0, 0),                                   # no excluded trial: no pair
])
def test_evaluate_trec_ranking_auc(labels: list[int], ties: list[Hashable] | None, wins: float, pairs: int) -> None:
    assert auc_counts(labels, ties) == (wins, pairs)


def test_evaluate_trec_ranking_bm25_orders_by_shared_words() -> None:
    documents = {"A": "Patients with asthma and wheezing", "B": "Women with osteoporosis", "C": "Adults with asthma"}
    ranked = bm25_rank("A 30-year-old woman with asthma and wheezing", documents)
    assert [i for i, _ in ranked] == ["A", "C", "B"]
    assert ranked[-1][1] == 0.0 and ranked[0][1] > ranked[1][1] > 0
    assert bm25_rank("nothing in common", documents) == [("A", 0.0), ("B", 0.0), ("C", 0.0)]   # ties by id
    assert tokenize("The Patient, a 3-year-old, is IN the ER") == ["patient", "year", "old", "er"]


@pytest.fixture()
def ranking_dir(tmp_path: Path) -> Path:
    """Three trials, two topics: t1 (an asthmatic man) has one eligible, one excluded and one not relevant trial."""
    root = tmp_path / "trec"
    (root / "trials").mkdir(parents=True)
    trials = {
        "NCT00000011": dict(title="Asthma inhaler", inclusion="Asthma with wheezing", exclusion="Smoking", gender="All",
                            minimum=18),
        "NCT00000012": dict(title="Asthma in women", inclusion="Women with asthma", exclusion="Pregnancy",
                            gender="Female", minimum=18),
        "NCT00000013": dict(title="Osteoporosis", inclusion="Osteoporosis of the hip", exclusion="Fracture",
                            gender="All", minimum=50),
    }
    for nct, fields in trials.items():
        (root / "trials" / f"{nct}.xml").write_text(TRIAL.format(nct=nct, **fields), encoding="utf-8")
    topics = [{"_id": "t1", "text": "A 40-year-old man with asthma and wheezing."},
              {"_id": "t2", "text": "A 70-year-old woman with osteoporosis of the hip."}]
    (root / "topics.jsonl").write_text("".join(json.dumps(t) + "\n" for t in topics), encoding="utf-8")
    (root / "qrels.tsv").write_text(
        "topic\tnct_id\tlabel\n"
        "t1\tNCT00000011\t2\n"
        "t1\tNCT00000012\t1\n"     # a trial for women
        "t1\tNCT00000013\t0\n"
        "t2\tNCT00000013\t2\n"
        "t2\tNCT00000011\t0\n",
        encoding="utf-8")
    return root


def test_evaluate_trec_ranking_ranks_every_judged_trial(ranking_dir: Path, analyzer: Analyzer, tmp_path: Path) -> None:
    report = evaluate_trec(ranking_dir, analyzer)
    assert (report.ranked_pairs, report.topics_ranked, report.trials_ranked, report.auc_pairs) == (5, 2, 3, 1)
    assert report.pairs == 3 and report.counts["excluded"] == {"ineligible": 1}
    t1, t2 = report.per_topic
    assert t1.trials[0].nct_id == "NCT00000011"                      # the others are ineligible for a man of 40
    (women,) = [t for t in t1.trials if t.nct_id == "NCT00000012"]
    assert women.verdict == "ineligible" and "sex" in women.not_met_categories
    assert t1.auc_wins == 1.0 and report.auc_eligible_over_excluded == 1.0
    assert [t.bm25_rank for t in sorted(t2.trials, key=lambda t: t.nct_id)] == [2, 1]
    assert report.bm25_ndcg_at_10 == pytest.approx((t1.bm25_ndcg_at_10 + 1.0) / 2)
    assert report.ndcg_at_10 == pytest.approx(((t1.ndcg_at_10 or 0) + (t2.ndcg_at_10 or 0)) / 2)
    data = report.to_dict()
    assert data["per_topic"][0]["topic"] == "t1" and "trials" not in data["per_topic"][0]
    assert {"ndcg_at_10", "auc_eligible_over_excluded", "bm25_ndcg_at_10", "bm25_auc"} <= set(data)
    out = tmp_path / "rankings.jsonl"
    assert write_rankings(report, out) == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [len(r["trials"]) for r in rows] == [3, 2]
    assert set(rows[0]["trials"][0]) >= {"rank", "nct_id", "label", "verdict", "not_met", "met", "unknown",
                                         "bm25_rank", "bm25_score"}


def test_evaluate_trec_ranking_patients_function(ranking_dir: Path, analyzer: Analyzer) -> None:
    """Whatever ``patients`` makes of a note is what is matched: here a woman for every topic."""
    report = evaluate_trec(ranking_dir, analyzer, patients=lambda topic, text: {"id": topic, "sex": "female"},
                           name="all-women")
    assert report.patients == "all-women" and report.counts["excluded"] == {"indeterminate": 1}
    assert "all-women" in report.to_markdown()


def test_evaluate_trec_ranking_cli(ranking_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "rankings.jsonl"
    result = CliRunner().invoke(app, ["evaluate", "--trec", str(ranking_dir), "--markdown", "--patients", "age-sex",
                                      "--rankings", str(out), "-o", str(tmp_path / "report.json")])
    assert result.exit_code == 0, result.output
    assert "| system | NDCG@10 | AUC eligible>excluded |" in result.stdout
    assert "| criteria_nlp (age-sex) |" in result.stdout and "| BM25 |" in result.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["trec"]["auc_eligible_over_excluded"] == 1.0 and len(data["trec"]["per_topic"]) == 2


def test_evaluate_trec_ranking_cli_patients_option(ranking_dir: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--trec", str(ranking_dir), "--patients", "everything"])
    assert result.exit_code == 2 and "--patients" in result.output and "Traceback" not in result.output
    try:
        import criteria_nlp.notes  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        result = CliRunner().invoke(app, ["evaluate", "--trec", str(ranking_dir), "--patients", "note"])
        assert result.exit_code == 1 and "C001" in result.output and "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.shared
def test_evaluate_trec_ranking_2022(analyzer: Analyzer) -> None:
    """TREC 2022 with age-and-sex-only patients (issue 24's starting point): every topic ranked, BM25 ahead."""
    report = evaluate_trec(shared_path("data", "trec2022"), analyzer)
    assert report.topics_ranked >= 35 and report.ranked_pairs >= 2000 and report.auc_pairs >= 70
    assert 0.0 < report.ndcg_at_10 < report.bm25_ndcg_at_10
    assert report.auc_eligible_over_excluded >= 0.6
