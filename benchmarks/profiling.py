"""Where the time goes: profile the full analysis (``Analyzer.pipe``) over ClinicalTrials.gov records.

    python benchmarks/profiling.py [--records 400] [--pipeline fast] [--top 20] [--tree OUT.txt]

Texts: the eligibility criteria of the first ``--records`` records of
``../shared/data/ctgov-xml`` (the records ``benchmarks/throughput.py`` times;
without the shared corpora, the five seed records shipped in
``tests/fixtures/seeds``). The pipeline is loaded and warmed on the first
records before profiling, so loading is not in the profile.

Prints two views: the time per pipeline component and analysis stage (from
pyinstrument's call tree: what a component's ``__call__`` and the analysis
steps take, children included), and the functions with the most time of their
own (``cProfile``, sorted by ``tottime``): the Python loops worth replacing.
Run it on one core (``OMP_NUM_THREADS=1 taskset -c 0``); write the top entries
into ``benchmarks/README.md`` when they change.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "ctgov-xml"
SEEDS = REPO / "tests" / "fixtures" / "seeds"

#: the stages the component view reports: (label, function name as pyinstrument shows it, file suffix)
STAGES = [
    ("tokenizer (make_doc)", "make_doc", "analyzer.py"),
    ("criteria_segmenter", "__call__", "segment.py"),
    ("criteria_abbreviations", "__call__", "abbreviations.py"),
    ("criteria_tagger", "__call__", "tag.py"),
    ("criteria_context", "__call__", "context.py"),
    ("criteria_linker", "__call__", "linker.py"),
    ("criteria_coder", "__call__", "coder.py"),
    ("entities_from_doc (entity data)", "entities_from_doc", "analyzer.py"),
    ("build_rules", "build_rules", "rules.py"),
    ("lint", "lint", "quality.py"),
]


def texts(records: int) -> list[Any]:
    """The trials to analyse: ctgov-xml records, or the shipped seeds without the shared corpora."""
    from criteria_nlp.read import read_trial

    if CORPUS.is_dir():
        paths = sorted(CORPUS.rglob("*.xml"))[:records]
    else:
        paths = sorted(SEEDS.glob("*.txt"))
    return [read_trial(str(p)) for p in paths]


def component_times(session: Any) -> list[tuple[str, float]]:
    """Seconds per stage, summed over every frame of the stage's function in the call tree."""
    totals = {label: 0.0 for label, _, _ in STAGES}
    root = session.root_frame()
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        for label, function, suffix in STAGES:
            if frame.function == function and (frame.file_path or "").endswith(suffix):
                totals[label] += frame.time
                break
        else:
            stack.extend(frame.children)
    return list(totals.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400, help="records to analyse (default 400)")
    parser.add_argument("--pipeline", default="fast", help="fast or default (default fast)")
    parser.add_argument("--top", type=int, default=20, help="functions to list by own time (default 20)")
    parser.add_argument("--tree", type=Path, default=None, help="write pyinstrument's call tree to this file")
    args = parser.parse_args(argv)

    from pyinstrument import Profiler

    from criteria_nlp.analyzer import Analyzer

    trials = texts(args.records)
    words = sum(len(t.eligibility_text.split()) for t in trials)
    analyzer = Analyzer(pipeline=args.pipeline)
    list(analyzer.pipe(trials[:20]))  # warm the caches and lazy loads
    print(f"{len(trials)} records, {words:,} words, pipeline {args.pipeline}\n")

    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    list(analyzer.pipe(trials))
    profiler.stop()
    seconds = time.perf_counter() - start
    session = profiler.last_session
    print(f"pyinstrument: {seconds:.2f} s ({words / seconds:,.0f} words/s under the sampler)\n")
    print("| stage | seconds | share |\n|---|---:|---:|")
    for label, spent in component_times(session):
        print(f"| {label} | {spent:.2f} | {spent / seconds:.0%} |")
    if args.tree is not None:
        args.tree.write_text(profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8")

    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    list(analyzer.pipe(trials))
    profile.disable()
    seconds = time.perf_counter() - start
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    print(f"\ncProfile: {seconds:.2f} s with the profiler's overhead; functions by own time (tottime):\n")
    print("| function | own s | cumulative s | calls |\n|---|---:|---:|---:|")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[: args.top]  # type: ignore[attr-defined]
    for (path, line, name), (_, calls, own, cumulative, _) in rows:
        where = Path(path).name if path != "~" else "builtin"
        print(f"| `{where}:{line} {name}` | {own:.2f} | {cumulative:.2f} | {calls:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
