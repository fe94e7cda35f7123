"""How often the segmenter finds both inclusion and exclusion criteria, against how
many records carry both headers, over the shared ClinicalTrials.gov corpora.

    python benchmarks/segmentation_coverage.py [DIR ...]

Prints one line per corpus and the records whose headers were found but not both
kinds of criteria (to inspect by hand).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from criteria_nlp import iter_records
from criteria_nlp.errors import ReadError
from criteria_nlp.segment import segment_text

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
# a header line (not a mention in prose): optional bullet, modifier, the keyword, "criteria"
INCLUSION = re.compile(r"(?im)^[\W_]*(?:key |main |general |study )?inclusion(?:ary)? criteria\b")
EXCLUSION = re.compile(r"(?im)^[\W_]*(?:key |main |general |study )?exclusion(?:ary)? criteria\b")


def coverage(source: Path) -> dict[str, object]:
    """Counts for one corpus: records, with both headers, with both kinds found, and misses."""
    records = both_headers = both_found = found_without_headers = 0
    misses: list[str] = []
    words = 0
    started = time.perf_counter()
    for trial in iter_records(source):
        if isinstance(trial, ReadError):
            raise trial
        records += 1
        text = trial.eligibility_text
        words += len(text.split())
        criteria, _ = segment_text(text, record=trial.id)
        kinds = {c.kind for c in criteria if c.role == "criterion"}
        headers = bool(INCLUSION.search(text) and EXCLUSION.search(text))
        found = {"inclusion", "exclusion"} <= kinds
        both_headers += headers
        both_found += found
        found_without_headers += found and not headers
        if headers and not found:
            misses.append(trial.id)
    seconds = time.perf_counter() - started
    return {
        "records": records, "both_headers": both_headers, "both_found": both_found,
        "found_without_header_lines": found_without_headers, "misses": misses,
        "words_per_second": round(words / seconds),
    }


def main(argv: list[str]) -> None:
    sources = [Path(a) for a in argv] or [SHARED / "ctgov-xml", SHARED / "ctgov-v2"]
    for source in sources:
        result = coverage(source)
        print(f"{source.name}: {result['records']} records, both headers in {result['both_headers']}, "
              f"both kinds found in {result['both_found']} ({result['found_without_header_lines']} of them "
              f"without both header lines), read + segment {result['words_per_second']:,} words/s")
        if result["misses"]:
            print(f"  headers but not both kinds: {', '.join(result['misses'])}")


if __name__ == "__main__":
    main(sys.argv[1:])
