"""Build the term lists the tagger matches from the installed vocabulary packages.

    python models/vocabulary/build.py

Writes, grouped by concept:

* ``criteria_nlp/resources/drug_terms.json`` from ``drug-named-entity-recognition``
  (``criteria_nlp.codes.drug_terms()``: drug names and synonyms safe to match in
  free text, coded with DrugBank / MedlinePlus ids);
* ``criteria_nlp/resources/icd10_terms.json`` from ``simple-icd-10-cm``
  (``criteria_nlp.codes.icd10_terms()``: short ICD-10-CM descriptions).

The packages stay the source; these files only spare every process the seconds
it takes to unpack them (the drug package's compressed pickle alone takes 4-7 s).
Each file records the package version it came from, and a test checks that it
matches the installed package. Run this after upgrading either package.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from criteria_nlp.codes import drug_terms, icd10_terms

OUT = Path(__file__).resolve().parents[2] / "criteria_nlp" / "resources"


def write(name: str, package: str, description: str, pairs: object) -> None:
    """Group (term, concept) pairs by concept and write them as a versioned resource."""
    grouped: dict[tuple[str, str], dict[str, object]] = {}
    for term, concept in pairs:  # type: ignore[attr-defined]
        entry = grouped.setdefault((concept.system, concept.code), {"concept": concept.model_dump(), "terms": []})
        terms = entry["terms"]
        assert isinstance(terms, list)
        if term not in terms:
            terms.append(term)
    entries = sorted(grouped.values(), key=lambda e: (e["concept"]["system"], e["concept"]["code"]))  # type: ignore[index]
    data = {
        "name": name,
        "version": "1.0.0",
        "source": f"{package}=={version(package)}",
        "description": description,
        "entries": entries,
    }
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{path}: {len(entries)} concepts, {sum(len(e['terms']) for e in entries)} terms")  # type: ignore[arg-type]


if __name__ == "__main__":
    write("drug_terms", "drug-named-entity-recognition",
          "Drug names and synonyms safe to match in free text as DRUG, with their concept (criteria_nlp.codes.drug_terms).",
          drug_terms())
    write("icd10_terms", "simple-icd-10-cm",
          "Short ICD-10-CM descriptions matched as CONDITION terms (criteria_nlp.codes.icd10_terms).",
          icd10_terms())
