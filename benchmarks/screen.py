"""Benchmark ``screen`` (vectorised cohort screening) against a per-patient ``match`` loop.

Builds a synthetic cohort (``criteria_nlp.screening.synthetic_patients``: random
lupus-trial facts with gaps, not clinical data) and screens it against the
seed trials (``tests/fixtures/seeds``, analysed with the default pipeline, or
saved analyses with ``--analyses``). Reports, per trial:

* ``screen``: seconds and patients per second for the whole cohort, with the
  table prepared once (``cohort_from_frame``) and shared by the trials, and
  end to end (preparing the table for that trial alone);
* ``match``: seconds and patients per second of a ``match()`` loop over a
  subsample (``patients_from_frame`` once, not timed), and the ratio of the
  two speeds;
* whether both paths agree on every rule of every subsample patient.

Usage::

    python benchmarks/screen.py                       # 100,000 patients, 2,000 in the match loop
    python benchmarks/screen.py --patients 20000 --sample 500
    python benchmarks/screen.py --analyses tests/fixtures/patients/analyses --output out/screen.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "tests" / "fixtures" / "seeds"


def load_analyses(folder: Path | None) -> list[Any]:
    """Analyses of the seed trials: saved ones from ``folder``, else the pipeline run on the seed records."""
    from criteria_nlp.schema import TrialAnalysis

    if folder is not None:
        out = []
        for path in sorted(folder.glob("*.json")):
            with path.open(encoding="utf-8") as handle:
                out.append(TrialAnalysis.from_dict(json.load(handle)))
        return out
    from criteria_nlp.analyzer import Analyzer
    from criteria_nlp.read import read_trial

    analyzer = Analyzer()
    return [analyzer(read_trial(path)) for path in sorted(SEEDS.glob("*.txt"))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per trial (and a JSON report with ``--output``)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000, help="cohort size (default 100,000)")
    parser.add_argument("--sample", type=int, default=2_000, help="patients in the per-patient match loop (default 2,000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the synthetic cohort")
    parser.add_argument("--analyses", type=Path, default=None, help="folder of saved analyses (default: analyse the seed records)")
    parser.add_argument("--output", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    from criteria_nlp.matching import match
    from criteria_nlp.screening import cohort_from_frame, patients_from_frame, screen, synthetic_patients

    as_of = dt.date(2026, 1, 1)
    analyses = load_analyses(args.analyses)
    t0 = time.perf_counter()
    frame = synthetic_patients(args.patients, seed=args.seed, as_of=as_of)
    t_generate = time.perf_counter() - t0

    # warm the caches every path shares (lexicon, pint, ICD-10-CM descriptions, the drug package's index)
    warm = frame.head(200)
    for a in analyses:
        screen(warm, a, as_of=as_of)
        for p in patients_from_frame(warm.head(20), as_of=as_of):
            match(p, a)

    t0 = time.perf_counter()
    cohort = cohort_from_frame(frame, as_of)
    t_prepare = time.perf_counter() - t0
    sample = frame.head(args.sample)
    patients = patients_from_frame(sample, as_of=as_of)

    print(f"cohort: {args.patients:,} synthetic patients (generated in {t_generate:.1f} s), prepared once in {t_prepare:.2f} s; "
          f"match loop on {len(patients):,}")
    print(f"{'trial':<22} {'rules':>5} {'screen s':>9} {'pat/s':>10} {'end-to-end s':>13} {'match s':>8} {'pat/s':>8} {'ratio':>7}  agree")
    report: dict[str, Any] = {"patients": args.patients, "sample": len(patients), "generate_s": t_generate,
                              "prepare_s": t_prepare, "trials": []}
    total_screen = total_match = 0.0
    for a in analyses:
        t0 = time.perf_counter()
        table = screen(cohort, a)
        t_screen = time.perf_counter() - t0
        t0 = time.perf_counter()
        screen(frame, a, as_of=as_of)
        t_end = time.perf_counter() - t0
        t0 = time.perf_counter()
        results = [match(p, a) for p in patients]
        t_match = time.perf_counter() - t0
        agree = all(
            r.verdict == table["verdict"].iloc[i] and all(rr.result == table[rr.rule].iloc[i] for rr in r.rules)
            for i, r in enumerate(results)
        )
        screen_rate = args.patients / t_screen
        match_rate = len(patients) / t_match
        total_screen += t_screen
        total_match += t_match
        print(f"{a.trial.id:<22} {len(a.rules):>5} {t_screen:>9.3f} {screen_rate:>10,.0f} {t_end:>13.2f} {t_match:>8.2f} "
              f"{match_rate:>8,.0f} {screen_rate / match_rate:>6.0f}x  {'yes' if agree else 'NO'}")
        report["trials"].append({"trial": a.trial.id, "rules": len(a.rules), "screen_s": t_screen, "screen_patients_per_s": screen_rate,
                                 "end_to_end_s": t_end, "match_s": t_match, "match_patients_per_s": match_rate,
                                 "ratio": screen_rate / match_rate, "agree": agree})
    all_screen = len(analyses) * args.patients / (total_screen + t_prepare)
    all_match = len(analyses) * len(patients) / total_match
    print(f"all {len(analyses)} trials: screen {len(analyses) * args.patients / (total_screen + t_prepare):,.0f} patient-trials/s "
          f"(preparation included), match {all_match:,.0f} patient-trials/s, ratio {all_screen / all_match:,.0f}x")
    report.update(screen_patient_trials_per_s=all_screen, match_patient_trials_per_s=all_match, ratio=all_screen / all_match)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0 if all(t["agree"] for t in report["trials"]) else 1


if __name__ == "__main__":
    sys.exit(main())
