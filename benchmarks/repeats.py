"""How often criterion lines recur across records: the ceiling of analysing a line once per process (issue 26).

    python benchmarks/repeats.py [CORPUS]      # default ../shared/data/ctgov-xml

Segments every record (``segment_text``), normalises each criterion (lower case,
runs of white space as one space) and counts the criteria, and their words, that
an earlier record already had.
"""

from __future__ import annotations

import sys
import collections
import re
from pathlib import Path

import criteria_nlp as cn
from criteria_nlp.segment import segment_text

REPO = Path(__file__).resolve().parent.parent
corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "ctgov-xml"
if not corpus.is_dir():
    sys.exit(f"no corpus at {corpus}")
paths = sorted(corpus.rglob("*.xml"))
seen: collections.Counter[str] = collections.Counter()
words_total = words_rep = n = 0
for p in paths:
    t = cn.read_trial(str(p))
    crits, _ = segment_text(t.eligibility_text)
    for c in crits:
        if c.role != "criterion":
            continue
        key = re.sub(r"\s+", " ", c.text.strip().lower())
        w = len(key.split())
        words_total += w
        n += 1
        if seen[key]:
            words_rep += w
        seen[key] += 1
rep = sum(v - 1 for v in seen.values() if v > 1)
print(f"{len(paths)} records, {n} criteria, {len(seen)} distinct; repeats {rep} ({rep / n:.1%} of criteria, "
      f"{words_rep / words_total:.1%} of words)")
print(seen.most_common(8))
