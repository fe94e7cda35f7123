"""``criteria-nlp report``: one self-contained HTML page of analysed trials."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._util import PIPELINE_OPTION, analyze_all, app, console, fail


@app.command("report")
def report_cli(
    sources: list[str] = typer.Argument(..., help="Files, folders, .zip archives, or - for stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="HTML file to write (- for stdout)."),
    title: Optional[str] = typer.Option(None, "--title", help="Page title (default: names the trials)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Kind of criteria in text without headers: inclusion or exclusion."),
    patient: Optional[Path] = typer.Option(
        None, "--patient", "-p", help="Patient JSON file (our format or a FHIR R4 Bundle): adds its verdict per trial."),
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Write an HTML report: a summary and plots, the comparison table, then per trial its criteria, entities,
    rules and quality issues; with --patient, the patient's verdict per trial and the reasons.

    The page needs no network to view (inline CSS, no script). Exits with status 1 when any
    record cannot be read (the others are still reported) or the patient file is bad, 2 when it is missing.
    """
    from ..errors import CriteriaNLPError
    from ..patient import Patient
    from ..patient_io import read_patient
    from ..report import report_html, write_report

    person: Patient | None = None
    if patient is not None:
        try:  # before any analysis: a bad patient file costs nothing and writes nothing
            person = read_patient(patient)
        except CriteriaNLPError as exc:
            fail(exc)  # P004 (exit 2) when the file is missing, P005/P006/P001 (exit 1) when it is bad
    analyses, failed = analyze_all(sources, kind=kind, command="report", pipeline=pipeline)
    if str(output) == "-":
        typer.echo(report_html(analyses, title=title, patient=person), nl=False)
    else:
        write_report(analyses, output, title=title, patient=person)
        console.print(f"{len(analyses)} trial(s) reported to {output}" + (f"; {failed} failed" if failed else ""),
                      highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(code=1)
