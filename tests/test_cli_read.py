"""criteria-nlp read, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import criteria_nlp.analyzer
from criteria_nlp.cli import app

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
runner = CliRunner()


def test_cli_read_writes_one_analysis_per_line(tmp_path: Path) -> None:
    out = tmp_path / "seeds.jsonl"
    result = runner.invoke(app, ["read", str(SEEDS), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["trial"]["id"] for r in rows] == [
        "NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217",
    ]
    assert all(set(r) >= {"trial", "criteria"} for r in rows)


def test_cli_read_reports_bad_records_and_keeps_good_ones(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<clinical_study><id_info>", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Exclusion Criteria:\n- Pregnancy\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["read", str(tmp_path / "bad.xml"), str(tmp_path / "good.txt"), str(tmp_path / "missing.json"), "-o", str(out)])
    assert result.exit_code == 1
    assert "R004" in result.output and "bad.xml" in result.output
    assert "R008" in result.output and "missing.json" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [c["text"] for c in rows[0]["criteria"]] == ["Pregnancy"]


def test_cli_read_from_stdin_with_default_kind() -> None:
    result = runner.invoke(app, ["read", "-", "--kind", "exclusion"], input="No prior dialysis\nPregnancy\n")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.splitlines()[0])
    assert [c["kind"] for c in row["criteria"]] == ["exclusion", "exclusion"]


def test_cli_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip()


@pytest.mark.parametrize(
    ("args", "built"),
    [([], "fast"), (["--pipeline", "default"], "default"), (["--pipeline", "fast"], "fast")],
)
def test_cli_read_builds_the_pipeline_asked_for(monkeypatch: pytest.MonkeyPatch, nlp: object, args: list[str], built: str) -> None:
    asked: list[object] = []

    def load(name: object, **kwargs: object) -> object:
        asked.append(name)
        return nlp  # the session's rules-only pipeline stands in for whichever was asked

    monkeypatch.setattr(criteria_nlp.analyzer, "load", load)
    result = runner.invoke(app, ["read", "-", *args], input="Exclusion Criteria:\n- Pregnancy\n")
    assert result.exit_code == 0, result.output
    assert asked == [built]


@pytest.mark.parametrize("command", ["read", "compare", "lint", "report"])
def test_cli_unknown_pipeline_is_a_usage_error(command: str, tmp_path: Path) -> None:
    extra = ["-o", str(tmp_path / "out.html")] if command == "report" else []
    result = runner.invoke(app, [command, str(SEEDS), "--pipeline", "no-such-pipeline", *extra])
    assert result.exit_code == 2
    assert "X003" in result.output and "no-such-pipeline" in result.output
