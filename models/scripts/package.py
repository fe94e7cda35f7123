"""Copy a trained NER into the package (``criteria_nlp/resources/models/chia_ner``) with its meta data.

Usage (from ``models/``, as the spaCy project runs it)::

    python scripts/package.py training/chia_ner_small_final/model-last ../criteria_nlp/resources/models/chia_ner \
        --metrics metrics/chia_ner_small.json --config-name chia_ner_small

Keeps the trained pipeline as spaCy saved it (config, tokenizer, weights) and
writes the meta data a user needs: name, version, licence and sources (Chia, CC
BY 4.0), the config it came from, and the dev figures of ``--metrics``. Drops
nothing the pipeline needs, so ``spacy.load`` of the copy works after
``pip install criteria-nlp``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import criteria_nlp

SOURCES = [{
    "name": "Chia: a large annotated corpus of clinical trial eligibility criteria",
    "url": "https://doi.org/10.6084/m9.figshare.11855817.v2",
    "license": "CC BY 4.0",
    "author": "Kury F., Butler A., Yuan C. et al., Scientific Data 7, 281 (2020)",
}]


def main() -> None:
    """Copy the model and write its meta.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="the trained pipeline (the final training's model-last)")
    parser.add_argument("target", type=Path, help="where the package keeps it")
    parser.add_argument("--metrics", type=Path, default=None, help="metrics JSON written by scripts/evaluate_model.py")
    parser.add_argument("--config-name", default="chia_ner")
    args = parser.parse_args()
    meta = json.loads((args.model / "meta.json").read_text(encoding="utf-8"))
    meta.update({
        "name": "chia_ner",
        "version": criteria_nlp.__version__,
        "description": (
            "criteria_nlp Chia NER: a small CPU tok2vec (HashEmbedCNN) + ner pipeline trained on the TRAIN split "
            "of the Chia corpus (chia_without_scope, its valid part included, for the number of steps chosen on it) "
            f"with the criteria tokenizer; config models/configs/{args.config_name}.cfg. "
            "Model card: models/README.md."
        ),
        "author": "criteria_nlp developers",
        "license": "CC BY 4.0 (trained on Chia, CC BY 4.0)",
        "sources": SOURCES,
        "criteria_nlp_config": args.config_name,
    })
    if args.metrics is not None:
        metrics = json.loads(args.metrics.read_text(encoding="utf-8"))
        meta["criteria_nlp_dev_metrics"] = {
            "micro": metrics["report"]["micro"],
            "words_per_second": metrics["throughput"]["words_per_second"],
        }
    if args.target.exists():
        shutil.rmtree(args.target)
    shutil.copytree(args.model, args.target)
    (args.target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in args.target.rglob("*") if p.is_file())
    print(f"{args.target}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
