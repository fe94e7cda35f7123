"""``criteria-nlp evaluate``: score the pipeline against the Chia corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._util import app, console


@app.command("evaluate")
def evaluate_cli(
    chia: Path = typer.Option(..., "--chia", help="Folder of Chia brat files (NCT..._inc.txt/.ann, NCT..._exc.txt/.ann)."),
    split: str = typer.Option("dev", "--split", help="dev, train or all."),
    split_file: Optional[Path] = typer.Option(None, "--split-file", help="Split file (annotations/chia_split.json); default: the sha1 rule it was made with."),
    pipeline: str = typer.Option("fast", "--pipeline", help="fast (rules and lexicons), default (with the trained NER) or a saved pipeline's path."),
    model: Optional[str] = typer.Option(None, "--model", help="Put this statistical NER in front of the tagger: chia_ner or a pipeline path."),
    keep_unannotated: bool = typer.Option(False, "--keep-unannotated", help="Also score predictions in criteria Chia left unannotated."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report as JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the report as a markdown table."),
) -> None:
    """Print precision, recall and F1 per type (strict and overlap) and negation accuracy on Chia."""
    from ..analyzer import Analyzer
    from ..evaluate import analyzer_predictor, evaluate_chia

    if split not in ("dev", "train", "all"):
        raise typer.BadParameter("use dev, train or all", param_hint="--split")
    analyzer = Analyzer(pipeline=pipeline, model=model)
    report = evaluate_chia(
        chia, analyzer_predictor(analyzer), split=None if split == "all" else split,
        split_file=split_file, ignore_unannotated=not keep_unannotated,
    )
    if markdown:
        typer.echo(report.to_markdown())
    else:
        console.print(report.to_table())
        for note in report.notes():
            console.print(f"- {note}", highlight=False)
        console.print(f"- pipeline: {', '.join(analyzer.nlp.pipe_names)}; {report.words_per_second:,.0f} words/s", highlight=False)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
