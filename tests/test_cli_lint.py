"""criteria-nlp lint, through typer's CliRunner (the session's analyzer stands in for a fresh one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from criteria_nlp import Analyzer
from criteria_nlp.cli import app

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
runner = CliRunner()


@pytest.fixture(autouse=True)
def reuse_analyzer(monkeypatch: pytest.MonkeyPatch, analyzer: Analyzer) -> None:
    monkeypatch.setattr("criteria_nlp.analyzer.Analyzer", lambda *args, **kwargs: analyzer)


def study(tmp_path: Path, minimum: str, text: str) -> Path:
    """A ClinicalTrials.gov API v2 study with registry ages 18-60 and ``text`` as its criteria."""
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000001", "briefTitle": "A lupus trial"},
        "eligibilityModule": {"eligibilityCriteria": text, "sex": "ALL", "minimumAge": minimum,
                              "maximumAge": "60 Years", "healthyVolunteers": False},
    }}
    path = tmp_path / "study.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


TEXT = "Inclusion Criteria:\n\n* Age from 14 to 60 years\n* Systemic lupus erythematosus\n\nExclusion Criteria:\n\n* Pregnancy\n"


def test_cli_lint_exit_1_on_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(study(tmp_path, "18 Years", TEXT))])
    assert result.exit_code == 1, result.output
    assert "L001" in result.output and "error" in result.output


def test_cli_lint_exit_0_without_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(study(tmp_path, "14 Years", TEXT))])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_cli_lint_json_per_trial() -> None:
    result = runner.invoke(app, ["lint", str(SEEDS), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["trial"] for r in rows] == ["NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198",
                                          "NCT00659217"]
    first = rows[0]["issues"]
    assert {"code": "L015", "severity": "warning"}.items() <= first[0].items()
    assert set(first[0]) == {"code", "severity", "message", "criterion", "rule"}


def test_cli_lint_prints_issues_per_trial() -> None:
    result = runner.invoke(app, ["lint", str(SEEDS / "002_af3d16ab93fc7196.txt"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "NCT03219801" in result.output and "L006" in result.output and "L016" in result.output
    assert "L009" not in result.output  # --quiet leaves out info


def test_cli_lint_unreadable_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "R008" in result.output
    (tmp_path / "junk.txt").write_bytes(b"\x80\x81 junk \xfe")
    result = runner.invoke(app, ["lint", str(tmp_path / "junk.txt")])
    assert result.exit_code == 1 and "R002" in result.stderr and result.stdout == ""


def test_cli_lint_report_goes_to_stdout_and_totals_to_stderr(tmp_path: Path) -> None:
    seed = str(SEEDS / "002_af3d16ab93fc7196.txt")
    result = runner.invoke(app, ["lint", seed])
    assert result.exit_code == 0, result.output
    assert "NCT03219801" in result.stdout and "L006 c5: inclusion criterion 5 requires serum creatinine > 2 x ULN" in result.stdout
    assert "trial(s) checked" in result.stderr and "NCT03219801" not in result.stderr
    out = tmp_path / "lint.txt"
    written = runner.invoke(app, ["lint", seed, "-o", str(out)])
    assert written.exit_code == 0 and written.stdout == "" and out.read_text(encoding="utf-8") == result.stdout


@pytest.mark.parametrize("fmt", ["csv", "tsv", "markdown", "json"])
def test_cli_lint_formats(fmt: str) -> None:
    result = runner.invoke(app, ["lint", str(SEEDS / "002_af3d16ab93fc7196.txt"), "--format", fmt])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    if fmt == "json":
        (row,) = [json.loads(line) for line in lines]
        assert row["trial"] == "NCT03219801" and {"code": "L006", "criterion": "c5", "rule": "r11"}.items() <= row["issues"][1].items()
        assert result.stdout == runner.invoke(app, ["lint", str(SEEDS / "002_af3d16ab93fc7196.txt"), "--json"]).stdout
        return
    sep = {"csv": ",", "tsv": "\t", "markdown": " | "}[fmt]
    cells = [line.strip("| ").split(sep) for line in lines]
    assert cells[0] == ["trial", "severity", "code", "criterion", "rule", "message"]
    rows = cells[2:] if fmt == "markdown" else cells[1:]
    assert len(rows) == 6 and {r[0] for r in rows} == {"NCT03219801"}
    assert ["NCT03219801", "warning", "L006", "c5", "r11"] in [r[:5] for r in rows]
