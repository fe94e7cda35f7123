"""Throughput of the criteria pipeline next to baselines, on the same texts, in one run.

    python benchmarks/throughput.py [--records N] [--repeat R] [--json OUT]

Texts: the eligibility criteria of the ClinicalTrials.gov XML records in
``../shared/data/ctgov-xml`` (or, without the shared corpora, the five seed
records shipped in ``tests/fixtures/seeds``). Every pipeline runs on one process
over the same texts; the best of ``--repeat`` passes is kept, and pipeline
loading is timed apart from throughput. Pipelines:

* ``spacy-tokenizer``: ``spacy.blank("en")``'s tokenizer (the floor);
* ``criteria-tokenizer``: our tokenizer alone;
* ``criteria-nlp``: the rules-only pipeline (``load("fast")``: segmenter,
  abbreviations, tagger, ConText, linker, coder) as ``Analyzer.pipe`` runs it,
  building the typed analysis with rules;
* ``criteria-nlp+chia_ner``: the same with the statistical NER in front
  (``load("default")``);
* ``pipeline-fast`` and ``pipeline-default``: the spaCy pipelines alone
  (``nlp.pipe``, no analysis or rules), the figure the model's target is
  stated in;
* ``medspacy-default``: ``medspacy.load()`` (PyRuSH sentences, target matcher,
  ConText with its default rules).

Run it on one core for per-core figures: ``OMP_NUM_THREADS=1 taskset -c 0
python benchmarks/throughput.py``.

Prints words per second and the ratios the project tracks: our pipeline against
the bare tokenizer (time ratio) and against medspaCy's default pipeline (speed
ratio).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
SHARED_XML = REPO.parent / "shared" / "data" / "ctgov-xml"
SEEDS = REPO / "tests" / "fixtures" / "seeds"


def load_texts(records: int) -> tuple[list[str], str]:
    """Eligibility texts of up to ``records`` records, and where they came from."""
    from criteria_nlp import iter_records

    source = SHARED_XML if SHARED_XML.exists() else SEEDS
    texts = []
    for trial in iter_records(source):
        if isinstance(trial, Exception) or not trial.eligibility_text.strip():
            continue
        texts.append(trial.eligibility_text)
        if len(texts) >= records:
            break
    return texts, str(source)


def best_of(repeat: int, run: Callable[[], Any], clock: Callable[[], float] = time.perf_counter) -> float:
    """The shortest of ``repeat`` timed runs, in seconds of ``clock`` (wall time unless told otherwise)."""
    best = float("inf")
    for _ in range(repeat):
        started = clock()
        run()
        best = min(best, clock() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "throughput.json")
    args = parser.parse_args()

    import medspacy
    import spacy

    import criteria_nlp
    from criteria_nlp.pipeline import blank

    texts, source = load_texts(args.records)
    words = sum(len(t.split()) for t in texts)
    results: dict[str, dict[str, float]] = {}

    def measure(name: str, make: Callable[[], Any], run: Callable[[Any], Any]) -> None:
        started = time.perf_counter()
        subject = make()
        load_s = time.perf_counter() - started
        run(subject)  # warm-up: lazy tables, caches
        seconds = best_of(args.repeat, lambda: run(subject))
        results[name] = {"load_s": round(load_s, 2), "seconds": round(seconds, 3), "words_per_s": round(words / seconds)}
        print(f"{name:24} {words / seconds:>10,.0f} words/s   ({seconds:.2f} s; load {load_s:.1f} s)", flush=True)

    print(f"{len(texts)} texts, {words:,} words, from {source}; best of {args.repeat}")
    measure("spacy-tokenizer", lambda: spacy.blank("en"), lambda nlp: [nlp.make_doc(t) for t in texts])
    measure("criteria-tokenizer", blank, lambda nlp: [nlp.make_doc(t) for t in texts])
    measure("criteria-nlp", criteria_nlp.Analyzer, lambda a: list(a.pipe(texts, batch_size=64)))
    measure("criteria-nlp+chia_ner", lambda: criteria_nlp.Analyzer(pipeline="default"),
            lambda a: list(a.pipe(texts, batch_size=64)))
    measure("pipeline-fast", lambda: criteria_nlp.load("fast"), lambda nlp: list(nlp.pipe(texts, batch_size=64)))
    measure("pipeline-default", lambda: criteria_nlp.load("default"), lambda nlp: list(nlp.pipe(texts, batch_size=64)))
    measure("medspacy-default", medspacy.load, lambda nlp: list(nlp.pipe(texts, batch_size=64)))

    ours = results["criteria-nlp"]["seconds"]
    ratios = {
        "criteria-nlp / spacy-tokenizer (time)": round(ours / results["spacy-tokenizer"]["seconds"], 2),
        "criteria-nlp / criteria-tokenizer (time)": round(ours / results["criteria-tokenizer"]["seconds"], 2),
        "medspacy-default / criteria-nlp (time)": round(results["medspacy-default"]["seconds"] / ours, 2),
        "medspacy-default / criteria-nlp+chia_ner (time)": round(
            results["medspacy-default"]["seconds"] / results["criteria-nlp+chia_ner"]["seconds"], 2),
        "pipeline-default / spacy-tokenizer (time)": round(
            results["pipeline-default"]["seconds"] / results["spacy-tokenizer"]["seconds"], 2),
    }
    for name, value in ratios.items():
        print(f"{name:50} {value:>6}x")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "texts": len(texts), "words": words, "source": source, "repeat": args.repeat,
        "machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine()},
        "results": results, "ratios": ratios,
    }, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
