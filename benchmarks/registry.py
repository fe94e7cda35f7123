"""Registry-scale benchmark: criteria-nlp annotate over the ClinicalTrials.gov XML corpus, in one run.

    python benchmarks/registry.py [--corpus ../shared/data/ctgov-xml] [--repeat-corpus 3] [--json OUT]

Measures, on the same records (``../shared/data/ctgov-xml``, 1,038 records):

* ``spacy-tokenizer`` / ``criteria-tokenizer``: ``spacy.blank("en")``'s tokenizer
  and our criteria tokenizer over the eligibility texts (the floor);
* ``medspacy-default``: ``medspacy.load()`` (``nlp.pipe``) over the same texts;
* ``criteria-nlp``: ``Analyzer`` over the same texts (pipeline, typed analysis,
  rules, lint), one process;
* ``annotate-1`` / ``annotate-2``: the whole batch path (read the XML, analyse,
  write Parquet tables, checkpoint) with ``n_process`` 1 and 2, each in a fresh
  process; start-up (building the pipeline) is timed apart from throughput;
* ``annotate-1-xN`` / ``annotate-2-xN``: the same corpus given N times (N x the
  records), to show that peak memory does not grow with the number of records
  (and the speed-up once the per-process caches are warm).

Peak memory is the largest sum of RSS over the run's process and its workers,
sampled every 0.2 s (forked workers share pages with their parent, so the sum
overstates what they use together; PSS, sampled every second, is reported
beside it). Prints a table and writes ``benchmarks/results/registry.json``.
Run it on a quiet machine (the script records the load average before and
after).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "ctgov-xml"

ANNOTATE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import criteria_nlp
sources, out, n_process = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
summary = criteria_nlp.annotate(sources, out, n_process=n_process, batch_size=256)
print(json.dumps(summary.model_dump()))
"""


class Sampler:
    """Samples the RSS (and PSS) of a process tree in a thread; keeps the peaks."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _run(self) -> None:
        ticks = 0
        while not self._stop.is_set():
            rss = pss = 0
            for process in self._tree():
                try:
                    rss += process.memory_info().rss
                    if ticks % 5 == 0:
                        pss += process.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            ticks += 1
            self._stop.wait(0.2)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def load_texts(corpus: Path) -> list[str]:
    """The eligibility texts of every readable record in ``corpus``."""
    from criteria_nlp import iter_records

    return [r.eligibility_text for r in iter_records(corpus) if not isinstance(r, Exception)]


def time_inprocess(name: str, load: Any, run: Any, texts: list[str]) -> dict[str, Any]:
    """Load a pipeline, run it over ``texts`` once, and report load time, throughput and this process's peak RSS."""
    started = time.perf_counter()
    nlp = load()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    run(nlp, texts)
    seconds = time.perf_counter() - started
    words = sum(len(t.split()) for t in texts)
    return {
        "name": name,
        "startup_s": round(loaded, 2),
        "seconds": round(seconds, 2),
        "records": len(texts),
        "records_per_s": round(len(texts) / seconds, 1),
        "words_per_s": round(words / seconds),
    }


def run_annotate(name: str, sources: list[str], n_process: int, words: int, workdir: Path) -> dict[str, Any]:
    """Run ``criteria_nlp.annotate`` in a fresh process and sample its memory."""
    out = workdir / f"{name}.parquet"
    command = [sys.executable, "-c", ANNOTATE, json.dumps(sources), str(out), str(n_process)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with Sampler(process.pid) as sampler:
        stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{name} failed:\n{stderr[-3000:]}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    shutil.rmtree(out, ignore_errors=True)
    seconds = summary["seconds"] - summary["startup_seconds"]
    records = summary["session_records"]
    return {
        "name": name,
        "n_process": n_process,
        "startup_s": round(summary["startup_seconds"], 2),
        "seconds": round(seconds, 2),
        "wall_s": round(wall, 2),
        "records": records,
        "failed": summary["failed"],
        "records_per_s": round(records / seconds, 1),
        "words_per_s": round(words / seconds),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
        "peak_pss_mb": round(sampler.peak_pss / 2**20),
        "criteria": summary["criteria"],
        "entities": summary["entities"],
        "rules": summary["rules"],
        "computable_share": round(summary["computable_rules"] / summary["rules"], 3) if summary["rules"] else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat-corpus", type=int, default=3, help="the larger corpus for the memory check: the corpus N times")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "registry.json")
    parser.add_argument("--skip-medspacy", action="store_true")
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"no corpus at {args.corpus}")
    load_before = os.getloadavg()

    import warnings

    warnings.simplefilter("ignore")
    import spacy

    from criteria_nlp import Analyzer
    from criteria_nlp.pipeline import blank

    texts = load_texts(args.corpus)
    words = sum(len(t.split()) for t in texts)
    rows: list[dict[str, Any]] = []

    def tokenize(nlp: Any, items: list[str]) -> None:
        for text in items:
            nlp.make_doc(text)

    rows.append(time_inprocess("spacy-tokenizer", lambda: spacy.blank("en"), tokenize, texts))
    rows.append(time_inprocess("criteria-tokenizer", blank, tokenize, texts))

    def analyse(analyzer: Any, items: list[str]) -> None:
        for text in items:
            analyzer(text)

    rows.append(time_inprocess("criteria-nlp", lambda: Analyzer(pipeline="fast"), analyse, texts))
    if not args.skip_medspacy:
        import medspacy

        def medspacy_pipe(nlp: Any, items: list[str]) -> None:
            for _ in nlp.pipe(items, batch_size=32):
                pass

        rows.append(time_inprocess("medspacy-default", medspacy.load, medspacy_pipe, texts))

    with tempfile.TemporaryDirectory(prefix="registry-bench-") as tmp:
        workdir = Path(tmp)
        corpus = str(args.corpus.resolve())
        rows.append(run_annotate("annotate-1", [corpus], 1, words, workdir))
        rows.append(run_annotate("annotate-2", [corpus], 2, words, workdir))
        rows.append(run_annotate(f"annotate-1-x{args.repeat_corpus}", [corpus] * args.repeat_corpus, 1, words * args.repeat_corpus, workdir))
        rows.append(run_annotate(f"annotate-2-x{args.repeat_corpus}", [corpus] * args.repeat_corpus, 2, words * args.repeat_corpus, workdir))

    by = {r["name"]: r for r in rows}
    ratios = {
        "criteria-nlp / spacy-tokenizer (time; target <= 8)": round(by["criteria-nlp"]["seconds"] / by["spacy-tokenizer"]["seconds"], 1),
        "criteria-nlp / criteria-tokenizer (time)": round(by["criteria-nlp"]["seconds"] / by["criteria-tokenizer"]["seconds"], 1),
        "annotate-2 / annotate-1 (records/s; target >= 1.7)": round(by["annotate-2"]["records_per_s"] / by["annotate-1"]["records_per_s"], 2),
        f"annotate-2-x{args.repeat_corpus} / annotate-1-x{args.repeat_corpus} (records/s)": round(
            by[f"annotate-2-x{args.repeat_corpus}"]["records_per_s"] / by[f"annotate-1-x{args.repeat_corpus}"]["records_per_s"], 2
        ),
        f"peak RSS annotate-1-x{args.repeat_corpus} / annotate-1": round(
            by[f"annotate-1-x{args.repeat_corpus}"]["peak_rss_mb"] / by["annotate-1"]["peak_rss_mb"], 2
        ),
    }
    if "medspacy-default" in by:
        ratios["medspacy-default / criteria-nlp (time; target >= 5)"] = round(by["medspacy-default"]["seconds"] / by["criteria-nlp"]["seconds"], 2)
    result = {
        "corpus": str(args.corpus),
        "records": len(texts),
        "words": words,
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "command": "python benchmarks/registry.py " + " ".join(sys.argv[1:]),
        "results": rows,
        "ratios": ratios,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")

    header = f"{'run':<22}{'procs':>6}{'start-up s':>11}{'seconds':>9}{'records/s':>11}{'words/s':>10}{'peak RSS MB':>12}{'peak PSS MB':>12}"
    print(f"{len(texts):,} records, {words:,} words from {args.corpus}")
    print(header)
    for r in rows:
        print(
            f"{r['name']:<22}{r.get('n_process', 1):>6}{r['startup_s']:>11.2f}{r['seconds']:>9.2f}{r['records_per_s']:>11,.1f}"
            f"{r['words_per_s']:>10,}{r.get('peak_rss_mb', ''):>12}{r.get('peak_pss_mb', ''):>12}"
        )
    for name, value in ratios.items():
        print(f"{name}: {value}")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; written to {args.json}")


if __name__ == "__main__":
    main()
