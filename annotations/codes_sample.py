"""Regenerate the sample behind annotations/codes.jsonl (without the codes).

Standard library only.  Usage (from the repository root):

    python annotations/codes_sample.py [CHIA_DIR] [--split train|dev] [--seed N]
        [--quota Condition=80,Drug=50,Procedure=30,Measurement=40]
        [--exclude FILE.jsonl] > sample.jsonl

CHIA_DIR defaults to ../shared/data/chia (the brat files of the Chia corpus,
Kury et al., Scientific Data 7, 281 (2020), CC BY 4.0).

Procedure: the dev trials are the "dev" list of annotations/chia_split.json
(the "train" list with --split train).
From their _inc and _exc .ann files take every text-bound entity (T lines) of
type Condition, Drug, Procedure or Measurement whose span is continuous (no
';' in the offsets).  For each label, sort the (file, entity id) pairs (entity
ids compared by their number), and draw random.Random(25).sample(pairs, n) with
n = 160 Condition, 100 Drug, 60 Procedure, 80 Measurement; one fresh
random.Random(25) per label, labels in that order.  The sample is then sorted
by (label order, file, entity number).  Each record carries the criterion: the
line of the .txt file that holds the span, with trailing whitespace removed;
start/end are offsets into that line.

Options (the defaults give the sample of codes.jsonl, unchanged):
  --split S         which list of chia_split.json the trials come from, "dev"
                    (default) or "train".  The development sample
                    annotations/codes_train.jsonl, whose errors engineers may
                    read, is --split train --seed 27
                    --quota Condition=100,Drug=60,Procedure=40,Measurement=40;
  --seed N          the random.Random seed (default 25);
  --quota L=n,...   the number drawn per label; labels not named keep their
                    default quota, a quota of 0 draws none; labels are always
                    drawn and ordered Condition, Drug, Procedure, Measurement;
  --exclude FILE    a JSONL file whose records' "id" fields are removed from
                    the pools before drawing (repeatable).  The held-out sample
                    annotations/codes_heldout.jsonl is
                    --seed 26 --quota Condition=80,Drug=50,Procedure=30,Measurement=40
                    --exclude annotations/codes.jsonl.
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
QUOTAS = [("Condition", 160), ("Drug", 100), ("Procedure", 60), ("Measurement", 80)]
SEED = 25
SPLITS = ("dev", "train")
SPLIT = "dev"


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


def parse_quota(text):
    """'Condition=80,Drug=50' -> the default QUOTAS with those numbers replaced."""
    quotas = dict(QUOTAS)
    for part in text.split(","):
        label, _, n = part.partition("=")
        label = label.strip()
        if label not in quotas or not n.strip().isdigit():
            raise ValueError("bad quota %r (labels: %s)" % (part, ", ".join(quotas)))
        quotas[label] = int(n)
    return [(label, quotas[label]) for label, _ in QUOTAS]


def read_ids(path):
    """The "id" fields of a JSONL file."""
    with open(path, encoding="utf-8") as f:
        return {json.loads(line)["id"] for line in f if line.strip()}


def sample(chia, seed=SEED, quotas=QUOTAS, exclude=(), split=SPLIT):
    if split not in SPLITS:
        raise ValueError("bad split %r (splits: %s)" % (split, ", ".join(SPLITS)))
    with open(os.path.join(HERE, "chia_split.json"), encoding="utf-8") as f:
        trials = json.load(f)[split]
    exclude = set(exclude)
    pool = {label: [] for label, _ in quotas}
    for nct in sorted(trials):
        for part in ("inc", "exc"):
            name = "%s_%s" % (nct, part)
            if not os.path.exists(os.path.join(chia, name + ".ann")):
                continue
            for tid, label, start, end, text in entities(chia, name):
                if label in pool and "%s:%s" % (name, tid) not in exclude:
                    pool[label].append((name, int(tid[1:]), start, end, text))
    out = []
    for label, n in quotas:
        pairs = sorted(pool[label], key=lambda e: (e[0], e[1]))
        chosen = random.Random(seed).sample(pairs, n)
        for name, num, start, end, text in sorted(chosen, key=lambda e: (e[0], e[1])):
            with open(os.path.join(chia, name + ".txt"), encoding="utf-8", newline="") as f:
                raw = f.read()
            line, s, e = locate(raw, start, end)
            out.append({"id": "%s:T%d" % (name, num), "file": name, "label": label,
                        "mention": text, "start": s, "end": e, "criterion": line})
    return out, {label: len(pool[label]) for label in pool}


def parse_args(argv):
    """(chia, seed, quotas, exclude ids, split) from the command line (argv[1:])."""
    args = list(argv)
    seed, quotas, exclude, split = SEED, QUOTAS, set(), SPLIT
    chia = None
    while args:
        a = args.pop(0)
        if a in ("--seed", "--quota", "--exclude", "--split"):
            if not args:
                raise SystemExit("%s needs a value" % a)
            v = args.pop(0)
            if a == "--split":
                if v not in SPLITS:
                    raise SystemExit("bad split %r (splits: %s)" % (v, ", ".join(SPLITS)))
                split = v
            elif a == "--seed":
                seed = int(v)
            elif a == "--quota":
                try:
                    quotas = parse_quota(v)
                except ValueError as exc:
                    raise SystemExit(str(exc))
            else:
                exclude |= read_ids(v)
        elif a.startswith("--"):
            raise SystemExit("unknown option %s" % a)
        elif chia is None:
            chia = a
        else:
            raise SystemExit("one CHIA_DIR only")
    if chia is None:
        chia = os.path.join(HERE, "..", "..", "shared", "data", "chia")
    return chia, seed, quotas, exclude, split


def main(argv):
    if "-h" in argv[1:] or "--help" in argv[1:]:
        print(__doc__)
        return
    chia, seed, quotas, exclude, split = parse_args(argv[1:])
    records, sizes = sample(chia, seed, quotas, exclude, split)
    for r in records:
        print(json.dumps(r, ensure_ascii=False))
    print("pool sizes: %s" % sizes, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
