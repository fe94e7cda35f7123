"""Where the warm analysis spends its time, without a profiler: process time per pipeline component and analysis step.

    python benchmarks/stages.py [--records 400] [--pipeline fast] [--repeat 3]

Texts: the first ``--records`` records of ``../shared/data/ctgov-xml`` (those of
``benchmarks/profiling.py``). The analyzer runs once over them to warm its
caches, then ``--repeat`` times with every component, the tokenizer,
``entities_from_doc``, ``build_rules`` and ``lint`` wrapped in a process-time
counter; the fastest pass is printed. Process time, not wall time: on a shared
machine it moves less with the other users' load. The cyclic garbage
collector's time (and its full collections) is printed apart: it lands in
whichever stage allocates when a collection starts, so compare stages across
runs with that in mind. Profilers (``profiling.py``) show which functions;
this shows the stages' honest shares.
"""

from __future__ import annotations

import argparse
import collections
import gc
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--pipeline", default="fast")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from profiling import texts

    import criteria_nlp.analyzer as analyzer_module

    trials = texts(args.records)
    words = sum(len(t.eligibility_text.split()) for t in trials)
    analyzer = analyzer_module.Analyzer(pipeline=args.pipeline)
    spent: collections.Counter[str] = collections.Counter()

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any, **k: Any) -> Any:
            started = time.process_time()
            try:
                return function(*a, **k)
            finally:
                spent[name] += time.process_time() - started
        return run

    nlp = analyzer.nlp
    for i, (name, component) in enumerate(nlp.pipeline):
        nlp._components[i] = (name, timed(name, component))
    nlp.tokenizer = timed("tokenizer", nlp.tokenizer)
    for name in ("entities_from_doc", "build_rules", "lint"):
        setattr(analyzer_module, name, timed(name, getattr(analyzer_module, name)))

    collector = {"seconds": 0.0, "started": 0.0, "full": 0}

    def on_collect(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collector["started"] = time.process_time()
        else:
            collector["seconds"] += time.process_time() - collector["started"]
            collector["full"] += info["generation"] == 2

    list(analyzer.pipe(trials))  # warm
    gc.callbacks.append(on_collect)
    best: tuple[float, dict[str, float], float, int] | None = None
    for _ in range(args.repeat):
        spent.clear()
        collector.update(seconds=0.0, full=0)
        started = time.process_time()
        list(analyzer.pipe(trials))
        total = time.process_time() - started
        if best is None or total < best[0]:
            best = (total, dict(spent), float(collector["seconds"]), int(collector["full"]))
    gc.callbacks.remove(on_collect)
    assert best is not None
    total, stages, collecting, full = best
    print(f"{len(trials)} records, {words:,} words, pipeline {args.pipeline}: {total:.2f} s process time "
          f"({words / total:,.0f} words/s); garbage collector {collecting:.2f} s, {full} full collections\n")
    print("| stage | seconds | share |\n|---|---:|---:|")
    for name, seconds in stages.items():
        print(f"| {name} | {seconds:.3f} | {seconds / total:.0%} |")
    rest = total - sum(stages.values())
    print(f"| other (batching, TrialAnalysis) | {rest:.3f} | {rest / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
