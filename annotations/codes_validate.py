"""Validate annotations/codes.jsonl (the hand-coded gold mentions of issue 25).

Standard library only; simple_icd_10_cm is used when importable to check that
ICD-10-CM codes and range ends exist (otherwise that check is skipped).

    python annotations/codes_validate.py [CODES_JSONL] [--chia CHIA_DIR]
        [--file CODES_JSONL] [--split train|dev] [--seed N]
        [--quota Condition=80,Drug=50,Procedure=30,Measurement=40]
        [--exclude FILE.jsonl]

With a Chia directory (default ../shared/data/chia when it exists) the file is
also compared with the sample that codes_sample.py draws: same ids, in the same
order, with the same mention, offsets and criterion.  Exit status 1 on any error.

--file names the file to check (same as the positional argument; default
codes.jsonl).  --split, --seed, --quota and --exclude mirror codes_sample.py:
they give the quotas the counts are held to and the sample the file is compared
with (--split: which list of chia_split.json, default dev).  With --exclude, no
id of the excluded file may appear in the checked one; every record's trial must
be in the --split list.  Both are checked with or without the Chia directory.
The held-out file is checked by

    python annotations/codes_validate.py --file annotations/codes_heldout.jsonl \
        --seed 26 --quota Condition=80,Drug=50,Procedure=30,Measurement=40 \
        --exclude annotations/codes.jsonl

and the development file drawn from the train trials by

    python annotations/codes_validate.py --file annotations/codes_train.jsonl \
        --split train --seed 27 --quota Condition=100,Drug=60,Procedure=40,Measurement=40
"""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
QUOTAS = {"Condition": 160, "Drug": 100, "Procedure": 60, "Measurement": 80}
SYSTEMS = {"Condition": "ICD-10-CM", "Drug": "ATC", "Procedure": "name", "Measurement": "LOINC"}
FIELDS = ["id", "file", "label", "mention", "start", "end", "criterion", "system",
          "codes", "range", "category", "no_code", "name", "decided"]
ICD_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
ICD_CAT = r"[A-Z][0-9][0-9A-Z]"
ICD_RANGE = re.compile(r"^(%s)(?:-(%s))?$" % (ICD_CAT, ICD_CAT))
ATC = re.compile(r"^[A-V](\d\d([A-Z]([A-Z](\d\d)?)?)?)?$")
LOINC = re.compile(r"^(\d{1,7})-(\d)$")
PROCEDURE_CATEGORIES = {
    "surgery", "percutaneous intervention", "revascularization", "drug therapy",
    "chemotherapy", "radiotherapy", "cancer therapy", "imaging", "diagnostic test",
    "laboratory test", "biopsy", "pathology", "examination", "anaesthesia", "dialysis",
    "ventilation", "contraception", "assisted reproduction", "bowel preparation",
    "injection", "other therapy"}

try:
    import simple_icd_10_cm as icd
except ImportError:  # the existence check is optional
    icd = None


def loinc_check_digit(number):
    """LOINC's mod-10 check digit (the Luhn scheme) of the digits before '-'."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def atc_category(code):
    return code[:5] if len(code) >= 5 else code


def in_range(code, rng):
    lo, hi = rng.split("-") if "-" in rng else (rng, rng)
    return lo <= code[:3] <= hi


def check(rec, n, errors):
    def err(msg):
        errors.append("line %d (%s): %s" % (n, rec.get("id"), msg))

    missing = [k for k in FIELDS if k not in rec]
    if missing:
        err("missing fields %s" % missing)
        return
    extra = set(rec) - set(FIELDS)
    if extra:
        err("unknown fields %s" % sorted(extra))
    label = rec["label"]
    if label not in QUOTAS:
        err("label %r" % label)
        return
    if rec["system"] != SYSTEMS[label]:
        err("system %r for %s" % (rec["system"], label))
    if not re.match(r"^NCT\d{8}_(inc|exc):T\d+$", rec["id"]) or rec["id"].split(":")[0] != rec["file"]:
        err("id/file mismatch")
    s, e = rec["start"], rec["end"]
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(rec["criterion"])):
        err("offsets out of the criterion")
    elif rec["criterion"][s:e] != rec["mention"]:
        err("criterion[start:end] %r != mention %r" % (rec["criterion"][s:e], rec["mention"]))
    if rec["mention"] not in rec["criterion"]:
        err("mention not in criterion")
    if not isinstance(rec["decided"], str) or not rec["decided"].strip():
        err("empty 'decided'")
    codes, rng, cat = rec["codes"], rec["range"], rec["category"]
    if not isinstance(codes, list) or len(set(codes)) != len(codes):
        err("codes must be a list without repeats")
        return
    if rec["no_code"] is True:
        if codes or rng or cat:
            err("no_code with codes/range/category")
        return
    if rec["no_code"] is not False:
        err("no_code must be a boolean")
    if not cat:
        err("category missing")
    if label == "Condition":
        if not codes and not rng:
            err("neither codes nor range")
        for c in codes:
            if not ICD_CODE.match(c):
                err("malformed ICD-10-CM code %r" % c)
            elif icd is not None and not icd.is_valid_item(c):
                err("ICD-10-CM code %r does not exist" % c)
        if rng is not None:
            m = ICD_RANGE.match(rng)
            if not m:
                err("malformed range %r" % rng)
            else:
                lo, hi = m.group(1), m.group(2) or m.group(1)
                if lo > hi:
                    err("range %r runs backwards" % rng)
                if icd is not None:
                    for end in {lo, hi}:
                        if not icd.is_valid_item(end):
                            err("range end %r does not exist" % end)
                for c in codes:
                    if not in_range(c, rng):
                        err("code %s outside its range %s" % (c, rng))
            if cat != rng:
                err("category %r should be the range %r" % (cat, rng))
        elif codes and cat != codes[0][:3]:
            err("category %r should be %r" % (cat, codes[0][:3]))
    elif label == "Drug":
        if not codes or rng is not None:
            err("a Drug needs ATC codes and no range")
        for c in codes:
            if not ATC.match(c):
                err("malformed ATC code %r" % c)
        if codes and cat != atc_category(codes[0]):
            err("category %r should be %r" % (cat, atc_category(codes[0])))
    elif label == "Procedure":
        if codes or rng is not None:
            err("procedures are coded by name only")
        if not rec["name"]:
            err("procedure without name")
        if cat not in PROCEDURE_CATEGORIES:
            err("procedure category %r unknown" % cat)
    else:
        if rng is not None:
            err("a Measurement has no range")
        if not codes and not rec["name"]:
            err("measurement needs LOINC codes or a name")
        for c in codes:
            m = LOINC.match(c)
            if not m:
                err("malformed LOINC code %r" % c)
            elif loinc_check_digit(m.group(1)) != int(m.group(2)):
                err("LOINC %r fails its check digit" % c)


def option(args, name, repeat=False):
    """Remove `name VALUE` from args; its value (a list of them when repeat)."""
    values = []
    while name in args:
        i = args.index(name)
        if i + 1 >= len(args):
            raise SystemExit("%s needs a value" % name)
        values.append(args[i + 1])
        del args[i:i + 2]
    if repeat:
        return values
    return values[-1] if values else None


def main(argv):
    if "-h" in argv[1:] or "--help" in argv[1:]:
        print(__doc__)
        return 0
    sys.path.insert(0, HERE)
    import codes_sample
    args = [a for a in argv[1:]]
    chia = option(args, "--chia")
    path = option(args, "--file")
    split = option(args, "--split")
    split = codes_sample.SPLIT if split is None else split
    if split not in codes_sample.SPLITS:
        raise SystemExit("bad split %r (splits: %s)" % (split, ", ".join(codes_sample.SPLITS)))
    seed = option(args, "--seed")
    seed = codes_sample.SEED if seed is None else int(seed)
    quota = option(args, "--quota")
    try:
        quotas = codes_sample.parse_quota(quota) if quota else codes_sample.QUOTAS
    except ValueError as exc:
        raise SystemExit(str(exc))
    quota_of = dict(quotas)
    exclude_files = option(args, "--exclude", repeat=True)
    exclude = set()
    for f in exclude_files:
        exclude |= codes_sample.read_ids(f)
    if path is None:
        path = args[0] if args else os.path.join(HERE, "codes.jsonl")
    elif args:
        raise SystemExit("give the file once (positional or --file)")
    default_chia = os.path.join(HERE, "..", "..", "shared", "data", "chia")
    if chia is None and os.path.isdir(default_chia):
        chia = default_chia
    errors = []
    records = []
    if not os.path.isfile(path):
        raise SystemExit("no such file: %s (give a codes JSONL file; --help for the options)" % path)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
            except ValueError as exc:
                errors.append("line %d: not JSON (%s)" % (n, exc))
                continue
            records.append(rec)
            check(rec, n, errors)
    ids = Counter(r.get("id") for r in records)
    errors += ["duplicate id %s" % i for i, k in ids.items() if k > 1]
    counts = Counter(r.get("label") for r in records)
    errors += ["%s is in the excluded file(s)" % i for i in ids if i in exclude]
    with open(os.path.join(HERE, "chia_split.json"), encoding="utf-8") as f:
        trials = set(json.load(f)[split])
    errors += ["%s: trial not in the %r list of chia_split.json" % (i, split)
               for i in ids if str(i).split("_")[0] not in trials]
    for label, quota in quota_of.items():
        if counts[label] > quota:
            errors.append("%s: %d records, quota %d" % (label, counts[label], quota))
    if chia:
        sample, _ = codes_sample.sample(chia, seed, quotas, exclude, split)
        by_id = {r["id"]: r for r in sample}
        for r in records:
            s = by_id.get(r.get("id"))
            if s is None:
                errors.append("%s is not in the sample" % r.get("id"))
                continue
            for k in ("file", "label", "mention", "start", "end", "criterion"):
                if s[k] != r.get(k):
                    errors.append("%s: %s differs from the sample" % (r["id"], k))
        order = [r["id"] for r in sample if r["id"] in ids]
        if order != [r.get("id") for r in records]:
            errors.append("records are not in sample order")
    for label in QUOTAS:
        recs = [r for r in records if r.get("label") == label]
        print("%-11s %3d / %3d  no_code %3d  range %3d  several codes %3d" % (
            label, len(recs), quota_of[label], sum(1 for r in recs if r.get("no_code")),
            sum(1 for r in recs if r.get("range")), sum(1 for r in recs if len(r.get("codes") or []) > 1)))
    print("total %d; ICD-10-CM existence check %s; sample check %s" % (
        len(records), "on" if icd else "skipped (simple_icd_10_cm not importable)",
        "on (%s)" % chia if chia else "skipped (no Chia directory)"))
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
