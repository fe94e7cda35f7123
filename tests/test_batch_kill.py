"""Kill a real `criteria-nlp annotate` midway (SIGKILL, SIGINT, a full disk), resume it, and check every record is there once."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
import psutil
import pytest

from criteria_nlp.output import read_results
from criteria_nlp.read import read_trials

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STUDIES = FIXTURES / "batch" / "studies.jsonl"
REPEATS = 10
EXPECTED = [t.id for t in read_trials([STUDIES] * REPEATS)]
CLI = [sys.executable, "-c", "from criteria_nlp.cli import app; app()", "annotate"]

pytestmark = pytest.mark.slow


def _command(out: Path, errors: Path, *extra: str) -> list[str]:
    return [*CLI, *[str(STUDIES)] * REPEATS, "-o", str(out), "--errors", str(errors), "--batch-size", "8", *extra]


def _parts(out: Path) -> int:
    checkpoint = out.with_name(out.name + ".checkpoint") if out.suffix == ".jsonl" else out.with_name(out.name + ".partial") / "_checkpoint.jsonl"
    try:
        return sum(1 for line in checkpoint.read_text().splitlines() if '"type": "part"' in line)
    except FileNotFoundError:
        return 0


def _wait_for_parts(process: subprocess.Popen[bytes], out: Path, parts: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while _parts(out) < parts:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "the run ended early"
        assert time.monotonic() < deadline, "the run wrote no parts in time"
        time.sleep(0.02)


def _check_complete(out: Path, errors: Path) -> None:
    frames = read_results(out)
    trials = frames["trials"]
    assert trials["record"].tolist() == list(range(len(EXPECTED)))  # every record exactly once, in order
    assert trials["trial_id"].tolist() == EXPECTED
    assert frames["criteria"].groupby("record").size().index.tolist() == list(range(len(EXPECTED)))
    assert errors.read_text() == ""
    assert not out.with_name(out.name + ".partial").exists()
    if out.suffix == ".jsonl":
        for line in out.read_text(encoding="utf-8").splitlines():
            json.loads(line)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("sig", "fmt", "n_process"),
    [(signal.SIGKILL, "parquet", 1), (signal.SIGKILL, "jsonl", 2), (signal.SIGINT, "csv", 1), (signal.SIGINT, "jsonl", 2)],
)
def test_batch_kill_and_resume(tmp_path: Path, sig: int, fmt: str, n_process: int) -> None:
    out, errors = tmp_path / f"out.{fmt}", tmp_path / "errors.jsonl"
    command = _command(out, errors, "--n-process", str(n_process))
    # SIG_DFL: a run started from a background job inherits an ignored SIGINT and would never see the Ctrl-C
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_default_sigint)
    _wait_for_parts(process, out, 3)
    children = [c.pid for c in psutil.Process(process.pid).children(recursive=True)]
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=120)
    if sig == signal.SIGINT:
        assert process.returncode == 130, stderr.decode()
        assert b"--resume" in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in children):
        assert time.monotonic() < deadline, "worker processes outlived the run"
        time.sleep(0.1)
    assert not out.exists()
    done_before = _parts(out)
    assert 3 <= done_before < len(EXPECTED) // 8, "the run was not interrupted midway"
    resumed = subprocess.run([*command, "--resume"], capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert f"{done_before * 8:,} from an earlier session".encode() in resumed.stderr
    _check_complete(out, errors)


#: the "disk" fills after two or three parts of 8 records (about 150 kB each), well before the run ends
FILE_SIZE_LIMIT = 400_000


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_batch_kill_full_disk(tmp_path: Path) -> None:
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    command = _command(out, errors)
    full = subprocess.run(command, capture_output=True, timeout=600, preexec_fn=_limit_file_size)
    assert full.returncode == 3, full.stderr.decode()
    assert b"B005" in full.stderr and b"--resume" in full.stderr
    partial = out.with_name("out.jsonl.partial")
    assert 0 < _parts(out) and partial.stat().st_size <= FILE_SIZE_LIMIT
    resumed = subprocess.run([*command, "--resume"], capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr.decode()
    _check_complete(out, errors)


def test_batch_kill_exit_code_when_records_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"protocolSection": ', encoding="utf-8")
    result = subprocess.run([*CLI, str(STUDIES), str(bad), "-o", str(tmp_path / "out.csv"), "--limit", "30"], capture_output=True, timeout=600)
    assert result.returncode == 1, result.stderr.decode()
    assert b"[R003]" in result.stderr and b"24 analysed, 1 failed" in result.stderr
    assert len(read_results(tmp_path / "out.csv")["trials"]) == 24


@pytest.mark.shared
def test_batch_kill_1000_records_resume_equals_uninterrupted_run(tmp_path: Path) -> None:
    """SIGKILL a 2-process run of 1,000 registry records midway, resume it: the same bytes as a run never stopped."""
    from conftest import shared_path  # type: ignore[import-not-found]

    corpus = shared_path("data", "ctgov-xml")
    base = [*CLI, str(corpus), "--limit", "1000", "--batch-size", "25"]
    whole = tmp_path / "whole.jsonl"
    clean = subprocess.run([*base, "-o", str(whole)], capture_output=True, timeout=900)
    assert clean.returncode == 0, clean.stderr.decode()
    out = tmp_path / "killed.jsonl"
    process = subprocess.Popen([*base, "-o", str(out), "--n-process", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_parts(process, out, 8)
    children = [c.pid for c in psutil.Process(process.pid).children(recursive=True)]
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=120)
    deadline = time.monotonic() + 30
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in children):
        assert time.monotonic() < deadline, "worker processes outlived the run"
        time.sleep(0.1)
    done_before = _parts(out)
    assert not out.exists() and 8 <= done_before < 40, "the run was not interrupted midway"
    resumed = subprocess.run([*base, "-o", str(out), "--resume"], capture_output=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert f"{done_before * 25:,} from an earlier session".encode() in resumed.stderr
    lines, expected = out.read_bytes().splitlines(), whole.read_bytes().splitlines()
    assert len(expected) == 1000
    assert lines == expected  # in input order, so equal before sorting too
    assert sorted(lines) == sorted(expected)
