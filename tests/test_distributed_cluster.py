"""The Dask engine and annotate_bag on a LocalCluster of two single-threaded worker processes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from criteria_nlp import batch
from criteria_nlp.batch import annotate
from criteria_nlp.distributed import PARTITION_STRIDE, annotate_bag
from criteria_nlp.output import read_results, table_columns
from criteria_nlp.read import read_trials

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STUDIES = FIXTURES / "batch" / "studies.jsonl"
SEEDS = FIXTURES / "seeds"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(autouse=True)
def _shared_pipeline(analyzer: Any) -> None:
    batch.set_worker_analyzer(analyzer)


def test_distributed_engine_matches_local(tmp_path: Path, client: Any) -> None:
    local = annotate([STUDIES, SEEDS], tmp_path / "local.jsonl", batch_size=8)
    dask = annotate([STUDIES, SEEDS], tmp_path / "dask.jsonl", batch_size=8, engine="dask", client=client)
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "dask.jsonl").read_bytes()
    assert dask.model_dump(include={"records", "analysed", "criteria", "entities", "rules"}) == local.model_dump(
        include={"records", "analysed", "criteria", "entities", "rules"}
    )
    # every worker built the pipeline once, however many chunks it analysed
    assert sorted(client.run(lambda: __import__("criteria_nlp.batch").batch.LOADS).values()) == [1, 1]


def test_distributed_engine_parquet_and_resume(tmp_path: Path, client: Any) -> None:
    out = tmp_path / "out.parquet"
    annotate(STUDIES, out, batch_size=5, engine="dask", client=client)
    # take the run back to after its second part, as if the client had been killed there
    staged = tmp_path / "out.parquet.partial"
    shutil.move(out, staged)
    lines = (staged / "_checkpoint.jsonl").read_text().splitlines(keepends=True)
    (staged / "_checkpoint.jsonl").write_text("".join(lines[:3]))
    resumed = annotate(STUDIES, out, batch_size=5, engine="dask", client=client, resume=True)
    assert (resumed.skipped, resumed.session_records) == (10, 14)
    assert read_results(out)["trials"]["trial_id"].tolist() == [t.id for t in read_trials(STUDIES)]


def test_distributed_bag_of_trials(tmp_path: Path, client: Any) -> None:
    import dask.bag as db

    trials = list(read_trials(STUDIES))
    bag = db.from_sequence(trials, npartitions=3)
    summary = annotate_bag(bag, tmp_path / "out.parquet", client=client)
    assert (summary.records, summary.analysed, summary.failed) == (24, 24, 0)
    for table in table_columns():
        assert sorted(p.name for p in (tmp_path / "out.parquet" / table).glob("part-*")) == [f"part-00000{i}.parquet" for i in range(3)]
    frames = read_results(tmp_path / "out.parquet")
    assert frames["trials"]["trial_id"].tolist() == [t.id for t in trials]  # partitions in order
    assert frames["trials"]["record"].tolist()[:9] == [*range(8), PARTITION_STRIDE]
    local = annotate(STUDIES, tmp_path / "local.parquet")
    assert (summary.criteria, summary.entities, summary.rules) == (local.criteria, local.entities, local.rules)
    # resuming a complete run does nothing
    again = annotate_bag(bag, tmp_path / "out.parquet", client=client, resume=True)
    assert (again.records, again.session_records) == (24, 0)


def test_distributed_bag_of_paths_with_errors(tmp_path: Path, client: Any) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<clinical_study><id_info>", encoding="utf-8")
    partitions = [[str(STUDIES)], [str(bad), SEEDS]]
    errors = tmp_path / "errors.jsonl"
    summary = annotate_bag(partitions, tmp_path / "out.parquet", client=client, errors=errors)
    assert (summary.analysed, summary.failed) == (29, 1)
    (entry,) = [json.loads(line) for line in errors.read_text().splitlines()]
    assert entry["code"] == "R004" and entry["record"] == PARTITION_STRIDE and entry["source"].endswith("bad.xml")
    assert len(read_results(tmp_path / "out.parquet")["trials"]) == 29


def test_distributed_bag_partial_resume(tmp_path: Path, client: Any) -> None:
    partitions = [list(read_trials(STUDIES))[i:i + 6] for i in range(0, 24, 6)]
    out = tmp_path / "out.parquet"
    annotate_bag(partitions, out, client=client)
    staged = tmp_path / "out.parquet.partial"
    shutil.move(out, staged)
    lines = (staged / "_checkpoint.jsonl").read_text().splitlines(keepends=True)
    kept = [line for line in lines if '"type": "done"' not in line and '"part": 2,' not in line]
    (staged / "_checkpoint.jsonl").write_text("".join(kept))
    resumed = annotate_bag(partitions, out, client=client, resume=True)
    assert resumed.session_records == 6
    assert sorted(read_results(out)["trials"]["trial_id"]) == sorted(t.id for t in read_trials(STUDIES))


def test_distributed_bag_unknown_pipeline_is_refused_before_the_cluster(tmp_path: Path) -> None:
    from criteria_nlp.errors import BatchError

    with pytest.raises(BatchError) as info:
        annotate_bag([[]], tmp_path / "out.parquet", pipeline="no-such-pipeline")  # no client is needed to refuse it
    assert info.value.code == "B007" and "no-such-pipeline" in str(info.value)
    assert not list(tmp_path.iterdir())
