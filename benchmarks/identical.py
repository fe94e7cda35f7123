"""Byte-identical output check for speed work (issue 26): write every analysis as JSON, or compare with a reference.

    python benchmarks/identical.py write REF.jsonl [--records 400]
    python benchmarks/identical.py compare REF.jsonl [--records 400]

Analyses the test fixtures (seed records, read fixtures, Chia texts) and the
first ``--records`` ClinicalTrials.gov XML records of ``../shared/data/ctgov-xml``
(sorted by path) with the ``fast`` and ``default`` pipelines, one JSON line per
analysis (``to_dict()``). ``write`` saves them from the code as it is (before a
change); ``compare`` runs again and reports every line that differs. Exit
status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "ctgov-xml"
FIXTURES = REPO / "tests" / "fixtures"


def sources(records: int) -> list[Path]:
    """The records to analyse: fixtures first, then the first ``records`` CT.gov XML files."""
    paths = sorted((FIXTURES / "seeds").glob("*.txt")) + sorted((FIXTURES / "read").glob("*.txt"))
    paths += sorted((FIXTURES / "chia").glob("*.txt"))
    if CORPUS.is_dir():
        paths += sorted(CORPUS.rglob("*.xml"))[:records]
    return paths


def lines(records: int) -> Iterator[str]:
    """One JSON line per (pipeline, record) analysis."""
    from criteria_nlp.analyzer import Analyzer
    from criteria_nlp.read import read_trial

    trials = [read_trial(str(p)) for p in sources(records)]
    for pipeline in ("fast", "default"):
        analyzer = Analyzer(pipeline=pipeline)
        for trial, analysis in zip(trials, analyzer.pipe(trials, batch_size=64)):
            yield json.dumps({"pipeline": pipeline, "record": trial.id, "analysis": analysis.to_dict()},
                             ensure_ascii=False)
        for trial in trials[:20]:  # the one-trial path too
            yield json.dumps({"pipeline": pipeline + "-call", "record": trial.id,
                              "analysis": analyzer(trial).to_dict()}, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("write", "compare"))
    parser.add_argument("reference", type=Path)
    parser.add_argument("--records", type=int, default=400)
    args = parser.parse_args(argv)
    if args.mode == "write":
        with args.reference.open("w", encoding="utf-8") as out:
            for count, line in enumerate(lines(args.records), 1):
                out.write(line + "\n")
        print(f"wrote {count} analyses to {args.reference}")
        return 0
    reference = args.reference.read_text(encoding="utf-8").splitlines()
    current = list(lines(args.records))
    differ = [i for i, (a, b) in enumerate(zip(reference, current)) if a != b]
    if len(reference) != len(current):
        print(f"{len(reference)} reference lines, {len(current)} now")
    for i in differ[:10]:
        print("differs:", json.loads(current[i])["pipeline"], json.loads(current[i])["record"])
    print(f"{len(current)} analyses, {len(differ)} differ")
    return 1 if differ or len(reference) != len(current) else 0


if __name__ == "__main__":
    sys.exit(main())
