"""Write (or check) the fixed trial-level split of the Chia corpus: ``annotations/chia_split.json``.

Usage (from ``models/``, as the spaCy project runs it)::

    python scripts/split.py --chia ../../shared/data/chia --out ../annotations/chia_split.json [--check]

Rule: a trial is in dev when ``int(sha1(NCT id), 16) % 5 == 0``
(``criteria_nlp.evaluate.split_of``), so the split is fixed by the ids alone and
never by a random state. ``--check`` compares with the file instead of writing
it and exits 1 on any difference (the committed split is the one all figures use).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from criteria_nlp.evaluate import read_split_file, split_of

DESCRIPTION = (
    "Fixed split of the Chia corpus part in ../shared/data/chia (Kury et al., Scientific Data 2020, CC BY 4.0). "
    "'dev' is held out from all tuning and training; figures in the README are measured on it. "
    "Rule: a trial is in dev when int(sha1(NCT id), 16) % 5 == 0."
)


def make_split(chia: Path) -> dict[str, object]:
    """The split of every trial with criteria files in ``chia``."""
    ids = sorted({p.stem.rsplit("_", 1)[0] for p in chia.glob("NCT*_*.txt")})
    if not ids:
        raise SystemExit(f"{chia}: no NCTxxxxxxxx_inc.txt or _exc.txt files")
    return {
        "description": DESCRIPTION,
        "dev": [i for i in ids if split_of(i) == "dev"],
        "train": [i for i in ids if split_of(i) == "train"],
    }


def main() -> None:
    """Write the split file, or check it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chia", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args()
    split = make_split(args.chia)
    if args.check:
        existing = read_split_file(args.out)
        if existing.dev != split["dev"] or existing.train != split["train"]:
            print(f"{args.out}: differs from the split of {args.chia}", file=sys.stderr)
            raise SystemExit(1)
        print(f"{args.out}: {len(existing.train)} train and {len(existing.dev)} dev trials, as the rule gives")
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(split, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(split['train'])} train and {len(split['dev'])} dev trials")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
