"""``criteria-nlp read``: read trial records and segment their criteria."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._util import ENCODING_OPTION, PIPELINE_OPTION, app, as_sources, check_encoding, console, make_analyzer, open_output, report_error, write_json_line


@app.command("read")
def read_cli(
    sources: list[str] = typer.Argument(..., help="Files, folders, .zip archives, or - for stdin."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="JSON Lines file to write (default: stdout); written only when some trial is read."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Kind of criteria in text without headers: inclusion or exclusion."),
    encoding: Optional[str] = ENCODING_OPTION,
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Read trials in any supported format and write one analysis per line (trial and criteria).

    Exits with status 1 when a record cannot be read (the others are written), 2
    when a source names no file or folder. When no record at all can be read,
    no output file is written.
    """
    paths = as_sources(sources)
    check_encoding(encoding)
    analyzer = make_analyzer(pipeline)
    read = failed = 0
    with open_output(output) as handle:
        for result in analyzer.analyze_sources(paths, kind=kind, encoding=encoding):
            if isinstance(result, Exception):
                failed += 1
                report_error(result)
                continue
            read += 1
            write_json_line(handle, result.to_dict())
        if failed and not read:
            raise typer.Exit(code=1)  # nothing to keep: the output file is not written
    console.print(f"{read} trial(s) read, {failed} failed" + (f"; written to {output}" if output else ""), highlight=False)
    if failed:
        raise typer.Exit(code=1)
