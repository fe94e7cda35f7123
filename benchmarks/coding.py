"""Measure mention coding against a gold JSONL of coded mentions (issue 25).

Gold rows (``annotations/codes.jsonl``)::

    {"label": "Condition", "mention": "renal insufficiency, chronic", "criterion": "...",
     "system": "ICD-10-CM", "codes": ["N18.9"], "range": null, "category": "N18", "no_code": false}

``label`` is Chia's (Condition, Drug, Procedure, Measurement); ``codes`` every
acceptable code, ``range`` an acceptable ICD-10-CM range; ``category`` the
ICD-10-CM 3-character category (or a range), the ATC level-4 group (5
characters) or the LOINC component; ``no_code`` marks a mention no code fits.

Three coders:

* ``today``: :func:`criteria_nlp.codes.code_concept`;
* ``index``: :class:`criteria_nlp.vocab_index.VocabularyIndex` alone (best match at or above the threshold);
* ``combined``: ``code_concept``, with the index where it returns None or a catch-all (R69, B99.9) and the
  index has a match at or above the threshold;
* ``component``: the ``criteria_coder`` component with ``deep`` and ``vocab_fallback`` on (lexicons and
  ``code_concept``, then the index; a weak, catch-all, syllable-only or narrower match is flagged for review
  and scored as no code). It also gives a procedure its kind (surgery, imaging, ...; ``procedure_kinds.json``),
  which is scored against the gold's procedure kind in ``category`` (a kind is not a code: it counts for
  neither ``exact`` nor ``coverage``), and reads the criterion's words after an allergy mention as ``__call__``
  reads the Doc's ("hypersensitivity to tetracyclines": Z88.1).

Figures, per coder and label: ``exact`` (the code is one of ``codes`` or the ``range``) and ``category``
(same ICD-10-CM category, or inside the category range; same ATC first 5 characters, a drug by the ATC
classes of the lexicon that list it, a lexicon class of no ATC code by its ``atc_groups``, every one inside a
gold code; same LOINC component, read from ``labs.json``, or for an analyte the gold names without a code one
of the lab entry's names) over the mentions with
a code; ``abstain`` (no code given) over the ``no_code`` mentions; ``overall`` (exact or rightly no code)
over all.

Figures (index: char 3-grams, sorted words, threshold 0.7; 2026-12, simple-icd-10-cm 1.5.0):

* dev gold ``benchmarks/coding_dev_gold.jsonl`` (65 Chia TRAIN mentions, hand-coded; the threshold was
  chosen on it): overall today 0.631, index 0.677, combined 0.662; exact 0.60 / 0.70 / 0.68;
* ``annotations/codes.jsonl`` (400 mentions) before issue 25's coder work: exact 0.501 / 0.519 / 0.533,
  category 0.608 / 0.634 / 0.646, abstain on no-code 0.453 / 0.321 / 0.283, overall 0.495 / 0.492 / 0.500;
* after it (ATC for single substances, drug subclasses, the component's fallback, viremia as viral load;
  procedure names compared without a bracketed tag), today / combined / component: exact 0.634 / 0.677 /
  0.669, category 0.709 / 0.758 / 0.746, abstain 0.453 / 0.283 / 0.566, overall 0.610 / 0.625 / 0.655. Per
  label (component, exact / category): Condition 0.627 / 0.789, Drug 0.788 / 0.812, Measurement 0.714 /
  0.730, Procedure 0.544 / 0.561. ``--half dev`` / ``--half held`` (fixed halves by the id's SHA-1; the error
  analysis read all 400, so neither half is a clean held-out set): component exact 0.661 / 0.676, category
  0.746 / 0.747;
* 2026-12-07 evening (lexicon splits, allergy status, procedure kinds, class groups, coded-only forms; the
  scorer gained kinds, class groups, analyte names and the words after a mention): component on
  ``codes.jsonl`` (read) exact 0.712, category 0.853; on ``annotations/codes_heldout.jsonl`` (200 dev
  mentions nobody read; 0.632 / 0.678 with the morning's coder) 0.644 / 0.747; on
  ``annotations/codes_train.jsonl`` (240 train mentions, the development set) 0.626 / 0.782.

Usage::

    python benchmarks/coding.py --gold /tmp/wc/dev_gold.jsonl                  # a, b, c at the default thresholds
    python benchmarks/coding.py --gold G --sweep                               # thresholds 0.5 .. 0.95
    python benchmarks/coding.py --gold G --ngram 2,4 --unsorted --no-cache     # another index variant
    python benchmarks/coding.py --gold G --speed                               # look-ups per second, memory
    python benchmarks/coding.py --gold G --errors component
    python benchmarks/coding.py --half held                                    # one fixed half of the gold
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from criteria_nlp import vocab_index as vi  # noqa: E402
from criteria_nlp.codes import code_concept  # noqa: E402
from criteria_nlp.lexicon import Lexicon, normalize  # noqa: E402

LABELS = {"Condition": "CONDITION", "Drug": "DRUG", "Procedure": "PROCEDURE", "Measurement": "LAB"}
CATCH_ALL = {"R69", "B99.9"}
Pred = tuple[str, str, float] | None  # (system, code, score)


def half_of(row: dict[str, Any]) -> str:
    """The fixed half of the gold a row is in: ``dev`` (developed against) or ``held`` (reported only)."""
    return "dev" if int(hashlib.sha1(row["id"].encode()).hexdigest(), 16) % 2 == 0 else "held"


def read_gold(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------- categories


def _icd3(code: str) -> str:
    return code.split("-")[0][:3]


def _icd_in(code: str, rng: str) -> bool:
    if "-" in code:  # a predicted range is in a category range when both its ends are
        lo, hi = code.split("-")
        return _icd_in(lo, rng) and _icd_in(hi, rng)
    lo, hi = rng.split("-")
    return lo[:3] <= code[:3] <= hi[:3]


class Categories:
    """The categories of predicted codes: ATC groups of drugs, LOINC components of labs."""

    def __init__(self) -> None:
        lex = self.lex = Lexicon.load()
        self.atc_of_member: dict[str, set[str]] = defaultdict(set)
        self.atc_groups: dict[str, tuple[str, ...]] = {}  # a lexicon class of no ATC code of its own -> its groups
        for entry in lex.entries("DRUG"):
            if entry.concept.system == "ATC":
                for member in getattr(entry, "members", []) or []:
                    self.atc_of_member[normalize(member)].add(entry.concept.code)
            elif getattr(entry, "atc_groups", None):
                self.atc_groups[entry.concept.code] = tuple(entry.atc_groups)
        self.lab_names: dict[str, set[str]] = defaultdict(set)
        for entry in [*lex.entries("LAB"), *lex.entries("SCORE")]:
            # the entry's names of its analyte ("tear film break-up time" is a name of "tear break-up time")
            names = {entry.name.casefold(), entry.concept.name.casefold(), *(f.casefold() for f in entry.synonyms)}
            loinc_name = getattr(entry, "loinc_name", None)
            if loinc_name:
                names.add(str(loinc_name).split(" [")[0].casefold())
            self.lab_names[entry.concept.code] |= names
        self.display: dict[tuple[str, str], str] = {}

    def atc(self, system: str, code: str, display: str) -> set[str]:
        if system == "ATC":
            return {code}
        return set(self.atc_of_member.get(normalize(display), set()))

    def same(self, row: dict[str, Any], system: str, code: str, display: str) -> bool:
        cat = row.get("category")
        if not cat:
            return False
        if row.get("system") == "ICD-10-CM" or system == "ICD-10-CM":
            if system != "ICD-10-CM":
                return False
            rng = row.get("range") or (cat if "-" in cat else None)
            if rng and "-" not in rng:
                rng = f"{rng}-{rng}"
            if rng and _icd_in(code, rng):
                return True
            cats = {_icd3(c) for c in row.get("codes", [])} | ({cat[:3]} if "-" not in cat else set())
            return "-" not in code and _icd3(code) in cats
        if row.get("system") in ("ATC", "DrugBank", "MedlinePlus") and len(cat) >= 3 and cat[0].isalpha():
            gold = {c[:5] for c in row.get("codes", [])} | {cat[:5]}
            groups = self.atc_groups.get(code)
            if groups:  # a class of several ATC groups: right when every group lies in a gold class or group
                return all(any(g.startswith(c) or c.startswith(g) for c in gold) for g in groups)
            return any(a[:5] in gold for a in self.atc(system, code, display))
        return cat.casefold() in self.lab_names.get(code, {display.casefold()})


def _base(code: str) -> str:
    """An ICD-10-CM code without its 7th character (and the X placeholders before it): the gold may ignore it."""
    if "." in code and len(code.replace(".", "")) == 7 and code[0].isalpha():
        return code[:-1].rstrip("X").rstrip(".")
    return code


def exact(row: dict[str, Any], system: str, code: str, display: str, lex: Lexicon) -> bool:
    if row.get("system") == "name":  # procedures: scored by name (same concept)
        gold = normalize(row.get("name") or "")
        entry = next((e for e in lex.entries("PROCEDURE") + lex.entries("DEVICE") if e.concept.code == code), None)
        names = [*(entry.surface_forms() if entry else []), display]
        # a parenthesised tag is not part of the name: "chemotherapy (procedure)" is chemotherapy
        forms = {normalize(f) for f in names} | {normalize(re.sub(r"\s*\([^)]*\)", "", f)) for f in names}
        return bool(gold) and gold in forms
    if code in row.get("codes", []) or (row.get("range") is not None and code == row["range"]):
        return True
    return system == "ICD-10-CM" and _base(code) in {_base(c) for c in row.get("codes", [])}


# --------------------------------------------------------------------------- coders


def coder_today(label: str, mention: str) -> tuple[str, str, str, float] | None:
    concept = code_concept(label, mention)
    return (concept.system, concept.code, concept.name, 1.0) if concept is not None else None


def make_index_coder(indexes: dict[str, vi.VocabularyIndex], threshold: float | None) -> Callable[..., Any]:
    def coder(label: str, mention: str) -> tuple[str, str, str, float] | None:
        index = indexes.get(label)
        if index is None:
            return None
        found = index.code(mention, threshold)
        return (found.system, found.code, found.display, found.score) if found is not None else None

    return coder


def make_combined(index_coder: Callable[..., Any]) -> Callable[..., Any]:
    def coder(label: str, mention: str) -> tuple[str, str, str, float] | None:
        today = coder_today(label, mention)
        if today is not None and today[1] not in CATCH_ALL:
            return today
        return index_coder(label, mention) or today

    return coder


def make_component_coder() -> Callable[..., Any]:
    """The ``criteria_coder`` component as the pipeline runs it with ``deep`` and ``vocab_fallback`` on: the
    lexicons and ``code_concept`` first, the open-vocabulary index for what they leave (or code only with a
    catch-all), a match under the threshold flagged for review (scored as no code)."""
    import spacy

    from criteria_nlp.coder import CriteriaCoder

    component = CriteriaCoder(spacy.blank("en"), deep=True, vocab_fallback=True)
    component.initialize()

    def coder(label: str, mention: str, after: str = "") -> tuple[str, str, str, float] | None:
        concept, coding = component.code(label, mention)
        if label == "CONDITION" and concept:  # as __call__ does with the text after the mention
            concept = component.with_allergy_status(concept, after)
        kind = component.procedure_kind(mention, concept, after) if label == "PROCEDURE" else None
        if concept is None:
            return KindOnly(kind) if kind else None
        score = float(coding["score"]) if coding and coding.get("score") is not None else 1.0
        return Coded(concept["system"], concept["code"], concept.get("name") or "", score, kind)

    coder.wants_context = True  # type: ignore[attr-defined]
    return coder


class Coded(tuple):  # type: ignore[type-arg]
    """A code (system, code, display, score) with the procedure kind the component gave the mention."""

    def __new__(cls, system: str, code: str, display: str, score: float, kind: str | None) -> "Coded":
        made = super().__new__(cls, (system, code, display, score))
        made.kind = kind
        return made


class KindOnly:
    """No code, only the kind of procedure (right category when it is the gold's kind, never exact)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


# --------------------------------------------------------------------------- scoring


def score(rows: list[dict[str, Any]], coder: Callable[..., Any], cats: Categories) -> dict[str, Any]:
    by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[str] = []
    for row in rows:
        label = LABELS.get(row["label"], row["label"].upper())
        if getattr(coder, "wants_context", False):  # the component reads the words after the mention, as in a Doc
            pred = coder(label, row["mention"], row["criterion"][row["end"]:])
        else:
            pred = coder(label, row["mention"])
        kind = getattr(pred, "kind", None)
        kind_right = bool(kind) and row.get("system") == "name" and kind == row.get("category")
        if isinstance(pred, KindOnly):
            pred = None
        for key in (row["label"], "all"):
            t = by[key]
            t["n"] += 1
            if row.get("no_code"):
                t["no_code"] += 1
                t["abstain"] += pred is None
                t["overall"] += pred is None
                continue
            t["coded"] += 1
            if pred is None:
                t["category"] += kind_right
                continue
            system, code, display, _ = pred
            hit = exact(row, system, code, display, cats.lex)
            t["given"] += 1
            t["exact"] += hit
            t["category"] += hit or kind_right or cats.same(row, system, code, display)
            t["overall"] += hit
        ok = (pred is None) if row.get("no_code") else (pred is not None and exact(row, pred[0], pred[1], pred[2], cats.lex))
        if not ok:
            errors.append(f"{row['label']:<11} {row['mention'][:45]:<45} gold={row.get('codes') or row.get('range') or '-'} pred={pred[1] + ' ' + str(round(pred[3], 3)) + ' ' + pred[2][:40] if pred else None}")
    out: dict[str, Any] = {}
    for key, t in by.items():
        out[key] = {
            "n": t["n"],
            "exact": round(t["exact"] / t["coded"], 3) if t["coded"] else None,
            "category": round(t["category"] / t["coded"], 3) if t["coded"] else None,
            "coverage": round(t["given"] / t["coded"], 3) if t["coded"] else None,
            "abstain": round(t["abstain"] / t["no_code"], 3) if t["no_code"] else None,
            "overall": round(t["overall"] / t["n"], 3),
        }
    out["errors"] = errors
    return out


def table(name: str, result: dict[str, Any]) -> None:
    for key in sorted(k for k in result if k != "errors"):
        r = result[key]
        print(f"{name:<22} {key:<12} n={r['n']:<4} exact={r['exact']}  category={r['category']}  "
              f"coverage={r['coverage']}  abstain={r['abstain']}  overall={r['overall']}")


def build_indexes(args: argparse.Namespace) -> dict[str, vi.VocabularyIndex]:
    if not args.no_cache and args.ngram == "3,3" and not args.unsorted:
        return {label: index for label in ("CONDITION", "DRUG", "LAB", "PROCEDURE") if (index := vi.index_for(label))}
    ngram = (int(args.ngram.split(",")[0]), int(args.ngram.split(",")[1]))
    sort_words = not args.unsorted
    return {
        "CONDITION": vi.build_condition_index(ngram, sort_words),
        "DRUG": vi.build_drug_index(ngram, sort_words),
        "LAB": vi.build_lab_index(ngram, sort_words),
        "PROCEDURE": vi.build_procedure_index(ngram, sort_words),
    }


def speed(indexes: dict[str, vi.VocabularyIndex], rows: list[dict[str, Any]]) -> None:
    import psutil

    mentions = [r["mention"] for r in rows] * max(1, 2000 // max(1, len(rows)))
    index = indexes["CONDITION"]
    vi.normalize_text.cache_clear()
    started = time.perf_counter()
    for m in mentions:
        index.lookup(m, k=5)
    single = len(mentions) / (time.perf_counter() - started)
    vi.normalize_text.cache_clear()
    started = time.perf_counter()
    for i in range(0, len(mentions), 256):
        index.lookup_many(mentions[i : i + 256], k=5)
    batch = len(mentions) / (time.perf_counter() - started)
    print(f"condition index: {len(index)} entries; single look-ups {single:,.0f}/s, batches of 256 {batch:,.0f}/s")
    folder = vi.cache_dir() / "vocab_index"
    for sub in sorted(folder.glob("*")) if folder.exists() else []:
        size = sum(f.stat().st_size for f in sub.iterdir())
        print(f"  cache {sub.name}: {size / 1e6:.1f} MB on disk")
    proc = psutil.Process()
    for name in ("condition", "drug"):
        sub = next(iter(sorted(folder.glob(f"{name}-*"))), None) if folder.exists() else None
        if sub is None:
            continue
        before = proc.memory_info().rss
        started = time.perf_counter()
        loaded = vi.VocabularyIndex.load(sub)
        took = time.perf_counter() - started
        print(f"  load {name}: {took:.2f} s, RSS +{(proc.memory_info().rss - before) / 1e6:.0f} MB ({len(loaded)} entries)")
    for name, builder in (("condition", vi.build_condition_index), ("drug", vi.build_drug_index)):
        started = time.perf_counter()
        builder()
        print(f"  build {name}: {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=Path("annotations/codes.jsonl"))
    parser.add_argument("--threshold", type=float, default=None, help="one threshold for every label")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--ngram", default="3,3")
    parser.add_argument("--unsorted", action="store_true", help="keep word order in the normalisation")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--errors", choices=["today", "index", "combined", "component"], default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--half", choices=["all", "dev", "held"], default="all",
                        help="a fixed half of the gold: dev (sha1 of the id even), held (odd)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rows = [r for r in read_gold(args.gold) if args.half == "all" or half_of(r) == args.half]
    cats = Categories()
    indexes = build_indexes(args)
    if args.speed:
        speed(indexes, rows)
        return 0
    thresholds = [round(0.5 + 0.05 * i, 2) for i in range(10)] if args.sweep else [args.threshold]
    figures: dict[str, Any] = {}
    today = score(rows, coder_today, cats)
    table("a today", today)
    figures["today"] = today
    for threshold in thresholds:
        index_coder = make_index_coder(indexes, threshold)
        b = score(rows, index_coder, cats)
        c = score(rows, make_combined(index_coder), cats)
        tag = "default" if threshold is None else str(threshold)
        table(f"b index@{tag}", b)
        table(f"c combined@{tag}", c)
        figures[f"index@{tag}"] = b
        figures[f"combined@{tag}"] = c
    component = score(rows, make_component_coder(), cats)
    table("d component", component)
    figures["component"] = component
    if args.errors:
        key = args.errors if args.errors in ("today", "component") else f"{args.errors}@{'default' if thresholds[-1] is None else thresholds[-1]}"
        print("\n".join(figures[key]["errors"]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
