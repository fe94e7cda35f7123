"""``criteria-nlp match``: match one patient against trials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ._util import PIPELINE_OPTION, app, as_sources, console, make_analyzer, report_error, write_json_line

_STYLE = {"met": "green", "not_met": "red", "unknown": "yellow"}
_VERDICT_STYLE = {"eligible": "bold green", "indeterminate": "bold yellow", "ineligible": "bold red"}
_TEXT_WIDTH = 90


def _analysis_records(path: Path) -> list[dict[str, Any]] | None:
    """The analyses in a .json/.jsonl file written by ``criteria-nlp read`` (None: not such a file)."""
    if path.suffix.lower() not in (".json", ".jsonl") or not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = json.loads(text)
        rows = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError:
            return None
    if rows and all(isinstance(r, dict) and "trial" in r and "rules" in r for r in rows):
        return rows
    return None


def iter_analyses(sources: list[str], pipeline: str | None = None) -> Iterator[Any]:
    """Analyses (or coded errors) from sources: analysis JSON/JSONL files are read, trial records analysed.

    The pipeline (``pipeline``, None: the library's default) is loaded only when a trial record needs it.
    """
    analyzer: Any = None
    from ..errors import CriteriaNLPError
    from ..read import iter_records
    from ..schema import TrialAnalysis

    for source in as_sources(sources):
        rows = _analysis_records(source) if isinstance(source, Path) else None
        if rows is not None:
            for row in rows:
                try:
                    yield TrialAnalysis.from_dict(row)
                except CriteriaNLPError as exc:
                    yield exc
            continue
        for record in iter_records([source]):
            if isinstance(record, CriteriaNLPError):
                yield record
                continue
            analyzer = analyzer or make_analyzer(pipeline)
            try:
                yield analyzer(record)
            except CriteriaNLPError as exc:
                yield exc


def _table(result: Any, show_all: bool) -> Table:
    verdict = result.verdict
    title = f"{result.trial_id}: [{_VERDICT_STYLE[verdict]}]{verdict}[/] for patient {result.patient_id} on {result.as_of}"
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("criterion")
    table.add_column("result", no_wrap=True)
    table.add_column("why")
    decided = set(result.decided_by)
    for r in result.rules:
        if not r.computable:
            continue
        if not show_all and r.rule not in decided:
            continue
        why = escape(r.reason) + (f" [dim](needs: {escape('; '.join(r.needs))})[/]" if r.needs else "")
        text = r.text if len(r.text) <= _TEXT_WIDTH else r.text[: _TEXT_WIDTH - 1].rstrip() + "…"
        table.add_row(r.rule + (f" {r.group}" if r.group else ""), r.polarity, escape(text), f"[{_STYLE[r.result]}]{r.result}[/]", why)
    table.caption = (f"{result.met} met, {result.not_met} not met, {result.unknown} unknown"
                     + (f"; {len(result.manual_review)} rule(s) need manual review" if result.manual_review else ""))
    table.caption_justify = "left"
    return table


@app.command("match")
def match_cli(
    sources: list[str] = typer.Argument(..., help="Trial records (any format `read` takes) or analyses written by `criteria-nlp read`."),
    patient: Path = typer.Option(..., "--patient", "-p", help="Patient JSON file (our format or a FHIR R4 Bundle)."),
    as_json: bool = typer.Option(False, "--json", help="Write one JSON result per trial (JSON Lines) to stdout."),
    show_all: bool = typer.Option(False, "--all", help="List every computable rule, not only those that decided the verdict."),
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Match a patient against trials: a verdict per trial (eligible, indeterminate, ineligible) and the rules behind it."""
    import sys

    from ..errors import CriteriaNLPError
    from ..matching import rank
    from ..patient_io import read_patient

    try:
        person = read_patient(patient)
    except CriteriaNLPError as exc:
        report_error(exc)
        raise typer.Exit(code=1) from None
    analyses = []
    failed = 0
    for item in iter_analyses(sources, pipeline):
        if isinstance(item, Exception):
            failed += 1
            report_error(item)
            continue
        analyses.append(item)
    results = rank(person, analyses)
    for result in results:
        if as_json:
            write_json_line(sys.stdout, result.to_dict())
        elif result.decided_by or show_all:
            console.print(_table(result, show_all), highlight=False)
        else:
            console.print(f"{result.trial_id}: [{_VERDICT_STYLE[result.verdict]}]{result.verdict}[/] for patient "
                          f"{result.patient_id} on {result.as_of} ({result.met} met"
                          + (f"; {len(result.manual_review)} rule(s) need manual review" if result.manual_review else "") + ")",
                          highlight=False)
    if not as_json:
        console.print(f"{len(results)} trial(s) matched, {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(code=1)
