"""Coding: give every entity a concept and its values a canonical unit (factory ``criteria_coder``).

For an entity the tagger left without a concept (a term learned from Chia, a
statistical model's span), the coder tries, in order: the lexicon's exact term;
the exact name in the vocabulary term lists the tagger loaded (DrugBank-coded
drugs, ICD-10-CM descriptions); the longest lexicon term inside the mention.
With ``deep = true`` it then runs ``codes.code_concept`` (the full ICD-10-CM
index and the drug package, a one-time cost of several seconds per process).
An abbreviation is coded through its long form ("LVEF" defined as "left
ventricular ejection fraction" in the same trial).

A LAB value is converted to the lab's canonical unit (``labs.json``), an AGE
value to years.
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
from functools import lru_cache
from typing import Any, Optional

from spacy.language import Language
from spacy.tokens import Doc

from .extensions import entity_data
from .lexicon import Lexicon, normalize
from .schema import Concept, Value
from .values import canonicalize

SKIP = ("VALUE", "TEMPORAL", "AGE", "SEX")


class CriteriaCoder:
    """spaCy component: set the concept and canonical values of ``doc.ents`` in ``doc._.entity_data``."""

    def __init__(self, nlp: Language, name: str = "criteria_coder", *, deep: bool = False) -> None:
        self.nlp = nlp
        self.name = name
        self.deep = deep
        self.lexicon = Lexicon.load()
        self._vocabulary: Optional[dict[tuple[str, str], dict[str, Any]]] = None
        self._code = lru_cache(maxsize=65536)(self._code_uncached)

    def _vocabulary_index(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(label, normalised name) -> concept, from the tagger's vocabulary term lists."""
        if self._vocabulary is None:
            index: dict[tuple[str, str], dict[str, Any]] = {}
            tagger = self.nlp.get_pipe("criteria_tagger") if "criteria_tagger" in self.nlp.pipe_names else None
            for vocabulary in getattr(tagger, "vocabularies", []):
                label = "DRUG" if vocabulary.name == "drug_terms" else "CONDITION"
                for group in vocabulary.entries:
                    concept = group.concept.model_dump()
                    for term in group.terms:
                        index.setdefault((label, normalize(term)), concept)
            self._vocabulary = index
        return self._vocabulary

    def _code_uncached(self, label: str, text: str) -> Optional[dict[str, Any]]:
        entry = self.lexicon.lookup(text, label)
        if entry is not None:
            return entry.concept.model_dump()
        found = self._vocabulary_index().get((label, normalize(text)))
        if found is not None:
            return found
        hit = self.lexicon.find(text, label)
        if hit is not None:
            return hit[0].concept.model_dump()
        if self.deep:
            from .codes import code_concept

            concept: Optional[Concept] = code_concept(label, text)
            return concept.model_dump() if concept is not None else None
        return None

    def __call__(self, doc: Doc) -> Doc:
        long_forms = {
            pair["short_text"]: pair["long_text"]
            for pair in (doc._.abbreviations if Doc.has_extension("abbreviations") else None) or []
            if isinstance(pair, dict)
        }
        ents = doc.ents
        for ent, info in zip(ents, entity_data(doc, ents)):
            label = ent.label_
            if label not in SKIP and info.get("concept") is None:
                concept = self._code(label, long_forms.get(ent.text, ent.text))
                if concept is None and ent.text in long_forms:
                    concept = self._code(label, ent.text)
                info["concept"] = concept
            if label in ("LAB", "AGE") and info.get("value"):
                info["value"] = self._canonical(label, info.get("concept"), info["value"])
        return doc

    def _canonical(self, label: str, concept: Optional[dict[str, Any]], value: dict[str, Any]) -> dict[str, Any]:
        if not value.get("unit"):
            return value
        if label == "AGE":
            return canonicalize(Value.model_validate(value), "years").model_dump()
        lab = self.lexicon.lab(concept["code"]) if concept else None
        unit = lab.canonical_unit if lab is not None else None
        if lab is None or not unit:
            return value
        return canonicalize(Value.model_validate(value), unit, molar_mass=lab.molar_mass).model_dump()


@Language.factory(
    "criteria_coder",
    assigns=["doc._.entity_data"],
    requires=["doc.ents"],
    default_config={"deep": False},
)
def make_criteria_coder(nlp: Language, name: str, deep: bool) -> CriteriaCoder:
    """Factory for ``nlp.add_pipe("criteria_coder")``."""
    return CriteriaCoder(nlp, name, deep=deep)
