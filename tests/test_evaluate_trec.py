"""Verdicts against TREC Clinical Trials 2022 judgments: the reader of age and sex in a note, the benchmark on a
hand-made folder, the command line, and (slow, shared) the figures of the README. The ranking figures (NDCG@10,
AUC, BM25) are in test_evaluate_trec_ranking.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from criteria_nlp import Analyzer
from criteria_nlp.cli import app
from criteria_nlp.evaluate_trec import TrecError, evaluate_trec, note_age_sex, write_false_exclusions

from conftest import shared_path  # type: ignore[import-not-found]

TRIAL = """<clinical_study><id_info><nct_id>{nct}</nct_id></id_info><brief_title>T</brief_title>
<eligibility><criteria><textblock>
Inclusion Criteria:
  - {inclusion}
Exclusion Criteria:
  - Pregnancy
</textblock></criteria><gender>{gender}</gender><minimum_age>{minimum} Years</minimum_age>
<maximum_age>N/A</maximum_age></eligibility></clinical_study>"""


@pytest.mark.parametrize(("text", "age", "sex"), [
    ("A 58-year-old woman with hypertension presents with chest pain. She denies smoking.", 58.0, "female"),
    ("A 60-year-old man comes to the clinic ... Family history is significant for tremor in his mother.", 60.0, "male"),
    ("A 6-month-old boy is brought by his mother.", 0.5, "male"),
    ("The patient is a 3 yo girl.", 3.0, "female"),
    ("Patient aged 45 presents with fever.", 45.0, None),
])
def test_evaluate_trec_note_age_sex(text: str, age: float, sex: str | None) -> None:
    assert note_age_sex(text) == (age, sex)


@pytest.fixture()
def trec_dir(tmp_path: Path) -> Path:
    (tmp_path / "trials").mkdir()
    trials = {
        "NCT00000001": dict(inclusion="Fertile patients must use effective contraception", gender="All", minimum=18),
        "NCT00000002": dict(inclusion="Age 18 to 40 years", gender="All", minimum=18),
        "NCT00000003": dict(inclusion="Women with osteoporosis", gender="Female", minimum=50),
    }
    for nct, fields in trials.items():
        (tmp_path / "trials" / f"{nct}.xml").write_text(TRIAL.format(nct=nct, **fields), encoding="utf-8")
    topics = [{"_id": "t1", "text": "A 61-year-old man with chest pain."},
              {"_id": "t2", "text": "A 55-year-old woman with back pain."}]
    (tmp_path / "topics.jsonl").write_text("".join(json.dumps(t) + "\n" for t in topics), encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text(
        "topic\tnct_id\tlabel\n"
        "t1\tNCT00000001\t2\n"   # judged eligible: a man is not bound by "fertile patients must ..."
        "t1\tNCT00000002\t2\n"   # judged eligible, but the trial takes 18 to 40: a false exclusion
        "t1\tNCT00000003\t1\n"   # judged excluded: a man in a trial for women
        "t2\tNCT00000003\t2\n"
        "t2\tNCT00009999\t2\n"   # the trial's record is missing
        "t2\tNCT00000002\t0\n",  # not relevant: not scored
        encoding="utf-8")
    return tmp_path


def test_evaluate_trec_reports_verdicts_by_judgment(trec_dir: Path, analyzer: Analyzer, tmp_path: Path) -> None:
    report = evaluate_trec(trec_dir, analyzer)
    assert report.pairs == 4 and report.missing_trials == 1
    assert report.counts["eligible"] == {"indeterminate": 2, "ineligible": 1}
    assert report.counts["excluded"] == {"ineligible": 1}
    assert report.false_exclusion_rate == pytest.approx(1 / 3) and report.exclusion_catch_rate == 1.0
    out = tmp_path / "false_exclusions.jsonl"
    assert write_false_exclusions(report, out) == 1
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (row["topic"], row["nct_id"], row["age"], row["sex"]) == ("t1", "NCT00000002", 61.0, "male")
    assert {r["category"] for r in row["not_met"]} == {"age"}
    assert "| eligible | 3 |" in report.to_markdown()


def test_evaluate_trec_refuses_a_bad_folder(tmp_path: Path, analyzer: Analyzer) -> None:
    with pytest.raises(TrecError) as info:
        evaluate_trec(tmp_path / "missing", analyzer)
    assert info.value.code == "E010"
    (tmp_path / "topics.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(TrecError) as info:
        evaluate_trec(tmp_path, analyzer)
    assert info.value.code == "E010" and "line 1" in str(info.value)


def test_evaluate_trec_cli(trec_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "fe.jsonl"
    result = CliRunner().invoke(app, ["evaluate", "--trec", str(trec_dir), "--markdown", "--false-exclusions", str(out),
                                      "-o", str(tmp_path / "report.json")])
    assert result.exit_code == 0, result.output
    assert "P(ineligible | eligible) = 0.333" in result.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["trec"]["false_exclusion_rate"] == pytest.approx(1 / 3)


def test_evaluate_trec_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate"])
    assert result.exit_code == 2 and "--chia DIR, --trec DIR" in result.output
    result = runner.invoke(app, ["evaluate", "--trec", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "R008" in result.output and "Traceback" not in result.output
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--trec", str(tmp_path / "file")])
    assert result.exit_code == 1 and "E010" in result.output and "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.shared
def test_evaluate_trec_2022_false_exclusions(analyzer: Analyzer) -> None:
    """README figures: age-and-sex-only patients rarely come out ineligible for trials judged eligible, and most
    of what the judges excluded on age or sex is still caught."""
    report = evaluate_trec(shared_path("data", "trec2022"), analyzer)
    assert report.pairs >= 130
    assert report.false_exclusion_rate <= 0.03
    assert report.exclusion_catch_rate >= 0.35
