"""Coding coverage over registry records (issue 25, "Evaluate: coverage").

For each pipeline, over the first N readable records of a corpus (default 300 of ``../shared/data/ctgov-xml``):
the share of CONDITION, DRUG, PROCEDURE and LAB mentions with a code, the share of computable rules, for
the open-vocabulary fallback how many mentions it coded and how many it flagged for review, and how many
mentions got a code broader than their words (``narrower``: their rules are unknown for a record with the code).

Usage::

    python benchmarks/coding_coverage.py [--corpus ../shared/data/ctgov-xml] [--n 300] [--pipelines fast,default]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "ctgov-xml"
LABELS = ("CONDITION", "DRUG", "PROCEDURE", "LAB")


def measure(pipeline: str, trials: list[Any]) -> dict[str, Any]:
    from criteria_nlp import Analyzer
    from criteria_nlp.extensions import entity_data

    analyzer = Analyzer(pipeline=pipeline)
    counts: Counter[str] = Counter()
    for trial in trials:
        doc = analyzer.nlp(analyzer.make_doc(trial))
        result = analyzer.analysis_from_doc(trial, doc)
        for ent, info in zip(doc.ents, entity_data(doc)):  # what the fallback did
            coding = info.get("coding")
            if coding is not None and ent.label_ in LABELS:
                if "review" in coding:
                    counts["fallback:review"] += 1
                elif coding.get("source") == "vocab_index":
                    counts["fallback:coded"] += 1
                counts["narrower"] += bool(coding.get("narrower"))
        for entity in result.entities:
            if entity.label in LABELS:
                counts[f"{entity.label}:n"] += 1
                counts[f"{entity.label}:coded"] += entity.concept is not None
        for rule in result.rules:
            counts["rules"] += 1
            counts["computable"] += bool(rule.computable)
    out: dict[str, Any] = {"pipeline": pipeline, "records": len(trials), "rules": counts["rules"],
                           "computable": round(counts["computable"] / max(1, counts["rules"]), 3),
                           "computable_rules": counts["computable"]}
    for label in LABELS:
        n = counts[f"{label}:n"]
        out[label] = {"mentions": n, "coded": round(counts[f"{label}:coded"] / n, 3) if n else None}
    out["fallback"] = {"coded": counts["fallback:coded"], "review": counts["fallback:review"]}
    out["narrower"] = counts["narrower"]  # coded broader than the mention reads (Rule.narrower)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--pipelines", default="fast,default")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from criteria_nlp import iter_records

    trials = []
    for record in iter_records(args.corpus):
        if not isinstance(record, Exception) and record.eligibility_text.strip():
            trials.append(record)
        if len(trials) >= args.n:
            break
    results = [measure(p, trials) for p in args.pipelines.split(",")]
    print("| pipeline | records | " + " | ".join(f"{label} coded" for label in LABELS)
          + " | rules | computable | fallback coded / review | coded broader (narrower) |")
    print("|---|---:|" + "---:|" * len(LABELS) + "---:|---:|---:|---:|")
    for r in results:
        cells = " | ".join(f"{r[label]['coded']:.1%} of {r[label]['mentions']}" for label in LABELS)
        print(f"| {r['pipeline']} | {r['records']} | {cells} | {r['rules']} | {r['computable']:.1%} | "
              f"{r['fallback']['coded']} / {r['fallback']['review']} | {r['narrower']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
