"""criteria-nlp read, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    (tmp_path / "empty.json").write_bytes(b"")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["read", str(tmp_path / "bad.xml"), str(tmp_path / "good.txt"), str(tmp_path / "empty.json"), "-o", str(out)])
    assert result.exit_code == 1
    assert "R004" in result.output and "bad.xml" in result.output
    assert "R001" in result.output and "empty.json" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [c["text"] for c in rows[0]["criteria"]] == ["Pregnancy"]


def test_cli_read_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Exclusion Criteria:\n- Pregnancy\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["read", str(tmp_path / "good.txt"), str(tmp_path / "missing.json"), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error [R008] {tmp_path / 'missing.json'}: no such file or folder."]
    assert not out.exists()


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


@pytest.fixture
def session_analyzer(monkeypatch: pytest.MonkeyPatch, analyzer: Any) -> None:
    monkeypatch.setattr(criteria_nlp.analyzer, "Analyzer", lambda *args, **kwargs: analyzer)


@pytest.mark.usefixtures("session_analyzer")
def test_cli_read_failed_run_leaves_no_output_and_a_good_run_leaves_the_file(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_bytes(b"")
    out = tmp_path / "run" / "out.jsonl"
    result = runner.invoke(app, ["read", str(tmp_path / "empty.json"), "-o", str(out)])
    assert result.exit_code == 1 and "R001" in result.stderr
    assert not (tmp_path / "run").exists() or list((tmp_path / "run").iterdir()) == []
    (tmp_path / "good.txt").write_text("Exclusion Criteria:\n- Pregnancy\n", encoding="utf-8")
    result = runner.invoke(app, ["read", str(tmp_path / "good.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["out.jsonl"] and len(out.read_text().splitlines()) == 1


def test_cli_read_crash_midway_keeps_the_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, analyzer: Any) -> None:
    """A run that dies after writing some lines leaves neither those lines nor a temporary file: the old output stays."""
    (tmp_path / "good.txt").write_text("Exclusion Criteria:\n- Pregnancy\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    real = type(analyzer).analyze_sources

    def dies(self: Any, *args: Any, **kwargs: Any) -> Any:
        yield from real(self, *args, **kwargs)
        raise MemoryError("the machine ran out of memory")

    monkeypatch.setattr(type(analyzer), "analyze_sources", dies)
    monkeypatch.setattr(criteria_nlp.analyzer, "Analyzer", lambda *args, **kwargs: analyzer)
    result = runner.invoke(app, ["read", str(tmp_path / "good.txt"), "-o", str(out)])
    assert isinstance(result.exception, MemoryError)
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.txt", "out.jsonl"]


@pytest.mark.usefixtures("session_analyzer")
def test_cli_read_latin1_file_needs_and_takes_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Exclusion Criteria:\n- Grossesse ou allaitement, \u00e2ge < 18 ans\n".encode("latin-1"))
    result = runner.invoke(app, ["read", str(path)])
    assert result.exit_code == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "[R002]" in line and "tried UTF-8" in line and "--encoding" in line
    result = runner.invoke(app, ["read", str(path), "--encoding", "latin-1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["criteria"][0]["text"] == "Grossesse ou allaitement, \u00e2ge < 18 ans"
    result = runner.invoke(app, ["read", str(path), "--encoding", "klingon"])
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        "error [C002] --encoding: unknown encoding 'klingon'; name a Python codec such as utf-8, cp1252 or latin-1."]
