"""Output formats of batch runs: JSON Lines, and one table per section as Parquet or CSV.

An output's format comes from its name:

* ``OUT.jsonl``: one ``TrialAnalysis.to_dict()`` per line (UTF-8, input order).
* ``OUT.parquet``: a folder with one sub-folder per table, each holding one
  Parquet file per written part (``OUT.parquet/entities/part-000003.parquet``,
  zstd-compressed, one row group each). A sub-folder reads as one dataset with
  ``pandas.read_parquet("OUT.parquet/entities")``, ``pyarrow.dataset`` or Dask,
  and parts are written as the run goes, so a run never holds more than one
  part in memory.
* ``OUT.csv``: a folder with one CSV file per table (``OUT.csv/trials.csv``,
  ``OUT.csv/entities.csv``, ...), header first, rows appended part by part.
  Strings are always quoted and nulls are left empty, so an empty string
  (``""``) and a missing value (nothing) stay apart.

Tables (derived from the ``TrialAnalysis`` model, so a new ``list[...]`` section
becomes a new table without changes here):

* ``trials``: one row per trial: the trial's fields, nested dicts flattened
  (``eligibility.minimum_age.years`` -> ``eligibility_minimum_age_years``),
  ``id`` as ``trial_id``, and the analysis' own scalar fields (``schema_version``);
* one table per list section of the analysis (``criteria``, ``duplicates``,
  ``entities``, ``rules``, ``issues``, ...): one row per item, nested dicts
  flattened the same way (``concept`` -> ``concept_system``, ``concept_code``;
  ``value`` -> ``value_operator``, ``value_low``, ...; ``window`` ->
  ``window_duration_days``, ...).

Every row starts with ``record`` (the record's position in the run's input,
from 0; unique within one output, so it joins tables even when a trial id
occurs twice) and ``trial_id``. Lists inside a row (``phases``,
``conditions``, ``interventions``, a rule's ``exceptions``) are JSON text in
the files; ``read_results`` decodes them back to lists. Column types follow the
model: ``int`` -> int64, ``float`` (and ``int | float``) -> float64, ``bool`` ->
bool, strings and literals -> string, always nullable.
"""

from __future__ import annotations

import json
import os
import re
import types
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator, Literal, Mapping, Sequence, Union, get_args, get_origin

from pydantic import BaseModel

from .errors import BatchError, json_detail
from .schema import TrialAnalysis

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

Format = Literal["jsonl", "parquet", "csv"]
ColumnKind = Literal["string", "int", "float", "bool", "json"]

#: output suffix -> format
SUFFIXES: dict[str, Format] = {".jsonl": "jsonl", ".parquet": "parquet", ".csv": "csv"}
#: columns every table starts with
KEY_COLUMNS = ("record", "trial_id")
TRIALS = "trials"
PART_NAME = "part-{index:06d}.parquet"


@dataclass(frozen=True)
class Column:
    """One column of an output table: its name and its kind of value."""

    name: str
    kind: ColumnKind


def output_format(out: str | os.PathLike[str]) -> Format:
    """The format an output path asks for (by its suffix); ``BatchError`` B001 for any other."""
    suffix = Path(out).suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        raise BatchError("B001", record=os.fspath(out), detail=f"name it .jsonl, .parquet or .csv, not {suffix or 'no suffix'!r}")
    return fmt


# ---------------------------------------------------------------- tables from the model


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _kind(annotation: Any) -> ColumnKind | type[BaseModel]:
    """How a field of this type is stored: a column kind, or a model to flatten."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return _kind(inner[0])
        if all(a in (int, float) for a in inner):
            return "float"
        return "json"
    if origin is Literal:
        values = get_args(annotation)
        if all(isinstance(v, bool) for v in values):
            return "bool"
        if all(isinstance(v, str) for v in values):
            return "string"
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "int"
        return "json"
    if origin is not None:
        return "json"  # list[...], dict[...], tuple[...]
    if _is_model(annotation):
        return annotation  # type: ignore[no-any-return]
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if annotation is str:
        return "string"
    return "json"


def _list_item(annotation: Any) -> Any | None:
    """The item type of a ``list[X]`` field (optional or not), else None."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _list_item(inner[0]) if len(inner) == 1 else None
    if origin in (list, tuple) and get_args(annotation):
        return get_args(annotation)[0]
    return None


def _model_columns(model: type[BaseModel], prefix: str, skip: frozenset[str] = frozenset()) -> list[Column]:
    columns: list[Column] = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        kind = _kind(field.annotation)
        if isinstance(kind, str):
            columns.append(Column(prefix + name, kind))
        else:
            columns.extend(_model_columns(kind, f"{prefix}{name}_"))
    return columns


@lru_cache(maxsize=4)
def table_columns(model: type[BaseModel] = TrialAnalysis) -> dict[str, tuple[Column, ...]]:
    """The tables of an output and their columns, derived from the analysis model.

    ``trials`` gets the ``trial`` field (``id`` as ``trial_id``) and every other
    non-list field; each ``list[...]`` field becomes a table of its own.
    """
    keys = [Column("record", "int"), Column("trial_id", "string")]
    trials: list[Column] = list(keys)
    tables: dict[str, list[Column]] = {TRIALS: trials}
    for name, field in model.model_fields.items():
        item = _list_item(field.annotation)
        if item is not None:
            kind = _kind(item)
            columns = _model_columns(kind, "") if not isinstance(kind, str) else [Column("value", kind)]
            tables[name] = keys + columns
            continue
        kind = _kind(field.annotation)
        if name == "trial" and not isinstance(kind, str):
            trials.extend(_model_columns(kind, "", skip=frozenset({"id"})))
        elif isinstance(kind, str):
            trials.append(Column(name, kind))
        else:
            trials.extend(_model_columns(kind, f"{name}_"))
    out: dict[str, tuple[Column, ...]] = {}
    for table, columns in tables.items():
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            duplicated = sorted({n for n in names if names.count(n) > 1})
            raise BatchError("B009", record=table, detail=f"the flattened columns clash: {', '.join(duplicated)}")
        out[table] = tuple(columns)
    return out


@lru_cache(maxsize=4)
def _json_columns(model: type[BaseModel] = TrialAnalysis) -> dict[str, frozenset[str]]:
    return {table: frozenset(c.name for c in cols if c.kind == "json") for table, cols in table_columns(model).items()}


#: ``json.dumps(value, ensure_ascii=False)`` without building an encoder on each call
_to_json = json.JSONEncoder(ensure_ascii=False).encode
_SCALARS = (str, int, float, bool)


def _flatten(data: Mapping[str, Any], prefix: str, row: dict[str, Any], as_json: frozenset[str], skip: str | None = None) -> None:
    for key, value in data.items():
        if value is None or key == skip:
            continue  # a missing value, or a missing nested model: its columns stay null
        name = prefix + key
        if type(value) in _SCALARS:
            row[name] = value
        elif isinstance(value, dict) and name not in as_json:
            _flatten(value, name + "_", row, as_json)
        elif isinstance(value, (list, tuple, dict)):
            row[name] = _to_json(value) if value else ("{}" if isinstance(value, dict) else "[]")
        else:
            row[name] = value


def analysis_tables(data: Mapping[str, Any], record: int) -> dict[str, list[dict[str, Any]]]:
    """Flatten one ``TrialAnalysis.to_dict()`` into rows, one list per table.

    Works on any dict of that shape: ``trial`` and other dict/scalar fields go
    to ``trials``; every list field becomes its own table.
    """
    as_json = _json_columns()
    trial = data.get("trial") or {}
    trial_id = trial.get("id") if isinstance(trial, dict) else None
    trow: dict[str, Any] = {"record": record, "trial_id": trial_id}
    tables: dict[str, list[dict[str, Any]]] = {TRIALS: [trow]}
    for key, value in data.items():
        if key == "trial" and isinstance(value, dict):
            _flatten(value, "", trow, as_json.get(TRIALS, frozenset()), skip="id")
        elif isinstance(value, list):
            rows = tables.setdefault(key, [])
            table_json = as_json.get(key, frozenset())
            for item in value:
                row: dict[str, Any] = {"record": record, "trial_id": trial_id}
                if isinstance(item, dict):
                    _flatten(item, "", row, table_json)
                else:
                    row["value"] = _to_json(item) if "value" in table_json else item
                rows.append(row)
        elif isinstance(value, dict):
            _flatten(value, key + "_", trow, as_json.get(TRIALS, frozenset()))
        else:
            trow[key] = value
    return tables


# ---------------------------------------------------------------- Arrow


def _arrow_type(kind: ColumnKind) -> "pa.DataType":
    import pyarrow as pa

    return {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "json": pa.string()}[kind]


def arrow_schema(table: str) -> "pa.Schema":
    """The Arrow schema of one output table (``BatchError`` B001 for an unknown table)."""
    import pyarrow as pa

    columns = table_columns().get(table)
    if columns is None:
        raise BatchError("B001", record=table, detail="no such table in this schema version")
    return pa.schema([pa.field(c.name, _arrow_type(c.kind), nullable=True) for c in columns])


def arrow_table(table: str, rows: Sequence[Mapping[str, Any]]) -> "pa.Table":
    """Rows of one table as an Arrow table with the table's fixed schema.

    A table unknown to the model (an output written by another schema version)
    gets an inferred schema; a column unknown to the model is an error, never
    dropped silently.
    """
    import pyarrow as pa

    try:
        return _arrow_table(table, rows)
    except UnicodeEncodeError:  # a lone surrogate (from a JSON "\\ud800" escape): Arrow strings are UTF-8
        return _arrow_table(table, [{k: _valid_text(v) for k, v in row.items()} for row in rows])


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_text(value: Any) -> Any:
    """``value`` with lone surrogates replaced by U+FFFD when it is a string."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def _arrow_table(table: str, rows: Sequence[Mapping[str, Any]]) -> "pa.Table":
    import pyarrow as pa

    if table not in table_columns():
        return pa.Table.from_pylist(list(rows))
    schema = arrow_schema(table)
    names = set(schema.names)
    seen: set[str] = set()
    for row in rows:
        seen.update(row)
    unknown = seen - names
    if unknown:
        raise BatchError("B009", record=table, detail=f"columns the schema does not know: {', '.join(sorted(unknown))}")
    return pa.Table.from_pylist(list(rows), schema=schema)


# ---------------------------------------------------------------- encoding (runs in worker processes)


def json_line(data: Any) -> bytes:
    """One JSON line as UTF-8; a lone surrogate is written as a ``\\udXXX`` escape, so the file stays valid UTF-8."""
    try:
        return (_to_json(data) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(data, ensure_ascii=True) + "\n").encode("ascii")


def encode(fmt: Format, data: Mapping[str, Any], record: int) -> Any:
    """What a worker sends back for one analysis: a JSON line (bytes) or rows per table."""
    if fmt == "jsonl":
        return json_line(data)
    return analysis_tables(data, record)


# ---------------------------------------------------------------- writers


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (new and renamed files) to disk, where the platform allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def close_synced(handle: IO[Any]) -> None:
    """Close a file whose parts are synced as they are written. Bytes still buffered come from a part whose
    write failed (a full disk): that part was never committed and ``--resume`` cuts the file back to the
    checkpoint, so they are dropped, and the failure already reported is not replaced by another at close."""
    try:
        handle.close()
    except OSError:
        pass  # the buffered writer closes its file even when the last flush fails


def _sync(handle: IO[bytes]) -> int:
    handle.flush()
    os.fsync(handle.fileno())
    return handle.tell()


class PartWriter:
    """Writes the parts of one run into a staging path; every method is crash-safe.

    ``write_part`` returns the byte offsets reached (for appended files), which
    the checkpoint stores; ``restore`` puts the staging path back to the state a
    checkpoint describes (truncating appended files, deleting uncommitted parts).
    """

    fmt: Format

    def __init__(self, path: Path) -> None:
        self.path = path

    def create(self) -> None:
        """Create the empty output (first run)."""
        raise NotImplementedError

    def restore(self, offsets: Mapping[str, int] | None, parts: set[int]) -> None:
        """Return to the state after the committed ``parts`` (``offsets`` from the last of them)."""
        raise NotImplementedError

    def write_part(self, index: int, payloads: Sequence[Any]) -> dict[str, int]:
        """Write one part durably; return the offsets to record in the checkpoint."""
        raise NotImplementedError

    def close(self) -> None:
        """Release open files."""


class JsonlWriter(PartWriter):
    """Appends JSON lines to one file; a checkpoint holds the size after each part."""

    fmt: Format = "jsonl"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._handle: IO[bytes] | None = None

    def create(self) -> None:
        """Create an empty file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "wb") as handle:
            _sync(handle)
        fsync_dir(self.path.parent)

    def restore(self, offsets: Mapping[str, int] | None, parts: set[int]) -> None:
        """Cut the file back to the size the last committed part left."""
        size = (offsets or {}).get("data", 0)
        if not self.path.exists():
            if size:
                raise BatchError("B002", record=os.fspath(self.path), detail="the checkpoint names parts but the output file is gone")
            self.create()
            return
        truncate(self.path, size)

    def _open(self) -> IO[bytes]:
        if self._handle is None:
            self._handle = open(self.path, "ab")
        return self._handle

    def write_part(self, index: int, payloads: Sequence[Any]) -> dict[str, int]:
        """Append the part's lines and sync."""
        handle = self._open()
        handle.write(b"".join(payloads))
        return {"data": _sync(handle)}

    def close(self) -> None:
        """Close the file."""
        if self._handle is not None:
            close_synced(self._handle)
            self._handle = None


def truncate(path: Path, size: int) -> None:
    """Cut ``path`` to ``size`` bytes (a checkpointed size); B002 when the file is shorter."""
    actual = path.stat().st_size
    if actual < size:
        raise BatchError("B002", record=os.fspath(path), detail=f"the file has {actual} bytes, the checkpoint expects at least {size}")
    if actual > size:
        with open(path, "r+b") as handle:
            handle.truncate(size)
            _sync(handle)


class ParquetWriter(PartWriter):
    """One Parquet file per table and part, written to a hidden temporary name, synced, then renamed."""

    fmt: Format = "parquet"

    def create(self) -> None:
        """Create the folder and one sub-folder per table."""
        self.path.mkdir(parents=True, exist_ok=True)
        for table in table_columns():
            (self.path / table).mkdir(exist_ok=True)
        fsync_dir(self.path)

    def restore(self, offsets: Mapping[str, int] | None, parts: set[int]) -> None:
        """Delete temporary files and parts the checkpoint does not list."""
        self.create()
        for folder in self.path.iterdir():
            if not folder.is_dir():
                continue
            for file in folder.iterdir():
                if file.name.startswith(".") and file.name.endswith(".tmp"):
                    file.unlink()
                elif file.name.startswith("part-") and part_index(file.name) not in parts:
                    file.unlink()
            fsync_dir(folder)

    def write_part(self, index: int, payloads: Sequence[Any]) -> dict[str, int]:
        """Write every table of the part (zero-row tables too, so every table has its schema)."""
        write_parquet_part(self.path, index, payloads)
        return {}


def part_index(name: str) -> int | None:
    """The part number in a file name ``part-000012.parquet`` (None for other names)."""
    stem = name.split(".", 1)[0]
    if not stem.startswith("part-"):
        return None
    try:
        return int(stem[5:])
    except ValueError:
        return None


def merge_rows(payloads: Sequence[Mapping[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """Concatenate the per-record rows of a part, table by table (every known table present)."""
    merged: dict[str, list[dict[str, Any]]] = {table: [] for table in table_columns()}
    for tables in payloads:
        for table, rows in tables.items():
            merged.setdefault(table, []).extend(rows)
    return merged


def write_parquet_part(folder: Path, index: int, payloads: Sequence[Mapping[str, list[dict[str, Any]]]]) -> list[Path]:
    """Write one part of every table under ``folder`` atomically (temporary file, fsync, rename)."""
    import pyarrow.parquet as pq

    written: list[Path] = []
    temporaries: list[Path] = []
    try:
        for table, rows in merge_rows(payloads).items():
            target_dir = folder / table
            target_dir.mkdir(parents=True, exist_ok=True)
            final = target_dir / PART_NAME.format(index=index)
            temporary = target_dir / f".{final.name}.tmp"
            temporaries.append(temporary)
            with open(temporary, "wb") as handle:
                pq.write_table(arrow_table(table, rows), handle, compression="zstd")
                _sync(handle)
            os.replace(temporary, final)
            written.append(final)
        for path in {p.parent for p in written}:
            fsync_dir(path)
    finally:
        for temporary in temporaries:
            if temporary.exists():
                temporary.unlink()
    return written


class CsvWriter(PartWriter):
    """One CSV file per table; rows appended part by part; sizes kept in the checkpoint."""

    fmt: Format = "csv"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._handles: dict[str, IO[bytes]] = {}

    def _file(self, table: str) -> Path:
        return self.path / f"{table}.csv"

    def create(self) -> None:
        """Create the folder and every table's file with its header."""
        self.path.mkdir(parents=True, exist_ok=True)
        for table in table_columns():
            self._create_table(table)
        fsync_dir(self.path)

    def _create_table(self, table: str) -> None:
        with open(self._file(table), "wb") as handle:
            handle.write(csv_header(table))
            _sync(handle)

    def restore(self, offsets: Mapping[str, int] | None, parts: set[int]) -> None:
        """Cut every table's file back to the size the last committed part left."""
        self.path.mkdir(parents=True, exist_ok=True)
        for table in table_columns():
            path = self._file(table)
            size = (offsets or {}).get(table)
            if not path.exists():
                if size is not None and size > len(csv_header(table)):
                    raise BatchError("B002", record=os.fspath(path), detail="the checkpoint names parts but the file is gone")
                self._create_table(table)
                continue
            truncate(path, size if size is not None else len(csv_header(table)))

    def write_part(self, index: int, payloads: Sequence[Any]) -> dict[str, int]:
        """Append the part's rows to each table's file and sync."""
        import pyarrow.csv as pacsv

        offsets: dict[str, int] = {}
        for table, rows in merge_rows(payloads).items():
            handle = self._handles.get(table)
            if handle is None:
                if not self._file(table).exists():
                    self._create_table(table)
                handle = self._handles[table] = open(self._file(table), "ab")
            if rows:
                pacsv.write_csv(arrow_table(table, rows), handle, write_options=_csv_options(header=False))
            offsets[table] = _sync(handle)
        return offsets

    def close(self) -> None:
        """Close every table's file."""
        for handle in self._handles.values():
            close_synced(handle)
        self._handles.clear()


def _csv_options(header: bool) -> Any:
    import pyarrow.csv as pacsv

    return pacsv.WriteOptions(include_header=header, quoting_style="needed")


@lru_cache(maxsize=64)
def csv_header(table: str) -> bytes:
    """The header line of a table's CSV file."""
    return (",".join(f'"{c.name}"' for c in table_columns()[table]) + "\n").encode("utf-8")


def make_writer(fmt: Format, path: Path) -> PartWriter:
    """The writer for one format, writing under ``path``."""
    writers: dict[str, type[PartWriter]] = {"jsonl": JsonlWriter, "parquet": ParquetWriter, "csv": CsvWriter}
    return writers[fmt](path)


# ---------------------------------------------------------------- reading results back


def read_results(out: str | os.PathLike[str]) -> dict[str, "pd.DataFrame"]:
    """Read a batch output (``.jsonl``, ``.parquet`` or ``.csv``) as one DataFrame per table.

    Every format gives the same tables, columns and dtypes (nullable ``Int64``,
    ``Float64``, ``boolean``, ``string``; list columns decoded from JSON to
    Python lists), so results compare across formats. ``BatchError`` B006 when
    there is nothing complete to read at ``out``.
    """
    path = Path(out)
    fmt = output_format(path)
    if not path.exists():
        partial = path.with_name(path.name + ".partial")
        detail = "the run was interrupted; finish it with --resume" if partial.exists() else "no such output"
        raise BatchError("B006", record=os.fspath(path), detail=detail)
    if fmt == "jsonl":
        tables = _read_jsonl(path)
    elif fmt == "parquet":
        tables = _read_parquet(path)
    else:
        tables = _read_csv(path)
    return {name: _to_pandas(name, table) for name, table in tables.items()}


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The analyses in a JSON Lines output, one dict at a time."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise BatchError("B006", record=f"{path}:{number}", detail=f"malformed JSON ({json_detail(exc)})") from None


def _read_jsonl(path: Path) -> dict[str, "pa.Table"]:
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in table_columns()}
    for record, data in enumerate(iter_jsonl(path)):
        for table, table_rows in analysis_tables(data, record).items():
            rows.setdefault(table, []).extend(table_rows)
    return {table: arrow_table(table, table_rows) for table, table_rows in rows.items()}


def _read_parquet(path: Path) -> dict[str, "pa.Table"]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables: dict[str, pa.Table] = {}
    names = list(table_columns()) + sorted(p.name for p in path.iterdir() if p.is_dir() and p.name not in table_columns())
    for name in names:
        folder = path / name
        files = sorted(f for f in folder.iterdir() if part_index(f.name) is not None) if folder.is_dir() else []
        if not files:
            tables[name] = arrow_schema(name).empty_table() if name in table_columns() else pa.table({})
            continue
        parts = [pq.read_table(f) for f in files]
        tables[name] = pa.concat_tables(parts, promote_options="default")
    return tables


def _read_csv(path: Path) -> dict[str, "pa.Table"]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    tables: dict[str, pa.Table] = {}
    known = table_columns()
    files = {f.stem: f for f in path.glob("*.csv")}
    for name in list(known) + sorted(set(files) - set(known)):
        file = files.get(name)
        if file is None:
            tables[name] = arrow_schema(name).empty_table()
            continue
        types_ = {f.name: f.type for f in arrow_schema(name)} if name in known else {}
        tables[name] = pacsv.read_csv(
            file,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types_, strings_can_be_null=True, quoted_strings_can_be_null=False, null_values=[""]
            ),
        )
    return tables


def _to_pandas(name: str, table: "pa.Table") -> "pd.DataFrame":
    import pandas as pd
    import pyarrow as pa

    mapping = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}
    frame = table.to_pandas(types_mapper=mapping.get)
    for column in _json_columns().get(name, frozenset()):
        if column in frame.columns:
            frame[column] = pd.Series([None if v is pd.NA or v is None else json.loads(v) for v in frame[column]], index=frame.index, dtype=object)
    return frame
