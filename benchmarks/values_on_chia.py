"""Measure ``find_values`` and ``find_windows`` on the Chia corpus.

Chia (Kury F. et al., Scientific Data 7, 281 (2020), CC BY 4.0) annotates
``Value`` and ``Temporal`` spans in one-criterion-per-line text files. This
script runs the two finders line by line on one split of
``annotations/chia_split.json`` and reports:

* precision / recall / F1 with exact spans (first start to last end of a
  discontinuous gold span) and with overlapping spans, for all gold spans and for
  the quantitative ones (gold text with a number, written in digits or words);
* for overlapping Value pairs, how often our number and operator agree with an
  independent reading of the gold text (numbers in the gold text; an operator
  only where the gold text states one);
* speed: words per second of ``find_values`` + ``find_windows`` over every
  Chia ``.txt`` line (``--speed``).

Chia's Temporal type also covers words with no window ("history", "current",
"active"), and its Value type words with no number ("negative", "adequate"):
they count as misses in the "all" rows.

Usage::

    python benchmarks/values_on_chia.py --split dev
    python benchmarks/values_on_chia.py --split train --errors 40 --kind value
    python benchmarks/values_on_chia.py --speed
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CRITERIA_NLP_SHARED", REPO.parent / "shared"))
CHIA = SHARED / "data" / "chia"
SPLIT = REPO / "annotations" / "chia_split.json"

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|twice|dozen"
)
_QUANT_RE = re.compile(rf"[0-9]|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Gold:
    label: str
    start: int
    end: int
    text: str


@dataclass
class Doc:
    name: str
    text: str
    gold: list[Gold]

    def lines(self) -> Iterator[tuple[int, int]]:
        pos = 0
        for line in self.text.split("\n"):
            yield pos, pos + len(line)
            pos += len(line) + 1


def load(ids: list[str], labels: tuple[str, ...] = ("Value", "Temporal")) -> list[Doc]:
    """Read the Chia files of the given trial ids (``.txt`` with newline='')."""
    docs: list[Doc] = []
    for nct in ids:
        for part in ("inc", "exc"):
            txt = CHIA / f"{nct}_{part}.txt"
            ann = CHIA / f"{nct}_{part}.ann"
            if not txt.exists() or not ann.exists():
                continue
            with txt.open(encoding="utf-8", newline="") as fh:
                text = fh.read()
            gold: list[Gold] = []
            with ann.open(encoding="utf-8", newline="") as fh:
                for line in fh:
                    if not line.startswith("T"):
                        continue
                    fields = line.rstrip("\n").split("\t")
                    if len(fields) < 3:
                        continue
                    label, _, locs = fields[1].partition(" ")
                    if label not in labels:
                        continue
                    frags = [tuple(int(x) for x in f.split()) for f in locs.split(";")]
                    gold.append(Gold(label, frags[0][0], frags[-1][1], fields[2]))
            docs.append(Doc(f"{nct}_{part}", text, gold))
    return docs


@dataclass
class Counts:
    pred: int = 0
    gold: int = 0
    exact: int = 0
    pred_overlap: int = 0
    gold_overlap: int = 0

    def row(self) -> dict[str, float]:
        def prf(tp_p: int, tp_r: int) -> tuple[float, float, float]:
            p = tp_p / self.pred if self.pred else 0.0
            r = tp_r / self.gold if self.gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            return p, r, f

        ep, er, ef = prf(self.exact, self.exact)
        op, orr, of = prf(self.pred_overlap, self.gold_overlap)
        return {"pred": self.pred, "gold": self.gold, "exact_p": ep, "exact_r": er, "exact_f1": ef,
                "overlap_p": op, "overlap_r": orr, "overlap_f1": of}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# An independent reading of the operator a gold Value text states (for agreement only).
_GOLD_OPS: list[tuple[str, str]] = [
    (r"≥|>=|=>|>/=|greater than or equal|more than or equal|equal to or (?:greater|more)|at least|or more|or greater|or older|and older|and above|or above|minimum|no less than|not less than", ">="),
    (r"≤|<=|=<|</=|less than or equal|equal to or less|no more than|not more than|not exceed|up to|or less|or younger|maximum|at most|no greater than", "<="),
    (r"between|from .* to|\d\s*(?:-|–|to)\s*\d", "between"),
    (r">|greater than|more than|higher than|above|over|exceed|older than", ">"),
    (r"<|less than|lower than|below|under|fewer than|younger than", "<"),
]
_GOLD_OPS_RE = [(re.compile(p, re.IGNORECASE), op) for p, op in _GOLD_OPS]
_GOLD_NUM_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def _gold_op(text: str) -> str | None:
    for rx, op in _GOLD_OPS_RE:
        if rx.search(text):
            return op
    return None


def _gold_numbers(text: str) -> set[float]:
    out: set[float] = set()
    for m in _GOLD_NUM_RE.finditer(text):
        s = m.group()
        for cand in (s.replace(",", ""), s.replace(",", ".")):
            try:
                out.add(float(cand))
            except ValueError:
                pass
    return out


def evaluate(split: str, kind: str, errors: int = 0) -> dict[str, Any]:
    """Score one finder ("value" or "window") on one split; print up to ``errors`` misses."""
    from criteria_nlp.values import find_values, find_windows

    ids = json.loads(SPLIT.read_text(encoding="utf-8"))[split]
    label = "Value" if kind == "value" else "Temporal"
    # Chia annotates counts and amounts ("at least 2", "1 to 3 times a week") as Multiplier, not Value
    lenient_labels = ("Value", "Multiplier") if kind == "value" else ("Temporal",)
    docs = load(ids, lenient_labels)
    finder: Callable[[str, int, int], list[Any]] = find_values if kind == "value" else find_windows  # type: ignore[assignment]
    all_c, quant_c = Counts(), Counts()
    agree_num = agree_op = n_pairs = n_op_pairs = 0
    n_pred = lenient_tp = 0
    fps: list[str] = []
    fns: list[str] = []
    for doc in docs:
        for ls, le in doc.lines():
            line_gold = [g for g in doc.gold if ls <= g.start < le]
            gold = [g for g in line_gold if g.label == label]
            pred = finder(doc.text, ls, le)
            n_pred += len(pred)
            lenient_tp += sum(1 for p in pred if any(_overlaps((p.start, p.end), (g.start, g.end)) for g in line_gold))
            pspans = [(p.start, p.end) for p in pred]
            gspans = [(g.start, g.end) for g in gold]
            for counts, gsel in ((all_c, gold), (quant_c, [g for g in gold if _QUANT_RE.search(g.text)])):
                gs = [(g.start, g.end) for g in gsel]
                counts.gold += len(gs)
                counts.pred += len(pspans)
                counts.exact += len(set(pspans) & set(gs))
                counts.gold_overlap += sum(1 for g in gs if any(_overlaps(g, p) for p in pspans))
                # precision is judged against every gold span of the label
                counts.pred_overlap += sum(1 for p in pspans if any(_overlaps(p, g) for g in gspans))
            line = doc.text[ls:le]
            for p in pred:
                if not any(_overlaps((p.start, p.end), g) for g in gspans):
                    fps.append(f"FP {doc.name}: {doc.text[p.start:p.end]!r} in {line[:160]!r}")
            for g in gold:
                if _QUANT_RE.search(g.text) and not any(_overlaps((g.start, g.end), p) for p in pspans):
                    fns.append(f"FN {doc.name}: {g.text!r} in {line[:160]!r}")
                elif _QUANT_RE.search(g.text) and (g.start, g.end) not in pspans:
                    near = [doc.text[p.start:p.end] for p in pred if _overlaps((p.start, p.end), (g.start, g.end))]
                    fns.append(f"~~ {doc.name}: gold {g.text!r} ours {near!r}")
            if kind == "value":
                for p in pred:
                    for g in gold:
                        if not _overlaps((p.start, p.end), (g.start, g.end)) or not _QUANT_RE.search(g.text):
                            continue
                        nums = _gold_numbers(g.text)
                        if not nums:
                            continue
                        n_pairs += 1
                        v = p.value
                        ours = [x for x in (v.low, v.high, v.uln_multiple, v.lln_multiple) if x is not None]
                        if ours and any(any(abs(o - n) < 1e-9 for n in nums) for o in ours):
                            agree_num += 1
                        gop = _gold_op(g.text)
                        if gop is not None:
                            n_op_pairs += 1
                            if v.operator == gop:
                                agree_op += 1
    result: dict[str, Any] = {"split": split, "kind": kind, "all": all_c.row(), "quantitative": quant_c.row(),
                              "overlap_p_lenient": lenient_tp / n_pred if n_pred else 0.0,
                              "lenient_labels": list(lenient_labels)}
    if kind == "value":
        result["agreement"] = {
            "pairs": n_pairs,
            "number": agree_num / n_pairs if n_pairs else 0.0,
            "operator_pairs": n_op_pairs,
            "operator": agree_op / n_op_pairs if n_op_pairs else 0.0,
        }
    if errors:
        for line in (fps[:errors] + fns[:errors]):
            print(line)
    return result


def speed(repeat: int = 5) -> dict[str, float]:
    """Words per second of find_values + find_windows over every Chia .txt line (best of ``repeat``)."""
    from criteria_nlp.values import find_values, find_windows

    texts = []
    for path in sorted(CHIA.glob("*.txt")):
        with path.open(encoding="utf-8", newline="") as fh:
            texts.append(fh.read())
    spans = []
    words = 0
    for text in texts:
        pos = 0
        for line in text.split("\n"):
            spans.append((text, pos, pos + len(line)))
            words += len(line.split())
            pos += len(line) + 1
    # a fixed pure-Python loop, to compare machines (and loads) with each other
    ref = float("inf")
    for _ in range(repeat):
        c0 = time.process_time()
        x = 0
        for i in range(5_000_000):
            x += i
        ref = min(ref, time.process_time() - c0)
    best = cpu_best = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for text, s, e in spans:
            find_values(text, s, e)
            find_windows(text, s, e)
        best = min(best, time.perf_counter() - t0)
        cpu_best = min(cpu_best, time.process_time() - c0)
    return {"lines": len(spans), "words": words, "seconds": best, "words_per_second": words / best,
            "cpu_seconds": cpu_best, "words_per_cpu_second": words / cpu_best, "reference_loop_cpu_seconds": ref}


def _print(result: dict[str, Any]) -> None:
    print(f"\n{result['kind']} on {result['split']}")
    print(f"{'gold set':14} {'pred':>6} {'gold':>6} {'exact P':>8} {'R':>6} {'F1':>6} {'overlap P':>10} {'R':>6} {'F1':>6}")
    for name in ("all", "quantitative"):
        r = result[name]
        print(f"{name:14} {r['pred']:6d} {r['gold']:6d} {r['exact_p']:8.3f} {r['exact_r']:6.3f} {r['exact_f1']:6.3f}"
              f" {r['overlap_p']:10.3f} {r['overlap_r']:6.3f} {r['overlap_f1']:6.3f}")
    if result["lenient_labels"] != ["Temporal"]:
        print(f"overlap precision counting Chia {' or '.join(result['lenient_labels'])} spans: {result['overlap_p_lenient']:.3f}")
    if "agreement" in result:
        a = result["agreement"]
        print(f"agreement on {a['pairs']} overlapping pairs: number {a['number']:.3f};"
              f" operator {a['operator']:.3f} on {a['operator_pairs']} pairs whose gold text states one")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=["train", "dev"])
    ap.add_argument("--kind", default="both", choices=["value", "window", "both"])
    ap.add_argument("--errors", type=int, default=0, help="print up to N false positives and N misses")
    ap.add_argument("--speed", action="store_true", help="measure words per second instead")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args(argv)
    if not CHIA.exists():
        print(f"the Chia corpus is not at {CHIA}", file=sys.stderr)
        return 2
    if args.speed:
        res = speed()
        print(json.dumps(res) if args.json else
              f"{res['words']} words in {res['lines']} lines: {res['seconds']:.3f} s wall, {res['words_per_second']:,.0f} words/s;"
              f" {res['cpu_seconds']:.3f} s CPU, {res['words_per_cpu_second']:,.0f} words per CPU second"
              f" (reference loop of 5M additions: {res['reference_loop_cpu_seconds']:.3f} s CPU)")
        return 0
    kinds = ["value", "window"] if args.kind == "both" else [args.kind]
    results = [evaluate(args.split, k, args.errors) for k in kinds]
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for r in results:
            _print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
