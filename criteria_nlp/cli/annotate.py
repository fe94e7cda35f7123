"""``criteria-nlp annotate``: analyse whole registries into JSON Lines, Parquet or CSV, resumably.

Exit codes: 0 every record was analysed; 1 some records failed (every good one
is written; see ``--errors``; when every record fails no output is written); 2 a
usage error (a source that names no file or folder, bad option, output of
another run, unsupported format); 3 the run stopped before its end (the output cannot
be written, or the Dask engine cannot start): fix the cause and run the same
command with ``--resume``; 130 interrupted (Ctrl-C): run it again with
``--resume``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape

from ..errors import BatchError, CriteriaNLPError
from ._util import ENCODING_OPTION, PIPELINE_OPTION, USAGE_CODES, app, as_sources, check_encoding, check_pipeline_option, console, report_error

#: errors printed on stderr when no --errors file is given
MAX_PRINTED_ERRORS = 20


@app.command("annotate")
def annotate_cli(
    sources: list[str] = typer.Argument(..., help="Files, folders, .zip archives, JSON Lines, API v2 JSON pages, or - for stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="OUT.jsonl, OUT.parquet (a folder of tables) or OUT.csv (a folder of CSV files)."),
    n_process: int = typer.Option(1, "--n-process", min=1, help="Worker processes (local engine) or local Dask workers."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Records per written part and checkpoint step."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run of the same command (or start it)."),
    errors: Optional[Path] = typer.Option(None, "--errors", help="JSON Lines file for the records that cannot be read or analysed."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Kind of criteria in text without headers: inclusion or exclusion."),
    engine: str = typer.Option("local", "--engine", help="local (this machine) or dask (a Dask cluster)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (with --engine dask)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Stop after this many records."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output (and errors file)."),
    encoding: Optional[str] = ENCODING_OPTION,
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Analyse every record and write one analysis per trial (.jsonl) or one table per section (.parquet, .csv)."""
    from ..batch import RunSummary, annotate

    if kind is not None and kind not in ("inclusion", "exclusion"):
        raise typer.BadParameter(f"expected inclusion or exclusion, not {kind!r}", param_hint="--kind")
    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"expected local or dask, not {engine!r}", param_hint="--engine")
    if scheduler is not None and engine != "dask":
        raise typer.BadParameter("a scheduler needs --engine dask", param_hint="--scheduler")
    paths = as_sources(sources)
    check_encoding(encoding)
    check_pipeline_option(pipeline)
    printed = [0]

    def on_error(entry: dict[str, Any]) -> None:
        if errors is None:
            printed[0] += 1
            if printed[0] <= MAX_PRINTED_ERRORS:
                console.print(f"[red]error[/red] record {entry['record']}: {escape(str(entry['reason']))}", highlight=False, soft_wrap=True)

    try:
        summary: RunSummary = annotate(
            paths, output, n_process=n_process, batch_size=batch_size, resume=resume, errors=errors,
            kind=kind, engine=engine, scheduler=scheduler, limit=limit, overwrite=overwrite, on_error=on_error, pipeline=pipeline,  # type: ignore[arg-type]
            encoding=encoding,
        )
    except KeyboardInterrupt:
        console.print(f"interrupted; run the same command with --resume to continue ({output})", highlight=False, soft_wrap=True, markup=False)
        raise typer.Exit(code=130) from None
    except BatchError as exc:
        report_error(exc)
        raise typer.Exit(code=3 if exc.code in ("B005", "B008") else 2) from None
    except CriteriaNLPError as exc:
        report_error(exc)
        raise typer.Exit(code=2 if exc.code in USAGE_CODES else 1) from None
    if printed[0] > MAX_PRINTED_ERRORS:
        console.print(f"... and {printed[0] - MAX_PRINTED_ERRORS} more error(s); pass --errors FILE to keep them all", highlight=False, soft_wrap=True)
    print_summary(summary)
    if summary.failed:
        raise typer.Exit(code=1)


def print_summary(summary: Any) -> None:
    """The end-of-run summary on stderr."""
    rate = summary.records_per_second
    where = summary.output if summary.written else f"{summary.output} (not written: no record could be analysed)"
    lines = [
        f"{summary.records:,} record(s) in {where}: {summary.analysed:,} analysed, {summary.failed:,} failed"
        + (f" ({summary.skipped:,} from an earlier session)" if summary.skipped else ""),
        f"{summary.criteria:,} criteria, {summary.entities:,} entities, {summary.rules:,} rules"
        + (f", {summary.computable_share:.1%} computable" if summary.computable_share is not None else ""),
        f"{summary.seconds:,.1f} s"
        + (f" ({summary.startup_seconds:,.1f} s loading the pipeline)" if summary.startup_seconds else "")
        + (f", {rate:,.1f} records/s" if rate else ""),
    ]
    if summary.failed and summary.errors_file:
        lines.append(f"failed records: {summary.errors_file}")
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True, markup=False)
