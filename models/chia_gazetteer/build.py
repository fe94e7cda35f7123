"""Build criteria_nlp/resources/gazetteer.jsonl: terms learned from the Chia TRAIN split.

    python models/chia_gazetteer/build.py [CHIA_DIR]

For every gold entity string of the train split (Chia: Kury F. et al., Scientific
Data 7, 281 (2020), CC BY 4.0) the script counts how often the same token
sequence occurs anywhere in the train text, and how often it is annotated there
with that label. A term is kept when it is an entity at least ``MIN_PRECISION`` of
the times it occurs and was annotated at least ``MIN_COUNT`` times (once suffices
for terms of two to four words that were an entity every time they occurred). The dev split is never read.

Labels follow the evaluation's mapping: Measurement -> LAB (SCORE when the
lexicon knows the term as a score), Person -> SEX for sex words else AGE.
Values are left to the value parser.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from spacy.matcher import PhraseMatcher

from criteria_nlp.evaluate import load_chia
from criteria_nlp.lexicon import Lexicon
from criteria_nlp.pipeline import blank
from criteria_nlp.tag import load_terms

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from prepare import is_validation  # noqa: E402  (the valid rule lives with the model's data preparation)

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "criteria_nlp" / "resources" / "gazetteer.jsonl"
SPLIT = REPO / "annotations" / "chia_split.json"
MIN_COUNT = 2
MIN_PRECISION = 0.5
MAX_SINGLETON_WORDS = 4  # a term seen once is kept only when short and always an entity
LABELS = {"CONDITION", "DRUG", "PROCEDURE", "LAB/SCORE", "OBSERVATION", "DEVICE", "AGE/SEX", "TEMPORAL"}
STOP = {"a", "an", "the", "of", "or", "and", "in", "on", "to", "for", "with", "any", "all", "no", "not", "be", "is", "are", "as"}


def main(chia_dir: Path, *, out: Path = OUT, without_valid: bool = False) -> None:
    """Learn the gazetteer from the train split (without its valid trials when asked) and write it to ``out``."""
    nlp = blank()
    lexicon = Lexicon.load()
    terms = load_terms()
    sex_words = {w.lower() for forms in terms.sex.values() for w in forms} | {w.lower() for w in terms.sex_words}
    docs = []
    gold: dict[tuple[str, str], int] = Counter()
    gold_at: set[tuple[int, int, int, str]] = set()
    for chia_file in load_chia(chia_dir, split="train", split_file=SPLIT):
        if without_valid and is_validation(chia_file.trial_id):
            continue  # for pipeline decisions on the valid part (models/scripts/evaluate_valid.py)
        for index, (start, end) in enumerate(chia_file.lines):
            doc = nlp.make_doc(chia_file.text[start:end])
            docs.append(doc)
            for ent in chia_file.entities:
                if ent.label not in LABELS or ent.discontinuous or not (start <= ent.start and ent.end <= end):
                    continue
                span = doc.char_span(ent.start - start, ent.end - start, alignment_mode="strict")
                if span is None:
                    continue
                key = " ".join(t.lower_ for t in span)
                label = ent.label
                if label == "LAB/SCORE":
                    label = "SCORE" if lexicon.lookup(key, "SCORE") else "LAB"
                elif label == "AGE/SEX":
                    label = "SEX" if key in sex_words else "AGE"
                gold[(key, label)] += 1
                gold_at.add((len(docs) - 1, span.start, span.end, label))
    candidates = {
        key: label for (key, label), n in gold.items()
        if len(key) >= 2 and key not in STOP and any(ch.isalpha() for ch in key)
    }
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_key = defaultdict(list)
    for key, label in candidates.items():
        by_key[key].append(label)
    for key in by_key:
        matcher.add(key, [nlp.make_doc(key)])
    occurs: Counter[str] = Counter()
    hits: Counter[tuple[str, str]] = Counter()
    for i, doc in enumerate(docs):
        for match_id, s, e in matcher(doc):
            key = nlp.vocab.strings[match_id]
            occurs[key] += 1
            for label in by_key[key]:
                if (i, s, e, label) in gold_at:
                    hits[(key, label)] += 1
    kept = []
    for key, labels in sorted(by_key.items()):
        best = max(labels, key=lambda lab: hits[(key, lab)])
        n, total = hits[(key, best)], occurs[key]
        if total == 0:
            continue
        precision = n / total
        words = key.count(" ") + 1
        if (n >= MIN_COUNT and precision >= MIN_PRECISION) or (2 <= words <= MAX_SINGLETON_WORDS and precision == 1.0):
            kept.append({"term": key, "label": best, "count": n, "precision": round(precision, 3)})
    out.write_text("".join(json.dumps(k, ensure_ascii=False) + "\n" for k in kept), encoding="utf-8")
    print(f"{len(kept)} terms written to {out} ({Counter(k['label'] for k in kept)})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "chia")
