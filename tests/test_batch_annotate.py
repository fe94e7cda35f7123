"""annotate(): every format, input order, counts, errors file, limit, kind, parallel workers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from criteria_nlp import batch
from criteria_nlp.batch import RunSummary, annotate
from criteria_nlp.errors import BatchError, CriteriaNLPError, ReadError
from criteria_nlp.output import read_results, table_columns
from criteria_nlp.read import iter_records, read_trials
from criteria_nlp.schema import Trial, TrialAnalysis

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STUDIES = FIXTURES / "batch" / "studies.jsonl"
SEEDS = FIXTURES / "seeds"
GOOD_XML = (
    "<clinical_study><id_info><nct_id>{nct}</nct_id></id_info><brief_title>A trial</brief_title>"
    "<eligibility><criteria><textblock>Inclusion Criteria:\n- Age 18 years or older\n"
    "Exclusion Criteria:\n- Pregnancy</textblock></criteria><gender>All</gender></eligibility></clinical_study>"
)


@pytest.fixture(autouse=True)
def _shared_pipeline(analyzer: Any) -> None:
    """Runs in this process reuse the session's pipeline instead of building their own."""
    batch.set_worker_analyzer(analyzer)


def _ids(out: Path) -> list[str]:
    return read_results(out)["trials"]["trial_id"].tolist()


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_batch_annotate_formats(tmp_path: Path, fmt: str) -> None:
    sources = [STUDIES, SEEDS]
    expected = [t.id for t in read_trials(sources)]
    summary = annotate(sources, tmp_path / f"out.{fmt}", batch_size=7, errors=tmp_path / "errors.jsonl")
    assert isinstance(summary, RunSummary)
    assert (summary.records, summary.analysed, summary.failed, summary.complete) == (len(expected), len(expected), 0, True)
    assert summary.criteria > 0 and summary.entities > 0
    frames = read_results(tmp_path / f"out.{fmt}")
    assert set(frames) == set(table_columns())
    assert frames["trials"]["trial_id"].tolist() == expected  # input order
    assert frames["trials"]["record"].tolist() == list(range(len(expected)))
    assert len(frames["entities"]) == summary.entities
    assert (frames["criteria"]["role"] == "criterion").sum() == summary.criteria
    assert len(frames["rules"]) == summary.rules
    assert (tmp_path / "errors.jsonl").read_text() == ""
    assert not (tmp_path / f"out.{fmt}.partial").exists()


def test_batch_annotate_same_tables_in_every_format(tmp_path: Path) -> None:
    frames = {}
    for fmt in ("jsonl", "parquet", "csv"):
        annotate(STUDIES, tmp_path / f"out.{fmt}", batch_size=10, limit=12)
        frames[fmt] = read_results(tmp_path / f"out.{fmt}")
    for table in table_columns():
        pd.testing.assert_frame_equal(frames["jsonl"][table], frames["parquet"][table], obj=table)
        pd.testing.assert_frame_equal(frames["jsonl"][table], frames["csv"][table], obj=table)


def test_batch_annotate_jsonl_equals_analyze(tmp_path: Path, analyzer: Any) -> None:
    annotate(STUDIES, tmp_path / "out.jsonl", limit=5)
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    trials = list(read_trials(STUDIES))[:5]
    assert [TrialAnalysis.from_dict(json.loads(line)) for line in lines] == [analyzer(t) for t in trials]


_REAL_CHUNK = batch.analyse_chunk


def _recording_chunk(items: Any, kind: Any, fmt: Any, pipeline: Any = None) -> Any:
    """analyse_chunk, noting which process ran it (workers are forked, so they see this patch)."""
    with open(os.environ["BATCH_TEST_PIDS"], "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()} {len(items)}\n")
    return _REAL_CHUNK(items, kind, fmt, pipeline)


@pytest.mark.parametrize("warm", [0, 32])
def test_batch_annotate_parallel_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm: int) -> None:
    monkeypatch.setattr(batch, "WARM_RECORDS", warm)  # records analysed here before the workers are forked
    monkeypatch.setattr(batch, "analyse_chunk", _recording_chunk)
    monkeypatch.setenv("BATCH_TEST_PIDS", str(tmp_path / "pids.txt"))
    sources = [STUDIES] * 3
    one = annotate(sources, tmp_path / "one.jsonl", batch_size=5)
    assert not (tmp_path / "pids.txt").exists()  # one process: no workers
    two = annotate(sources, tmp_path / "two.jsonl", batch_size=5, n_process=2)
    calls = [line.split() for line in (tmp_path / "pids.txt").read_text().splitlines()]
    assert {int(pid) for pid, _ in calls} - {os.getpid()}, "no worker process analysed anything"
    in_workers = sum(int(n) for _, n in calls)
    assert 72 - warm - 5 < in_workers <= 72 - warm  # the warm-up takes whole chunks (at most a part, 5 records)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert one.model_dump(exclude={"output", "seconds", "startup_seconds"}) == two.model_dump(exclude={"output", "seconds", "startup_seconds"})


def _bad_folder(folder: Path) -> dict[str, str]:
    """Good and bad files side by side; returns bad file name -> expected code."""
    folder.mkdir()
    (folder / "a_good.xml").write_text(GOOD_XML.format(nct="NCT00000001"), encoding="utf-8")
    (folder / "b_malformed.xml").write_text(GOOD_XML.format(nct="NCT00000002")[:-30], encoding="utf-8")
    (folder / "c_good.json").write_text(STUDIES.read_text(encoding="utf-8").splitlines()[0], encoding="utf-8")
    (folder / "d_malformed.json").write_text('{"protocolSection": {"identificationModule": {"nctId": "NCT00000004"', encoding="utf-8")
    (folder / "e_latin1.txt").write_bytes("Inclusion Criteria:\n- \u00e2ge \u2265 18".encode("cp1252", "replace"))
    (folder / "f_empty.json").write_bytes(b"")
    lines = STUDIES.read_text(encoding="utf-8").splitlines()[1:4]
    lines.insert(1, "{not json")
    (folder / "g_lines.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"b_malformed.xml": "R004", "d_malformed.json": "R003", "e_latin1.txt": "R002", "f_empty.json": "R001", "g_lines.jsonl:2": "R003"}


def test_batch_annotate_errors_file(tmp_path: Path) -> None:
    bad = _bad_folder(tmp_path / "in")
    summary = annotate(tmp_path / "in", tmp_path / "out.parquet", errors=tmp_path / "errors.jsonl", batch_size=3)
    assert (summary.analysed, summary.failed) == (5, len(bad))
    entries = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {Path(e["source"]).name: e["code"] for e in entries} == bad
    assert all(set(e) >= {"record", "source", "id", "code", "reason", "stage"} for e in entries)
    assert [e["record"] for e in entries] == sorted(e["record"] for e in entries)
    by_name = {Path(e["source"]).name: e for e in entries}
    assert by_name["b_malformed.xml"]["id"] == "NCT00000002"
    assert by_name["b_malformed.xml"]["reason"].startswith("[R004]")
    ids = _ids(tmp_path / "out.parquet")
    assert ids == ["NCT00000001", "NCT90000000", "NCT90000001", "NCT90000002", "NCT90000003"]
    records = read_results(tmp_path / "out.parquet")["trials"]["record"].tolist()
    assert sorted(records + [e["record"] for e in entries]) == list(range(10))  # every record once, good or bad


def test_batch_annotate_analysis_failure_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, analyzer: Any) -> None:
    """An exception inside the pipeline fails that record (B004, with a traceback) and the run goes on."""

    class Flaky:
        def __call__(self, trial: Trial, kind: str | None = None) -> TrialAnalysis:
            if trial.id == "NCT90000002":
                raise RuntimeError("component exploded")
            return analyzer(trial, kind=kind)  # type: ignore[no-any-return]

    batch.set_worker_analyzer(Flaky())
    summary = annotate(STUDIES, tmp_path / "out.jsonl", errors=tmp_path / "errors.jsonl", limit=5)
    assert (summary.analysed, summary.failed) == (4, 1)
    (entry,) = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert entry["code"] == "B004" and entry["id"] == "NCT90000002" and entry["stage"] == "analysis"
    assert "component exploded" in entry["reason"] and "RuntimeError" in entry["traceback"]
    assert entry["source"].endswith("studies.jsonl:3")


def test_batch_annotate_limit_and_kind(tmp_path: Path) -> None:
    text = tmp_path / "plain.txt"
    text.write_text("1. Pregnant or breastfeeding women\n2. Known HIV infection\n", encoding="utf-8")
    summary = annotate([text, STUDIES], tmp_path / "out.jsonl", kind="exclusion", limit=3)
    assert summary.records == 3
    first = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {c["kind"] for c in first["criteria"]} == {"exclusion"}


def test_batch_annotate_bytes_sources(tmp_path: Path) -> None:
    xml = GOOD_XML.format(nct="NCT00000009")
    summary = annotate([xml.encode(), xml.encode("utf-16")], tmp_path / "out.jsonl")
    assert summary.analysed == 2
    assert _ids(tmp_path / "out.jsonl") == ["NCT00000009", "NCT00000009"]


@pytest.mark.parametrize("source", ["../shared/data/no-such-folder", "nope_dir", GOOD_XML.format(nct="NCT00000009")])
def test_batch_annotate_a_str_that_names_no_path_is_r008(tmp_path: Path, source: str) -> None:
    """A ``str`` source is a path: one that names nothing stops the run before it writes anything (never analysed as text)."""
    with pytest.raises(ReadError) as info:
        annotate([STUDIES, source], tmp_path / "out.jsonl")
    assert info.value.code == "R008" and source[:40] in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"n_process": 0}, "B007"),
        ({"batch_size": 0}, "B007"),
        ({"limit": -1}, "B007"),
        ({"engine": "spark"}, "B007"),
        ({"kind": "both"}, "S001"),
        ({"pipeline": "no-such-pipeline"}, "B007"),
    ],
)
def test_batch_annotate_bad_options(tmp_path: Path, kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(CriteriaNLPError) as info:
        annotate(STUDIES, tmp_path / "out.jsonl", **kwargs)
    assert info.value.code == code
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["out.json", "out.txt", "out"])
def test_batch_annotate_unsupported_output(tmp_path: Path, name: str) -> None:
    with pytest.raises(BatchError) as info:
        annotate(STUDIES, tmp_path / name)
    assert info.value.code == "B001"


def test_batch_annotate_errors_file_is_not_output(tmp_path: Path) -> None:
    with pytest.raises(BatchError) as info:
        annotate(STUDIES, tmp_path / "out.jsonl", errors=tmp_path / "out.jsonl")
    assert info.value.code == "B007"


def test_batch_annotate_streams_the_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are read as the run needs them: with a limit, the rest of the input is never read."""
    seen: list[int] = []
    real = iter_records

    def counting(source: Any, **kwargs: Any) -> Any:
        for n, record in enumerate(real(source, **kwargs)):
            seen.append(n)
            yield record

    monkeypatch.setattr("criteria_nlp.read.iter_records", counting)
    annotate(STUDIES, tmp_path / "out.jsonl", limit=4, batch_size=2)
    assert len(seen) == 4


def test_batch_annotate_uses_the_named_pipeline(tmp_path: Path, analyzer: Any) -> None:
    """``pipeline=`` picks the worker's analyzer of that pipeline (here a stand-in for "default")."""
    seen: list[str] = []

    def named(trial: Trial, kind: str | None = None) -> TrialAnalysis:
        seen.append(trial.id)
        return analyzer(trial, kind=kind)

    batch.set_worker_analyzer(named, "default")
    try:
        summary = annotate(STUDIES, tmp_path / "out.jsonl", pipeline="default")
    finally:
        batch._ANALYZERS.pop("default", None)
    assert summary.analysed > 0 and len(seen) == summary.analysed
    assert batch.worker_analyzer() is analyzer  # the default pipeline's analyzer is left as it was


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_batch_annotate_a_run_where_every_record_fails_leaves_no_output(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.json").write_bytes(b"")
    (tmp_path / "in" / "junk.txt").write_bytes(b"\x80\x81 junk \xfe")
    out, errors = tmp_path / "run" / f"out.{fmt}", tmp_path / "run" / "errors.jsonl"
    summary = annotate(tmp_path / "in", out, errors=errors)
    assert (summary.analysed, summary.failed, summary.written) == (0, 2, False)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["errors.jsonl"]  # no output, staging copy or checkpoint
    assert [json.loads(line)["code"] for line in errors.read_text().splitlines()] == ["R001", "R002"]
    good = annotate([tmp_path / "in", STUDIES], out, errors=errors, limit=4, overwrite=True)
    assert (good.analysed, good.failed, good.written) == (2, 2, True)
    assert len(read_results(out)["trials"]) == 2
