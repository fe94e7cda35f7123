"""``criteria-nlp compare``: the rules of several trials side by side."""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Optional

import typer

from ._format import SUFFIX_FORMATS, atomic_path, choose_format, format_option, result_stream, table_console, write_rows
from ._util import PIPELINE_OPTION, analyze_all, app, console

if TYPE_CHECKING:
    import pandas as pd

#: output suffixes written by pandas (unless ``--format`` names a text format)
BINARY_FORMATS = (".parquet", ".xlsx")


def write_binary(frame: "pd.DataFrame", path: Path) -> None:
    """Write a comparison table as Parquet or Excel, by the file's suffix, under a temporary name moved into place when complete."""
    wide = frame.index.name == "key"
    with atomic_path(path) as temporary:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(temporary, index=wide)
        else:
            frame.to_excel(temporary, index=wide, sheet_name="comparison", engine="openpyxl")


def print_table(frame: "pd.DataFrame", handle: IO[str] | None = None) -> None:
    """Print a wide comparison table for people: one block of rows per section, "—" where a trial says nothing.

    On a terminal the table fits its width; elsewhere (a pipe, a file) no cell is wrapped.
    """
    import sys

    from rich.markup import escape
    from rich.table import Table

    out = table_console(handle or sys.stdout)
    folded = out.is_terminal
    trials = [c for c in frame.columns if c not in ("section", "category", "label")]
    titles = frame.attrs.get("titles", {})
    table = Table(show_lines=False, header_style="bold", title="Eligibility compared")
    table.add_column("rule", overflow="fold", max_width=36 if folded else None)
    for column in trials:
        title = titles.get(column, "")
        short = title if len(title) <= 40 else title[:39].rstrip() + "…"
        table.add_column(f"{escape(column)}\n[dim]{escape(short)}[/dim]" if short else escape(column), overflow="fold")
    section = None
    for _key, row in frame.iterrows():
        if row["section"] != section:
            section = row["section"]
            table.add_section()
            table.add_row(f"[bold cyan]{escape(str(section))}[/bold cyan]", *[""] * len(trials))
        table.add_row(escape(str(row["label"])), *[escape(str(row[c])) if row[c] else "[dim]—[/dim]" for c in trials])
    out.print(table)


def write_frame(frame: "pd.DataFrame", handle: IO[str], fmt: str) -> None:
    """The comparison in a text format: ``table`` (wide form only), ``csv``, ``tsv``, ``markdown`` or ``json`` (one object per row)."""
    wide = frame.index.name == "key"
    if fmt == "table":
        print_table(frame, handle)
    elif fmt in ("csv", "tsv"):
        frame.to_csv(handle, index=wide, sep="," if fmt == "csv" else "\t", lineterminator="\n")
    else:
        flat = frame.reset_index() if wide else frame
        rows: list[dict[str, Any]] = flat.astype(object).where(flat.notna(), None).to_dict("records")
        write_rows(handle, rows, [str(c) for c in flat.columns], fmt)


@app.command("compare")
def compare_cli(
    sources: list[str] = typer.Argument(..., help="Files, folders, .zip archives, or - for stdin."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o",
        help="File to write instead of stdout: .csv, .tsv, .md, .json/.jsonl, .txt (the table), .parquet or .xlsx.",
    ),
    fmt: Optional[str] = format_option("table on stdout (csv with --long), else the output file's suffix"),
    long: bool = typer.Option(False, "--long", help="One row per (trial, rule) instead of one row per rule."),
    structured: bool = typer.Option(True, "--structured/--no-structured", help="Include the registry's own fields (age, sex, healthy volunteers)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Kind of criteria in text without headers: inclusion or exclusion."),
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Compare the eligibility rules of several trials in one table, written on stdout (or to --output)."""
    from ..comparison import compare

    binary = output is not None and fmt is None and output.suffix.lower() in BINARY_FORMATS
    chosen = "binary" if binary else choose_format(fmt, output, "csv" if long else "table",
                                                   suffixes={**SUFFIX_FORMATS, **dict.fromkeys(BINARY_FORMATS, "binary")})
    if long and chosen == "table":
        raise typer.BadParameter("the long form has no table; use csv, tsv, markdown or json", param_hint="--format")
    analyses, failed = analyze_all(sources, kind=kind, command="compare", pipeline=pipeline)
    frame = compare(analyses, form="long" if long else "wide", include_structured=structured)
    if binary:
        assert output is not None
        write_binary(frame, output)
    else:
        with result_stream(output) as handle:
            write_frame(frame, handle, chosen)
    if output is not None and str(output) != "-":
        console.print(f"{len(analyses)} trial(s) compared, {len(frame)} row(s) written to {output}"
                      + (f"; {failed} failed" if failed else ""), highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(code=1)
