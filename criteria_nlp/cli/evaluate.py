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
    patients: str = typer.Option("age-sex", "--patients", help="TREC: who each note's patient is: age-sex (only the age and sex the note states first) or note (what criteria_nlp.notes.read_patient_text reads from it)."),
    rankings: Optional[Path] = typer.Option(None, "--rankings", help="TREC: write every topic's ranking of its judged trials (label, verdict, rules not met/met/unknown, BM25 rank and score), one JSON object per topic."),
    false_exclusions: Optional[Path] = typer.Option(None, "--false-exclusions", help="TREC: write every pair judged eligible that came out ineligible, with the rules that caused it (JSON Lines)."),
    patient_facts: Optional[Path] = typer.Option(None, "--patient-facts", help="Hand-annotated patient notes (annotations/patients/trec2022_facts.jsonl): precision and recall of the facts read from them, per type."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report as JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the reports as markdown tables."),
) -> None:
    """Chia: precision, recall and F1 per entity type (strict and overlap), negation accuracy, and the rule
    structure (values, times, alternatives and qualifiers linked to the right mention). TREC: how often a
    note's patient comes out ineligible for trials the assessors judged eligible or excluded, and how well
    each topic's judged trials are ranked (NDCG@10, AUC of eligible over excluded) beside a BM25 baseline.

    The reports go to stdout (and to --output as JSON). A folder or file that
    does not exist is a usage error (exit 2); one that holds no usable data exits 1.
    """
    from ..errors import CriteriaNLPError
    from ..evaluate_trec import PATIENTS, patient_maker

    if chia is None and trec is None and patient_facts is None:
        raise typer.BadParameter("give --chia DIR, --trec DIR, --patient-facts FILE or several", param_hint="--chia/--trec")
    if split not in ("dev", "train", "all"):
        raise typer.BadParameter("use dev, train or all", param_hint="--split")
    if patients not in PATIENTS:
        raise typer.BadParameter("use " + " or ".join(PATIENTS), param_hint="--patients")
    check_paths(chia, trec, split_file, patient_facts)
    analyzer = make_analyzer(pipeline, model)
    maker = patient_maker(patients, analyzer) if trec is not None else None
    data: dict[str, Any] = {"pipeline": pipeline}
    try:
        if chia is not None:
            data.update(_chia(analyzer, chia, split, split_file, keep_unannotated, not no_structure, markdown))
        if trec is not None:
            data["trec"] = _trec(analyzer, trec, maker, patients, false_exclusions, rankings, markdown)
        if patient_facts is not None:
            data["patient_facts"] = _patient_facts(analyzer, patient_facts, pipeline, markdown)
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


def _patient_facts(analyzer: Any, path: Path, pipeline: str, markdown: bool) -> dict[str, Any]:
    from ..evaluate_notes import evaluate_note_facts

    report = evaluate_note_facts(path, analyzer, pipeline=pipeline)
    stdout = table_console(sys.stdout)
    if markdown:
        stdout.print(report.to_markdown(), markup=False, soft_wrap=True)
    else:
        h = report.headline
        stdout.print(f"patient facts ({report.notes} notes): precision {h.precision:.3f}, recall {h.recall:.3f}, "
                     f"F1 {h.f1:.3f} over conditions, medications, labs, age and sex", soft_wrap=True)
        for name, s in sorted(report.by_type.items()):
            stdout.print(f"  {name}: P {s.precision:.3f} R {s.recall:.3f} ({s.gold} gold, {s.predicted} read)", soft_wrap=True)
    return report.to_dict()


def _trec(analyzer: Any, trec: Path, maker: Any, patients: str, false_exclusions: Optional[Path],
          rankings: Optional[Path], markdown: bool) -> dict[str, Any]:
    from ..evaluate_trec import evaluate_trec, write_false_exclusions, write_rankings

    report = evaluate_trec(trec, analyzer, patients=maker, name=patients)
    if markdown:
        typer.echo(report.to_markdown())
    else:
        table_console(sys.stdout).print(report.to_markdown(), soft_wrap=True, markup=False)
    if false_exclusions is not None:
        false_exclusions.parent.mkdir(parents=True, exist_ok=True)
        count = write_false_exclusions(report, false_exclusions)
        console.print(f"- {count} false exclusion(s) written to {false_exclusions}", highlight=False)
    if rankings is not None:
        rankings.parent.mkdir(parents=True, exist_ok=True)
        count = write_rankings(report, rankings)
        console.print(f"- {count} topic ranking(s) written to {rankings}", highlight=False)
    return report.to_dict()
