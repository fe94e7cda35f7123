"""Coding: give every entity a concept and its values a canonical unit (factory ``criteria_coder``).

For an entity the tagger left without a concept (a term learned from Chia, a
statistical model's span), the coder tries, in order: the lexicon's exact term;
the exact name in the vocabulary term lists the tagger loaded (DrugBank-coded
drugs, ICD-10-CM descriptions); the longest lexicon term inside the mention.
With ``deep = true`` it runs ``codes.code_concept`` instead of the last step (the full ICD-10-CM
index and the drug package, a one-time cost of several seconds per process).
An abbreviation is coded through its long form ("LVEF" defined as "left
ventricular ejection fraction" in the same trial).

With ``vocab_fallback = true`` a mention still uncoded goes to the open-vocabulary
index of its label (:mod:`criteria_nlp.vocab_index`: ICD-10-CM, the drug
vocabulary with ATC, LOINC, procedure ids), loaded once in :meth:`CriteriaCoder.initialize`.
The match is recorded in ``entity_data[i]["coding"]`` (source, score, the vocabulary
entry it matched, its code); it becomes the entity's concept only when it scores at
least the label's threshold and is not a catch-all code (R69 "illness", B99.9 "infection",
Z53.09, T88.9, ...). Otherwise ``coding["review"]`` says why, the concept stays
None and the rule stays non-computable: flagged for review, never silently wrong.

A PROCEDURE mention gets its kind in ``entity_data[i]["procedure_kind"]`` (surgery,
imaging, drug therapy, ...: :mod:`criteria_nlp.procedure_kinds`): its entry's kind
when an entry codes it, else the kind its words name. A kind is not a code.

An allergy or hypersensitivity coded as the unspecified allergy (T78.40) whose
words go on "to"/"against" a drug gets the allergy status code of the drug's class
(``allergy_status.json``: "hypersensitivity to tetracyclines" is Z88.1, "allergy to
bupivacaine" Z88.4, "to any of the excipients" Z88.8).

A LAB value is converted to the lab's canonical unit (``labs.json``), an AGE
value to years.
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.tokens import Doc

from .extensions import char_offsets, doc_text, entity_data
from .lexicon import Lexicon, LexiconEntry, ProcedureEntry, names_kind, normalize, tokens
from .procedure_kinds import procedure_kinds
from .resource_files import load_validated
from .schema import Concept, Value
from .values import canonicalize

SKIP = ("VALUE", "TEMPORAL", "AGE", "SEX")

_PAREN_RE = re.compile(r"\([^)]*\)")

#: words an entry may add without naming a narrower thing ("surgical" is a "surgical procedure")
_HEADS = frozenset(w[:6] for w in """procedure test testing therapy treatment regimen agent drug medication disease
    disorder condition syndrome method status use""".split())

#: labels the open-vocabulary fallback codes (SCORE shares the lab index)
FALLBACK_LABELS = ("CONDITION", "DRUG", "LAB", "SCORE", "PROCEDURE")

#: codes that say only "some illness", "some infection", "not done", "some complication": a mention matched
#: to one is flagged for review rather than coded
CATCH_ALL_CODES = frozenset({"R69", "B99.9", "B99.8", "Z53.09", "Z53.8", "Z53.9", "T88.9", "T88.9XXA", "R68.89",
                             "R99", "T78.40", "T78.40XA"})
#: an index score this high means the mention's own words (in another order, singular or plural): such a match
#: goes before a lexicon term found inside the mention
NEAR_EXACT = 0.97

#: how many first letters of two words must agree for them to count as one word (:func:`shares_word`)
STEM = 6

#: a mention with fewer letters and digits than this ("PI", "NAs") is an abbreviation: character n-grams say
#: nothing of it, so only an exact vocabulary entry codes it
SHORT_MENTION = 4

#: catch-all codes that say nothing of the condition ("illness", "medical condition"): even a lexicon's is
#: flagged for review under vocab_fallback (B99.9 "infection" stays: a class word with its own range)
_NO_CONCEPT = frozenset({"R69", "R99", "Z53.09", "Z53.8", "Z53.9"})


class _StatusCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    atc: tuple[str, ...] = ()

    def concept(self) -> dict[str, Any]:
        """The ICD-10-CM concept of this status code."""
        return {"system": "ICD-10-CM", "code": self.code, "name": self.name}


class AllergyStatus(BaseModel):
    """``allergy_status.json``: the Z88 code of an allergy by the ATC group of the drug it names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str
    sources: list[str]
    classes: list[_StatusCode]
    other: _StatusCode
    unspecified: _StatusCode
    parts: list[str]
    allergy_codes: list[str]


@lru_cache(maxsize=1)
def allergy_status() -> AllergyStatus:
    """The packaged allergy status codes, validated (``X001``/``X002`` when the file is bad or missing)."""
    return load_validated(AllergyStatus, "allergy_status.json")


#: what follows an allergy word when it names what the patient is allergic to ("to penicillin", "against any of")
_AGENTS_RE = re.compile(r"(?i)^\s*(?:reactions?\s+|status\s+)?(?:to|against|towards)\s+(?P<agents>[^.;:\n]{1,160})")
_AGENT_SPLIT_RE = re.compile(r"(?i)\s*(?:,|/|\(|\)|\bor\b|\band\b|\bnor\b)\s*")
#: a treatment word's drug: "treatment with gefitinib, erlotinib", "treated with glycoprotein IIb/IIIa inhibitors"
_WITH_DRUG_RE = re.compile(r"(?i)^\s*(?:with|using|by)\s+(?:an?\s+|the\s+|any\s+)?(?P<agents>[^.;:\n]{1,80})")
_ANY_DRUG_RE = re.compile(r"(?i)^(?:any\s+)?(?:other\s+)?(?:drugs?|medications?|medicines?|medicaments?)$")
_AGENT_LEAD_RE = re.compile(r"(?i)^(?:(?:any|other|of|the|its|their|known|similar|drugs?|such as|e\.g\.|including)\b[\s,.]*)+")


def _stems(text: str) -> set[str]:
    from .vocab_index import normalize_text

    bare = _PAREN_RE.sub(" ", text)  # "(procedure)", "(ulcerative)": a tag or a non-essential modifier
    return {w[:STEM] for w in normalize_text(bare or text).split() if len(w) >= 3}


def says_more(entry: str, mention: str) -> bool:
    """Whether an entry holds every word of the mention and more ("dental treatment" for "treatment"): the
    entry is a narrower thing than the mention names, so its code would be a guess."""
    words, own = _stems(entry), _stems(mention)
    return bool(own) and own < words and bool(words - own - _HEADS)


def shares_word(mention: str, entry: str) -> bool:
    """Whether a mention and a vocabulary entry have a word in common (the first letters of a word, so that
    "transfusions" meets "transfusion" and "histologically" "histologic"). Character n-grams alone let a
    one-word mention reach an entry that only contains its syllables ("therapy" -> "chemotherapy",
    "treatment" -> "dental procedure")."""
    own = _stems(mention)
    content = own - _HEADS or own  # "Nuss procedure" must meet "Nuss", not any "... procedure"
    return bool(content & _stems(entry))


def swaps_word(mention: str, entry: str) -> bool:
    """Whether an entry drops a word of the mention and puts another in its place ("idiosyncratic asthma" for
    "idiosyncratic reaction"): then it names something else, however many letters the two share."""
    own, words = _stems(mention) - _HEADS, _stems(entry) - _HEADS
    return bool(own - words) and bool(words - own)


#: words that say how sure, when or how much, not which kind: "known HIV infection" is HIV infection
_ASSERTION_STEMS = frozenset(w[:STEM] for w in """known documented confirmed proven diagnosed diagnosis history prior
    previous current currently any other significant clinically clinical evidence presence existing underlying
    concomitant ongoing new recent serious major minor relevant overt manifest persistent pre-existing preexisting
    suspected possible probable definite established active uncontrolled type types sign signs symptom symptoms risk
    risks related study studies resulting oral parenteral intravenous injection injections topical systemic total
    conventional standard usual""".split())


@lru_cache(maxsize=1)
def _qualifier_stems() -> frozenset[str]:
    """Stems of the qualifier catalogue's words ("severe", "uncontrolled", "chronic"): the rule carries them, so
    an entry may leave them out."""
    from .qualifiers import qualifier_lexicon

    words = {w for q in qualifier_lexicon().qualifiers for form in [q.name, *q.forms] for w in _stems(form)}
    return frozenset(words)


def drops_word(mention: str, entry: str) -> str:
    """The content words of the mention the entry leaves out ("palatal" of "essential palatal tremor" matched to
    "essential tremor"), in the mention's order, or "": then the entry names a broader thing, and its code alone
    would widen the criterion (an exclusion of the broader thing excludes more patients than the criterion
    does). Qualifier words (the rule carries them) and the heads of :data:`_HEADS` may be left out."""
    from .vocab_index import normalize_text

    missing = _stems(mention) - _stems(entry) - _HEADS - _qualifier_stems() - _ASSERTION_STEMS
    if not missing:
        return ""
    words = [w for w in normalize_text(_PAREN_RE.sub(" ", mention), sort_words=False).split() if w[:STEM] in missing]
    return " ".join(dict.fromkeys(words)) or " ".join(sorted(missing))


def _after_non(text: str, token: int) -> bool:
    """Whether the ``token``-th token of ``text`` (as :meth:`Lexicon.find` counts) follows "non"."""
    return token > 0 and tokens(text)[token - 1] == "non"


def _lexicon_record(concept: dict[str, Any], **why: str) -> dict[str, Any]:
    """The ``coding`` record of a lexicon's code with what is said of it (``review`` or ``narrower``)."""
    return {"source": "lexicon", "system": concept.get("system"), "code": concept.get("code"),
            "display": concept.get("name"), **why}


class CriteriaCoder:
    """spaCy component: set the concept and canonical values of ``doc.ents`` in ``doc._.entity_data``."""

    def __init__(self, nlp: Language, name: str = "criteria_coder", *, deep: bool = False,
                 vocab_fallback: bool = False, fallback_labels: Optional[Iterable[str]] = None,
                 thresholds: Optional[dict[str, float]] = None) -> None:
        self.nlp = nlp
        self.name = name
        self.deep = deep
        self.vocab_fallback = vocab_fallback
        self.fallback_labels: tuple[str, ...] = tuple(fallback_labels) if fallback_labels else FALLBACK_LABELS
        self.thresholds: dict[str, float] = dict(thresholds or {})
        self.lexicon = Lexicon.load()
        self._vocabulary: Optional[dict[tuple[str, str], dict[str, Any]]] = None
        self._indexes: Optional[dict[str, Any]] = None
        self._code = lru_cache(maxsize=65536)(self._code_uncached)
        self._left_out = lru_cache(maxsize=65536)(self._left_out_uncached)
        self._by_code: dict[tuple[str, str], list[LexiconEntry]] = {}
        for entry in self.lexicon.entries():
            self._by_code.setdefault((entry.label, entry.concept.code), []).append(entry)
        #: (label, code) of the entries naming a kind their code does not tell apart (``names_kind``)
        self._kind_codes = {key for key, entries in self._by_code.items() if any(map(names_kind, entries))}
        self._fallback = lru_cache(maxsize=65536)(self._fallback_uncached)

    def initialize(self, get_examples: Optional[Callable[[], Iterable[Any]]] = None, *,
                   nlp: Optional[Language] = None) -> None:
        """Load the open-vocabulary indexes when ``vocab_fallback`` is on (built once, then read from the
        cache folder: :func:`criteria_nlp.vocab_index.index_for`)."""
        if not self.vocab_fallback:
            self._indexes = None
            return
        from .vocab_index import DEFAULT_THRESHOLDS, index_for

        self._indexes = {label: index_for(label) for label in self.fallback_labels if label in FALLBACK_LABELS}
        for label in self._indexes:
            self.thresholds.setdefault(label, DEFAULT_THRESHOLDS.get("LAB" if label == "SCORE" else label, 0.7))
        self._fallback.cache_clear()

    def code(self, label: str, text: str) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
        """The concept of a mention, and the record of an open-vocabulary match, or of a lexicon term found
        inside the mention that leaves out some of its words (None when a lexicon names the whole mention):
        what ``__call__`` sets as ``concept`` and ``coding``."""
        concept, coding = self._code_any(label, text)
        if concept is not None and coding is None:
            dropped = self._left_out(label, text, str(concept.get("code")))
            if dropped:  # "squamous cell carcinoma" found as "carcinoma": the code is broader than the mention
                coding = _lexicon_record(concept, narrower=dropped)
        return concept, coding

    def _left_out_uncached(self, label: str, text: str, code: str) -> str:
        """The words of ``text`` that no name of the entries coded ``code`` holds ("" when one names it all).

        The names of a kind the code does not tell apart (``names_kind``: "glioblastoma" under C71.9) do not
        name the code: a mention of the kind gives the kind's name, one holding it the words that say which."""
        kinds = (label, code) in self._kind_codes
        if kinds:  # the kind the mention is or holds, as the lexicon names it: "SCLC" is "small cell lung cancer"
            entry = self.lexicon.lookup(text, label)
            if entry is None:
                hit = self.lexicon.find(text, label)
                # not the kind "non-" denies: "non-small cell carcinoma of the lung" holds no small cell one
                entry = hit[0] if hit is not None and not _after_non(text, hit[1]) else None
            if entry is not None and names_kind(entry) and entry.concept.code == code:
                return entry.name
        if self._exact(label, text):
            return ""
        forms = [f for e in self._by_code.get((label, code), ()) if not names_kind(e) for f in e.surface_forms()]
        if not forms:  # a vocabulary name (DrugBank, an ICD-10-CM description): no lexicon words to compare
            return drops_word(text, "") if kinds else ""
        return min((drops_word(text, form) for form in forms), key=len)

    def _code_any(self, label: str, text: str) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
        if self._indexes is None and self.vocab_fallback:  # a pipeline read with spacy.load is not initialised
            self.initialize()
        if self._indexes is None:
            return self._code(label, text), None
        found, coding = self._fallback(label, text)
        if found is not None and coding is not None and coding["score"] >= NEAR_EXACT and not self._exact(label, text):
            # the mention's own words in another order or number ("renal insufficiency, chronic"): a whole
            # entry beats a lexicon term found inside the mention, which drops its modifiers (N19 for N18.9)
            return found, coding
        concept = self._code(label, text)
        if (concept is not None and found is not None and concept.get("code") in CATCH_ALL_CODES
                and not self._exact(label, text)):
            # the lexicon found only a class word inside the mention ("infection" in "syphilis infection"):
            # an entry that names the rest of it is the better code
            return found, coding
        if concept is not None and concept.get("code") not in _NO_CONCEPT:
            return concept, None
        if found is None and concept is not None:  # the lexicon's "some illness": say so rather than code it
            review = f"coded only with the catch-all code {concept.get('code')} ('{concept.get('name')}')"
            return None, _lexicon_record(concept, review=review)
        return found, coding

    def with_allergy_status(self, concept: dict[str, Any], after: str) -> dict[str, Any]:
        """A condition's concept, or, for the unspecified allergy followed by the drug it is to, the allergy
        status of the drug's class (:meth:`allergy_status`)."""
        if concept.get("code") not in allergy_status().allergy_codes:
            return concept
        return self.allergy_status(after) or concept

    def allergy_status(self, after: str) -> Optional[dict[str, Any]]:
        """The Z88 allergy status concept of an allergy mention followed by ``after`` ("to tetracyclines ..."),
        or None when ``after`` names no drug or product part."""
        found = _AGENTS_RE.match(after)
        if found is None:
            return None
        table = allergy_status()
        parts = False
        for piece in _AGENT_SPLIT_RE.split(found.group("agents")):
            if _ANY_DRUG_RE.match(piece.strip()):
                return table.unspecified.concept()
            piece = _AGENT_LEAD_RE.sub("", piece.strip()).strip()
            if not piece:
                continue
            if any(word in table.parts for word in piece.lower().split()):
                parts = True
                continue
            concept = self._code("DRUG", piece)
            if concept is None:
                continue
            atc = self._atc_codes(concept)
            if not atc:
                return table.unspecified.concept()
            status = next((c for c in table.classes if any(a.startswith(g) for a in atc for g in c.atc)), table.other)
            return status.concept()
        if parts:
            return table.other.concept()
        return None

    def _atc_codes(self, concept: dict[str, Any]) -> tuple[str, ...]:
        """The ATC codes of a drug concept: its own, a substance's, or a lexicon class's groups."""
        if concept.get("system") == "ATC":
            return (str(concept["code"]),)
        code = str(concept.get("code") or "")
        if code.startswith("drug:"):
            try:
                entry = self.lexicon.get(code)
            except KeyError:
                return ()
            return tuple(getattr(entry, "atc_groups", ()) or ())
        from .codes import drug_atc

        return drug_atc(Concept.model_validate(concept))

    def procedure_kind(self, text: str, concept: Optional[dict[str, Any]], after: str = "") -> Optional[str]:
        """The kind of procedure a mention names: its entry's kind when an entry codes it, else its words', else
        drug therapy for a bare treatment word followed by a drug ("treatment with gefitinib")."""
        if concept is not None:
            for entry in self._by_code.get(("PROCEDURE", str(concept.get("code") or "")), ()):
                if isinstance(entry, ProcedureEntry) and entry.kind is not None:
                    return entry.kind
        kind = procedure_kinds().kind_of(text)
        if kind is None and after:
            found = _WITH_DRUG_RE.match(after)
            agents = found.group("agents").strip() if found is not None else ""
            pieces = [agents, *_AGENT_SPLIT_RE.split(agents)] if agents else []
            if any(self._code("DRUG", piece.strip()) is not None for piece in pieces if piece.strip()):
                return "drug therapy"
        return kind

    def _fallback_uncached(self, label: str, text: str) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
        index = (self._indexes or {}).get(label)
        if index is None:
            return None, None
        found = index.lookup(text, k=1)
        if not found:
            return None, {"source": "vocab_index", "review": "no vocabulary entry near the mention"}
        match = found[0]
        coding: dict[str, Any] = {
            "source": "vocab_index", "system": match.system, "code": match.code, "display": match.display,
            "entry": match.entry_text, "kind": match.kind, "score": match.score,
        }
        threshold = self.thresholds.get(label, 0.7)
        letters = sum(ch.isalnum() for ch in text)
        if letters < SHORT_MENTION and match.score < 1.0:
            coding["review"] = f"a {letters}-character mention matched only approximately ('{match.entry_text}')"
        elif match.kind != "generic" and not shares_word(text, match.entry_text):
            coding["review"] = f"the nearest entry '{match.entry_text}' shares no word with the mention"
        elif match.kind != "generic" and says_more(match.entry_text, text):
            coding["review"] = f"the nearest entry '{match.entry_text}' names a narrower thing than the mention"
        elif match.kind != "generic" and match.score < NEAR_EXACT and swaps_word(text, match.entry_text):
            coding["review"] = f"the nearest entry '{match.entry_text}' puts another word in place of one of the mention's"
        elif match.code in CATCH_ALL_CODES:
            coding["review"] = f"matched only the catch-all code {match.code} ('{match.display}')"
        elif match.score < threshold:
            coding["review"] = f"best vocabulary match '{match.entry_text}' ({match.code}) scores {match.score:.2f} < {threshold:.2f}"
        if "review" in coding:
            return None, coding
        dropped = drops_word(text, match.entry_text) if match.kind != "generic" else ""
        if dropped:  # a broader entry: its code, and the words the criterion narrows it with
            coding["narrower"] = dropped
        return Concept(system=match.system, code=match.code, name=match.display).model_dump(), coding

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

    def _exact(self, label: str, text: str) -> bool:
        """Whether the lexicon or the tagger's vocabulary names the whole mention."""
        return self.lexicon.lookup(text, label) is not None or (label, normalize(text)) in self._vocabulary_index()

    def _code_uncached(self, label: str, text: str) -> Optional[dict[str, Any]]:
        entry = self.lexicon.lookup(text, label)
        if entry is not None:
            if self.deep and entry.concept.is_drug:  # a lexicon drug named by its ATC code too
                from .codes import with_atc

                return with_atc(entry.concept).model_dump()
            return entry.concept.model_dump()
        found = self._vocabulary_index().get((label, normalize(text)))
        if found is not None:
            return found
        if self.deep:  # code_concept tries whole-mention vocabulary names before the lexicon's partial matches
            from .codes import code_concept

            concept: Optional[Concept] = code_concept(label, text)
            return concept.model_dump() if concept is not None else None
        hit = self.lexicon.find(text, label)
        if hit is not None:
            return hit[0].concept.model_dump()
        return None

    def __call__(self, doc: Doc) -> Doc:
        long_forms = {
            pair["short_text"]: pair["long_text"]
            for pair in (doc._.abbreviations if Doc.has_extension("abbreviations") else None) or []
            if isinstance(pair, dict)
        }
        ents = doc.ents
        text = doc_text(doc)
        for ent, info, (start, end) in zip(ents, entity_data(doc, ents), char_offsets(doc, ents)):
            label = ent.label_
            mention = text[start:end]
            if label not in SKIP and info.get("concept") is None:
                concept, coding = self.code(label, long_forms.get(mention, mention))
                if concept is None and mention in long_forms:
                    concept, coding = self.code(label, mention)
                if coding is not None:
                    info["coding"] = coding
                info["concept"] = concept
            concept = info.get("concept")
            term = info.pop("term", None)
            named = long_forms.get(mention, mention)
            if term and concept and "coding" not in info and self.lexicon.lookup(named, label) is not None:
                # a model's span the lexicon names whole, though the tagger found only a term inside it
                # ("Ewing's sarcoma" broken by a line break): the whole name's code, not the inner term's
                concept = info["concept"] = self._code(label, named) or concept
                term = None
            if concept and "coding" not in info and label in ("CONDITION", "DRUG", "PROCEDURE") and (
                    term or (label, concept.get("code")) in self._kind_codes):
                # a model's span with the code of a term inside it, or a term naming a kind its code does not
                # tell apart: what no name of that code holds
                dropped = self._left_out(label, named, str(concept.get("code")))
                if dropped:
                    info["coding"] = _lexicon_record(concept, narrower=dropped)
            if label == "CONDITION" and concept:
                info["concept"] = self.with_allergy_status(concept, text[end:end + 200])
            if label == "PROCEDURE" and "procedure_kind" not in info:
                info["procedure_kind"] = self.procedure_kind(mention, info.get("concept"), text[end:end + 100])
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
    default_config={"deep": False, "vocab_fallback": False, "fallback_labels": list(FALLBACK_LABELS)},
)
def make_criteria_coder(nlp: Language, name: str, deep: bool, vocab_fallback: bool,
                        fallback_labels: list[str]) -> CriteriaCoder:
    """Factory for ``nlp.add_pipe("criteria_coder")``."""
    return CriteriaCoder(nlp, name, deep=deep, vocab_fallback=vocab_fallback, fallback_labels=fallback_labels)
