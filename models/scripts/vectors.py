"""Train the NER's static word vectors (floret) on unlabelled trial text.

Usage (from ``models/``, as the spaCy project runs it)::

    python scripts/vectors.py --chia ../../shared/data/chia --split-file ../annotations/chia_split.json \
        --ctgov ../../shared/data/ctgov-xml ../../shared/data/ctgov-v2 --out corpus/vectors

The text: every field of at least four words of the ClinicalTrials.gov records
(legacy XML and API v2 JSON), and the criterion texts of the Chia TRAIN trials;
records of Chia dev trials are left out, so dev stays unseen. Lines are
deduplicated, tokenized with the criteria tokenizer and lowercased (the vectors
are keyed by ``LOWER``). floret (fastText with hashed subwords: every word,
seen or not, gets a vector from its character 3- to 5-grams) is trained on one
thread, so the same corpus gives the same table; ``spacy init vectors --mode
floret`` turns it into the vectors of a blank pipeline, which the training
config reads (``[initialize] vectors``). Prints the corpus size.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.training.initialize import convert_vectors

from criteria_nlp.pipeline import blank
from criteria_nlp.read.ctgov_json import nct_of
from criteria_nlp.read.ctgov_xml import parse_xml

#: floret settings (fastText skipgram; ``bucket`` x ``dim`` floats is the table's size)
FLORET = {"model": "skipgram", "mode": "floret", "hashCount": 2, "bucket": 20000, "minn": 3, "maxn": 5,
          "minCount": 2, "dim": 64, "epoch": 10, "thread": 1, "verbose": 0}
MIN_WORDS = 4


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str) and len(node.split()) >= MIN_WORDS:
        yield node


def texts(chia: Path, ctgov: list[Path], dev: set[str]) -> Iterator[str]:
    """Texts of the ctgov records and the Chia train trials, none of a dev trial."""
    for folder in ctgov:
        for path in sorted(folder.rglob("*.xml")):
            if path.stem in dev:
                continue
            for element in parse_xml(path.read_bytes(), str(path)).iter():
                if element.text and len(element.text.split()) >= MIN_WORDS:
                    yield element.text
        for path in sorted(folder.rglob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            studies = data if isinstance(data, list) else data.get("studies", [data])
            for study in studies:
                if nct_of(study) not in dev:
                    yield from _strings(study)
    for path in sorted(chia.rglob("*.txt")):
        if path.stem.split("_")[0] not in dev:
            yield path.read_text(encoding="utf-8")


def write_corpus(lines: Iterator[str], out: Path) -> tuple[int, int]:
    """Deduplicated, tokenized, lowercased lines; returns (lines, words)."""
    tokenizer = blank().tokenizer
    seen: set[str] = set()
    words = 0
    with out.open("w", encoding="utf-8") as handle:
        for text in lines:
            for line in text.splitlines():
                line = " ".join(line.split())
                if len(line.split()) < 3 or line in seen:
                    continue
                seen.add(line)
                tokens = [token.lower_ for token in tokenizer(line) if not token.is_space]
                handle.write(" ".join(tokens) + "\n")
                words += len(tokens)
    return len(seen), words


def main() -> None:
    """Build the corpus, train floret, write a blank pipeline with the vectors."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chia", type=Path, required=True)
    parser.add_argument("--split-file", type=Path, required=True)
    parser.add_argument("--ctgov", type=Path, nargs="+", required=True, help="folders of ctgov XML or API v2 JSON")
    parser.add_argument("--out", type=Path, required=True, help="output folder (a blank spaCy pipeline with vectors)")
    args = parser.parse_args()
    import floret  # training-only dependency (pip install floret)

    missing = [str(p) for p in [args.chia, *args.ctgov] if not p.is_dir()]
    if missing:
        sys.exit(f"vectors: missing corpus folder(s): {', '.join(missing)}")
    dev = set(json.loads(args.split_file.read_text(encoding="utf-8"))["dev"])
    with tempfile.TemporaryDirectory() as tmp:
        corpus, table = Path(tmp) / "corpus.txt", Path(tmp) / "vectors.floret"
        n_lines, n_words = write_corpus(texts(args.chia, args.ctgov, dev), corpus)
        print(f"vectors corpus: {n_lines:,} distinct lines, {n_words:,} words")
        model = floret.train_unsupervised(str(corpus), **FLORET)
        model.save_floret_vectors(str(table))
        nlp = spacy.blank("en")
        convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret", attr="LOWER")
        nlp.to_disk(args.out)
    print(f"vectors: {FLORET['bucket']} x {FLORET['dim']} floret table -> {args.out}")


if __name__ == "__main__":
    main()
