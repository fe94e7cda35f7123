"""Rank TREC Clinical Trials 2022's judged trials for each patient note, beside a BM25 baseline (issue 24).

A thin wrapper of :func:`criteria_nlp.evaluate_trec.evaluate_trec`, the same run
as ``criteria-nlp evaluate --trec DIR --markdown``: per topic, every judged
trial whose record is there (labels 0 not relevant, 1 excluded, 2 eligible) is
analysed once and ranked with ``criteria_nlp.matching.rank`` and with BM25
(bm25s, the note against the eligibility text). It prints NDCG@10 (gains
2/1/0), the AUC of eligible over excluded, P(ineligible | eligible) and
P(ineligible | excluded) as a markdown table, then the verdicts by judgment.

Usage::

    python benchmarks/trec.py                                   # ../shared/data/trec2022, fast pipeline, age and sex
    python benchmarks/trec.py --pipeline default --rankings out/rankings.jsonl --output out/trec.json
    python benchmarks/trec.py --patients note                   # the free-text note reader (criteria_nlp.notes)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FOLDER = REPO.parent / "shared" / "data" / "trec2022"


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the markdown report (and a JSON report with ``--output``)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=FOLDER, help=f"TREC folder (default {FOLDER})")
    parser.add_argument("--pipeline", default="fast", help="fast, default or a saved pipeline's path (default fast)")
    parser.add_argument("--patients", choices=("age-sex", "note"), default="age-sex", help="who each note's patient is")
    parser.add_argument("--rankings", type=Path, default=None, help="write every topic's ranking (JSON Lines)")
    parser.add_argument("--output", type=Path, default=None, help="write the report as JSON")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"no TREC folder at {args.folder}", file=sys.stderr)
        return 2
    from criteria_nlp.analyzer import Analyzer
    from criteria_nlp.evaluate_trec import evaluate_trec, patient_maker, write_rankings
    from criteria_nlp.pipeline import pipeline_name

    analyzer = Analyzer(pipeline=pipeline_name(args.pipeline))
    report = evaluate_trec(args.folder, analyzer, patients=patient_maker(args.patients, analyzer), name=args.patients)
    print(f"pipeline: {args.pipeline}\n")
    print(report.to_markdown())
    if args.rankings is not None:
        write_rankings(report, args.rankings)
    if args.output is not None:
        args.output.write_text(json.dumps({"pipeline": args.pipeline, **report.to_dict()}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
