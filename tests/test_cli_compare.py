"""criteria-nlp compare, through typer's CliRunner (the session's analyzer stands in for a fresh one)."""

from __future__ import annotations

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
    result = runner.invoke(app, ["compare", str(SEEDS), "-o", str(tmp_path / "table.txt")])
    assert result.exit_code == 2
    assert "B001" in result.output and "table.txt" in result.output


def test_cli_compare_reports_bad_records(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    result = runner.invoke(app, ["compare", str(SEEDS / "000_c180e44e06a1421d.txt"), str(tmp_path / "missing.json"),
                                 "-o", str(out)])
    assert result.exit_code == 1
    assert "R008" in result.output and out.exists()
    result = runner.invoke(app, ["compare", str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "no trial could be read" in result.output
