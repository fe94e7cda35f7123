"""``criteria-nlp evaluate``: score the pipeline against Chia (entities and rule structure) and TREC 2022 verdicts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from ._format import atomic_path, table_console
from ._util import app, check_paths, console, make_analyzer, report_error


@app.command("evaluate")
def evaluate_cli(
    chia: Optional[Path] = typer.Option(None, "--chia", help="Folder of Chia brat files (NCT..._inc.txt/.ann, NCT..._exc.txt/.ann)."),
    trec: Optional[Path] = typer.Option(None, "--trec", help="TREC Clinical Trials folder (topics.jsonl, qrels.tsv, trials/): verdicts of age-and-sex-only patients against the assessors' judgments."),
    split: str = typer.Option("dev", "--split", help="dev, train or all (Chia)."),
    split_file: Optional[Path] = typer.Option(None, "--split-file", help="Split file (annotations/chia_split.json); default: the sha1 rule it was made with."),
    pipeline: str = typer.Option("fast", "--pipeline", help="fast (rules and lexicons), default (with the trained NER) or a saved pipeline's path."),
    model: Optional[str] = typer.Option(None, "--model", help="Put this statistical NER in front of the tagger: chia_ner or a pipeline path."),
    keep_unannotated: bool = typer.Option(False, "--keep-unannotated", help="Also score predictions in criteria Chia left unannotated."),
    no_structure: bool = typer.Option(False, "--no-structure", help="Chia: score entities only, not rule structure."),
    false_exclusions: Optional[Path] = typer.Option(None, "--false-exclusions", help="TREC: write every pair judged eligible that came out ineligible, with the rules that caused it (JSON Lines)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report as JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the reports as markdown tables."),
) -> None:
    """Chia: precision, recall and F1 per entity type (strict and overlap), negation accuracy, and the rule
    structure (values, times, alternatives and qualifiers linked to the right mention). TREC: how often an
    age-and-sex-only patient comes out ineligible for trials the assessors judged eligible or excluded.

    The reports go to stdout (and to --output as JSON). A folder or file that
    does not exist is a usage error (exit 2); one that holds no usable data exits 1.
    """
    from ..errors import CriteriaNLPError

    if chia is None and trec is None:
        raise typer.BadParameter("give --chia DIR, --trec DIR or both", param_hint="--chia/--trec")
    if split not in ("dev", "train", "all"):
        raise typer.BadParameter("use dev, train or all", param_hint="--split")
    check_paths(chia, trec, split_file)
    analyzer = make_analyzer(pipeline, model)
    data: dict[str, Any] = {"pipeline": pipeline}
    try:
        if chia is not None:
            data.update(_chia(analyzer, chia, split, split_file, keep_unannotated, not no_structure, markdown))
        if trec is not None:
            data["trec"] = _trec(analyzer, trec, false_exclusions, markdown)
    except CriteriaNLPError as exc:
        report_error(exc)
        raise typer.Exit(code=1) from None
    if output is not None:
        with atomic_path(output) as temporary:
            temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _chia(analyzer: Any, chia: Path, split: str, split_file: Optional[Path], keep_unannotated: bool, structure: bool,
          markdown: bool) -> dict[str, Any]:
    from ..evaluate import analyzer_predictor, evaluate_chia
    from ..evaluate_structure import evaluate_structure

    chosen = None if split == "all" else split
    report = evaluate_chia(chia, analyzer_predictor(analyzer), split=chosen, split_file=split_file,
                           ignore_unannotated=not keep_unannotated)
    out: dict[str, Any] = report.to_dict()
    stdout = table_console(sys.stdout)
    if markdown:
        typer.echo(report.to_markdown())
    else:
        stdout.print(report.to_table())
        for note in report.notes():
            stdout.print(f"- {note}", soft_wrap=True)
        stdout.print(f"- pipeline: {', '.join(analyzer.nlp.pipe_names)}; {report.words_per_second:,.0f} words/s", soft_wrap=True)
    if structure:
        rules = evaluate_structure(chia, analyzer, split=chosen, split_file=split_file)
        out["structure"] = rules.to_dict()
        if markdown:
            typer.echo(rules.to_markdown())
        else:
            stdout.print(rules.to_table())
    return out


def _trec(analyzer: Any, trec: Path, false_exclusions: Optional[Path], markdown: bool) -> dict[str, Any]:
    from ..evaluate_trec import evaluate_trec, write_false_exclusions

    report = evaluate_trec(trec, analyzer)
    if markdown:
        typer.echo(report.to_markdown())
    else:
        table_console(sys.stdout).print(report.to_markdown(), soft_wrap=True, markup=False)
    if false_exclusions is not None:
        false_exclusions.parent.mkdir(parents=True, exist_ok=True)
        count = write_false_exclusions(report, false_exclusions)
        console.print(f"- {count} false exclusion(s) written to {false_exclusions}", highlight=False)
    return report.to_dict()
