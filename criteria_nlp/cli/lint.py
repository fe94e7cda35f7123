"""``criteria-nlp lint``: quality checks of trials' eligibility criteria."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from ._format import choose_format, format_option, result_stream, table_console, write_rows
from ._util import PIPELINE_OPTION, app, as_sources, console, make_analyzer, report_error, write_json_line

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
#: the columns of the csv, tsv and markdown forms: one row per issue
COLUMNS = ("trial", "severity", "code", "criterion", "rule", "message")


@app.command("lint")
def lint_cli(
    sources: list[str] = typer.Argument(..., help="Files, folders, .zip archives, or - for stdin."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write instead of stdout (.txt, .csv, .tsv, .md, .json/.jsonl)."),
    fmt: Optional[str] = format_option("table on stdout, else the output file's suffix; csv, tsv and markdown have one row per issue, json one object per trial"),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json: one JSON object per trial, {trial, issues}."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Kind of criteria in text without headers: inclusion or exclusion."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Leave out info-level issues."),
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Check trials' criteria for contradictions, registry mismatches, duplicates and typing errors.

    The report goes to stdout (or --output), the totals to stderr. Exits with
    status 1 when any trial has an error-level issue (or cannot be read).
    """
    from rich.markup import escape

    from ..quality import lint, summarize

    chosen = "json" if as_json and fmt is None else choose_format(fmt, output, "table")
    paths = as_sources(sources)
    analyzer = make_analyzer(pipeline)
    totals = {"error": 0, "warning": 0, "info": 0}
    trials = failed = 0
    rows: list[dict[str, Any]] = []
    with result_stream(output) as handle:
        out = table_console(handle) if chosen == "table" else None
        for result in analyzer.analyze_sources(paths, kind=kind):
            if isinstance(result, Exception):
                failed += 1
                report_error(result)
                continue
            trials += 1
            issues = [i for i in lint(result) if not (quiet and i.severity == "info")]
            counts = summarize(issues)
            for severity, count in counts.items():
                totals[severity] += count
            if chosen == "json":
                write_json_line(handle, {"trial": result.trial.id, "issues": [i.model_dump(mode="json") for i in issues]})
            elif out is None:
                rows.extend({"trial": result.trial.id, **i.model_dump(mode="json")} for i in issues)
            else:
                out.print(f"[bold]{escape(result.trial.id)}[/bold] {escape(result.trial.title or '')}  "
                          f"[red]{counts['error']} error(s)[/red], [yellow]{counts['warning']} warning(s)[/yellow], "
                          f"{counts['info']} info", soft_wrap=True)
                for issue in issues:
                    where = f" {issue.criterion}" if issue.criterion else ""
                    style = _STYLE[issue.severity]
                    out.print(f"  [{style}]{issue.severity:<7}[/{style}] {issue.code}{where}: {escape(issue.message)}", soft_wrap=True)
        if not trials and failed:
            raise typer.Exit(code=1)  # nothing was checked: no report is written
        if chosen not in ("json", "table"):
            write_rows(handle, rows, COLUMNS, chosen)
    console.print(f"{trials} trial(s) checked: {totals['error']} error(s), {totals['warning']} warning(s), "
                  f"{totals['info']} info" + (f"; {failed} could not be read" if failed else ""), highlight=False)
    if totals["error"] or failed:
        raise typer.Exit(code=1)
