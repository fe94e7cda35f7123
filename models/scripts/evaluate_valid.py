"""Score a pipeline on the VALID part of Chia train, where pipeline decisions are taken.

Usage (from ``models/``)::

    python scripts/evaluate_valid.py --chia ../../shared/data/chia --split-file ../annotations/chia_split.json \
        [--pipeline default] [--model-first CONDITION,PROCEDURE] [--model training/X/model-best]

The valid part is the ~10% of the train trials that ``prepare.py`` holds back
for early stopping (sha1("valid:" + id) % 10 == 0). The packaged gazetteer is
learned from every train trial, valid included, so scoring with it on valid
flatters every choice that leans on it; this script rebuilds the gazetteer
without the valid trials (``chia_gazetteer/build.py``) into a temporary folder
and gives it to the tagger. Dev is never read. Prints the seven target types'
micro strict and overlap F1 and the per-type rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import criteria_nlp
from criteria_nlp.errors import ResourceError
from criteria_nlp.evaluate import Row, analyzer_predictor, evaluate_chia, load_chia

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "chia_gazetteer"))
from prepare import is_validation  # noqa: E402

SEVEN = ("CONDITION", "DRUG", "PROCEDURE", "LAB/SCORE", "AGE/SEX", "VALUE", "TEMPORAL")


def main() -> None:
    """Build the valid split and the gazetteer without it, run the pipeline, print the scores."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chia", type=Path, required=True)
    parser.add_argument("--split-file", type=Path, required=True)
    parser.add_argument("--pipeline", default="default", choices=("default", "fast"))
    parser.add_argument("--model-first", default=None, help="comma-separated labels for the tagger's model_first")
    parser.add_argument("--model", default=None, help="a trained NER to put in the pipeline instead of the packaged one (a model-best folder)")
    args = parser.parse_args()
    import build  # models/chia_gazetteer/build.py

    with tempfile.TemporaryDirectory() as tmp:
        train = json.loads(args.split_file.read_text(encoding="utf-8"))["train"]
        split = Path(tmp) / "valid_split.json"
        split.write_text(json.dumps({"description": "valid part of Chia train",
                                     "train": [t for t in train if not is_validation(t)],
                                     "dev": [t for t in train if is_validation(t)]}), encoding="utf-8")
        gazetteer = Path(tmp) / "gazetteer.jsonl"
        build.main(args.chia, out=gazetteer, without_valid=True)
        nlp = criteria_nlp.load(args.pipeline, model=args.model)
        tagger = nlp.get_pipe("criteria_tagger")
        tagger.initialize(nlp=nlp, gazetteer_path=str(gazetteer))
        if args.model_first is not None:
            try:
                tagger.set_model_first(x for x in args.model_first.split(",") if x)
            except ResourceError as error:
                parser.error(str(error))
        assert {f.trial_id for f in load_chia(args.chia, split="dev", split_file=split)} <= set(train)
        report = evaluate_chia(args.chia, analyzer_predictor(criteria_nlp.Analyzer(nlp)), split="dev", split_file=split)
    rows = [r for r in report.rows if r.type in SEVEN]
    seven = Row.of("seven types", sum(r.gold for r in rows), sum(r.predicted for r in rows),
                   sum(r.strict_tp for r in rows), sum(r.overlap_tp for r in rows))
    for kind in ("strict", "overlap"):
        precision, recall, f1 = (getattr(seven, f"{kind}_{m}") for m in ("precision", "recall", "f1"))
        print(f"seven types {kind} P/R/F1 {100 * precision:.1f}/{100 * recall:.1f}/{100 * f1:.2f}")
    for r in report.rows:
        print(f"  {r.type:12} strict F1 {100 * r.strict_f1:5.1f}  overlap F1 {100 * r.overlap_f1:5.1f}  gold {r.gold}  predicted {r.predicted}")


if __name__ == "__main__":
    main()
