"""Regenerate the sample behind annotations/codes.jsonl (without the codes).

Standard library only.  Usage (from the repository root):

    python annotations/codes_sample.py [CHIA_DIR] > sample.jsonl

CHIA_DIR defaults to ../shared/data/chia (the brat files of the Chia corpus,
Kury et al., Scientific Data 7, 281 (2020), CC BY 4.0).

Procedure: the dev trials are the "dev" list of annotations/chia_split.json.
From their _inc and _exc .ann files take every text-bound entity (T lines) of
type Condition, Drug, Procedure or Measurement whose span is continuous (no
';' in the offsets).  For each label, sort the (file, entity id) pairs (entity
ids compared by their number), and draw random.Random(25).sample(pairs, n) with
n = 160 Condition, 100 Drug, 60 Procedure, 80 Measurement; one fresh
random.Random(25) per label, labels in that order.  The sample is then sorted
by (label order, file, entity number).  Each record carries the criterion: the
line of the .txt file that holds the span, with trailing whitespace removed;
start/end are offsets into that line.
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
QUOTAS = [("Condition", 160), ("Drug", 100), ("Procedure", 60), ("Measurement", 80)]
SEED = 25


def entities(chia, name):
    """Yield (entity id, label, start, end, text) of the continuous spans."""
    with open(os.path.join(chia, name + ".ann"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("T"):
                continue
            tid, info, text = line.rstrip("\n").split("\t")[:3]
            label, offsets = info.split(" ", 1)
            if ";" in offsets:
                continue
            start, end = (int(x) for x in offsets.split())
            yield tid, label, start, end, text


def locate(raw, start, end):
    """The line of raw holding [start, end) and the offsets within it."""
    line_start = raw.rfind("\n", 0, start) + 1
    line_end = raw.find("\n", start)
    if line_end < 0:
        line_end = len(raw)
    line = raw[line_start:line_end].rstrip()
    return line, start - line_start, end - line_start


def sample(chia):
    with open(os.path.join(HERE, "chia_split.json"), encoding="utf-8") as f:
        dev = json.load(f)["dev"]
    pool = {label: [] for label, _ in QUOTAS}
    for nct in sorted(dev):
        for part in ("inc", "exc"):
            name = "%s_%s" % (nct, part)
            if not os.path.exists(os.path.join(chia, name + ".ann")):
                continue
            for tid, label, start, end, text in entities(chia, name):
                if label in pool:
                    pool[label].append((name, int(tid[1:]), start, end, text))
    out = []
    for label, n in QUOTAS:
        pairs = sorted(pool[label], key=lambda e: (e[0], e[1]))
        chosen = random.Random(SEED).sample(pairs, n)
        for name, num, start, end, text in sorted(chosen, key=lambda e: (e[0], e[1])):
            with open(os.path.join(chia, name + ".txt"), encoding="utf-8", newline="") as f:
                raw = f.read()
            line, s, e = locate(raw, start, end)
            out.append({"id": "%s:T%d" % (name, num), "file": name, "label": label,
                        "mention": text, "start": s, "end": e, "criterion": line})
    return out, {label: len(pool[label]) for label in pool}


def main(argv):
    chia = argv[1] if len(argv) > 1 else os.path.join(HERE, "..", "..", "shared", "data", "chia")
    records, sizes = sample(chia)
    for r in records:
        print(json.dumps(r, ensure_ascii=False))
    print("pool sizes: %s" % sizes, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
