"""criteria-nlp annotate through typer's CliRunner: outputs, summary, exit codes, stdin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from criteria_nlp import batch
from criteria_nlp.cli import app
from criteria_nlp.output import read_results

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STUDIES = FIXTURES / "batch" / "studies.jsonl"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _shared_pipeline(analyzer: Any) -> None:
    batch.set_worker_analyzer(analyzer)


def test_batch_cli_help_lists_options() -> None:
    result = runner.invoke(app, ["annotate", "--help"])
    assert result.exit_code == 0
    for option in ("--output", "--n-process", "--batch-size", "--resume", "--errors", "--kind", "--engine", "--scheduler", "--limit", "--overwrite"):
        assert option in result.output


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_batch_cli_writes_and_summarises(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(app, ["annotate", str(STUDIES), "-o", str(out), "--limit", "6", "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    assert "6 record(s)" in result.output and "6 analysed, 0 failed" in result.output
    assert "criteria" in result.output and "entities" in result.output and "rules" in result.output
    assert "records/s" in result.output
    assert "annotating" not in result.output and "ETA" not in result.output  # no progress bar off a terminal
    assert len(read_results(out)["trials"]) == 6


def test_batch_cli_failed_records_exit_1(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<clinical_study><id_info>", encoding="utf-8")
    (tmp_path / "empty.json").write_bytes(b"")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = runner.invoke(app, ["annotate", str(STUDIES), str(tmp_path / "bad.xml"), str(tmp_path / "empty.json"), "-o", str(out), "--errors", str(errors)])
    assert result.exit_code == 1, result.output
    assert "24 analysed, 2 failed" in result.output and str(errors) in result.output
    codes = [json.loads(line)["code"] for line in errors.read_text().splitlines()]
    assert codes == ["R004", "R001"]
    assert len(out.read_text().splitlines()) == 24


def test_batch_cli_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    """A source path that names nothing stops the run before it starts: one coded line, exit 2, nothing written."""
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", str(STUDIES), str(tmp_path / "nope.json"), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"error [R008] {tmp_path / 'nope.json'}: no such file or folder."]
    assert list(tmp_path.iterdir()) == []


def test_batch_cli_prints_errors_without_errors_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["annotate", str(tmp_path / "bad.json"), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 1
    assert "record 0: [R003]" in result.output


def test_batch_cli_stdin(tmp_path: Path) -> None:
    lines = STUDIES.read_text(encoding="utf-8").splitlines()[:3]
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["annotate", "-", "-o", str(out)], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert read_results(out)["trials"]["trial_id"].tolist() == ["NCT90000000", "NCT90000001", "NCT90000002"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "both"], "inclusion or exclusion"),
        (["--engine", "spark"], "local or dask"),
        (["--scheduler", "tcp://localhost:8786"], "--engine dask"),
        (["--n-process", "0"], "--n-process"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_batch_cli_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["annotate", str(STUDIES), "-o", str(tmp_path / "out.jsonl"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_batch_cli_refusals_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["annotate", str(STUDIES), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 2 and "[B001]" in result.output
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["annotate", str(STUDIES), "-o", str(out), "--limit", "2"]).exit_code == 0
    again = runner.invoke(app, ["annotate", str(STUDIES), "-o", str(out), "--limit", "2"])
    assert again.exit_code == 2 and "[B003]" in again.output and "--resume" in again.output
    other = runner.invoke(app, ["annotate", str(STUDIES), "-o", str(out), "--limit", "3", "--resume"])
    assert other.exit_code == 2 and "[B002]" in other.output and "limit" in other.output
    same = runner.invoke(app, ["annotate", str(STUDIES), "-o", str(out), "--limit", "2", "--resume"])
    assert same.exit_code == 0 and "2 from an earlier session" in same.output


def test_batch_cli_progress_bar_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The progress bar (records per second, ETA) shows on stderr when enabled (it is by default on a terminal)."""
    from criteria_nlp.batch import annotate

    annotate(STUDIES, tmp_path / "out.jsonl", limit=8, batch_size=4, progress=True)
    err = capsys.readouterr().err
    assert "annotating" in err and "8/8" in err and "rec/s" in err and "ETA" in err


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_batch_cli_failed_run_leaves_nothing_and_a_good_run_leaves_the_output(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "empty.json").write_bytes(b"")
    out = tmp_path / "run" / f"x.{fmt}"
    result = runner.invoke(app, ["annotate", str(tmp_path / "empty.json"), "-o", str(out)])
    assert result.exit_code == 1 and "[R001]" in result.stderr and "not written" in result.stderr
    assert list((tmp_path / "run").iterdir()) == []
    result = runner.invoke(app, ["annotate", str(STUDIES), "-o", str(out), "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "run").iterdir() if not p.name.endswith(".checkpoint")] == [out.name]
    assert len(read_results(out)["trials"]) == 2


def test_batch_cli_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Exclusion Criteria:\n- Grossesse, \u00e2ge < 18 ans\n".encode("latin-1"))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", str(path), "-o", str(out)])
    assert result.exit_code == 1 and "[R002]" in result.stderr and "--encoding" in result.stderr and not out.exists()
    result = runner.invoke(app, ["annotate", str(path), "-o", str(out), "--encoding", "latin-1"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["criteria"][0]["text"] == "Grossesse, \u00e2ge < 18 ans"
