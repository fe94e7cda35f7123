"""``criteria-nlp lint``: quality checks of trials' eligibility criteria."""

from __future__ import annotations

from typing import Optional

import typer

from ._util import PIPELINE_OPTION, app, as_sources, console, make_analyzer, report_error, write_json_line

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


@app.command("lint")
def lint_cli(
    sources: list[str] = typer.Argument(..., help="Files, folders, .zip archives, or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="Write one JSON object per trial on stdout: {trial, issues}."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Kind of criteria in text without headers: inclusion or exclusion."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Leave out info-level issues."),
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Check trials' criteria for contradictions, registry mismatches, duplicates and typing errors.

    Exits with status 1 when any trial has an error-level issue (or cannot be read).
    """
    from rich.markup import escape

    from ..quality import lint, summarize

    analyzer = make_analyzer(pipeline)
    totals = {"error": 0, "warning": 0, "info": 0}
    trials = failed = 0
    for result in analyzer.analyze_sources(as_sources(sources), kind=kind):
        if isinstance(result, Exception):
            failed += 1
            report_error(result)
            continue
        trials += 1
        issues = [i for i in lint(result) if not (quiet and i.severity == "info")]
        for severity, count in summarize(issues).items():
            totals[severity] += count
        if as_json:
            write_json_line(typer.get_text_stream("stdout"),
                            {"trial": result.trial.id, "issues": [i.model_dump(mode="json") for i in issues]})
            continue
        counts = summarize(issues)
        console.print(f"[bold]{escape(result.trial.id)}[/bold] {escape(result.trial.title or '')}  "
                      f"[red]{counts['error']} error(s)[/red], [yellow]{counts['warning']} warning(s)[/yellow], "
                      f"{counts['info']} info", highlight=False, soft_wrap=True)
        for issue in issues:
            where = f" {issue.criterion}" if issue.criterion else ""
            style = _STYLE[issue.severity]
            console.print(f"  [{style}]{issue.severity:<7}[/{style}] {issue.code}{where}: {escape(issue.message)}",
                          highlight=False, soft_wrap=True)
    console.print(f"{trials} trial(s) checked: {totals['error']} error(s), {totals['warning']} warning(s), "
                  f"{totals['info']} info" + (f"; {failed} could not be read" if failed else ""), highlight=False)
    if totals["error"] or failed:
        raise typer.Exit(code=1)
