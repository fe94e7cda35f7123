"""Resuming interrupted runs in this process: a failing disk, Ctrl-C, orphans, torn checkpoints, refusals."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp import batch
from criteria_nlp.batch import annotate
from criteria_nlp.errors import BatchError
from criteria_nlp.output import JsonlWriter, ParquetWriter, CsvWriter, read_results
from criteria_nlp.read import read_trials

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STUDIES = FIXTURES / "batch" / "studies.jsonl"
IDS = [t.id for t in read_trials(STUDIES)]
WRITERS = {"jsonl": JsonlWriter, "parquet": ParquetWriter, "csv": CsvWriter}


@pytest.fixture(autouse=True)
def _shared_pipeline(analyzer: Any) -> None:
    batch.set_worker_analyzer(analyzer)


def _checkpoint(out: Path) -> Path:
    if out.suffix == ".jsonl":
        return out.with_name(out.name + ".checkpoint")
    return (out if out.exists() else out.with_name(out.name + ".partial")) / "_checkpoint.jsonl"


def _fail_on_part(monkeypatch: pytest.MonkeyPatch, fmt: str, part: int) -> None:
    """The disk fills up while part ``part`` is written."""
    cls = WRITERS[fmt]
    real = cls.write_part

    def write_part(self: Any, index: int, payloads: Any) -> Any:
        if index == part:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, index, payloads)

    monkeypatch.setattr(cls, "write_part", write_part)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_batch_resume_after_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    with monkeypatch.context() as patch:
        _fail_on_part(patch, fmt, 2)
        with pytest.raises(BatchError) as info:
            annotate(STUDIES, out, batch_size=5, errors=tmp_path / "errors.jsonl")
    assert info.value.code == "B005"
    assert not out.exists()  # the output appears only when complete
    assert out.with_name(out.name + ".partial").exists()
    parts = [json.loads(line) for line in _checkpoint(out).read_text().splitlines()[1:]]
    assert [p["part"] for p in parts] == [0, 1]
    with pytest.raises(BatchError) as refused:
        annotate(STUDIES, out, batch_size=5, errors=tmp_path / "errors.jsonl")
    assert refused.value.code == "B003"  # an interrupted run is not overwritten by accident
    summary = annotate(STUDIES, out, batch_size=5, errors=tmp_path / "errors.jsonl", resume=True)
    assert (summary.records, summary.skipped, summary.session_records) == (24, 10, 14)
    assert read_results(out)["trials"]["trial_id"].tolist() == IDS
    uninterrupted = annotate(STUDIES, tmp_path / f"ref.{fmt}", batch_size=5)
    for table, frame in read_results(tmp_path / f"ref.{fmt}").items():
        assert frame.equals(read_results(out)[table]), table
    assert summary.model_dump(include={"analysed", "criteria", "entities", "rules", "computable_rules"}) == uninterrupted.model_dump(
        include={"analysed", "criteria", "entities", "rules", "computable_rules"}
    )
    assert (tmp_path / "errors.jsonl").exists() and not (tmp_path / "errors.jsonl.partial").exists()


def test_batch_resume_after_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, analyzer: Any) -> None:
    out = tmp_path / "out.jsonl"
    calls = [0]

    def interrupted(trial: Any, kind: Any = None) -> Any:
        calls[0] += 1
        if calls[0] == 13:
            raise KeyboardInterrupt
        return analyzer(trial, kind=kind)

    batch.set_worker_analyzer(interrupted)
    with pytest.raises(KeyboardInterrupt):
        annotate(STUDIES, out, batch_size=4)
    batch.set_worker_analyzer(analyzer)
    staged = out.with_name("out.jsonl.partial")
    assert len(staged.read_text().splitlines()) == 12  # three whole parts, nothing of the fourth
    summary = annotate(STUDIES, out, batch_size=4, resume=True)
    assert summary.skipped == 12
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["trial"]["id"] for line in lines] == IDS


def test_batch_resume_cleans_orphans_and_torn_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a crash between writing and checkpointing leaves (a part file, temporary files, a torn line) is undone."""
    out = tmp_path / "out.parquet"
    with monkeypatch.context() as patch:
        _fail_on_part(patch, "parquet", 3)
        with pytest.raises(BatchError):
            annotate(STUDIES, out, batch_size=4)
    staged = out.with_name("out.parquet.partial")
    lines = (staged / "_checkpoint.jsonl").read_text().splitlines(keepends=True)
    assert len(lines) == 4  # header + parts 0, 1, 2
    # part 2 was written but its checkpoint line was torn by the crash
    (staged / "_checkpoint.jsonl").write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    (staged / "entities" / ".part-000003.parquet.tmp").write_bytes(b"half a file")
    (staged / "trials" / "part-000007.parquet").write_bytes(b"a part no checkpoint names")
    summary = annotate(STUDIES, out, batch_size=4, resume=True)
    assert summary.skipped == 8
    assert read_results(out)["trials"]["trial_id"].tolist() == IDS
    names = sorted(p.name for p in (out / "trials").iterdir())
    assert names == [f"part-{i:06d}.parquet" for i in range(6)]
    assert not list(out.rglob("*.tmp"))


def test_batch_resume_refuses_another_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.csv"
    with monkeypatch.context() as patch:
        _fail_on_part(patch, "csv", 1)
        with pytest.raises(BatchError):
            annotate(STUDIES, out, batch_size=6)
    for kwargs in ({"batch_size": 7}, {"batch_size": 6, "kind": "inclusion"}, {"batch_size": 6, "limit": 10},
                   {"batch_size": 6, "pipeline": "default"}):
        with pytest.raises(BatchError) as info:
            annotate(STUDIES, out, resume=True, **kwargs)  # type: ignore[arg-type]
        assert info.value.code == "B002"
        assert "checkpoint does not belong" in str(info.value)
    with pytest.raises(BatchError) as other:
        annotate([STUDIES, FIXTURES / "seeds"], out, batch_size=6, resume=True)
    assert other.value.code == "B002" and "sources" in str(other.value)
    # n_process is not part of the run's identity
    annotate(STUDIES, out, batch_size=6, resume=True, n_process=2)
    assert read_results(out)["trials"]["trial_id"].tolist() == IDS


def test_batch_resume_detects_changed_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.jsonl"
    lines = STUDIES.read_text(encoding="utf-8").splitlines(keepends=True)
    source.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as patch:
        _fail_on_part(patch, "jsonl", 2)
        with pytest.raises(BatchError):
            annotate(source, out, batch_size=5)
    source.write_text("".join(lines[:3] + [lines[3].replace("Synthetic", "Changed")] + lines[4:]), encoding="utf-8")
    with pytest.raises(BatchError) as info:
        annotate(source, out, batch_size=5, resume=True)
    assert info.value.code == "B002" and "input changed" in str(info.value)


def test_batch_resume_complete_and_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = annotate(STUDIES, out, limit=6)
    content = out.read_bytes()
    again = annotate(STUDIES, out, limit=6, resume=True)  # nothing left to do
    assert out.read_bytes() == content
    assert (again.records, again.skipped, again.session_records) == (first.records, 6, 0)
    with pytest.raises(BatchError) as info:
        annotate(STUDIES, out, limit=6)
    assert info.value.code == "B003"
    replaced = annotate(STUDIES, out, limit=3, overwrite=True)
    assert replaced.records == 3 and len(out.read_text().splitlines()) == 3


def test_batch_resume_never_deletes_foreign_folders(tmp_path: Path) -> None:
    out = tmp_path / "mine.parquet"
    out.mkdir()
    (out / "notes.txt").write_text("not yours")
    for kwargs in ({}, {"overwrite": True}, {"resume": True}):
        with pytest.raises(BatchError) as info:
            annotate(STUDIES, out, limit=2, **kwargs)  # type: ignore[arg-type]
        assert info.value.code == "B003"
    assert (out / "notes.txt").read_text() == "not yours"


def test_batch_resume_starts_when_nothing_to_resume(tmp_path: Path) -> None:
    summary = annotate(STUDIES, tmp_path / "out.parquet", limit=4, resume=True)
    assert (summary.records, summary.skipped) == (4, 0)


def test_batch_resume_refuses_concurrent_runs(tmp_path: Path) -> None:
    """A second run on an output another run is writing is refused (B010) and changes nothing."""
    import fcntl
    import os

    out = tmp_path / "out.jsonl"
    lock = tmp_path / ".out.jsonl.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BatchError) as info:
            annotate(STUDIES, out, limit=2, resume=True)
        assert info.value.code == "B010"
        assert not out.exists() and not out.with_name("out.jsonl.partial").exists()
    finally:
        os.close(fd)
    annotate(STUDIES, out, limit=2, resume=True)
    assert not lock.exists()
