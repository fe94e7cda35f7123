"""Build the training data of the Chia NER model from the TRAIN split of Chia.

Usage (from the repository root)::

    python models/chia_ner/prepare.py --chia ../shared/data/chia \
        --split-file annotations/chia_split.json --out models/chia_ner/corpus

writes ``train.spacy`` and ``valid.spacy`` (spaCy DocBins, one Doc per criterion
line, tokenised with ``criteria_nlp.tokenizer.v1``), ``train_valid.spacy`` (the
two together, for the final model) and ``stats.json``. The validation set used
for early stopping and for every pipeline decision is a fixed ~10% of the TRAIN
trials (a trial is held out when sha1("valid:" + id) % 10 == 0); the packaged
model is then retrained on train and valid together with the chosen number of
steps. ``dev`` is never read.

Labels: CONDITION, DRUG, PROCEDURE, LAB (Chia Measurement), OBSERVATION,
DEVICE, AGE or SEX (Chia Person: SEX when the mention is a sex/gender word),
VALUE, TEMPORAL. Overlapping gold spans are resolved with
``spacy.util.filter_spans`` (longest first); a discontinuous span is used with
its full extent unless that swallows another entity, else its first fragment;
spans that do not align with tokens are expanded to token bounds and counted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

import criteria_nlp  # noqa: F401  (registers the criteria tokenizer)
from criteria_nlp.evaluate import ChiaFile, GoldEntity, load_chia

#: Chia type -> training label (Person is decided by ``person_label``).
TRAIN_LABELS: dict[str, str] = {
    "Condition": "CONDITION",
    "Drug": "DRUG",
    "Procedure": "PROCEDURE",
    "Measurement": "LAB",
    "Observation": "OBSERVATION",
    "Device": "DEVICE",
    "Value": "VALUE",
    "Temporal": "TEMPORAL",
}

SEX_WORDS = {
    "woman", "women", "wome", "female", "females", "male", "males", "man", "men",
    "girl", "girls", "boy", "boys", "sex", "sexes", "gender", "genders", "lady", "ladies",
}
SEX_MODIFIERS = {
    "postmenopausal", "post-menopausal", "premenopausal", "pre-menopausal", "perimenopausal",
    "menopausal", "pregnant", "non-pregnant", "nonpregnant", "lactating", "nursing", "both",
    "and", "or", "/", "healthy", "adult", "young", "older", "elderly", "subjects", "patients",
    "of", "childbearing", "child-bearing", "potential",
}

TOKENIZER_CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "criteria_nlp.tokenizer.v1"}}}


def person_label(text: str) -> str:
    """SEX when a Person mention is a sex/gender word (optionally with modifiers), else AGE."""
    words = [w for w in re.findall(r"[a-z][a-z\-]*|/", text.lower())]
    if words and any(w in SEX_WORDS for w in words) and all(w in SEX_WORDS or w in SEX_MODIFIERS for w in words):
        return "SEX"
    return "AGE"


def train_label(entity: GoldEntity) -> str | None:
    """The training label of a gold entity, or None for types the model does not learn."""
    if entity.chia_type == "Person":
        return person_label(entity.text)
    return TRAIN_LABELS.get(entity.chia_type)


def is_validation(trial_id: str) -> bool:
    """Whether a TRAIN trial is held out for early stopping (a fixed ~10%)."""
    return int(hashlib.sha1(f"valid:{trial_id}".encode("utf-8")).hexdigest(), 16) % 10 == 0


def _char_spans(entities: list[GoldEntity], stats: Counter[str]) -> list[tuple[int, int, GoldEntity]]:
    spans: list[tuple[int, int, GoldEntity]] = []
    for entity in entities:
        if not entity.discontinuous:
            spans.append((entity.start, entity.end, entity))
            continue
        gaps = [(a_end, b_start) for (_, a_end), (b_start, _) in zip(entity.fragments, entity.fragments[1:])]
        swallows = any(
            other is not entity
            and not (other.start <= entity.start and entity.end <= other.end)  # containing it is no swallowing
            and any(other.start < g_end and g_start < other.end for g_start, g_end in gaps)
            for other in entities
        )
        if swallows:
            stats["discontinuous_first_fragment"] += 1
            spans.append((entity.fragments[0][0], entity.fragments[0][1], entity))
        else:
            stats["discontinuous_full_extent"] += 1
            spans.append((entity.start, entity.end, entity))
    return spans


def line_docs(nlp: Language, chia_file: ChiaFile, stats: Counter[str]) -> list[Doc]:
    """One Doc per criterion line of ``chia_file`` with its gold entities as ``doc.ents``."""
    docs: list[Doc] = []
    for index, (line_start, line_end) in enumerate(chia_file.lines):
        text = chia_file.text[line_start:line_end]
        doc = nlp.make_doc(text)
        labelled = [e for e in chia_file.entities if e.line == index and train_label(e) is not None]
        candidates: list[Span] = []
        for start, end, entity in _char_spans(labelled, stats):
            a, b = start - line_start, end - line_start
            piece = text[a:b]
            a += len(piece) - len(piece.lstrip())
            b -= len(piece) - len(piece.rstrip())
            label = train_label(entity)
            assert label is not None
            span = doc.char_span(a, b, label=label, alignment_mode="strict")
            if span is None:
                span = doc.char_span(a, b, label=label, alignment_mode="expand")
                stats["snapped_to_tokens"] += 1
            if span is None or len(span) == 0:
                stats["unalignable"] += 1
                continue
            candidates.append(span)
        kept = filter_spans(candidates)
        stats["entities"] += len(candidates)
        stats["dropped_overlapping"] += len(candidates) - len(kept)
        for span in kept:
            stats[f"label_{span.label_}"] += 1
        doc.ents = kept
        docs.append(doc)
        stats["lines"] += 1
    return docs


def main() -> None:
    """Write train.spacy, valid.spacy, train_valid.spacy and stats.json from the Chia TRAIN split."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chia", type=Path, required=True, help="the Chia folder (.txt and .ann files)")
    parser.add_argument("--split-file", type=Path, required=True, help="annotations/chia_split.json")
    parser.add_argument("--out", type=Path, required=True, help="output folder for the .spacy files")
    args = parser.parse_args()

    nlp = spacy.blank("en", config=TOKENIZER_CONFIG)
    bins = {"train": DocBin(), "valid": DocBin()}
    stats = {"train": Counter[str](), "valid": Counter[str]()}
    trials: dict[str, set[str]] = {"train": set(), "valid": set()}
    for chia_file in load_chia(args.chia, split="train", split_file=args.split_file):
        part = "valid" if is_validation(chia_file.trial_id) else "train"
        trials[part].add(chia_file.trial_id)
        stats[part]["files"] += 1
        for doc in line_docs(nlp, chia_file, stats[part]):
            bins[part].add(doc)
    args.out.mkdir(parents=True, exist_ok=True)
    for part, doc_bin in bins.items():
        doc_bin.to_disk(args.out / f"{part}.spacy")
    both = DocBin()
    both.merge(bins["train"])
    both.merge(bins["valid"])
    both.to_disk(args.out / "train_valid.spacy")
    summary = {
        part: {"trials": len(trials[part]), **dict(sorted(stats[part].items()))} for part in ("train", "valid")
    }
    (args.out / "stats.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
