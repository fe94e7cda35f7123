"""Output tables: derived from the analysis model, flattened generically, identical in every format."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from criteria_nlp.errors import BatchError
from criteria_nlp.output import (
    CsvWriter,
    JsonlWriter,
    ParquetWriter,
    analysis_tables,
    encode,
    make_writer,
    output_format,
    read_results,
    table_columns,
)
from criteria_nlp.schema import (
    Age,
    Concept,
    Criterion,
    Eligibility,
    Entity,
    Intervention,
    Trial,
    TrialAnalysis,
    Value,
    Window,
)


def _analysis(n: int, text: str = "Inclusion Criteria:\n- Age >= 18 years") -> TrialAnalysis:
    trial = Trial(
        id=f"NCT{n:08d}",
        registry="ctgov",
        title=None if n % 2 else f"Trial {n}, with \"quotes\", commas\nand a new line",
        phases=["PHASE2", "PHASE3"],
        enrollment=None if n % 3 == 0 else 10 * n,
        conditions=["Lupus"],
        interventions=[Intervention(type="DRUG", name="X")],
        eligibility_text=text,
        eligibility=Eligibility(minimum_age=Age.of(18, "years"), sex="all", healthy_volunteers=bool(n % 2)),
        source=f"file{n}.json",
    )
    criteria = [Criterion(id="c1", kind="inclusion", text="Age >= 18 years", start=22, end=37, header="")]
    entities = [
        Entity(
            id="e1",
            criterion="c1",
            label="AGE",
            text="Age >= 18 years",
            start=22,
            end=37,
            concept=Concept(system="SNOMED", code="424144002", name=None),
            value=Value(operator=">=", low=18, unit="years", text=">= 18 years"),
            window=Window(duration_days=30.5, direction="past", text="past month") if n % 2 else None,
        )
    ]
    return TrialAnalysis(trial=trial, criteria=criteria, entities=entities if n % 4 else [])


def _list_fields() -> list[str]:
    return [name for name, f in TrialAnalysis.model_fields.items() if typing.get_origin(f.annotation) is list]


def test_output_tables_one_per_list_section() -> None:
    tables = table_columns()
    assert list(tables)[0] == "trials"
    assert set(tables) == {"trials", *_list_fields()}
    for name, columns in tables.items():
        assert [c.name for c in columns[:2]] == ["record", "trial_id"], name


@pytest.mark.parametrize(
    ("table", "column", "kind"),
    [
        ("trials", "eligibility_minimum_age_years", "float"),
        ("trials", "eligibility_minimum_age_value", "float"),
        ("trials", "eligibility_healthy_volunteers", "bool"),
        ("trials", "enrollment", "int"),
        ("trials", "phases", "json"),
        ("trials", "interventions", "json"),
        ("entities", "concept_system", "string"),
        ("entities", "value_operator", "string"),
        ("entities", "value_low", "float"),
        ("entities", "window_duration_days", "float"),
        ("entities", "negated", "bool"),
        ("criteria", "start", "int"),
    ],
)
def test_output_tables_column_kinds(table: str, column: str, kind: str) -> None:
    kinds = {c.name: c.kind for c in table_columns()[table]}
    assert kinds[column] == kind
    assert "id" not in {c.name for c in table_columns()["trials"]}


def test_output_tables_flatten_rows() -> None:
    data = _analysis(1).to_dict()
    tables = analysis_tables(data, 7)
    (trow,) = tables["trials"]
    assert trow["record"] == 7 and trow["trial_id"] == "NCT00000001"
    assert trow["eligibility_minimum_age_years"] == 18.0
    assert json.loads(trow["phases"]) == ["PHASE2", "PHASE3"]
    (erow,) = tables["entities"]
    assert erow["concept_code"] == "424144002" and erow["value_operator"] == ">=" and erow["window_direction"] == "past"
    assert erow["trial_id"] == "NCT00000001" and erow["record"] == 7
    assert "concept_name" not in erow  # None stays out (a null column)


def test_output_tables_flatten_any_list_section() -> None:
    """A section the model does not have yet still becomes its own table, nested dicts flattened."""
    data = _analysis(2).to_dict()
    data["findings"] = [{"code": "F1", "where": {"start": 1, "end": 2}}, {"code": "F2", "where": None}]
    data["tags"] = ["a", "b"]
    tables = analysis_tables(data, 0)
    assert tables["findings"] == [
        {"record": 0, "trial_id": "NCT00000002", "code": "F1", "where_start": 1, "where_end": 2},
        {"record": 0, "trial_id": "NCT00000002", "code": "F2"},
    ]
    assert [r["value"] for r in tables["tags"]] == ["a", "b"]


@pytest.mark.parametrize(("name", "fmt"), [("a.jsonl", "jsonl"), ("a.parquet", "parquet"), ("A.CSV", "csv"), ("x/y.Parquet", "parquet")])
def test_output_tables_format_from_name(name: str, fmt: str) -> None:
    assert output_format(name) == fmt


@pytest.mark.parametrize("name", ["a.json", "a.txt", "a", "a.parquet.gz"])
def test_output_tables_unsupported_format(name: str) -> None:
    with pytest.raises(BatchError) as info:
        output_format(name)
    assert info.value.code == "B001"


def _write(fmt: str, path: Path, analyses: list[TrialAnalysis], part_size: int) -> None:
    writer = make_writer(fmt, path)  # type: ignore[arg-type]
    writer.create()
    for start in range(0, len(analyses), part_size):
        chunk = analyses[start:start + part_size]
        writer.write_part(start // part_size, [encode(fmt, a.to_dict(), start + i) for i, a in enumerate(chunk)])  # type: ignore[arg-type]
    writer.close()


def test_output_tables_same_in_every_format(tmp_path: Path) -> None:
    analyses = [_analysis(n) for n in range(1, 12)]
    analyses.append(_analysis(99, text=""))
    frames = {}
    for fmt in ("jsonl", "parquet", "csv"):
        path = tmp_path / f"out.{fmt}"
        _write(fmt, path, analyses, part_size=5)
        frames[fmt] = read_results(path)
    assert set(frames["jsonl"]) == set(table_columns())
    for table, frame in frames["jsonl"].items():
        for fmt in ("parquet", "csv"):
            pd.testing.assert_frame_equal(frame, frames[fmt][table], obj=f"{fmt}:{table}")
    trials = frames["csv"]["trials"]
    assert trials["record"].tolist() == list(range(12))
    assert trials["title"].isna().tolist() == [bool(n % 2) for n in [*range(1, 12), 99]]
    assert trials.loc[1, "title"] == 'Trial 2, with "quotes", commas\nand a new line'
    assert trials.iloc[-1]["eligibility_text"] == ""  # an empty string is not a null, even in CSV
    assert trials.loc[0, "interventions"] == [{"type": "DRUG", "name": "X"}]
    assert str(trials["enrollment"].dtype) == "Int64" and str(trials["eligibility_healthy_volunteers"].dtype) == "boolean"


def test_output_tables_jsonl_round_trips(tmp_path: Path) -> None:
    analyses = [_analysis(n) for n in range(1, 6)]
    _write("jsonl", tmp_path / "out.jsonl", analyses, part_size=2)
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [TrialAnalysis.from_dict(json.loads(line)) for line in lines] == analyses


def test_output_tables_parquet_parts(tmp_path: Path) -> None:
    _write("parquet", tmp_path / "out.parquet", [_analysis(n) for n in range(1, 8)], part_size=3)
    for table in table_columns():
        names = sorted(p.name for p in (tmp_path / "out.parquet" / table).iterdir())
        assert names == ["part-000000.parquet", "part-000001.parquet", "part-000002.parquet"], table
    # each table folder is an ordinary Parquet dataset
    entities = pd.read_parquet(tmp_path / "out.parquet" / "entities")
    assert set(entities["trial_id"]) == {"NCT00000001", "NCT00000002", "NCT00000003", "NCT00000005", "NCT00000006", "NCT00000007"}


@pytest.mark.parametrize("writer_class", [JsonlWriter, CsvWriter, ParquetWriter])
def test_output_tables_restore_drops_uncommitted(tmp_path: Path, writer_class: Any) -> None:
    """Restoring to a checkpoint cuts appended bytes and deletes later parts and temporary files."""
    fmt = writer_class.fmt
    path = tmp_path / f"out.{fmt}"
    writer = writer_class(path)
    writer.create()
    offsets = writer.write_part(0, [encode(fmt, _analysis(1).to_dict(), 0)])
    writer.write_part(1, [encode(fmt, _analysis(2).to_dict(), 1)])
    writer.close()
    if fmt == "parquet":
        (path / "trials" / ".part-000002.parquet.tmp").write_bytes(b"half")
    restored = writer_class(path)
    restored.restore(offsets, {0})
    restored.close()
    frames = read_results(path)
    assert frames["trials"]["trial_id"].tolist() == ["NCT00000001"]
    if fmt == "parquet":
        assert sorted(p.name for p in (path / "trials").iterdir()) == ["part-000000.parquet"]


def test_output_tables_missing_output(tmp_path: Path) -> None:
    with pytest.raises(BatchError) as info:
        read_results(tmp_path / "none.parquet")
    assert info.value.code == "B006"
    (tmp_path / "run.csv.partial").mkdir()
    with pytest.raises(BatchError, match="--resume"):
        read_results(tmp_path / "run.csv")


def test_output_close_drops_bytes_of_a_failed_part(tmp_path: Path) -> None:
    """A part whose write failed (a full disk) leaves bytes in the buffer: closing drops them instead of failing
    again, so the run reports the full disk (B005) rather than a bare file error at exit."""
    import io

    from criteria_nlp.output import close_synced

    class Full(io.BufferedWriter):
        def flush(self) -> None:
            raise OSError(27, "File too large")

    raw = io.FileIO(tmp_path / "part.jsonl", "wb")
    handle = Full(raw)
    handle.write(b"unsynced")
    close_synced(handle)
    assert raw.closed
