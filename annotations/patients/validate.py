"""Validate annotations/patients/trec2022_facts.jsonl (standard library only).

Usage: python annotations/patients/validate.py [--topics PATH/TO/topics.jsonl] [--facts FILE]

Checks: 25 lines in the order trec-20221 .. trec-202225; each line's text equals
the topic text in TREC 2022 topics.jsonl when that file can be found (the
check is skipped, with a message, when it cannot); every fact has exactly the
expected fields, text[start:end] == fact text, no outer whitespace; types and
statuses come from the allowed sets; facts are sorted by (start, end); exactly
one age and one sex fact per topic; codes are well formed (dotted ICD-10-CM,
LOINC with a valid mod-10 check digit, ATC, DrugBank). When the optional
package simple_icd_10_cm is importable every ICD-10-CM code is also checked to
exist. Prints counts per type and status. Exit status 1 on any error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FACTS = HERE / "trec2022_facts.jsonl"
TOPIC_CANDIDATES = [
    REPO.parent / "shared" / "data" / "trec2022" / "topics.jsonl",
    Path("/work/shared/data/trec2022/topics.jsonl"),
]
TOPIC_IDS = ["trec-2022%d" % i for i in range(1, 26)]

TYPES = {"age", "sex", "condition", "medication", "procedure", "lab", "score",
         "pregnancy", "lactation", "smoking", "alcohol", "illicit_drugs"}
STATUSES = {"present", "absent", "history", "family", "planned", "suspected"}
FIELDS = {"type", "text", "start", "end", "status", "code", "value", "unit", "low", "high"}
SYSTEMS = {"ICD-10-CM", "LOINC", "ATC", "DrugBank"}
CODE_SYSTEM_FOR_TYPE = {
    "condition": {"ICD-10-CM"},
    "medication": {"ATC", "DrugBank"},
    "lab": {"LOINC"},
    "score": {"LOINC"},
}
ICD_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
ATC_RE = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")
DRUGBANK_RE = re.compile(r"^DB[0-9]{5}$")
LOINC_RE = re.compile(r"^([0-9]{1,7})-([0-9])$")


def loinc_check_digit(number: str) -> int:
    """LOINC mod-10 check digit of the code's number part."""
    rev = number[::-1]
    odd = rev[0::2][::-1]
    even = rev[1::2][::-1]
    digits = even + str(int(odd) * 2)
    return (10 - sum(int(d) for d in digits) % 10) % 10


def is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=Path, default=None,
                        help="TREC 2022 topics.jsonl (default: ../shared/data/trec2022 from the repository root)")
    parser.add_argument("--facts", type=Path, default=FACTS, help="the annotation file (default: %(default)s)")
    args = parser.parse_args(argv)

    errors: list[str] = []

    def err(where: str, msg: str) -> None:
        errors.append("%s: %s" % (where, msg))

    looked = [args.topics] if args.topics is not None else list(dict.fromkeys(TOPIC_CANDIDATES))
    topics_path = next((p for p in looked if p.is_file()), None)
    topic_texts: dict[str, str] | None = None
    if topics_path is not None and topics_path.is_file():
        topic_texts = {}
        with topics_path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    d = json.loads(line)
                    topic_texts[d["_id"]] = d["text"]
    else:
        print("note: TREC 2022 topics.jsonl not found (looked for %s); "
              "skipping the check that texts equal the topic texts"
              % ", ".join(str(p) for p in looked))

    icd = None
    try:
        import simple_icd_10_cm as icd  # type: ignore[import-untyped,import-not-found,no-redef,unused-ignore]
    except ImportError:
        print("note: simple_icd_10_cm not installed; ICD-10-CM codes checked for form only")

    facts_path: Path = args.facts
    with facts_path.open(encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != 25:
        err(facts_path.name, "expected 25 lines, found %d" % len(lines))

    by_type: Counter[str] = Counter()
    by_type_status: Counter[tuple[str, str]] = Counter()
    by_status: Counter[str] = Counter()
    for i, line in enumerate(lines):
        where = "line %d" % (i + 1)
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            err(where, "not JSON (%s)" % exc)
            continue
        if set(rec) != {"topic", "text", "facts"}:
            err(where, "keys %s, expected topic, text, facts" % sorted(rec))
            continue
        tid, text, facts = rec["topic"], rec["text"], rec["facts"]
        where = tid
        if i < len(TOPIC_IDS) and tid != TOPIC_IDS[i]:
            err(where, "expected topic %s on line %d" % (TOPIC_IDS[i], i + 1))
        if topic_texts is not None:
            if tid not in topic_texts:
                err(where, "not in %s" % topics_path)
            elif topic_texts[tid] != text:
                err(where, "text differs from topics.jsonl")
        if not isinstance(facts, list):
            err(where, "facts is not a list")
            continue
        kinds = Counter(f.get("type") for f in facts if isinstance(f, dict))
        for t in ("age", "sex"):
            if kinds[t] != 1:
                err(where, "%d %s facts, expected exactly 1" % (kinds[t], t))
        prev = (-1, -1)
        for j, f in enumerate(facts):
            fw = "%s fact %d" % (tid, j)
            if not isinstance(f, dict) or set(f) != FIELDS:
                err(fw, "fields %s, expected %s" % (sorted(f) if isinstance(f, dict) else f, sorted(FIELDS)))
                continue
            t, s, e, st = f["type"], f["start"], f["end"], f["status"]
            fw = "%s fact %d (%s %r)" % (tid, j, t, f["text"])
            if t not in TYPES:
                err(fw, "type %r not allowed" % t)
            if st not in STATUSES:
                err(fw, "status %r not allowed" % st)
            if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
                err(fw, "bad offsets %r-%r" % (s, e))
                continue
            if text[s:e] != f["text"]:
                err(fw, "text[%d:%d] is %r" % (s, e, text[s:e]))
            if f["text"] != f["text"].strip():
                err(fw, "outer whitespace")
            if (s, e) < prev:
                err(fw, "facts not sorted by (start, end)")
            prev = (s, e)
            # values
            for k in ("low", "high"):
                if f[k] is not None and not is_number(f[k]):
                    err(fw, "%s must be a number or null" % k)
            if f["value"] is not None and not (is_number(f["value"]) or isinstance(f["value"], str)):
                err(fw, "value must be a number, a string or null")
            if f["unit"] is not None and not (isinstance(f["unit"], str) and f["unit"]):
                err(fw, "unit must be a non-empty string or null")
            if t == "age":
                if f["unit"] != "years" or not (is_number(f["value"]) or (is_number(f["low"]) and is_number(f["high"]))):
                    err(fw, "age needs unit 'years' and a numeric value (or low and high)")
            if t == "sex" and f["value"] not in ("female", "male"):
                err(fw, "sex value must be 'female' or 'male'")
            if t in ("age", "sex") and st != "present":
                err(fw, "age and sex facts are 'present'")
            if t in ("age", "sex", "pregnancy", "lactation", "smoking", "alcohol", "illicit_drugs") and f["code"] is not None:
                err(fw, "%s facts carry no code" % t)
            # code
            c = f["code"]
            if c is not None:
                if not isinstance(c, dict) or set(c) != {"system", "code", "name"}:
                    err(fw, "code must be null or {system, code, name}")
                    continue
                if not (isinstance(c["name"], str) and c["name"].strip()):
                    err(fw, "code name must be a non-empty string")
                if (c["system"] is None) != (c["code"] is None):
                    err(fw, "code: system and code are both set or both null")
                elif c["system"] is not None:
                    sysname, code = c["system"], c["code"]
                    if sysname not in SYSTEMS:
                        err(fw, "code system %r not allowed" % sysname)
                    elif t in CODE_SYSTEM_FOR_TYPE and sysname not in CODE_SYSTEM_FOR_TYPE[t]:
                        err(fw, "%s facts are coded in %s, not %s" % (t, sorted(CODE_SYSTEM_FOR_TYPE[t]), sysname))
                    if sysname == "ICD-10-CM":
                        if not ICD_RE.match(code):
                            err(fw, "ICD-10-CM code %r malformed" % code)
                        elif icd is not None and not icd.is_valid_item(code):
                            err(fw, "ICD-10-CM code %r does not exist" % code)
                    elif sysname == "LOINC":
                        m = LOINC_RE.match(code)
                        if not m or loinc_check_digit(m.group(1)) != int(m.group(2)):
                            err(fw, "LOINC code %r malformed or bad check digit" % code)
                    elif sysname == "ATC" and not ATC_RE.match(code):
                        err(fw, "ATC code %r malformed" % code)
                    elif sysname == "DrugBank" and not DRUGBANK_RE.match(code):
                        err(fw, "DrugBank id %r malformed" % code)
            by_type[t] += 1
            by_status[st] += 1
            by_type_status[(t, st)] += 1

    if errors:
        for msg in errors:
            print("ERROR", msg)
        print("%d error(s)" % len(errors))
        return 1

    statuses = sorted(by_status, key=lambda k: -by_status[k])
    print("OK: %d topics, %d facts" % (len(lines), sum(by_type.values())))
    print("%-14s %6s  %s" % ("type", "total", "  ".join("%9s" % k for k in statuses)))
    for t in sorted(by_type, key=lambda t: (-by_type[t], t)):
        print("%-14s %6d  %s" % (t, by_type[t], "  ".join("%9d" % by_type_status[(t, k)] for k in statuses)))
    print("%-14s %6d  %s" % ("total", sum(by_type.values()), "  ".join("%9d" % by_status[k] for k in statuses)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
