"""Concept coverage: which condition, drug and procedure codes a rule's concept covers."""

from __future__ import annotations

import functools
from typing import Any

from ..lexicon import Lexicon, normalize
from ..patient import concept_ranges, icd_code_or_range, icd_in, normalize_icd
from ..schema import Concept


# --------------------------------------------------------------------------- concept coverage


def _category_of(code: str) -> str:
    return code[:3]


class ConditionCover:
    """The ICD-10-CM codes a rule's (or exception's) condition concept covers.

    The concept's code is a code ("E11.9") or a range that names a whole family
    ("E08-E13", diabetes mellitus of any type); either covers itself, and the
    entries of ``concept_ranges.json`` with that code add to it. A patient's
    code that is itself a range is covered when the whole range is.
    """

    def __init__(self, concept: Concept, evidence: str | None = None) -> None:
        code = icd_code_or_range(concept.code)
        self.code = code
        self.specs: list[str] = [code] if code else []
        self.excepts: list[str] = []
        if code is None:
            return
        entry_id = None
        if evidence:
            entry = Lexicon.load().lookup(evidence, "CONDITION")
            entry_id = entry.id if entry is not None else None
        hits = [g for g in concept_ranges().conditions if g.code == code and (g.entries is None or entry_id in g.entries)]
        for g in hits:
            self.specs.extend(g.covers)
            self.excepts.extend(g.except_)
        if not hits and len(code) == 5 and code.endswith(".9"):
            desc = _description(concept).lower()  # "SLE, unspecified", or an inclusion term such as "Hepatitis NOS"
            if "unspecified" in desc or desc.endswith(" nos"):
                self.specs.append(_category_of(code))
        self._cache: dict[str, bool] = {}

    def covers(self, code: str) -> bool:
        """True when the dotted ICD-10-CM ``code`` (or range) is covered."""
        hit = self._cache.get(code) if self.code else None
        if hit is None:
            hit = any(icd_in(code, s) for s in self.specs) and not any(icd_in(code, e) for e in self.excepts)
            if self.code:
                self._cache[code] = hit
        return hit

    def broader(self, code: str) -> bool:
        """True when a patient's ``code`` names the rule's condition less specifically than the rule does, so
        the record cannot say whether the patient has the kind the rule names: a range or an ancestor code that
        holds the rule's code ("E08-E13" or "I48" for a rule on I48.0), or the unspecified code of the rule's
        category ("I48.91 Unspecified atrial fibrillation" for paroxysmal atrial fibrillation, "N18.9" for
        stage 4 chronic kidney disease). Not covered, not excluded: unknown."""
        own = self.code
        if not own or "-" in own or self.covers(code):
            return False
        if "-" in code or "." not in code or len(code.replace(".", "")) < len(own.replace(".", "")):
            if icd_in(own, code):
                return True
        if "-" not in code and _cover_of(code).covers(own):  # a family's NOS code ("C85.90" of the lymphomas)
            return True
        # the category's own unspecified code (I48.9x, N18.9, G40.909), not a subcategory's ("I48.20 Chronic
        # atrial fibrillation, unspecified" says chronic; "N18.30" says stage 3)
        if code[:3] != own[:3] or code[3:5] != ".9" or own[3:5] == ".9":
            return False
        desc = _description(Concept(system="ICD-10-CM", code=code)).lower()
        return "unspecified" in desc or desc.endswith(" nos")

    def overlaps(self, other: "ConditionCover") -> bool:
        """True when either concept's own code is covered by the other."""
        return bool(self.code and other.code and (self.covers(other.code) or other.covers(self.code)))


@functools.lru_cache(maxsize=4096)
def _cover_of(code: str) -> "ConditionCover":
    """What a patient's code covers as a concept of its own (its family, by ``concept_ranges.json``)."""
    return ConditionCover(Concept(system="ICD-10-CM", code=code))


def _description(concept: Concept) -> str:
    if concept.name:
        return concept.name
    from ..codes import _icd

    try:
        return str(_icd().get_description(concept.code))
    except Exception:  # simple_icd_10_cm raises ValueError for unknown codes
        return ""


def _history_code(code: str) -> bool:
    return any(icd_in(code, s) for s in concept_ranges().history_codes)


class DrugCover:
    """The medications a rule's drug concept covers: the same code, or the members of a class."""

    def __init__(self, concept: Concept) -> None:
        lex = Lexicon.load()
        self.system, self.code = concept.system, concept.code
        self.names: set[str] = {normalize(concept.name)} if concept.name else set()
        self.atc: list[str] = []
        self.member_names: set[str] = set()
        drugs = lex.entries("DRUG")
        same = [e for e in drugs if e.concept.system == concept.system and e.concept.code == concept.code]
        # the ATC groups the rule covers: its own ATC code, or those a lexicon class is the union of
        if concept.system == "ATC":
            self.atc.append(concept.code)
        for e in same:
            self.atc.extend(getattr(e, "atc_groups", []))

        def under(e: Any) -> bool:  # a class or drug wholly inside the covered groups lends its members
            codes = [e.concept.code] if e.concept.system == "ATC" else list(getattr(e, "atc_groups", []))
            return bool(codes) and all(any(c.startswith(g) for g in self.atc) for c in codes)

        own = {e.id for e in same}
        entries = same + [e for e in drugs if e.id not in own and self.atc and under(e)]
        self.is_class = concept.system == "ATC" or any(getattr(e, "is_class", False) for e in entries)
        for e in entries:
            for m in getattr(e, "members", []):
                self.member_names.add(normalize(m))
        if self.is_class:
            self.names = set()
        self._member_codes: set[tuple[str, str]] | None = None

    def member_codes(self) -> set[tuple[str, str]]:
        """(system, code) of the class's member drugs (from the drug package; built on first use)."""
        if self._member_codes is None:
            from ..codes import drug_index

            index = drug_index()
            codes = set()
            for name in self.member_names:
                c = index.get(name)
                if c is not None:
                    codes.add((c.system, c.code))
            self._member_codes = codes
        return self._member_codes

    def covers(self, concept: Concept | None, name: str | None) -> bool:
        """True when a medication (its concept and name as written) is this drug or a member of this class."""
        if concept is not None:
            if concept.system == self.system and concept.code == self.code:
                return True
            if concept.system == "ATC" and any(concept.code.startswith(a) for a in self.atc):
                return True
        names = {normalize(n) for n in (name, concept.name if concept is not None else None) if n}
        if names & self.names or names & self.member_names:
            return True
        if self.is_class and self.member_names and concept is not None and concept.system == "DrugBank":
            return (concept.system, concept.code) in self.member_codes()
        return False


class ProcedureCover:
    """The procedure ids a rule's procedure covers, and the ICD-10-CM status codes that say so."""

    def __init__(self, concept: Concept) -> None:
        table = {p.id: p.covers for p in concept_ranges().procedures}
        ids = {concept.code}
        frontier = [concept.code]
        while frontier:
            for child in table.get(frontier.pop(), []):
                if child not in ids:
                    ids.add(child)
                    frontier.append(child)
        self.ids = ids
        lex = Lexicon.load()
        related: set[str] = set()
        for i in ids:
            try:
                entry = lex.get(i)
            except KeyError:
                continue
            related.update(normalize_icd(r.code) or r.code for r in entry.related if r.system == "ICD-10-CM")
        self.related = sorted(related)

    def covers(self, code: str) -> bool:
        """True when a procedure id is covered."""
        return code in self.ids

    def covers_status(self, icd: str) -> bool:
        """True when an ICD-10-CM status code (Z99.2) says the patient has the procedure."""
        return any(icd_in(icd, r) for r in self.related)
