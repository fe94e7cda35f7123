"""criteria-nlp compare, through typer's CliRunner (the session's analyzer stands in for a fresh one)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from criteria_nlp import Analyzer
from criteria_nlp.cli import app
from criteria_nlp.comparison import long_columns

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "compare_seeds.csv"
runner = CliRunner()


@pytest.fixture(autouse=True)
def reuse_analyzer(monkeypatch: pytest.MonkeyPatch, analyzer: Analyzer) -> None:
    monkeypatch.setattr("criteria_nlp.analyzer.Analyzer", lambda *args, **kwargs: analyzer)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_cli_compare_writes_a_table(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"table{suffix}"
    result = runner.invoke(app, ["compare", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        table = pd.read_csv(out, index_col="key", dtype=str, keep_default_na=False)
    elif suffix == ".parquet":
        table = pd.read_parquet(out)
    else:
        table = pd.read_excel(out, index_col="key", dtype=str, keep_default_na=False)
    golden = pd.read_csv(GOLDEN, index_col="key", dtype=str, keep_default_na=False)
    assert list(table.index) == list(golden.index)
    assert table.loc["score:SELENA-SLEDAI", "NCT04184258"] == ">= 6"
    assert "5 trial(s) compared" in result.output


def test_cli_compare_long(tmp_path: Path) -> None:
    out = tmp_path / "long.csv"
    result = runner.invoke(app, ["compare", str(SEEDS / "001_02baf3a22c3ac0c0.txt"), "-o", str(out), "--long",
                                 "--no-structured"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == long_columns()
    assert set(table.trial_id) == {"NCT04184258"}
    assert set(table.source) == {"text"}


def test_cli_compare_prints_a_table() -> None:
    result = runner.invoke(app, ["compare", str(SEEDS / "001_02baf3a22c3ac0c0.txt"), str(SEEDS / "002_af3d16ab93fc7196.txt")])
    assert result.exit_code == 0, result.output
    for words in ("NCT04184258", "NCT03219801", "disease activity", "SELENA-SLEDAI", "infections", "14-60 y"):
        assert words in result.output


def test_cli_compare_long_on_stdout() -> None:
    result = runner.invoke(app, ["compare", str(SEEDS / "000_c180e44e06a1421d.txt"), "--long"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ",".join(long_columns())


def test_cli_compare_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(SEEDS), "-o", str(tmp_path / "table.docx")])
    assert result.exit_code == 2
    assert "B001" in result.output and "table.docx" in result.output
    assert not (tmp_path / "table.docx").exists()


def test_cli_compare_reports_bad_records(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    (tmp_path / "bad.json").write_text('{"protocolSection": ', encoding="utf-8")
    result = runner.invoke(app, ["compare", str(SEEDS / "000_c180e44e06a1421d.txt"), str(tmp_path / "bad.json"),
                                 "-o", str(out)])
    assert result.exit_code == 1
    assert "R003" in result.output and out.exists()
    result = runner.invoke(app, ["compare", str(tmp_path / "bad.json")])
    assert result.exit_code == 1
    (coded,) = [line for line in result.stderr.splitlines() if line.startswith("error [")]  # no C001 on top of it
    assert "R003" in coded
    (tmp_path / "nothing").mkdir()
    result = runner.invoke(app, ["compare", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "C001" in result.stderr and "no trial could be read" in result.stderr
    result = runner.invoke(app, ["compare", str(SEEDS), str(tmp_path / "missing.json"), "-o", str(tmp_path / "u.csv")])
    assert result.exit_code == 2 and "R008" in result.stderr and not (tmp_path / "u.csv").exists()


def test_cli_compare_table_goes_to_stdout_unwrapped() -> None:
    """The table is the result: on stdout (so `compare SRC > t.txt` holds it), one line per row, NCT ids whole."""
    result = runner.invoke(app, ["compare", str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "NCT05921058" in line)
    for trial in ("NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217"):
        assert trial in header  # every trial's column on one header line, not folded at 80 columns
    assert max(len(line) for line in lines) > 120
    assert any("score:SELENA-SLEDAI" in line or ("SELENA-SLEDAI" in line and ">= 6" in line) for line in lines)
    assert "\x1b[" not in result.stdout  # no colour codes off a terminal


@pytest.mark.parametrize("fmt", ["csv", "tsv", "markdown", "json"])
def test_cli_compare_formats(tmp_path: Path, fmt: str) -> None:
    golden = pd.read_csv(GOLDEN, index_col="key", dtype=str, keep_default_na=False)
    result = runner.invoke(app, ["compare", str(SEEDS), "--format", fmt])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    if fmt in ("csv", "tsv"):
        table = pd.read_csv(io.StringIO(result.stdout), sep="," if fmt == "csv" else "\t", index_col="key", dtype=str,
                            keep_default_na=False)
        assert list(table.index) == list(golden.index)
        assert table.loc["score:SELENA-SLEDAI", "NCT04184258"] == ">= 6"
    elif fmt == "markdown":
        assert lines[0].startswith("| key | section | category | label | NCT05921058 |")
        assert lines[1].startswith("|---|") and len(lines) == 2 + len(golden)
    else:
        rows = [json.loads(line) for line in lines]
        assert [r["key"] for r in rows] == list(golden.index)
        assert next(r for r in rows if r["key"] == "score:SELENA-SLEDAI")["NCT04184258"] == ">= 6"
    out = tmp_path / "table.out"
    written = runner.invoke(app, ["compare", str(SEEDS), "--format", fmt, "-o", str(out)])
    assert written.exit_code == 0 and out.read_text(encoding="utf-8") == result.stdout
    assert "written to" in written.stderr and written.stdout == ""


@pytest.mark.parametrize(("suffix", "starts"), [(".tsv", "key\tsection"), (".md", "| key |"), (".json", '{"key"'), (".txt", " ")])
def test_cli_compare_output_suffix_picks_the_format(tmp_path: Path, suffix: str, starts: str) -> None:
    out = tmp_path / f"table{suffix}"
    result = runner.invoke(app, ["compare", str(SEEDS / "001_02baf3a22c3ac0c0.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(starts)
