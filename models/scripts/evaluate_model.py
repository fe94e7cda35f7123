"""Measure a Chia NER model alone on the Chia DEV split and write its metrics JSON.

Usage (from ``models/``, one thread, as the spaCy project runs it)::

    env OMP_NUM_THREADS=1 python scripts/evaluate_model.py --chia ../../shared/data/chia \
        --split-file ../annotations/chia_split.json --model training/chia_ner/model-best \
        --out metrics/chia_ner.json

Scores come from ``criteria_nlp.evaluate.evaluate_chia`` with a predictor that
runs the spaCy pipeline on each criterion line (``spacy_predictor``). The
throughput is words (whitespace-separated) of the dev lines per second of
``nlp.pipe``, the best of ``--repeats`` passes after a warm-up, on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import spacy
from rich.console import Console

import criteria_nlp  # noqa: F401  (registers the criteria tokenizer)
from criteria_nlp.evaluate import chia_ner_path, evaluate_chia, load_chia, spacy_predictor


def folder_size(path: Path) -> int:
    """Total bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    """Evaluate the model on dev, time it, print the table and write metrics.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chia", type=Path, required=True)
    parser.add_argument("--split-file", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None, help="default: the packaged model")
    parser.add_argument("--out", type=Path, default=None, help="metrics.json to write")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    model = args.model or chia_ner_path()
    nlp = spacy.load(model)
    report = evaluate_chia(args.chia, spacy_predictor(nlp), split="dev", split_file=args.split_file)

    lines = [f.line_text(i) for f in load_chia(args.chia, split="dev", split_file=args.split_file) for i in range(len(f.lines))]
    words = sum(len(line.split()) for line in lines)
    list(nlp.pipe(lines[:200]))  # warm-up
    timings = []
    for _ in range(args.repeats):
        began = time.perf_counter()
        for _doc in nlp.pipe(lines, batch_size=256):
            pass
        timings.append(time.perf_counter() - began)
    best = min(timings)

    console = Console(width=140)
    console.print(report.to_table())
    console.print(f"throughput: {words / best:,.0f} words/s (best of {args.repeats}: {[round(t, 2) for t in timings]} s for {words} words)")
    console.print(f"size on disk: {folder_size(model) / 1e6:.2f} MB")

    metrics = {
        "model": str(model),
        "pipeline": nlp.pipe_names,
        "labels": sorted(nlp.get_pipe("ner").labels),
        "size_bytes": folder_size(model),
        "evaluated_with": "criteria_nlp.evaluate.evaluate_chia(split='dev') + spacy_predictor (model alone)",
        "throughput": {
            "words_per_second": round(words / best, 1),
            "words": words,
            "lines": len(lines),
            "seconds_best": round(best, 3),
            "seconds_all": [round(t, 3) for t in timings],
            "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
            "cpu_affinity": sorted(os.sched_getaffinity(0)),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "spacy": spacy.__version__,
        },
        "report": report.to_dict(),
        "markdown": report.to_markdown(),
    }
    if args.out is not None:
        args.out.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
