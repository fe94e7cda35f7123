"""criteria-nlp match, through typer's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from criteria_nlp.cli import app

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PATIENTS = FIXTURES / "patients"
ANALYSES = PATIENTS / "analyses"
runner = CliRunner()


def analyses_jsonl(tmp_path: Path, *trial_ids: str) -> Path:
    """The analyses of some seeds as `criteria-nlp read` writes them (JSON Lines)."""
    out = tmp_path / "trials.jsonl"
    lines = [json.dumps(json.loads((ANALYSES / f"{t}.json").read_text(encoding="utf-8"))) for t in trial_ids]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_cli_match_json_ranks_trials(tmp_path: Path) -> None:
    source = analyses_jsonl(tmp_path, "NCT00659217", "NCT04184258", "NCT05921058")
    result = runner.invoke(app, ["match", "--patient", str(PATIENTS / "lupus_candidate.json"), str(source), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    # both eligible (the one with more rules met first), then NCT00659217 (no cyclophosphamide, no renal biopsy)
    assert [(r["trial_id"], r["verdict"]) for r in rows] == [
        ("NCT04184258", "eligible"), ("NCT05921058", "eligible"), ("NCT00659217", "ineligible")]
    assert all(r["patient_id"] == "lupus-candidate" and isinstance(r["rules"], list) for r in rows)


def test_cli_match_table_shows_verdict_and_deciding_rules(tmp_path: Path) -> None:
    source = analyses_jsonl(tmp_path, "NCT04184258")
    result = runner.invoke(app, ["match", "-p", str(PATIENTS / "dialysis_bundle.json"), str(source)])
    assert result.exit_code == 0, result.output
    assert "NCT04184258" in result.output and "ineligible" in result.output
    assert "need for dialysis" in result.output and "not_met" in result.output
    assert "1 trial(s) matched, 0 failed" in result.output


def test_cli_match_all_rules(tmp_path: Path) -> None:
    source = ANALYSES / "NCT05921058.json"  # a single analysis as JSON
    result = runner.invoke(app, ["match", "-p", str(PATIENTS / "lupus_candidate.json"), str(source), "--all"])
    assert result.exit_code == 0, result.output
    assert "eligible" in result.output and "Minimum age" in result.output and "Pregnancy" in result.output


def test_cli_match_missing_patient_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["match", "-p", str(tmp_path / "nobody.json"), str(ANALYSES / "NCT05921058.json")])
    assert result.exit_code == 2
    assert "P004" in result.output and "nobody.json" in result.output


def test_cli_match_bad_source_is_reported_and_others_kept(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"trial": ', encoding="utf-8")
    result = runner.invoke(app, ["match", "-p", str(PATIENTS / "lupus_candidate.json"), str(ANALYSES / "NCT05921058.json"),
                                 str(tmp_path / "broken.json"), "--json"])
    assert result.exit_code == 1
    assert "R003" in result.output and "broken.json" in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["trial_id"] for r in rows] == ["NCT05921058"]


@pytest.mark.slow
def test_cli_match_reads_and_analyses_trial_records() -> None:
    # runs the pipeline on the seed record (model load: several seconds)
    seed = FIXTURES / "seeds" / "001_02baf3a22c3ac0c0.txt"
    result = runner.invoke(app, ["match", "-p", str(PATIENTS / "dialysis_bundle.json"), str(seed), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["trial_id"] == "NCT04184258" and row["verdict"] == "ineligible"
    dialysis = [r for r in row["rules"] if r["evidence"] and "dialysis" in r["evidence"]]
    assert dialysis and dialysis[0]["result"] == "not_met"


def test_cli_match_result_on_stdout_unwrapped(tmp_path: Path) -> None:
    source = analyses_jsonl(tmp_path, "NCT04184258", "NCT03219801")
    result = runner.invoke(app, ["match", "-p", str(PATIENTS / "lupus_candidate.json"), str(source)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["2 trial(s) matched, 0 failed"]
    line = next(line for line in result.stdout.splitlines() if "r12" in line)
    assert "requirement not met" in line and "x ULN (> 2 x ULN)" in line  # the whole reason on the rule's line


@pytest.mark.parametrize("show_all", [False, True])
def test_cli_match_names_the_rules_for_manual_review(show_all: bool) -> None:
    args = ["match", "-p", str(PATIENTS / "lupus_candidate.json"), str(ANALYSES / "NCT03219801.json")]
    (data,) = [json.loads(line) for line in runner.invoke(app, [*args, "--json"]).stdout.splitlines()]
    review = data["manual_review"]
    assert len(review) == 6
    result = runner.invoke(app, args + (["--all"] if show_all else []))
    assert result.exit_code == 0, result.output
    assert "6 rule(s) of NCT03219801 need manual review" in result.stdout
    lines = result.stdout.splitlines()
    for item in review:
        (line,) = [line for line in lines if line.strip("│ ").startswith(item["rule"] + " ") and item["reason"] in line]
        assert item["text"][:40] in line and (item["criterion"] or "") in line


@pytest.fixture
def session_analyzer(monkeypatch: pytest.MonkeyPatch, analyzer: Any) -> None:
    monkeypatch.setattr("criteria_nlp.analyzer.Analyzer", lambda *args, **kwargs: analyzer)


@pytest.mark.usefixtures("session_analyzer")
def test_cli_match_says_when_the_verdict_rests_on_a_criterion_lint_flagged() -> None:
    """NCT03219801 requires creatinine "more than twice the upper limit of normal" (lint L006): the patient fails that rule."""
    seeds = [str(FIXTURES / "seeds" / "002_af3d16ab93fc7196.txt"), str(FIXTURES / "seeds" / "001_02baf3a22c3ac0c0.txt")]
    args = ["match", "-p", str(PATIENTS / "lupus_candidate.json"), *seeds]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    (heading,) = [line for line in lines if line.startswith("NCT03219801: ineligible")]
    assert "(rests on criterion c5, which lint flagged: L006)" in heading
    assert any("L006 c5: inclusion criterion 5 requires serum creatinine > 2 x ULN" in line for line in lines)
    (other,) = [line for line in lines if line.startswith("NCT04184258: eligible")]
    assert "lint" not in other
    rows = {json.loads(line)["trial_id"]: json.loads(line) for line in runner.invoke(app, [*args, "--json"]).stdout.splitlines()}
    assert {(i["code"], i["criterion"]) for i in rows["NCT03219801"]["lint"]} == {("L006", "c5")}
    assert rows["NCT04184258"]["lint"] == []
    table = runner.invoke(app, [*args, "--format", "csv"]).stdout
    deciding = [r for r in csv.DictReader(io.StringIO(table)) if r["decides"] == "true"]
    assert [(r["trial"], r["criterion"], r["result"], r["lint"]) for r in deciding] == [("NCT03219801", "c5", "not_met", "L006")]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "markdown"])
def test_cli_match_row_formats_list_every_rule(tmp_path: Path, fmt: str) -> None:
    result = runner.invoke(app, ["match", "-p", str(PATIENTS / "lupus_candidate.json"), str(ANALYSES / "NCT03219801.json"), "--format", fmt])
    assert result.exit_code == 0, result.output
    analysis = json.loads((ANALYSES / "NCT03219801.json").read_text(encoding="utf-8"))
    lines = result.stdout.splitlines()
    assert len(lines) == len(analysis["rules"]) + (2 if fmt == "markdown" else 1)
    assert "trial" in lines[0] and "decides" in lines[0] and "lint" in lines[0]


@pytest.mark.usefixtures("session_analyzer")
def test_cli_match_repeated_criteria_cast_no_doubt_on_a_verdict() -> None:
    """IR.KUMS.REC.1400.198 lists its criteria twice (lint L012): that says nothing about the verdict resting on them."""
    seed = str(FIXTURES / "seeds" / "003_70eb4ea3a255781a.txt")
    result = runner.invoke(app, ["match", "-p", str(PATIENTS / "lupus_candidate.json"), seed, "--json"])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["trial_id"] == "IR.KUMS.REC.1400.198" and row["decided_by"]
    assert row["lint"] == []


NOTE = ("A 35-year-old woman with systemic lupus erythematosus and lupus nephritis. She denies diabetes and does not "
        "smoke. She takes hydroxychloroquine. Creatinine is 1.2 mg/dL.")


def test_cli_match_patient_text_file_reads_an_open_world_patient(tmp_path: Path) -> None:
    note = tmp_path / "maria.txt"
    note.write_text(NOTE, encoding="utf-8")
    source = analyses_jsonl(tmp_path, "NCT00659217", "NCT04184258")
    result = runner.invoke(app, ["match", "--patient-text", str(note), str(source), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["patient_id"] for r in rows} == {"maria"}
    reasons = [rule["reason"] for r in rows for rule in r["rules"]]
    assert any("does not mention" in reason for reason in reasons)  # open world: unmentioned is unknown


def test_cli_match_patient_text_from_stdin(tmp_path: Path) -> None:
    source = analyses_jsonl(tmp_path, "NCT04184258")
    result = runner.invoke(app, ["match", "--patient-text", "-", str(source), "--format", "csv"], input=NOTE)
    assert result.exit_code == 0, result.output
    assert next(csv.DictReader(io.StringIO(result.stdout)))["trial"] == "NCT04184258"


@pytest.mark.parametrize("args,code,exit_code", [
    (["--patient-text", "missing-note.txt"], "P004", 2),
    ([], "C004", 2),
    (["--patient", str(PATIENTS / "lupus_candidate.json"), "--patient-text", "-"], "C004", 2),
])
def test_cli_match_patient_text_errors_are_one_coded_line(tmp_path: Path, args: list[str], code: str,
                                                          exit_code: int) -> None:
    source = analyses_jsonl(tmp_path, "NCT04184258")
    result = runner.invoke(app, ["match", *args, str(source)])
    assert result.exit_code == exit_code
    assert f"[{code}]" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("content,code", [(b"\x80\x81\xfe junk \xff", "P005"), (b"", "P001"), (b"  \n", "P001")])
def test_cli_match_patient_text_bad_note(tmp_path: Path, content: bytes, code: str) -> None:
    note = tmp_path / "bad.txt"
    note.write_bytes(content)
    result = runner.invoke(app, ["match", "--patient-text", str(note), str(analyses_jsonl(tmp_path, "NCT04184258"))])
    assert result.exit_code == 1 and f"[{code}]" in result.output and "Traceback" not in result.output
    assert str(note) in result.output and result.stdout == ""
