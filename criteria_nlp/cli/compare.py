"""``criteria-nlp compare``: the rules of several trials side by side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from ._util import PIPELINE_OPTION, analyze_all, app, console, report_error

if TYPE_CHECKING:
    import pandas as pd

#: output suffix -> pandas writer
FORMATS = (".csv", ".parquet", ".xlsx")


def write_table(frame: "pd.DataFrame", path: Path) -> None:
    """Write a comparison table as CSV (UTF-8), Parquet or Excel, by the file's suffix (B001 otherwise)."""
    from ..errors import CriteriaNLPError

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CriteriaNLPError("B001", record=str(path), detail=f"use {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    wide = frame.index.name == "key"
    if suffix == ".csv":
        frame.to_csv(path, index=wide, encoding="utf-8", lineterminator="\n")
    elif suffix == ".parquet":
        frame.to_parquet(path, index=wide)
    else:
        frame.to_excel(path, index=wide, sheet_name="comparison")


def print_table(frame: "pd.DataFrame") -> None:
    """Print a wide comparison table for people: one block of rows per section, "—" where a trial says nothing."""
    from rich.table import Table

    trials = [c for c in frame.columns if c not in ("section", "category", "label")]
    titles = frame.attrs.get("titles", {})
    table = Table(show_lines=False, header_style="bold", title="Eligibility compared")
    table.add_column("rule", overflow="fold", max_width=36)
    for column in trials:
        title = titles.get(column, "")
        short = title if len(title) <= 40 else title[:39].rstrip() + "…"
        table.add_column(f"{column}\n[dim]{short}[/dim]" if short else column, overflow="fold")
    section = None
    for key, row in frame.iterrows():
        if row["section"] != section:
            section = row["section"]
            table.add_section()
            table.add_row(f"[bold cyan]{section}[/bold cyan]", *[""] * len(trials))
        table.add_row(row["label"], *[row[c] or "[dim]—[/dim]" for c in trials])
    console.print(table)


@app.command("compare")
def compare_cli(
    sources: list[str] = typer.Argument(..., help="Files, folders, .zip archives, or - for stdin."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Table to write: .csv, .parquet or .xlsx (default: print it; --long prints CSV on stdout)."),
    long: bool = typer.Option(False, "--long", help="One row per (trial, rule) instead of one row per rule."),
    structured: bool = typer.Option(True, "--structured/--no-structured", help="Include the registry's own fields (age, sex, healthy volunteers)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Kind of criteria in text without headers: inclusion or exclusion."),
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Compare the eligibility rules of several trials in one table."""
    from ..comparison import compare
    from ..errors import CriteriaNLPError

    if output is not None and output.suffix.lower() not in FORMATS:
        report_error(CriteriaNLPError("B001", record=str(output), detail=f"use {', '.join(FORMATS)}"))
        raise typer.Exit(code=2)
    analyses, failed = analyze_all(sources, kind=kind, command="compare", pipeline=pipeline)
    frame = compare(analyses, form="long" if long else "wide", include_structured=structured)
    if output is not None:
        write_table(frame, output)
        console.print(f"{len(analyses)} trial(s) compared, {len(frame)} row(s) written to {output}"
                      + (f"; {failed} failed" if failed else ""), highlight=False)
    elif long:
        typer.echo(frame.to_csv(index=False, lineterminator="\n"), nl=False)
    else:
        print_table(frame)
    if failed:
        raise typer.Exit(code=1)
