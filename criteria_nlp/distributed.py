"""Beyond one machine: batch runs on a Dask cluster.

Two ways in:

* ``annotate(sources, out, engine="dask", scheduler="tcp://host:8786")`` (or
  ``criteria-nlp annotate ... --engine dask --scheduler tcp://host:8786``): this
  process reads the sources and writes the output and checkpoint exactly as the
  local engine does (every format, ``--resume``, errors file); chunks of trials
  are analysed on the cluster's workers, a bounded number at a time. Without a
  scheduler address a ``LocalCluster`` of ``n_process`` single-threaded worker
  processes is started for the run.
* ``annotate_bag(data, "OUT.parquet", client=client)``: ``data`` is a
  ``dask.bag.Bag`` of trials (``Trial`` objects, ``Trial`` dicts, API v2
  study dicts) or of source paths (files, folders, archives, read on the
  workers), or a list of partitions (lists of those). Each worker analyses its
  partitions and writes them itself as partitioned Parquet (one part per
  partition and table, same tables as :mod:`criteria_nlp.output`), so the
  client only gathers counts and errors. ``OUT`` must be on a file system every
  worker and the client share. Rows are numbered
  ``partition * PARTITION_STRIDE + index``.

Each worker process builds the pipeline once, on its first task, and keeps it
(``criteria_nlp.batch.worker_analyzer``); run workers with one thread each
(``dask worker tcp://host:8786 --nthreads 1 --nworkers N``), as analyses in one
process run one at a time.

A real cluster::

    dask scheduler                                   # on the head node: tcp://head:8786
    dask worker tcp://head:8786 --nworkers 8 --nthreads 1   # on each machine, criteria_nlp installed
    criteria-nlp annotate AllPublicXML.zip -o /shared/ctgov.parquet --engine dask --scheduler tcp://head:8786
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from .batch import (
    Checkpoint,
    Layout,
    Outcome,
    RunSummary,
    _finalize,
    _prepare,
    analyse_one,
    check_pipeline,
    error_entry,
    run_lock,
    worker_analyzer,
)
from .errors import BatchError, CriteriaNLPError
from .output import ParquetWriter, output_format, write_parquet_part
from .schema import SCHEMA_VERSION, Trial

#: row numbers of ``annotate_bag``: partition * PARTITION_STRIDE + index in the partition
PARTITION_STRIDE = 1_000_000_000


# ---------------------------------------------------------------- partitions written by the workers


def _items(item: Any, name: str) -> Iterator[Trial | CriteriaNLPError]:
    """The trials one bag item stands for: itself, or the records of a source path."""
    from .analyzer import as_trial
    from .read import iter_records

    if isinstance(item, (str, os.PathLike)):
        yield from iter_records(item if isinstance(item, os.PathLike) else Path(item))
        return
    try:
        yield as_trial(item)
    except CriteriaNLPError as exc:
        yield exc
    except Exception as exc:  # a mapping that is not a trial at all
        yield BatchError("B004", record=name, detail=f"{type(exc).__name__}: {exc}")


def analyse_partition(index: int, items: Sequence[Any], folder: str, kind: str | None,
                      pipeline: str | None = None) -> dict[str, Any]:
    """Analyse one partition on a worker with ``pipeline`` and write its part of every table under ``folder``.

    Returns the part's counts and error entries for the client's checkpoint.
    """
    analyzer = worker_analyzer(pipeline)
    outcomes: list[Outcome] = []
    number = 0
    for item in items:
        for record in _items(item, f"partition {index}"):
            position = index * PARTITION_STRIDE + number
            number += 1
            if isinstance(record, Trial):
                outcomes.append(analyse_one(analyzer, position, record, kind, "parquet"))
            else:
                outcomes.append(Outcome(position, error=error_entry(position, record, "read")))
    good = [o for o in outcomes if o.error is None]
    write_parquet_part(Path(folder), index, [o.payload for o in good])
    return {
        "part": index,
        "first": index * PARTITION_STRIDE,
        "count": len(outcomes),
        "counts": {
            "analysed": len(good),
            "failed": len(outcomes) - len(good),
            "criteria": sum(o.counts[0] for o in good),
            "entities": sum(o.counts[1] for o in good),
            "rules": sum(o.counts[2] for o in good),
            "computable_rules": sum(o.counts[3] for o in good),
        },
        "errors": [o.error for o in outcomes if o.error is not None],
    }


def annotate_bag(
    data: Any,
    out: str | os.PathLike[str],
    *,
    client: Any = None,
    kind: str | None = None,
    errors: str | os.PathLike[str] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    pipeline: str | None = None,
) -> RunSummary:
    """Analyse a Dask bag (or a list of partitions) on a cluster into partitioned Parquet at ``out``.

    ``data``: a ``dask.bag.Bag`` or a list of partitions, whose items are trials
    (``Trial``, ``Trial`` dicts, API v2 studies) or source paths. ``client``: a
    ``distributed.Client`` (default: the current one). Each partition becomes
    part ``part-<partition>.parquet`` of every table; ``errors`` gets the
    records that failed. ``resume`` skips the partitions an interrupted run of
    the same data committed. ``pipeline``: as for ``annotate`` (default
    ``DEFAULT_PIPELINE``); a run resumes only with the pipeline it started with.
    """
    import dask
    from distributed import as_completed, default_client

    started = time.monotonic()
    if kind is not None and kind not in ("inclusion", "exclusion"):
        raise CriteriaNLPError("S001", record="kind", detail=kind)
    pipeline = check_pipeline(pipeline)
    out_path = Path(out).absolute()
    if output_format(out_path) != "parquet":
        raise BatchError("B001", record=os.fspath(out_path), detail="annotate_bag writes partitioned Parquet: name the output .parquet")
    layout = Layout(out_path, "parquet", Path(errors).absolute() if errors is not None else None)
    client = client if client is not None else default_client()  # type: ignore[no-untyped-call]

    if hasattr(data, "to_delayed"):
        partitions: list[Any] = list(data.to_delayed())
        token = str(getattr(data, "name", "")) or dask.base.tokenize(data)
    else:
        partitions = [list(p) for p in data]
        token = dask.base.tokenize(partitions)
    from .about import __version__

    fingerprint = {
        "sources": [f"dask:{token}"],
        "format": "parquet",
        "kind": kind,
        "pipeline": pipeline,
        "partitions": len(partitions),
        "errors": os.fspath(layout.errors) if layout.errors is not None else None,
        "schema_version": SCHEMA_VERSION,
        "version": __version__,
    }
    with run_lock(layout):
        checkpoint, complete = _prepare(layout, fingerprint, resume=resume, overwrite=overwrite)
        if complete:
            return _bag_summary(layout, checkpoint, started, 0)
        writer = ParquetWriter(layout.partial)
        if checkpoint.header is None:
            writer.create()
            checkpoint.start({"fingerprint": fingerprint, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        elif checkpoint.done is None:
            writer.restore(None, set(checkpoint.parts))

        from dask.delayed import delayed

        task = delayed(analyse_partition, pure=False)
        todo = [
            task(index, partitions[index], os.fspath(layout.partial), kind, pipeline)
            for index in range(len(partitions))
            if index not in checkpoint.parts and checkpoint.done is None
        ]
        futures = client.compute(todo) if todo else []
        session = 0
        try:
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                result = future.result()
                checkpoint.add_part(result)  # the part's errors travel in its checkpoint line
                session += int(result["count"])
        except BaseException:
            client.cancel(futures)
            raise
        if layout.errors is not None and checkpoint.done is None:
            _write_bag_errors(layout, checkpoint)
        _finalize(layout, checkpoint)
        return _bag_summary(layout, checkpoint, started, session)


def _write_bag_errors(layout: Layout, checkpoint: Checkpoint) -> None:
    """Write the errors of every committed partition, in record order, to the staging errors file."""
    import json

    assert layout.errors_partial is not None
    entries = sorted((e for part in checkpoint.parts.values() for e in part.get("errors", ())), key=lambda e: int(e["record"]))
    layout.errors_partial.parent.mkdir(parents=True, exist_ok=True)
    with open(layout.errors_partial, "w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _bag_summary(layout: Layout, checkpoint: Checkpoint, started: float, session: int) -> RunSummary:
    totals = checkpoint.totals()
    records = totals["analysed"] + totals["failed"]
    return RunSummary(
        output=os.fspath(layout.out),
        format="parquet",
        complete=True,
        records=records,
        skipped=records - session,
        session_records=session,
        errors_file=os.fspath(layout.errors) if layout.errors is not None else None,
        seconds=time.monotonic() - started,
        **totals,
    )
