"""Interleaved A/B of two checkouts: process time of the full analysis against the spaCy tokenizer's, one core.

    python benchmarks/ab.py BASE NEW [--pipelines fast,default] [--rounds 3] [--repeat 3] [--core 1]

``BASE`` and ``NEW`` are checkouts of this repository (a ``git worktree`` of
the base commit beside the working one). Each round runs one fresh process per
checkout, base first, with that checkout first on ``PYTHONPATH``, pinned to one
core (``taskset -c CORE``, ``OMP_NUM_THREADS=1``); each process times, in
process time and best of ``--repeat`` after a warm-up pass, the spaCy tokenizer
(``spacy.blank("en")``) and ``Analyzer.pipe`` of each pipeline over the texts of
``benchmarks/throughput.py`` (the first 400 ctgov-xml records). Process time,
interleaved rounds and the best of all rounds keep the comparison fair on a
machine shared with other work, where wall-clock figures are not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

PYTHON = sys.executable


def child(pipelines: list[str], repeat: int, records: int) -> dict[str, Any]:
    """Times of this process's checkout: the tokenizer and each pipeline's full analysis (best of ``repeat``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import spacy
    from throughput import best_of, load_texts

    import criteria_nlp

    texts, _ = load_texts(records)

    def best(run: Callable[[], Any]) -> float:
        run()  # a warm-up pass
        return best_of(repeat, run, clock=time.process_time)

    blank = spacy.blank("en")
    out: dict[str, Any] = {"package": criteria_nlp.__file__, "words": sum(len(t.split()) for t in texts),
                           "tokenizer": best(lambda: [blank.make_doc(t) for t in texts])}
    for pipeline in pipelines:
        analyzer = criteria_nlp.Analyzer(pipeline=pipeline)
        out[pipeline] = best(lambda: list(analyzer.pipe(texts, batch_size=64)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", type=Path, nargs="?")
    parser.add_argument("new", type=Path, nargs="?")
    parser.add_argument("--pipelines", default="fast")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--core", default="1")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    pipelines = args.pipelines.split(",")
    if args.child:
        print(json.dumps(child(pipelines, args.repeat, args.records)))
        return 0
    if args.base is None or args.new is None:
        parser.error("give the BASE and NEW checkouts")
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "new": []}
    for round_ in range(1, args.rounds + 1):
        for side, checkout in (("base", args.base.resolve()), ("new", args.new.resolve())):
            command = ["taskset", "-c", args.core, PYTHON, str(Path(__file__).resolve()), "--child",
                       "--pipelines", args.pipelines, "--repeat", str(args.repeat), "--records", str(args.records)]
            env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1")
            done = subprocess.run(command, env=env, cwd=checkout, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if not result["package"].startswith(str(checkout)):
                raise SystemExit(f"{side} imported {result['package']}, not from {checkout}")
            runs[side].append(result)
            line = f"round {round_} {side:4}: tokenizer {result['tokenizer']:.3f} s"
            for pipeline in pipelines:
                seconds = result[pipeline]
                line += (f" | {pipeline} {seconds:.2f} s, {result['words'] / seconds:,.0f} words/s, "
                         f"{seconds / result['tokenizer']:.2f}x")
            print(line, flush=True)
    words = runs["new"][0]["words"]
    for pipeline in pipelines:
        base, new = (min(r[pipeline] for r in runs[side]) for side in ("base", "new"))
        base_tokenizer, new_tokenizer = (min(r["tokenizer"] for r in runs[side]) for side in ("base", "new"))
        print(f"{pipeline}: base {base:.2f} s ({words / base:,.0f} words/s, {base / base_tokenizer:.2f}x the tokenizer)"
              f" -> new {new:.2f} s ({words / new:,.0f} words/s, {new / new_tokenizer:.2f}x): {1 - new / base:.1%} less time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
