"""Batch runs: analyse whole registries into JSON Lines, Parquet or CSV, resumably.

``annotate(sources, out)`` reads every record in ``sources`` (files, folder
trees, the AllPublicXML .zip, JSON Lines, API v2 JSON pages, ``"-"`` for
stdin), analyses each trial and writes the results in input order; see
:mod:`criteria_nlp.output` for the formats and tables.

How a run is laid out on disk
-----------------------------

Records are numbered from 0 in input order and grouped into *parts* of
``batch_size`` records (part ``k`` holds records ``k*batch_size`` onwards).
While the run goes, everything is written under a staging name beside ``OUT``
(``OUT.partial``, and ``ERRORS.partial`` for the errors file); ``OUT`` itself
appears, by an atomic rename, only when the run is complete, so it is never
half written. Each part is written durably (Parquet: one file per table and
part, written to a temporary name, fsynced, renamed; JSON Lines and CSV: rows
appended and fsynced) and only then recorded in the checkpoint, a JSON Lines
file written last (``OUT.jsonl.checkpoint`` beside a .jsonl output,
``_checkpoint.jsonl`` inside a .parquet or .csv folder). A checkpoint line
holds the part's number, its record count, a digest of its records (position
and content), the counts for the summary, and the file sizes reached.

``resume=True`` after an interruption (Ctrl-C, a killed process, a full disk)
reads the checkpoint, cuts appended files back to the sizes it recorded,
deletes temporary files and parts it does not list, then reads the sources
again, skipping (and checking the digest of) the records of committed parts,
and goes on from the first uncommitted part: no record is lost or written
twice. A run whose sources or options (kind, pipeline, limit, batch size, format, errors
file, schema and package version) differ from the checkpoint's is refused
(``B002``); ``n_process`` and the engine may change between sessions. Without
``resume`` an existing output or interrupted run is never replaced unless
``overwrite`` says so (``B003``), and a run holds an exclusive lock
(``.OUT.lock`` beside the output) so a second run on the same output is
refused (``B010``).

Parallelism: ``n_process > 1`` runs the whole analysis (tokenizer, pipeline,
``TrialAnalysis`` and its encoding for the output) in worker processes that
inherit the loaded pipeline (fork; on platforms without fork each worker loads
it once); ``engine="dask"`` sends the same work to a Dask cluster (see
:mod:`criteria_nlp.distributed`). Results are written in input order either
way, and a bounded number of chunks is in flight, so memory does not grow with
the number of records.

A record that cannot be read or analysed is written to the errors file (its
position, source, id when known, code, reason) and the run goes on.
"""

from __future__ import annotations

import collections
import gc
import hashlib
import json
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import Executor, Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Literal, Mapping, Sequence

from pydantic import BaseModel

from .errors import BatchError, CriteriaNLPError
from .output import Format, PartWriter, close_synced, json_line, make_writer, output_format, truncate
from .schema import SCHEMA_VERSION, Trial

#: records per part (one checkpoint step, one Parquet file per table)
DEFAULT_BATCH_SIZE = 256
#: most trials sent to a worker at once
CHUNK_SIZE = 16
#: trials analysed in this process before workers are forked from it (see ``_Run.run``)
WARM_RECORDS = 32
KINDS = ("inclusion", "exclusion")
Engine = Literal["local", "dask"]


class RunSummary(BaseModel):
    """What a batch run did: counts over the whole output (all sessions) and this session's time.

    ``records`` = ``analysed`` + ``failed``; ``skipped`` counts records an earlier
    session had written (a resumed run does not analyse them again);
    ``session_records`` the records this session analysed or failed;
    ``seconds`` its wall time, of which ``startup_seconds`` went to building the
    pipeline in this process. ``written`` is False when no record could be
    analysed: the run then leaves no output behind (only its errors file).
    """

    output: str
    format: str
    complete: bool = False
    written: bool = True
    records: int = 0
    analysed: int = 0
    failed: int = 0
    skipped: int = 0
    session_records: int = 0
    criteria: int = 0
    entities: int = 0
    rules: int = 0
    computable_rules: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0
    errors_file: str | None = None

    @property
    def computable_share(self) -> float | None:
        """Share of rules that are computable (None when there are no rules)."""
        return self.computable_rules / self.rules if self.rules else None

    @property
    def records_per_second(self) -> float | None:
        """Records this session handled per second of wall time, start-up excluded."""
        seconds = self.seconds - self.startup_seconds
        return self.session_records / seconds if seconds > 0 and self.session_records else None


# ---------------------------------------------------------------- worker side


@dataclass
class Outcome:
    """The result for one record: an encoded payload and counts, or an error entry."""

    record: int
    payload: Any = None
    counts: tuple[int, int, int, int] = (0, 0, 0, 0)
    error: dict[str, Any] | None = None


#: this process's analyzers, by pipeline name (see ``worker_analyzer``)
_ANALYZERS: dict[str, Any] = {}
_LOCK = threading.RLock()
#: how many times this process built the pipeline (tests check it is once per worker)
LOADS = 0


def worker_analyzer(pipeline: str | None = None) -> Any:
    """The ``Analyzer`` of ``pipeline`` in this process, built on first use and kept (one per worker process).

    ``pipeline``: a name or a saved pipeline's folder; None for ``DEFAULT_PIPELINE``.
    """
    global LOADS
    pipeline = pipeline_name(pipeline)
    with _LOCK:
        if pipeline not in _ANALYZERS:
            from .analyzer import Analyzer

            analyzer = Analyzer(pipeline=pipeline)
            warm_up(analyzer)
            _freeze()
            _ANALYZERS[pipeline] = analyzer
            LOADS += 1
        return _ANALYZERS[pipeline]


#: analysed once when a process builds its pipeline, so that what components build on first use
#: (indexes, the speller, caches) is built before workers are forked from it, not once per worker
WARM_UP_TEXT = """Inclusion Criteria:
- Men and women aged 18 years or older with systemic lupus erythematosus (SLE)
- Hemoglobin >= 9 g/dL, ALT <= 2.5 x ULN, eGFR > 30 mL/min/1.73 m2, HbA1c between 7% and 10%
- Stable dose of hydroxychloroquine or prednisone 10 mg/day for at least 8 weeks
Exclusion Criteria:
- History of myocardial infarction or stroke within the past 6 months
- Prior treatment with rituximab, methotrexate or cyclophosphamide
- Pregnant or breastfeeding women; active hepatitis B, hepatitis C or HIV infection
- Malignancy within 5 years, other than basal cell carcinoma of the skin
- Diabetis melitus requiring insulin; glomerulonefritis; ECOG performance status of 2 or more
"""


def warm_up(analyzer: Any) -> None:
    """Analyse a small sample so that components build what they build lazily (once per process)."""
    try:
        analyzer(WARM_UP_TEXT)
    except Exception:  # a broken component shows on the first real record, with its record named
        pass


def _freeze() -> None:
    """Move the objects alive now (the loaded, warmed pipeline) out of the cyclic garbage collector's sight.

    The pipeline holds over a million long-lived objects (term indexes,
    lexicons, the speller) that are never garbage: a full collection walked
    them all (about 0.5 s) and, in a forked worker, wrote to every page holding
    them (copy on write). Garbage is collected first, so none is frozen. Done
    here, for a worker's one pipeline, and not by ``Analyzer``: in a program
    that keeps its results, later full collections come more often once the
    pipeline no longer counts among the long-lived objects.
    """
    gc.collect()
    gc.freeze()


def set_worker_analyzer(analyzer: Any, pipeline: str | None = None) -> None:
    """Use ``analyzer`` for ``pipeline`` (None: ``DEFAULT_PIPELINE``) in this process and the processes forked from it."""
    with _LOCK:
        _ANALYZERS[pipeline_name(pipeline)] = analyzer


def pipeline_name(pipeline: str | None) -> str:
    """``pipeline``, or the name of the default one for None (``criteria_nlp.pipeline.pipeline_name``, imported late)."""
    from .pipeline import pipeline_name as resolve

    return resolve(pipeline)


def check_pipeline(pipeline: str | None) -> str:
    """The name of ``pipeline`` if it is one (``"fast"``, ``"default"``, None) or a saved one's folder; else B007."""
    from .pipeline import PIPELINES

    pipeline = pipeline_name(pipeline)
    if pipeline in PIPELINES or Path(pipeline).is_dir():
        return pipeline
    raise BatchError("B007", record="pipeline", detail=f"expected {' or '.join(map(repr, PIPELINES))} or the folder of a saved pipeline, not {pipeline!r}")


def counts_of(data: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """(criteria, entities, rules, computable rules) of one analysis dict; criteria exclude lead-ins and headings."""
    criteria = sum(1 for c in data.get("criteria") or () if not isinstance(c, dict) or c.get("role", "criterion") == "criterion")
    rules = data.get("rules") or ()
    computable = sum(1 for r in rules if isinstance(r, dict) and r.get("computable"))
    return criteria, len(data.get("entities") or ()), len(rules), computable


def split_record(record: str) -> tuple[str, str | None]:
    """A reader's record name ``source (ID)`` as (source, id)."""
    if record.endswith(")") and " (" in record:
        source, _, rest = record.rpartition(" (")
        ident = rest[:-1]
        if ident and " " not in ident and "(" not in ident:
            return source, ident
    return record, None


def error_entry(record: int, exc: BaseException, stage: str, trial: Trial | None = None) -> dict[str, Any]:
    """The errors-file entry for a record that failed (reading or analysis)."""
    if isinstance(exc, CriteriaNLPError):
        source, ident = split_record(exc.record)
        code, reason = exc.code, str(exc)
    else:
        name = (trial.source or trial.id) if trial is not None else "<record>"
        wrapped = BatchError("B004", record=name, detail=f"{type(exc).__name__}: {exc}"[:2000])
        source, ident, code, reason = name, None, wrapped.code, str(wrapped)
    if trial is not None:
        source, ident = trial.source or source, trial.id
    entry: dict[str, Any] = {"record": record, "source": source, "id": ident, "code": code, "reason": reason, "stage": stage}
    if not isinstance(exc, CriteriaNLPError):
        entry["traceback"] = "".join(traceback.format_exception(exc, limit=-8))[-4000:]
    return entry


def analyse_one(analyzer: Any, record: int, trial: Trial, kind: str | None, fmt: Format) -> Outcome:
    """Analyse one trial and encode it for ``fmt``; any exception becomes an error outcome."""
    from .output import encode

    try:
        data = analyzer(trial, kind=kind).to_dict()
        return Outcome(record, encode(fmt, data, record), counts_of(data))
    except Exception as exc:  # one bad record must not stop a registry-wide run
        return Outcome(record, error=error_entry(record, exc, "analysis", trial))


def analyse_chunk(items: Sequence[tuple[int, Trial]], kind: str | None, fmt: Format,
                  pipeline: str | None = None) -> list[Outcome]:
    """Analyse a chunk of (record, trial) pairs with this process's pipeline (the task workers run)."""
    analyzer = worker_analyzer(pipeline)
    with _LOCK:  # one analysis at a time per process, whatever the worker's thread count
        return [analyse_one(analyzer, record, trial, kind, fmt) for record, trial in items]


def _ignore_sigint() -> None:
    """Worker set-up: Ctrl-C is the parent's to handle, and a worker dies with its parent (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: no orphans after a SIGKILL of the run
        except (OSError, AttributeError):
            pass


# ---------------------------------------------------------------- checkpoint


def record_key(record: int, item: Trial | CriteriaNLPError) -> bytes:
    """What the checkpoint digest covers for one record: its position and its content."""
    if isinstance(item, Trial):
        try:
            body = item.model_dump_json()
        except ValueError:  # a lone surrogate in the text (from a JSON escape)
            body = json.dumps(item.model_dump(mode="python"), ensure_ascii=True, default=str)
    else:
        body = f"error\x00{item.code}\x00{item.record}"
    return f"{record}\x00{body}\x01".encode("utf-8", "surrogatepass")


class Checkpoint:
    """The run's checkpoint: a header line, one line per committed part, a ``done`` line.

    Lines are appended and fsynced; a torn last line (a crash while writing it)
    is dropped on load, which makes its part uncommitted.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: dict[str, Any] | None = None
        self.parts: dict[int, dict[str, Any]] = {}
        self.done: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: Path) -> "Checkpoint":
        """Read a checkpoint, cutting off a torn last line."""
        checkpoint = cls(path)
        good = 0
        with open(path, "rb") as handle:
            for line in handle:
                try:
                    entry = json.loads(line) if line.endswith(b"\n") else None
                except json.JSONDecodeError:
                    entry = None
                if not isinstance(entry, dict):
                    break
                good += len(line)
                kind = entry.get("type")
                if kind == "run":
                    checkpoint.header = entry
                elif kind == "part":
                    checkpoint.parts[int(entry["part"])] = entry
                elif kind == "done":
                    checkpoint.done = entry
        if good < path.stat().st_size:
            truncate(path, good)
        return checkpoint

    def _append(self, entry: dict[str, Any]) -> None:
        with open(self.path, "ab") as handle:
            handle.write(json_line(entry))
            handle.flush()
            os.fsync(handle.fileno())

    def start(self, header: dict[str, Any]) -> None:
        """Write the header of a new run (the file must not exist)."""
        self.header = {"type": "run", **header}
        with open(self.path, "xb"):
            pass
        self._append(self.header)

    def add_part(self, entry: dict[str, Any]) -> None:
        """Record a part whose data is already durable."""
        entry = {"type": "part", **entry}
        self._append(entry)
        self.parts[int(entry["part"])] = entry

    def finish(self, entry: dict[str, Any]) -> None:
        """Mark the run complete."""
        self.done = {"type": "done", **entry}
        self._append(self.done)

    def totals(self) -> dict[str, int]:
        """Summed counts of the committed parts."""
        keys = ("analysed", "failed", "criteria", "entities", "rules", "computable_rules")
        out = dict.fromkeys(keys, 0)
        for part in self.parts.values():
            for key in keys:
                out[key] += int(part.get("counts", {}).get(key, 0))
        return out


# ---------------------------------------------------------------- the run's files


@dataclass
class Layout:
    """Where a run's output, staging copy, checkpoint and errors file live."""

    out: Path
    fmt: Format
    errors: Path | None

    @property
    def partial(self) -> Path:
        """The staging name the run writes to until it is complete."""
        return self.out.with_name(self.out.name + ".partial")

    def checkpoint(self, complete: bool) -> Path:
        """The checkpoint of the finished output (``complete``) or of the staging copy."""
        if self.fmt == "jsonl":
            return self.out.with_name(self.out.name + ".checkpoint")
        return (self.out if complete else self.partial) / "_checkpoint.jsonl"

    @property
    def errors_partial(self) -> Path | None:
        """The staging name of the errors file."""
        return self.errors.with_name(self.errors.name + ".partial") if self.errors is not None else None


@contextmanager
def run_lock(layout: Layout) -> Iterator[None]:
    """Hold an exclusive lock on ``layout.out`` for a run (``.OUT.lock`` beside it); B010 when another run holds it."""
    path = layout.out.with_name(f".{layout.out.name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no advisory locks on this platform
            fcntl = None  # type: ignore[assignment]
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise BatchError("B010", record=os.fspath(layout.out), detail=f"{path.name} is locked; let that run finish") from None
        try:
            yield
        finally:
            try:
                path.unlink()
            except OSError:
                pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


class ErrorsWriter:
    """Appends error entries (JSON Lines) to the staging errors file, synced with each part."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def create(self) -> None:
        """Create an empty errors file."""
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "wb") as handle:
                handle.flush()
                os.fsync(handle.fileno())

    def restore(self, size: int) -> None:
        """Cut the errors file back to a checkpointed size."""
        if self.path is None:
            return
        if not self.path.exists():
            if size:
                raise BatchError("B002", record=os.fspath(self.path), detail="the checkpoint names errors but the errors file is gone")
            self.create()
            return
        truncate(self.path, size)

    def write(self, entries: Sequence[dict[str, Any]]) -> int:
        """Append entries, sync, and return the file's size."""
        if self.path is None:
            return 0
        if self._handle is None:
            self._handle = open(self.path, "ab")
        if entries:
            self._handle.write(b"".join(json_line(e) for e in entries))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        return self._handle.tell()

    def close(self) -> None:
        """Close the file."""
        if self._handle is not None:
            close_synced(self._handle)
            self._handle = None


def describe_sources(sources: Any) -> list[str]:
    """The sources as the checkpoint records them: absolute paths, ``-``, or a digest of content."""
    if isinstance(sources, (list, tuple)):
        return [d for s in sources for d in describe_sources(s)]
    if isinstance(sources, (bytes, bytearray, memoryview)):
        return ["bytes:" + hashlib.sha256(bytes(sources)).hexdigest()]
    if isinstance(sources, os.PathLike) or (isinstance(sources, str) and sources != "-"):
        text = os.fspath(sources)
        from .read.sources import is_path

        if isinstance(sources, os.PathLike) or is_path(text):
            return [os.path.abspath(text)]
        return ["text:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()]
    if sources == "-":
        return ["-"]
    return [f"<{type(sources).__name__}>"]


# ---------------------------------------------------------------- progress


class _Progress:
    """A rich progress bar (records/s, ETA) on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool | None, total: int | None, completed: int) -> None:
        from rich.console import Console

        console = Console(stderr=True)
        self.enabled = console.is_terminal if enabled is None else enabled
        self._progress: Any = None
        self._last = 0.0
        if not self.enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text("--.- rec/s" if speed is None else f"{speed:,.1f} rec/s", style="progress.data.speed")

        self._progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            auto_refresh=False,  # no refresh thread: worker processes are forked
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("annotating", total=total, completed=completed)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more records; redraw at most ten times a second."""
        if self._progress is None:
            return
        self._progress.advance(self._task, n)
        now = time.monotonic()
        if now - self._last > 0.1:
            self._last = now
            self._progress.refresh()

    def close(self) -> None:
        """Draw the final state and stop."""
        if self._progress is not None:
            self._progress.refresh()
            self._progress.stop()
            self._progress = None


def estimate_total(sources: Any) -> int | None:
    """A cheap estimate of the number of records (files in folders and archives, lines of JSON Lines); None when unknown."""
    import zipfile

    if isinstance(sources, (list, tuple)):
        total = 0
        for source in sources:
            part = estimate_total(source)
            if part is None:
                return None
            total += part
        return total
    if not isinstance(sources, (str, os.PathLike)) or os.fspath(sources) == "-":
        return None
    path = Path(os.fspath(sources))
    try:
        if path.is_dir():
            count = 0
            for root, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__MACOSX"]
                count += sum(1 for f in files if not f.startswith("."))
            return count
        if not path.is_file():
            return None
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return sum(1 for i in archive.infolist() if not i.is_dir() and not any(p.startswith(".") for p in i.filename.split("/")))
        with open(path, "rb") as handle:
            head = handle.read(1 << 16).lstrip()
            if head[:1] == b"[":
                return None  # a JSON list: unknown until read
            if head[:1] == b"{":
                handle.seek(0)
                lines = sum(1 for line in handle if line.strip())
                return max(lines, 1)
        return 1
    except OSError:
        return None


# ---------------------------------------------------------------- the run


@dataclass
class _Slot:
    """Outcomes of consecutive records, ready or still computed by a worker."""

    future: Future[list[Outcome]] | None = None
    ready: list[Outcome] | None = None

    def done(self) -> bool:
        return self.ready is not None or (self.future is not None and self.future.done())

    def result(self) -> list[Outcome]:
        if self.ready is not None:
            return self.ready
        assert self.future is not None
        return self.future.result()


class _Run:
    """One session of a batch run (see the module docstring for the protocol)."""

    def __init__(
        self,
        sources: Any,
        layout: Layout,
        *,
        batch_size: int,
        kind: str | None,
        limit: int | None,
        checkpoint: Checkpoint,
        writer: PartWriter,
        errors: ErrorsWriter,
        progress: _Progress,
        on_error: Callable[[dict[str, Any]], None] | None,
        pipeline: str,
        encoding: str | None = None,
    ) -> None:
        self.sources = sources
        self.encoding = encoding
        self.pipeline = pipeline
        self.layout = layout
        self.batch_size = batch_size
        self.kind = kind
        self.limit = limit
        self.checkpoint = checkpoint
        self.writer = writer
        self.errors = errors
        self.progress = progress
        self.on_error = on_error
        self.committed = set(checkpoint.parts)
        self.digests: dict[int, Any] = {}
        self.verify: dict[int, tuple[Any, int]] = {}
        self.current: int | None = None
        self.buffer: list[Outcome] = []
        self.session_records = 0
        self.skipped = 0
        self.seen = 0

    # -- input side

    def produce(self, chunk_size: int) -> Iterator[_Slot | list[tuple[int, Trial]]]:
        """Walk the records: skip committed parts (checking their digest), yield chunks of trials and ready error outcomes."""
        from .read import iter_records

        records: Iterator[Any] = iter_records(self.sources, encoding=self.encoding)
        if self.limit is not None:
            records = islice(records, self.limit)
        chunk: list[tuple[int, Trial]] = []
        position = -1
        for position, item in enumerate(records):
            part = position // self.batch_size
            key = record_key(position, item)
            if part in self.committed:
                self._check(part, position, key)
                continue
            digest = self.digests.get(part)
            if digest is None:
                digest = self.digests[part] = hashlib.blake2b(digest_size=16)
            digest.update(key)
            if isinstance(item, Trial):
                if chunk and (len(chunk) >= chunk_size or chunk[0][0] // self.batch_size != part):
                    yield chunk
                    chunk = []
                chunk.append((position, item))
                continue
            if chunk:
                yield chunk
                chunk = []
            yield _Slot(ready=[Outcome(position, error=error_entry(position, item, "read"))])
        if chunk:
            yield chunk
        self.seen = position + 1
        unchecked = [p for p in self.committed if p not in self.verify or self.verify[p][1] != -1]
        if unchecked:
            raise BatchError("B002", record=os.fspath(self.layout.out), detail=f"the input has fewer records than the checkpoint (part {min(unchecked)})")

    def _check(self, part: int, position: int, key: bytes) -> None:
        entry = self.checkpoint.parts[part]
        digest, left = self.verify.get(part, (None, int(entry["count"])))
        if digest is None:
            digest = hashlib.blake2b(digest_size=16)
        if left <= 0:
            raise BatchError("B002", record=os.fspath(self.layout.out), detail=f"the input changed since the checkpoint (record {position})")
        digest.update(key)
        left -= 1
        if left == 0:
            if digest.hexdigest() != entry["digest"]:
                raise BatchError("B002", record=os.fspath(self.layout.out), detail=f"the input changed since the checkpoint (records of part {part})")
            left = -1
        self.verify[part] = (digest, left)
        self.skipped += 1

    # -- output side

    def consume(self, outcomes: list[Outcome]) -> None:
        """Take results in input order; commit a part as soon as it is whole (or the input ends)."""
        for outcome in outcomes:
            part = outcome.record // self.batch_size
            if self.current is not None and part != self.current:
                self.commit()
            self.current = part
            self.buffer.append(outcome)
            self.session_records += 1
            if outcome.error is not None and self.on_error is not None:
                self.on_error(outcome.error)
            if len(self.buffer) == self.batch_size:  # the part is whole: commit it now
                self.commit()
        self.progress.advance(len(outcomes))

    def commit(self) -> None:
        """Write the buffered part durably, then record it in the checkpoint."""
        if self.current is None or not self.buffer:
            return
        part, outcomes = self.current, self.buffer
        good = [o for o in outcomes if o.error is None]
        bad = [o.error for o in outcomes if o.error is not None]
        try:
            offsets = self.writer.write_part(part, [o.payload for o in good])
            errors_size = self.errors.write(bad)
        except OSError as exc:
            raise BatchError("B005", record=os.fspath(self.layout.partial), detail=exc.strerror or str(exc)) from exc
        counts = {
            "analysed": len(good),
            "failed": len(bad),
            "criteria": sum(o.counts[0] for o in good),
            "entities": sum(o.counts[1] for o in good),
            "rules": sum(o.counts[2] for o in good),
            "computable_rules": sum(o.counts[3] for o in good),
        }
        digest = self.digests.pop(part)
        self.checkpoint.add_part(
            {
                "part": part,
                "first": outcomes[0].record,
                "count": len(outcomes),
                "digest": digest.hexdigest(),
                "counts": counts,
                "offsets": offsets,
                "errors_size": errors_size,
            }
        )
        self.buffer = []
        self.current = None

    def run(
        self, make_executor: Callable[[], Executor | None], max_in_flight: int, chunk_size: int, warm_records: int = 0
    ) -> None:
        """Analyse everything not yet committed, in order, with at most ``max_in_flight`` chunks out.

        The first ``warm_records`` trials are analysed here before ``make_executor``
        is called, so that workers forked afterwards inherit what the pipeline
        builds on first use (indexes, caches) instead of each building it again.
        """
        pending: collections.deque[_Slot] = collections.deque()
        fmt = self.layout.fmt
        executor: Executor | None = None
        analyzer: Any = None
        started = False
        try:
            for item in self.produce(chunk_size):
                if isinstance(item, _Slot):
                    pending.append(item)
                elif warm_records > 0:
                    analyzer = analyzer or worker_analyzer(self.pipeline)
                    pending.append(_Slot(ready=[analyse_one(analyzer, r, t, self.kind, fmt) for r, t in item]))
                    warm_records -= len(item)
                else:
                    if not started:
                        executor, started = make_executor(), True
                    if executor is None:
                        analyzer = analyzer or worker_analyzer(self.pipeline)
                        pending.append(_Slot(ready=[analyse_one(analyzer, r, t, self.kind, fmt) for r, t in item]))
                    else:
                        pending.append(_Slot(future=executor.submit(analyse_chunk, item, self.kind, fmt, self.pipeline)))
                while pending and (len(pending) > max_in_flight or pending[0].done()):
                    self.consume(pending.popleft().result())
            while pending:
                self.consume(pending.popleft().result())
            self.commit()
        finally:
            for slot in pending:
                if slot.future is not None:
                    slot.future.cancel()


def _fingerprint(sources: Any, layout: Layout, *, kind: str | None, limit: int | None, batch_size: int,
                 pipeline: str, encoding: str | None = None) -> dict[str, Any]:
    from .about import __version__

    return {
        "sources": describe_sources(sources),
        "encoding": encoding,
        "format": layout.fmt,
        "kind": kind,
        "pipeline": pipeline,
        "limit": limit,
        "batch_size": batch_size,
        "errors": os.path.abspath(layout.errors) if layout.errors is not None else None,
        "schema_version": SCHEMA_VERSION,
        "version": __version__,
    }


def _fingerprint_mismatch(saved: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> str | None:
    if saved is None or not isinstance(saved.get("fingerprint"), dict):
        return "it has no run header"
    for key, value in wanted.items():
        if saved["fingerprint"].get(key) != value:
            return f"{key} was {saved['fingerprint'].get(key)!r}, now {value!r}"
    return None


def _summary(layout: Layout, checkpoint: Checkpoint, **extra: Any) -> RunSummary:
    totals = checkpoint.totals()
    return RunSummary(
        output=os.fspath(layout.out),
        format=layout.fmt,
        records=totals["analysed"] + totals["failed"],
        errors_file=os.fspath(layout.errors) if layout.errors is not None else None,
        **totals,
        **extra,
    )


def _finalize(layout: Layout, checkpoint: Checkpoint) -> None:
    """Mark the checkpoint done (if not yet) and move the staging copies to their final names."""
    if checkpoint.done is None:
        checkpoint.finish({"parts": len(checkpoint.parts), **checkpoint.totals()})
    if layout.errors is not None and layout.errors_partial is not None and layout.errors_partial.exists():
        os.replace(layout.errors_partial, layout.errors)
    if layout.partial.exists():
        if layout.out.exists():
            _remove(layout.out)
        os.replace(layout.partial, layout.out)
    from .output import fsync_dir

    fsync_dir(layout.out.parent)


def _discard(layout: Layout) -> None:
    """A finished run that analysed no record: remove its staging output and checkpoint, keep the errors file."""
    if layout.errors is not None and layout.errors_partial is not None and layout.errors_partial.exists():
        os.replace(layout.errors_partial, layout.errors)
    _remove(layout.partial)
    if layout.fmt == "jsonl":
        _remove(layout.checkpoint(complete=False))


def _prepare(layout: Layout, fingerprint: dict[str, Any], *, resume: bool, overwrite: bool) -> tuple[Checkpoint, bool]:
    """Find or create the run's checkpoint; returns it and whether the output is already complete."""
    out, partial = layout.out, layout.partial
    final_checkpoint = layout.checkpoint(complete=True)
    if out.exists() and not partial.exists():
        if resume and final_checkpoint.exists():
            checkpoint = Checkpoint.load(final_checkpoint)
            problem = _fingerprint_mismatch(checkpoint.header, fingerprint)
            if problem:
                raise BatchError("B002", record=os.fspath(out), detail=problem)
            if checkpoint.done is None:
                raise BatchError("B002", record=os.fspath(out), detail="the output exists but its checkpoint is not complete")
            return checkpoint, True
        if not overwrite:
            hint = "it is not a criteria-nlp output" if not final_checkpoint.exists() else "pass --resume to continue it or --overwrite to start again"
            raise BatchError("B003", record=os.fspath(out), detail=hint)
        if out.is_dir() and not final_checkpoint.exists() and any(out.iterdir()):
            raise BatchError("B003", record=os.fspath(out), detail="it is a folder that criteria-nlp did not write; remove it yourself")
        _remove(out)
        _remove(final_checkpoint)
    if partial.exists():
        staging_checkpoint = layout.checkpoint(complete=False)
        if not resume:
            if not overwrite:
                raise BatchError("B003", record=os.fspath(partial), detail="an interrupted run is here; pass --resume to continue it or --overwrite to start again")
        elif staging_checkpoint.exists():
            checkpoint = Checkpoint.load(staging_checkpoint)
            if checkpoint.header is not None:
                problem = _fingerprint_mismatch(checkpoint.header, fingerprint)
                if problem:
                    raise BatchError("B002", record=os.fspath(out), detail=problem)
                return checkpoint, False
        # no usable checkpoint (a crash before its header was written) or --overwrite: start again
        _remove(partial)
        if layout.fmt == "jsonl":
            _remove(staging_checkpoint)
    if layout.fmt == "jsonl":
        _remove(layout.checkpoint(complete=False))
    return Checkpoint(layout.checkpoint(complete=False)), False


@contextmanager
def dask_executor(*, scheduler: str | None = None, client: Any = None, n_workers: int = 1) -> Iterator[tuple[Any, int]]:
    """A ``concurrent.futures`` executor on a Dask cluster and how many chunks to keep in flight.

    Uses ``client`` when given, else connects to ``scheduler``, else starts a
    ``LocalCluster`` of ``n_workers`` single-threaded processes (closed on exit).
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise BatchError("B008", record="dask", detail=f"distributed is not installed ({exc})") from None
    owned: list[Any] = []
    try:
        if client is None:
            if scheduler:
                try:
                    client = Client(scheduler, timeout="30s")  # type: ignore[no-untyped-call]
                except (OSError, TimeoutError) as exc:
                    raise BatchError("B008", record=scheduler, detail=f"cannot connect to the scheduler: {exc}") from None
            else:
                cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                owned.append(cluster)
                client = Client(cluster)  # type: ignore[no-untyped-call]
            owned.insert(0, client)
        threads = sum(client.nthreads().values()) or n_workers
        yield client.get_executor(pure=False), 2 * threads + 1
    finally:
        for resource in owned:
            resource.close()


@contextmanager
def _local_executor(n_process: int, pipeline: str) -> Iterator[Executor | None]:
    """``None`` (analyse in this process) for one process, else a pool of forked workers."""
    if n_process <= 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from multiprocessing.context import BaseContext

    methods = multiprocessing.get_all_start_methods()
    context: BaseContext
    if "fork" in methods and sys.platform.startswith("linux"):
        context = multiprocessing.get_context("fork")  # workers inherit the loaded pipeline
        initializer: Callable[..., None] = _ignore_sigint
        initargs: tuple[Any, ...] = ()
    else:
        context = multiprocessing.get_context("spawn")
        initializer, initargs = _spawn_initializer, (pipeline,)
    pool = ProcessPoolExecutor(max_workers=n_process, mp_context=context, initializer=initializer, initargs=initargs)
    try:
        yield pool
    except BaseException:
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    else:
        pool.shutdown(wait=True)


def _spawn_initializer(pipeline: str) -> None:
    _ignore_sigint()
    worker_analyzer(pipeline)


def annotate(
    sources: Any,
    out: str | os.PathLike[str],
    *,
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    resume: bool = False,
    errors: str | os.PathLike[str] | None = None,
    kind: str | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    on_error: Callable[[dict[str, Any]], None] | None = None,
    client: Any = None,
    pipeline: str | None = None,
    encoding: str | None = None,
) -> RunSummary:
    """Analyse every record in ``sources`` and write the results to ``out`` (.jsonl, .parquet or .csv).

    ``n_process``: worker processes (local engine) or local Dask workers (dask
    engine without ``scheduler``/``client``). ``batch_size``: records per
    written part and checkpoint step. ``resume``: continue an interrupted run of
    the same command (or start one). ``errors``: a JSON Lines file for the
    records that could not be read or analysed. ``kind``: kind of criteria in
    text without headers. ``engine="dask"`` with ``scheduler`` (an address such
    as ``tcp://host:8786``) or ``client`` (a ``distributed.Client``) runs the
    analysis on a cluster. ``limit``: stop after that many records.
    ``overwrite``: replace an existing output. ``progress``: a progress bar on
    stderr (default: when stderr is a terminal). ``on_error``: called with each
    error entry as it is met. ``pipeline``: ``"fast"`` (rules and lexicons),
    ``"default"`` (with the trained NER) or a saved pipeline's folder; a run
    resumes only with the pipeline it started with. ``encoding``: that of
    files without a byte-order mark (default UTF-8).

    ``sources`` are paths (``str`` or ``os.PathLike``), ``"-"``, bytes or lists
    of them; a path that names no existing file or folder raises ``ReadError``
    R008 before anything is written. Raises ``BatchError`` for a run that
    cannot start (B001 format, B002 checkpoint of another run, B003 output
    exists, B007 bad option) or that cannot write (B005); a failed record never
    raises. The output appears under its name only when the run is complete,
    and not at all when every record failed (``RunSummary.written`` is False;
    the errors file is kept).
    """
    started = time.monotonic()
    if kind is not None and kind not in KINDS:
        raise CriteriaNLPError("S001", record="--kind", detail=kind)
    for name, value in (("n_process", n_process), ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise BatchError("B007", record=name, detail=f"expected a whole number of at least 1, not {value!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise BatchError("B007", record="limit", detail=f"expected a whole number of at least 0, not {limit!r}")
    if engine not in ("local", "dask"):
        raise BatchError("B007", record="engine", detail=f"expected 'local' or 'dask', not {engine!r}")
    pipeline = check_pipeline(pipeline)
    from .read import missing_paths
    from .read.sources import no_such_path

    missing = missing_paths(sources)
    if missing:
        raise no_such_path(missing[0])
    out_path = Path(out)
    layout = Layout(out_path, output_format(out_path), Path(errors) if errors is not None else None)
    if layout.errors is not None and layout.errors.resolve() == out_path.resolve():
        raise BatchError("B007", record="errors", detail="the errors file cannot be the output")
    fingerprint = _fingerprint(sources, layout, kind=kind, limit=limit, batch_size=batch_size, pipeline=pipeline, encoding=encoding)
    with run_lock(layout):
        checkpoint, complete = _prepare(layout, fingerprint, resume=resume, overwrite=overwrite)
        if complete:
            done = checkpoint.totals()
            return _summary(layout, checkpoint, complete=True, skipped=done["analysed"] + done["failed"], seconds=time.monotonic() - started)

        writer = make_writer(layout.fmt, layout.partial)
        errors_writer = ErrorsWriter(layout.errors_partial)
        if checkpoint.header is None:
            if layout.errors is not None and layout.errors.exists() and not overwrite and not resume:
                raise BatchError("B003", record=os.fspath(layout.errors), detail="pass --overwrite to replace it")
            writer.create()
            errors_writer.create()
            checkpoint.start({"fingerprint": fingerprint, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        elif checkpoint.done is None:
            last = max(checkpoint.parts) if checkpoint.parts else None
            entry = checkpoint.parts[last] if last is not None else {}
            writer.restore(entry.get("offsets"), set(checkpoint.parts))
            errors_writer.restore(int(entry.get("errors_size", 0)))
        if checkpoint.done is not None:  # every part was written; only the final renames were missing
            _finalize(layout, checkpoint)
            return _summary(layout, checkpoint, complete=True, seconds=time.monotonic() - started)

        previous = sum(int(p["count"]) for p in checkpoint.parts.values())
        total = estimate_total(sources)
        if total is not None and limit is not None:
            total = min(total, limit)
        startup = 0.0
        forking = engine == "local" and n_process > 1 and sys.platform.startswith("linux")
        if engine == "local" and (n_process == 1 or forking):
            loading = time.monotonic()
            worker_analyzer(pipeline)  # built once here (and inherited by forked workers)
            startup = time.monotonic() - loading
        bar = _Progress(progress, total, previous)
        run = _Run(
            sources, layout, batch_size=batch_size, kind=kind, limit=limit, checkpoint=checkpoint,
            writer=writer, errors=errors_writer, progress=bar, on_error=on_error, pipeline=pipeline, encoding=encoding,
        )
        with ExitStack() as stack:
            stack.callback(bar.close)
            stack.callback(errors_writer.close)
            stack.callback(writer.close)
            if engine == "dask":
                executor, slots = stack.enter_context(dask_executor(scheduler=scheduler, client=client, n_workers=n_process))
                run.run(lambda: executor, max_in_flight=slots, chunk_size=CHUNK_SIZE)
            else:
                run.run(
                    lambda: stack.enter_context(_local_executor(n_process, pipeline)),
                    max_in_flight=2 * n_process + 1,
                    chunk_size=min(CHUNK_SIZE, batch_size),
                    warm_records=WARM_RECORDS if forking else 0,
                )
        errors_writer.close()
        writer.close()
        totals = checkpoint.totals()
        if totals["failed"] and not totals["analysed"]:  # every record failed: nothing worth an output
            _discard(layout)
            return _summary(
                layout, checkpoint, complete=True, written=False, skipped=run.skipped, session_records=run.session_records,
                seconds=time.monotonic() - started, startup_seconds=startup,
            )
        _finalize(layout, checkpoint)
        return _summary(
            layout, checkpoint, complete=True, skipped=run.skipped, session_records=run.session_records,
            seconds=time.monotonic() - started, startup_seconds=startup,
        )
