"""``criteria-nlp match``: match one patient against trials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._format import choose_format, format_option, result_stream, table_console, write_rows
from ..errors import CriteriaNLPError
from ._util import (PIPELINE_OPTION, app, as_sources, check_pipeline_option, console, fail, make_analyzer, report_error,
                    write_json_line)

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


def iter_analyses(sources: "list[str | Path]", pipeline: str | None = None) -> Iterator[Any]:
    """Analyses (or coded errors) from sources: analysis JSON/JSONL files are read, trial records analysed.

    The pipeline (``pipeline``, None: the library's default) is loaded only when a trial record needs it.
    """
    analyzer: Any = None
    from ..errors import CriteriaNLPError
    from ..read import iter_records
    from ..schema import TrialAnalysis

    for source in sources:
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


def _doubts(analysis: Any) -> list[Any]:
    """The lint errors and warnings of ``analysis`` that question what a criterion asks."""
    from ..quality import doubts

    return doubts(analysis.issues) if analysis is not None else []


def verdict_flags(result: Any, analysis: Any) -> list[Any]:
    """The lint issues that question the criteria and rules the verdict rests on (``result.decided_by``)."""
    decided = set(result.decided_by)
    criteria = {r.criterion for r in result.rules if r.rule in decided and r.criterion}
    return [i for i in _doubts(analysis) if i.rule in decided or i.criterion in criteria]


def _flagged_codes(analysis: Any) -> dict[str, list[str]]:
    """Criterion id -> the codes of the lint issues that question it."""
    codes: dict[str, list[str]] = {}
    for issue in _doubts(analysis):
        if issue.criterion and issue.code not in codes.get(issue.criterion, []):
            codes.setdefault(issue.criterion, []).append(issue.code)
    return codes


def _short(text: str) -> str:
    return text if len(text) <= _TEXT_WIDTH else text[: _TEXT_WIDTH - 1].rstrip() + "…"


def _heading(result: Any, flags: list[Any]) -> str:
    verdict = result.verdict
    line = f"{escape(result.trial_id)}: [{_VERDICT_STYLE[verdict]}]{verdict}[/] for patient {escape(result.patient_id)} on {result.as_of}"
    if flags:
        criteria = sorted({i.criterion for i in flags if i.criterion}, key=lambda c: (len(c), c))
        codes = sorted({i.code for i in flags})
        line += (f" [bold yellow](rests on {'criteria' if len(criteria) > 1 else 'criterion'} {', '.join(criteria)},"
                 f" which lint flagged: {', '.join(codes)})[/]")
    return line


def _table(result: Any, show_all: bool, analysis: Any = None) -> Table:
    flags = verdict_flags(result, analysis)
    flagged = _flagged_codes(analysis)
    table = Table(title=_heading(result, flags), title_justify="left", show_lines=False, expand=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("criterion")
    table.add_column("result", no_wrap=True)
    table.add_column("why")
    if flagged:
        table.add_column("lint", no_wrap=True)
    decided = set(result.decided_by)
    for r in result.rules:
        if not r.computable:
            continue
        if not show_all and r.rule not in decided:
            continue
        why = escape(r.reason) + (f" [dim](needs: {escape('; '.join(r.needs))})[/]" if r.needs else "")
        cells = [r.rule + (f" {r.group}" if r.group else ""), r.polarity, escape(_short(r.text)), f"[{_STYLE[r.result]}]{r.result}[/]", why]
        if flagged:
            cells.append(", ".join(flagged.get(r.criterion or "", [])))
        table.add_row(*cells)
    table.caption = (f"{result.met} met, {result.not_met} not met, {result.unknown} unknown"
                     + (f"; {len(result.manual_review)} rule(s) need manual review" if result.manual_review else ""))
    table.caption_justify = "left"
    return table


def _review_table(result: Any) -> Table:
    """The rules a person must check (not computable), named: rule, criterion, its text (short) and why."""
    table = Table(title=f"{len(result.manual_review)} rule(s) of {escape(result.trial_id)} need manual review",
                  title_justify="left", show_lines=False, expand=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("criterion", no_wrap=True)
    table.add_column("text")
    table.add_column("why")
    for item in result.manual_review:
        table.add_row(item.rule, item.criterion or "", escape(_short(item.text)), escape(item.reason))
    return table


def _print_result(out: Console, result: Any, analysis: Any, show_all: bool) -> None:
    """One trial's verdict for people: the deciding (or every) rule, what lint says of them, the rules left to a person."""
    flags = verdict_flags(result, analysis)
    if result.decided_by or show_all:
        out.print(_table(result, show_all, analysis))
    else:
        out.print(f"{_heading(result, flags)} ({result.met} met"
                  + (f"; {len(result.manual_review)} rule(s) need manual review" if result.manual_review else "") + ")",
                  soft_wrap=True)
    if flags:
        out.print("lint flagged the criteria this verdict rests on:", soft_wrap=True)
        for issue in flags:
            where = f" {issue.criterion}" if issue.criterion else ""
            out.print(f"  {issue.severity} {issue.code}{where}: {escape(issue.message)}", soft_wrap=True)
    if result.manual_review:
        out.print(_review_table(result))
    out.print()


#: the columns of the csv, tsv and markdown forms: one row per rule of each trial
COLUMNS = ("trial", "verdict", "rule", "group", "polarity", "computable", "result", "decides", "criterion", "text",
           "reason", "needs", "lint")


def _rows(result: Any, analysis: Any) -> list[dict[str, Any]]:
    decided = set(result.decided_by)
    flagged = _flagged_codes(analysis)
    return [
        {"trial": result.trial_id, "verdict": result.verdict, "rule": r.rule, "group": r.group, "polarity": r.polarity,
         "computable": r.computable, "result": r.result, "decides": r.rule in decided, "criterion": r.criterion,
         "text": r.text, "reason": r.reason, "needs": r.needs, "lint": flagged.get(r.criterion or "", [])}
        for r in result.rules
    ]


def read_note_patient(source: str, pipeline: str | None) -> Any:
    """The open-world patient of a note file (``-``: standard input); P004 (exit 2) when the file is missing."""
    import sys

    from ..notes import read_patient_text
    from ..patient_io import read_patient_file

    if source == "-":
        text, name = sys.stdin.read(), "stdin"
    else:
        text, name = read_patient_file(source), Path(source).stem  # P004 (exit 2), P005 (exit 1)
    if not text.strip():
        fail(CriteriaNLPError("P001", record=source, detail="the note is empty"))
    try:
        return read_patient_text(text, id=name, analyzer=make_analyzer(pipeline))
    except CriteriaNLPError as exc:
        fail(exc)


@app.command("match")
def match_cli(
    sources: list[str] = typer.Argument(..., help="Trial records (any format `read` takes) or analyses written by `criteria-nlp read`."),
    patient: Optional[Path] = typer.Option(None, "--patient", "-p", help="Patient JSON file (our format or a FHIR R4 Bundle)."),
    patient_text: Optional[str] = typer.Option(
        None, "--patient-text", help="A free-text patient note (a .txt file, or - for stdin), read into an open-world patient."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write instead of stdout (.txt, .csv, .tsv, .md, .json/.jsonl)."),
    fmt: Optional[str] = format_option(
        "table on stdout, else the output file's suffix; csv, tsv and markdown list every rule of every trial, json one result per trial"),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json: one JSON result per trial (JSON Lines)."),
    show_all: bool = typer.Option(False, "--all", help="Table: list every computable rule, not only those that decided the verdict."),
    pipeline: Optional[str] = PIPELINE_OPTION,
) -> None:
    """Match a patient against trials: a verdict per trial (eligible, indeterminate, ineligible) and the rules behind it.

    The patient is a JSON record (--patient) or a free-text note (--patient-text,
    read with the same pipeline; what the note does not mention stays unknown).
    Trials are listed best first: eligible, then indeterminate, then
    ineligible; within each, the most inclusion rules met first.
    Each verdict names the rules it rests on and says when lint flagged their
    criterion; the rules no record can settle are listed for manual review.
    """
    from ..matching import rank
    from ..patient_io import read_patient

    chosen = "json" if as_json and fmt is None else choose_format(fmt, output, "table")
    paths = as_sources(sources)
    check_pipeline_option(pipeline)  # checked even when every source is an analysis and no pipeline is loaded
    if (patient is None) == (patient_text is None):
        fail(CriteriaNLPError("C004", record="criteria-nlp match",
                              detail="give one patient: --patient FILE.json or --patient-text NOTE.txt|-"), code=2)
    if patient is not None:
        person = read_patient(patient)  # P004 (exit 2) when the file is missing, P005/P006/P001 (exit 1) when it is bad
    else:
        assert patient_text is not None
        person = read_note_patient(patient_text, pipeline)
    analyses = []
    failed = 0
    for item in iter_analyses(paths, pipeline):
        if isinstance(item, Exception):
            failed += 1
            report_error(item)
            continue
        analyses.append(item)
    if not analyses and failed:
        raise typer.Exit(code=1)
    by_id: dict[str, Any] = {}
    for analysis in analyses:
        by_id.setdefault(analysis.trial.id, analysis)
    results = rank(person, analyses)
    with result_stream(output) as handle:
        if chosen == "json":
            for result in results:
                write_json_line(handle, {**result.to_dict(),
                                         "lint": [i.model_dump(mode="json") for i in verdict_flags(result, by_id.get(result.trial_id))]})
        elif chosen == "table":
            out = table_console(handle)
            for result in results:
                _print_result(out, result, by_id.get(result.trial_id), show_all)
        else:
            write_rows(handle, [row for r in results for row in _rows(r, by_id.get(r.trial_id))], COLUMNS, chosen)
    console.print(f"{len(results)} trial(s) matched, {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(code=1)
