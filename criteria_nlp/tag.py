"""Tagging: what each criterion talks about (factory ``criteria_tagger``).

The tagger proposes candidate spans from several sources and keeps one span per
token, longest first and, among equally long ones, the most specific source:

=============  ========  ====================================================
source         priority  what
=============  ========  ====================================================
``value``      first     comparisons and time windows (``values.find_values``,
                         ``values.find_windows``), placed before anything else; a
                         parsed value grows to a statistical VALUE span around it
                         that takes in a unit or range the parser does not read
                         ("= 18 years old", "<75,000 per microL"; see ``_grown``)
``lexicon``    4         the curated vocabularies (labs, scores, conditions,
                         drug classes, procedures, observations, devices)
``terms``      4         ages, sexes, qualitative results, time words
                         (``resources/tagger_terms.json``)
``gazetteer``  3         terms learned from the Chia training split
                         (``resources/gazetteer.jsonl``)
``drugs``      2         drug names of ``drug-named-entity-recognition``
``icd10``      2         short ICD-10-CM descriptions
``model``      1         ``doc.ents`` set by a statistical NER before the tagger
=============  ========  ====================================================

A statistical span gives way to any coded lexicon, terms or drug-vocabulary
span it overlaps that has another label (the curated label is trusted:
"hepatitis B/C" stays two conditions, not a lab); when it wins over curated
spans of its own label ("acute hemorrhage" over "hemorrhage"), it keeps the
code of the longest one inside it. For the labels in ``model_first`` (by default CONDITION and
PROCEDURE, whose mentions are open-ended) a statistical span is placed before
the curated ones, whatever its length, where it nests with every coded span it
overlaps: the model draws the mention's boundary ("hypertension" in "poorly
controlled hypertension", "pregnant" beside "women"), the lexicon its label and
code. A statistical span that cuts a coded term in two keeps the usual order.
A statistical span that joins a coded term to a coordination outside it
("hepatitis B/C", "hepatitis B or C") is left out, so that each conjunct keeps
its own code (one span would carry hepatitis B's alone).
A drug mention ending in a therapy head ("immunosuppressive therapy",
``therapy_heads`` of the terms resource) becomes a treatment PROCEDURE coded
with the drug, as SNOMED CT and Chia file it; the rule builder still makes it a
drug rule. A statistical span of another label ending in a measurement head
("liver stiffness", "aortic valve area", "Pitt bacteraemia score";
``measurement_heads`` of the terms resource) is tagged LAB. Nothing that would
describe the patient (condition, drug, procedure, age...) is tagged inside the
name of a body ("National Institute of Neurological and Communicative Disorders
and Stroke", "American Joint Committee on Cancer"; ``organisation_heads``; a
name ends at one of ``organisation_ends``, such as "criteria", after its head);
scales named after one ("New York Heart Association class") stay.

It keeps spans inside criteria only, records each entity's source and a
lexicon entry's concept in ``doc._.entity_data``, resolves coordinated short forms ("hepatitis B/C" also
yields hepatitis C on "C"), extends conditions over a preceding class or stage
("Class 3 or 4 resistant lupus nephritis"), and tags short forms whose long form
it tagged ("LVEF" after "left ventricular ejection fraction (LVEF)").
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from pydantic import BaseModel, ConfigDict, ValidationError
from spacy.attrs import IS_SPACE, IS_STOP, LOWER, SPACY
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from .extensions import doc_text  # (importing it registers the extensions set here)
from .errors import ResourceError
from .schema import Concept, Value, Window, names_drug
from .terms import TermIndex, token_keys
from .values import REFERENCE_ANCHORS, WindowMention, find_values, find_windows

TERMS_RESOURCE = "tagger_terms.json"
GAZETTEER_RESOURCE = "gazetteer.jsonl"
DRUG_TERMS_RESOURCE = "drug_terms.json"
ICD10_TERMS_RESOURCE = "icd10_terms.json"
#: statistical labels that a measurement head ("stiffness", "area", "score") turns into LAB
_MEASURABLE = frozenset({"CONDITION", "DRUG", "PROCEDURE", "OBSERVATION", "DEVICE"})
#: what a name of a body does not say of the patient ("Stroke" in the NINCDS); scales named after one stay (NYHA)
_NOT_IN_NAMES = frozenset({"CONDITION", "DRUG", "PROCEDURE", "OBSERVATION", "DEVICE", "AGE", "SEX"})
LABELS = ("CONDITION", "DRUG", "PROCEDURE", "LAB", "SCORE", "OBSERVATION", "DEVICE", "AGE", "SEX", "VALUE", "TEMPORAL")
PRIORITY = {"lexicon": 4, "terms": 4, "gazetteer": 3, "drugs": 2, "icd10": 2, "model": 1}
#: labels whose statistical spans are placed before the curated ones (see the module docstring)
DEFAULT_MODEL_FIRST = ("CONDITION", "PROCEDURE")
QUALITATIVE_OPERATORS: dict[str, dict[str, Any]] = {
    "positive": {"operator": "positive"},
    "negative": {"operator": "negative"},
    "abnormal": {"operator": "abnormal"},
    "normal": {"operator": "normal"},
    "elevated": {"operator": ">", "uln_multiple": 1.0},
    "decreased": {"operator": "<", "lln_multiple": 1.0},
}
# "Class 3 or 4", "class III/IV", "stage II-III", "grade 2" before a condition
_CLASS_PREFIX = re.compile(
    r"(?i)\b(?:class(?:es)?|stage|grade|type|WHO class|ISN/RPS class)\s+(?:[0-9]+|[IVX]+[a-c]?)"
    r"(?:\s*(?:or|and|to|-|–|/|,)\s*(?:[0-9]+|[IVX]+[a-c]?))*(?:\s+[a-z][a-z-]+){0,2}\s*$"
)


class TaggerTerms(BaseModel):
    """The resource ``tagger_terms.json``, validated on load."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    description: str = ""
    age: dict[str, list[str]]
    sex: dict[str, list[str]]
    sex_words: list[str]
    qualitative: dict[str, list[str]]
    temporal: dict[str, list[str]]
    therapy_heads: list[str] = []
    measurement_heads: list[str] = []
    organisation_heads: list[str] = []
    organisation_ends: list[str] = []
    value_stops: list[str] = []
    coordination_heads: list[str] = []
    kind_modifiers: list[str] = []


class GazetteerEntry(BaseModel):
    """One learned term: its label, and how often it was an entity where it occurred in training text."""

    model_config = ConfigDict(extra="forbid")
    term: str
    label: str
    count: int
    precision: float


class VocabularyGroup(BaseModel):
    """The terms of one concept in a vocabulary term list."""

    model_config = ConfigDict(extra="forbid")
    concept: Concept
    terms: list[str]


class VocabularyTerms(BaseModel):
    """A term list derived from a vocabulary package (``drug_terms.json``, ``icd10_terms.json``)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    source: str
    description: str = ""
    entries: list[VocabularyGroup]


def load_vocabulary_terms(name: str, path: Optional[Path] = None) -> VocabularyTerms:
    """Load and validate a derived vocabulary term list (packaged, or from ``path``)."""
    record, text = _resource_text(name, path)
    try:
        return VocabularyTerms.model_validate_json(text)
    except ValidationError as exc:
        raise ResourceError("X001", record=record, detail=str(exc).splitlines()[0]) from None


def _resource_text(name: str, path: Optional[Path]) -> tuple[str, str]:
    record = str(path) if path is not None else f"criteria_nlp/resources/{name}"
    try:
        if path is None:
            return record, resources.files("criteria_nlp.resources").joinpath(name).read_text("utf-8")
        return record, Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise ResourceError("X002", record=record) from None


def load_terms(path: Optional[Path] = None) -> TaggerTerms:
    """Load and validate ``tagger_terms.json`` (packaged, or from ``path``)."""
    record, text = _resource_text(TERMS_RESOURCE, path)
    try:
        return TaggerTerms.model_validate(json.loads(text))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ResourceError("X001", record=record, detail=str(exc).splitlines()[0]) from None


def load_gazetteer(path: Optional[Path] = None) -> list[GazetteerEntry]:
    """Load and validate ``gazetteer.jsonl`` (packaged, or from ``path``); empty when absent."""
    try:
        record, text = _resource_text(GAZETTEER_RESOURCE, path)
    except ResourceError:
        return []
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = GazetteerEntry.model_validate_json(line)
        except ValidationError as exc:
            raise ResourceError("X001", record=f"{record}:{number}", detail=str(exc).splitlines()[0]) from None
        if entry.label not in LABELS:
            raise ResourceError("X001", record=f"{record}:{number}", detail=f"unknown label {entry.label!r}")
        entries.append(entry)
    return entries


@dataclass
class _Candidate:
    start: int
    end: int
    label: str
    priority: int
    payload: int  # index into TermIndex.payloads, -1 for model predictions
    source: str


#: sources whose labels are curated: a statistical span that disagrees with one of their coded spans gives way,
#: and one that holds them keeps their code (the drug vocabulary too: "oral acyclovir" keeps acyclovir's code,
#: "midazolam" stays a coded DRUG when the model calls it a CONDITION)
_CURATED = frozenset({"lexicon", "terms", "drugs"})


_BRACKETS = (("(", ")"), ("[", "]"))
_VALUE_WORDS = frozenset({"VALUE", "AGE"})  # curated labels a value may grow over ("years old")
_WORD = re.compile(r"\w+")
#: "since" and what may stand between it and the event it dates ("since the last dose of")
_SINCE_BEFORE = re.compile(r"\bsince\s+(?:(?:the|any|prior|previous|last|dose|of|his|her|their)\s+)*$", re.IGNORECASE)
#: what a window's anchor may name as an event of the patient's ("since corticosteroids")
_DATED_EVENTS = frozenset({"CONDITION", "DRUG", "PROCEDURE"})
#: a line break inside a criterion: one break and the next line's indentation, as legacy ClinicalTrials.gov XML wraps
#: its text at about 70 characters ("history of breast\n             cancer")
_WRAP = re.compile(r"(?:\r?\n|\r)[ \t]{2,}")


def _line_wraps(doc: Doc, lower: list[str], spaced: list[bool], spaces: Iterable[int]) -> list[bool]:
    """The barriers of the dictionary match (:meth:`TermIndex.match`'s default: whitespace and bare hyphens) but
    for a line wrap between two words, which a term may span ("breast\n    cancer" is breast cancer, not
    "cancer"); ``lower`` and ``spaced`` are updated for them (no key text, a space between words). ``spaces``
    are the indices of the whitespace tokens, the only ones a wrap can be."""
    barrier = [not t or t.isspace() for t in token_keys(lower)]
    for k in spaces:
        if not 0 < k < len(doc) - 1 or not _WRAP.fullmatch(doc[k].text):
            continue
        before, after = doc[k - 1].text, doc[k + 1].text
        if before[-1:].isalnum() and after[:1].isalpha():
            barrier[k], lower[k], spaced[k] = False, "", True
    return barrier


def _dated_event_cut(text: str, found: WindowMention, events: list[tuple[int, int]]) -> int:
    """Where a window ends whose anchor, after "since", is an event the dictionary names ("At least 1 week since
    corticosteroids"): before the event, a mention of its own that the window dates, as in "since prior
    chemotherapy". A reference point stays the anchor: one of the trial's ("since randomization", "since
    surgery"), or whatever follows another cue ("within 21 days prior to the imaging visit")."""
    anchor = found.window.anchor
    if anchor is None or anchor in REFERENCE_ANCHORS:
        return found.end
    cut = min((s for s, e in events if found.start < s and e <= found.end), default=found.end)
    if cut == found.end or not _SINCE_BEFORE.search(text, found.start, cut):
        return found.end
    while cut > found.start and text[cut - 1].isspace():
        cut -= 1
    return cut


def _chars(doc: Doc, cand: _Candidate) -> tuple[int, int]:
    """A candidate's character offsets."""
    return doc[cand.start].idx, doc[cand.end - 1].idx + len(doc[cand.end - 1])


def _grown(text: str, start: int, end: int, model_values: list[tuple[int, int]], terms: list[tuple[int, int]],
           stops: frozenset[str], lo: int, hi: int) -> tuple[int, int]:
    """A parsed value's span, grown to the statistical VALUE span that contains it inside the criterion, where
    the model draws the boundary over a unit or range the parser does not read ("< 60 mL /min /1,73m",
    "= 18 years old", "<75,000 per microL", "1 day to less than 18 years"); the parser keeps the value.
    Not grown: over unbalanced brackets, over a word of ``stops`` (``value_stops`` of the terms resource:
    prepositions) or a curated term (``terms``) to the right
    ("> stage II of Leriche", ">180 systolic") or over words without a digit to the left ("class >3")."""
    best = (start, end)
    for m_start, m_end in model_values:
        if not (lo <= m_start <= start and end <= m_end <= hi and m_end - m_start > best[1] - best[0]):
            continue
        piece, left, right = text[m_start:m_end], text[m_start:start], text[end:m_end]
        if (all(piece.count(a) == piece.count(b) for a, b in _BRACKETS)
                and (not left or any(c.isdigit() for c in left))
                and not any(word.lower() in stops for word in _WORD.findall(right))
                and not any(t_start < m_end and end < t_end for t_start, t_end in terms)):
            best = (m_start, m_end)
    return best


def _bounded(lower: Value, upper: Value, text: str) -> Value:
    """The range of a lower bound and the upper bound after it in one value span ("> 40 and < 70 years old":
    between 40 and 70, ends included), or ``lower`` where they do not make one."""
    if lower.operator not in (">", ">=") or upper.operator not in ("<", "<=") or lower.low is None \
            or upper.low is None or lower.low >= upper.low or (lower.unit and upper.unit and lower.unit != upper.unit):
        return lower
    return Value(operator="between", low=lower.low, high=upper.low, unit=lower.unit or upper.unit, text=text)


def _curated_by_token(candidates: list[_Candidate], length: int,
                      payloads: list[dict[str, Any]]) -> Optional[list[list[_Candidate]]]:
    """For each token, the coded curated candidates covering it; None when no statistical candidate needs them."""
    if not any(c.source == "model" for c in candidates):
        return None
    by_token: list[list[_Candidate]] = [[] for _ in range(length)]
    for cand in candidates:
        if cand.source in _CURATED and payloads[cand.payload].get("concept") is not None:
            for i in range(cand.start, cand.end):
                by_token[i].append(cand)
    return by_token


#: lower-case words that may join the capitalised words of a name ("Society of Critical Care Medicine")
_NAME_JOINERS = frozenset({"of", "for", "and", "on", "the", "in", "&", "/", "'s", "-"})
#: function words that names of bodies write in lower case: capitalised, the text is in Title Case
_TITLE_CASE_MARKS = _NAME_JOINERS | {"with", "without", "or", "to", "at", "by", "a", "an", "who", "are", "is", "has", "from", "within"}


@lru_cache(maxsize=8)
def _string_ids(words: frozenset[str]) -> frozenset[int]:
    """The hashes of ``words``, as ``Doc.to_array`` gives them."""
    return frozenset(get_string_id(word) for word in words)


def _organisations(doc: Doc, heads: frozenset[str], ends: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Token ranges of names of bodies: runs of three or more capitalised words, joined by lower-case joiners, holding a
    head word; after the head, a word of ``ends`` ("criteria", "class") ends the name: what follows is its subject
    ("American College of Rheumatology Classification Criteria for Rheumatoid Arthritis")."""
    found: list[tuple[int, int]] = []
    if _string_ids(heads).isdisjoint(doc.to_array(LOWER).tolist()):  # most texts name no body: skip the walk
        return found
    i, n = 0, len(doc)
    while i < n:
        if not doc[i].is_title and not doc[i].is_upper or not doc[i].is_alpha:
            i += 1
            continue
        j, last, headed = i, i, False
        while j < n and (doc[j].is_title or doc[j].lower_ in _NAME_JOINERS or doc[j].is_upper and doc[j].is_alpha):
            if headed and doc[j].lower_ in ends:
                break
            if doc[j].is_title or doc[j].is_upper:
                last = j
                headed = headed or doc[j].lower_ in heads
            j += 1
        words = [t for t in doc[i:last + 1] if t.is_alpha and not t.lower_ in _NAME_JOINERS]
        title_case = any(t.is_title and t.lower_ in _TITLE_CASE_MARKS for t in doc[i + 1:last + 1])  # "Infection In The Control Group"
        if len(words) >= 3 and not title_case and headed:
            found.append((i, last + 1))
        i = j if j > i else i + 1
    return found


def _agrees(cand: _Candidate, curated: list[list[_Candidate]]) -> bool:
    """A statistical span is kept unless a curated span it overlaps has another label ("hepatitis B/C" is no LAB)."""
    return all(other.label == cand.label for i in range(cand.start, cand.end) for other in curated[i])


#: tokens that join conjuncts: a statistical span holding one outside its coded terms names several concepts
_COORDINATORS = frozenset({"/", "or", "and", ",", "&"})
#: the coordinators that end a list ("heart, liver or kidney failure"); a comma alone may join a noun to its modifiers
_CONJUNCTIONS = frozenset({"/", "or", "and", "&"})


def _curated_inside(cand: _Candidate, curated: list[list[_Candidate]]) -> list[_Candidate]:
    """The coded curated spans lying inside ``cand``, each once."""
    inside = {id(o): o for i in range(cand.start, cand.end) for o in curated[i] if cand.start <= o.start and o.end <= cand.end}
    return list(inside.values())


def _coordinates(cand: _Candidate, curated: list[list[_Candidate]], doc: Doc) -> bool:
    """``cand`` holds a coded curated span and a coordinator outside every such span ("hepatitis B/C")."""
    inside = _curated_inside(cand, curated)
    if not inside:
        return False
    covered = {i for o in inside for i in range(o.start, o.end)}
    return any(i not in covered and doc[i].lower_ in _COORDINATORS for i in range(cand.start, cand.end))


def _nests(cand: _Candidate, curated: list[list[_Candidate]]) -> bool:
    """Every coded curated span overlapping ``cand`` lies inside it, or contains it while ``cand`` is itself a curated term."""
    exact = any(o.start == cand.start and o.end == cand.end for o in curated[cand.start])
    for i in range(cand.start, cand.end):
        for other in curated[i]:
            inside = cand.start <= other.start and other.end <= cand.end
            around = other.start <= cand.start and cand.end <= other.end
            if not (inside or (around and exact)):
                return False
    return True


def _inherited(cand: _Candidate, curated: list[list[_Candidate]], payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """The payload of the longest curated span inside a statistical one, so "acute hemorrhage" keeps hemorrhage's code."""
    inside = _curated_inside(cand, curated)
    if not inside:
        return {}
    best = max(inside, key=lambda o: (o.end - o.start, -o.start))
    info = payloads[best.payload]
    out: dict[str, Any] = {"concept": info.get("concept")} if info.get("concept") is not None else {}
    if out and (best.start, best.end) != (cand.start, cand.end):
        out["term"] = (best.start, best.end)  # the coder compares the span with the term whose code it took
    if info.get("context"):  # "of non-childbearing potential" keeps the negation of "non-childbearing potential"
        out["context"] = info["context"]
    return out


#: endings of adjectives ("hemorrhagic", "epileptic", "anemic", "hypertensive", "cancerous", "obese")
_ADJECTIVE_ENDINGS = ("ic", "ical", "ive", "ous", "obese")


#: what an examination of an organ or system is called ("neurologic examination", "cardiac exam")
_EXAMINATIONS = frozenset("""examination examinations exam exams test tests testing evaluation evaluations assessment
    assessments workup work-up""".split())


def _is_adjective(word: str) -> bool:
    return word.isalpha() and len(word) > 4 and word.endswith(_ADJECTIVE_ENDINGS)


def _word_forms(words: Iterable[str]) -> frozenset[str]:
    """Lower-cased singular and plural forms of head words ("therapy", "therapies"), as token texts are compared."""
    return frozenset(v.lower() for word in words for v in _plural_variants(word.strip()))


def _plural_variants(term: str) -> list[str]:
    """The term and the other number of its last word ("infection"/"infections", "therapy"/"therapies",
    "transaminases"/"transaminase", "viruses"/"virus"); extra forms that are not words do no harm."""
    head, _, last = term.rpartition(" ")
    if len(last) < 4 or not last.isalpha() or last.isupper():
        return [term]
    prefix = f"{head} " if head else ""
    others: list[str] = []
    if last.endswith("ies"):
        others.append(last[:-3] + "y")
    elif last.endswith(("sses", "xes", "ches", "shes", "zes", "uses")):
        others.append(last[:-2])  # "boxes" -> "box", "viruses" -> "virus"
    elif last.endswith("es"):
        others.append(last[:-1])  # "transaminases" -> "transaminase", "hives" -> "hive" (never "hiv")
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")):
        others.append(last[:-1])
    elif last.endswith("y") and last[-2] not in "aeiou":
        others.append(last[:-1] + "ies")
    elif last.endswith(("s", "x", "ch", "sh")):
        others.append(last + "es")
    else:
        others.append(last + "s")
    return [term, *(prefix + other for other in others)]


class CriteriaTagger:
    """spaCy component: set ``doc.ents`` to the entities of every criterion."""

    def __init__(self, nlp: Language, name: str = "criteria_tagger", *, use_gazetteer: bool = True,
                 use_drug_vocabulary: bool = True, use_icd10: bool = True,
                 model_first: Iterable[str] = DEFAULT_MODEL_FIRST) -> None:
        self.nlp = nlp
        self.name = name
        self.model_first: frozenset[str] = frozenset()
        self.set_model_first(model_first)
        self.use_gazetteer = use_gazetteer
        self.use_drug_vocabulary = use_drug_vocabulary
        self.use_icd10 = use_icd10
        self.terms: Optional[TaggerTerms] = None
        self.gazetteer: list[GazetteerEntry] = []
        self.vocabularies: list[VocabularyTerms] = []
        self.index = TermIndex()  # payloads: {label, source, concept, value, window}
        self._lexicon: Any = None
        self._built = False

    # ------------------------------------------------------------------ set-up

    def set_model_first(self, labels: Iterable[str]) -> None:
        """Set the labels whose statistical spans go before the curated ones (see ``model_first``); X004 on unknown labels."""
        chosen = frozenset(labels)
        unknown = chosen - set(LABELS)
        if unknown:
            raise ResourceError("X004", record=f"{self.name}.model_first",
                                detail=f"unknown labels {sorted(unknown)}; known: {', '.join(LABELS)}")
        self.model_first = chosen

    def initialize(self, get_examples: Optional[Callable[[], Iterable[Any]]] = None, *, nlp: Optional[Language] = None,
                   terms_path: Optional[str] = None, gazetteer_path: Optional[str] = None,
                   lexicon_path: Optional[str] = None) -> None:
        """Load the word lists and vocabularies and build the matchers."""
        from .lexicon import Lexicon

        self.terms = load_terms(Path(terms_path) if terms_path else None)
        self.gazetteer = load_gazetteer(Path(gazetteer_path) if gazetteer_path else None) if self.use_gazetteer else []
        self.vocabularies = self._load_vocabularies(None)
        self._lexicon = Lexicon.from_disk(lexicon_path) if lexicon_path else Lexicon.load()
        self._build()

    def _load_vocabularies(self, folder: Optional[Path]) -> list[VocabularyTerms]:
        names = ([DRUG_TERMS_RESOURCE] if self.use_drug_vocabulary else []) + ([ICD10_TERMS_RESOURCE] if self.use_icd10 else [])
        return [load_vocabulary_terms(n, folder / n if folder is not None else None) for n in names]

    def _add(self, payload: dict[str, Any], phrases: Iterable[str], *, case_sensitive: Iterable[str] = ()) -> None:
        exact = {p.strip() for p in case_sensitive}
        forms = {v for p in phrases if p.strip() and p.strip() not in exact for v in _plural_variants(p.strip())}
        if forms or exact:
            self.index.add(sorted(forms | exact), self.index.add_payload(payload), case_sensitive=exact)

    def _build(self) -> None:
        self.index = TermIndex()
        assert self.terms is not None and self._lexicon is not None
        for entry in self._lexicon.entries():
            concept = entry.concept.model_dump() if entry.concept is not None else None
            payload = {"label": entry.label, "source": "lexicon", "concept": concept, "entry": entry.id}
            # "non-smoker", "former smoker", "never smoked" (both): the cue is part of the term
            by_context: dict[tuple[str, ...], list[str]] = {}
            for form in [entry.name, *entry.synonyms]:  # every spelling: see TermIndex.spaces
                context = tuple(c for c, forms in (("negated", entry.negated_forms), ("historical", entry.past_forms))
                                if form in forms)
                by_context.setdefault(context, []).append(form)
            for context, forms in by_context.items():
                self._add({**payload, "context": list(context)} if context else payload, forms,
                          case_sensitive=[f for f in entry.case_sensitive if f in forms])
        self._ambiguous = frozenset(form.lower() for entry in self._lexicon.entries() for form in entry.ambiguous)
        terms = self.terms
        self._heads = _word_forms(terms.therapy_heads)
        self._bodies = _word_forms(terms.organisation_heads)
        self._body_ends = _word_forms(terms.organisation_ends)
        self._measures = _word_forms(terms.measurement_heads)
        self._value_stops = _word_forms(terms.value_stops)
        self._shared_heads = _word_forms(terms.coordination_heads)
        self._kind_modifiers = frozenset(w.lower() for w in terms.kind_modifiers)
        self._results = {word: kind for kind, phrases in terms.qualitative.items()
                         for phrase in phrases if " " not in phrase for word in _plural_variants(phrase)}
        self._status = {phrase: direction for direction, phrases in terms.temporal.items()
                        for phrase in phrases if " " not in phrase}
        for group, phrases in terms.age.items():
            concept = None if group == "age" else {"system": "AGE_GROUP", "code": group, "name": group.replace("_", " ")}
            self._add({"label": "AGE", "source": "terms", "concept": concept}, phrases)
        for sex, phrases in terms.sex.items():
            self._add({"label": "SEX", "source": "terms", "concept": {"system": "SEX", "code": sex, "name": sex}}, phrases)
        self._add({"label": "SEX", "source": "terms", "concept": None}, terms.sex_words)
        for kind, phrases in terms.qualitative.items():
            self._add({"label": "VALUE", "source": "terms", "value": QUALITATIVE_OPERATORS[kind]}, phrases)
        for direction, phrases in terms.temporal.items():
            self._add({"label": "TEMPORAL", "source": "terms", "window": {"direction": direction}}, phrases)
        by_label: dict[str, list[str]] = {}
        for gaz in self.gazetteer:
            by_label.setdefault(gaz.label, []).append(gaz.term)
        for gaz_label, phrases in by_label.items():
            self._add({"label": gaz_label, "source": "gazetteer", "concept": None}, phrases)
        for vocabulary in self.vocabularies:
            vocab_source, vocab_label = ("drugs", "DRUG") if vocabulary.name == "drug_terms" else ("icd10", "CONDITION")
            for vocab_group in vocabulary.entries:
                self._add({"label": vocab_label, "source": vocab_source, "concept": vocab_group.concept.model_dump()}, vocab_group.terms)
        self._built = True

    # ------------------------------------------------------------------ tagging

    def __call__(self, doc: Doc) -> Doc:
        if not self._built:
            self.initialize()
        spans = list(doc.spans.get("criteria", []))
        if not spans:
            doc.ents = []
            return doc
        inside = bytearray(len(doc))  # token lies in a criterion
        crit_start = [0] * len(doc)  # first token of the criterion a token lies in
        for span in spans:
            inside[span.start:span.end] = b"\x01" * (span.end - span.start)
            crit_start[span.start:span.end] = [span.start] * (span.end - span.start)
        taken = bytearray(len(doc))
        chosen: list[tuple[Span, dict[str, Any]]] = []
        # 1. comparisons and time windows, per criterion
        text = doc_text(doc)
        candidates = [c for c in self._candidates(doc) if all(inside[c.start:c.end])]
        model_values = [_chars(doc, c) for c in candidates if c.source == "model" and c.label == "VALUE"]
        terms = [_chars(doc, c) for c in candidates
                 if c.source != "model" and c.label not in _VALUE_WORDS] if model_values else []
        events = [_chars(doc, c) for c in candidates if c.source != "model" and c.label in _DATED_EVENTS]
        for crit in spans:
            for window in find_windows(text, crit.start_char, crit.end_char):
                end = _dated_event_cut(text, window, events)
                dated = window.window if end == window.end else window.window.model_copy(
                    update={"anchor": None, "text": text[window.start:end]})
                self._place(doc, chosen, taken, window.start, end, "TEMPORAL", {"window": dated.model_dump()})
            found = find_values(text, crit.start_char, crit.end_char)
            for n, value in enumerate(found):
                start, end = _grown(text, value.start, value.end, model_values, terms, self._value_stops,
                                    crit.start_char, crit.end_char)
                # grown over the value after it ("> 40 and < 70 years old"), the span holds both bounds; the
                # values come in text order, so the next two tell one bound inside from several
                within = [v.value for v in found[n + 1:n + 3] if v.end <= end]
                parsed = _bounded(value.value, within[0], text[start:end]) if len(within) == 1 else value.value
                self._place(doc, chosen, taken, start, end, "VALUE", {"value": parsed.model_dump()})
        # 2. everything else, longest first, then most specific source
        if self._bodies:
            bodies = _organisations(doc, self._bodies, self._body_ends)
            candidates = [c for c in candidates if c.label not in _NOT_IN_NAMES
                          or not any(s <= c.start and c.end <= e for s, e in bodies)]
        curated = _curated_by_token(candidates, len(doc), self.index.payloads)
        if curated is not None:
            candidates = [c for c in candidates
                          if c.source != "model" or (_agrees(c, curated) and not _coordinates(c, curated, doc))]
        first = {id(c) for c in candidates if c.source == "model" and c.label in self.model_first
                 and (curated is None or _nests(c, curated))}
        candidates.sort(key=lambda c: (id(c) not in first, -(c.end - c.start), -c.priority, c.start))
        for cand in candidates:
            if any(taken[cand.start:cand.end]):
                continue
            info = self.index.payloads[cand.payload] if cand.payload >= 0 else {}
            if cand.source == "model" and curated is not None:
                info = _inherited(cand, curated, self.index.payloads)
            span = Span(doc, cand.start, cand.end, label=cand.label)
            span = self._extend_condition(doc, span, taken, crit_start[cand.start]) if cand.label == "CONDITION" else span
            if any(taken[span.start:span.end]):
                span = Span(doc, cand.start, cand.end, label=cand.label)
            taken[span.start:span.end] = b"\x01" * len(span)
            data: dict[str, Any] = {"source": cand.source, "concept": info.get("concept")}
            if "term" in info and span.start == cand.start and span.end == cand.end:
                data["term"] = doc[info["term"][0]:info["term"][1]].text
            for flag in info.get("context", ()):  # a negated or past form of the term ("non-smoker"): criteria_context records the cue
                data[flag] = True
            if "value" in info:
                data["value"] = Value(text=span.text, **info["value"]).model_dump()
            if "window" in info:
                data["window"] = Window(text=span.text, **info["window"]).model_dump()
            chosen.append((span, data))
        if self._heads:
            self._treatments(doc, chosen, candidates)
        self._split_results(doc, chosen, candidates)
        self._split_status(doc, chosen)
        self._take_kind_modifiers(doc, chosen, taken)
        self._drop_examined(doc, chosen)
        self._merge_modifiers(doc, chosen)
        chosen.extend(self._coordinated(doc, chosen, taken, inside))
        chosen.extend(self._elided(doc, chosen, taken, inside))
        chosen.extend(self._short_forms(doc, chosen, taken, inside))
        chosen.sort(key=lambda pair: pair[0].start)
        doc.ents = [span for span, _ in chosen]
        doc._.entity_data = [data for _, data in chosen]
        return doc

    def _candidates(self, doc: Doc) -> Iterator[_Candidate]:
        strings = doc.vocab.strings
        lower = [strings[h] for h in doc.to_array(LOWER).tolist()]  # no Token object per token
        payloads = self.index.payloads
        # a space beside a stop word separates words ("as a" is no spelling of "ASA"); others may be
        # spelling ("Cl Cr", "CYP 3A4"): only the first kind counts against a term's own spaces
        flags = doc.to_array([IS_STOP, SPACY, IS_SPACE]).astype(bool)
        near_stop = flags[:, 0].copy()
        near_stop[:-1] |= flags[1:, 0]
        spaced = (flags[:, 1] & near_stop).tolist()
        spaces = flags[:, 2].nonzero()[0].tolist()
        barrier = _line_wraps(doc, lower, spaced, spaces) if spaces else None
        for start, end, pid in self.index.match(lower, lambda i, j: "".join(t.text for t in doc[i:j]), barrier=barrier,
                                                spaced=spaced):
            info = payloads[pid]
            yield _Candidate(start, end, info["label"], PRIORITY[info["source"]], pid, info["source"])
        if not doc.to_array("ENT_IOB").any():  # doc.ents walks every token in Python, even when there are none
            return
        for ent in doc.ents:  # a statistical NER that ran before the tagger
            if ent.label_ in LABELS:
                label = ent.label_
                if label in _MEASURABLE and len(ent) > 1 and ent[-1].lower_ in self._measures:
                    label = "LAB"  # "liver stiffness", "aortic valve area": a measurement, whatever the model said
                yield _Candidate(ent.start, ent.end, label, PRIORITY["model"], -1, "model")

    def _treatments(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]], candidates: list[_Candidate]) -> None:
        """A drug before a therapy head ("immunosuppressive therapy", "trastuzumab treatment") is a treatment
        procedure: PROCEDURE, coded with the drug (its own code, else the longest drug term inside)."""
        def drug(concept: Optional[dict[str, Any]]) -> bool:
            return concept is not None and names_drug(concept["system"], concept["code"])

        payloads = self.index.payloads
        for i, (span, data) in enumerate(chosen):
            if span.label_ not in ("DRUG", "PROCEDURE") or len(span) < 2 or span[-1].lower_ not in self._heads:
                continue
            concept = data.get("concept")
            if not drug(concept):
                inner = [c for c in candidates if c.payload >= 0 and span.start <= c.start and c.end < span.end
                         and drug(payloads[c.payload].get("concept"))]
                if inner:
                    concept = payloads[max(inner, key=lambda c: (c.end - c.start, -c.start)).payload]["concept"]
                elif span.label_ == "PROCEDURE":
                    continue  # "radiation therapy", "dialysis treatment": no drug in it
            chosen[i] = (Span(doc, span.start, span.end, label="PROCEDURE"), {**data, "concept": concept})

    def _split_results(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]], candidates: list[_Candidate]) -> None:
        """A result word at either end of a test ("elevated troponin", "positive drug screen", "HBsAg positive") is
        the test's value: tagged VALUE on its own token, as Chia annotates it, so the rule compares the patient's
        result instead of naming a test without one. The rest must hold a term of the same test ("low density
        lipoprotein cholesterol" names another test than "cholesterol": it stays whole)."""
        payloads = self.index.payloads

        def known_test(start: int, end: int, concept: Optional[dict[str, Any]]) -> bool:
            return any(c.payload >= 0 and start <= c.start and c.end <= end and payloads[c.payload]["label"] == "LAB"
                       and (concept is None or payloads[c.payload].get("concept") == concept) for c in candidates)

        for i, (span, data) in enumerate(chosen):
            if span.label_ != "LAB" or len(span) < 2:
                continue
            first, last, concept = span[0], span[-1], data.get("concept")
            if first.lower_ in self._results and span[1].text != "-" and known_test(span.start + 1, span.end, concept):
                word, rest = first, (span.start + 1, span.end)
            elif last.lower_ in self._results and known_test(span.start, span.end - 1, concept):
                word, rest = last, (span.start, span.end - (2 if len(span) > 2 and span[-2].text == "-" else 1))
            else:
                continue
            value = Value(text=word.text, **QUALITATIVE_OPERATORS[self._results[word.lower_]]).model_dump()
            chosen[i] = (Span(doc, *rest, label="LAB"), data)
            chosen.append((Span(doc, word.i, word.i + 1, label="VALUE"), {"source": "terms", "concept": None, "value": value}))

    def _split_status(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]]) -> None:
        """A status word opening a treatment term ("Prior treatment", "current medications", "concomitant
        therapy") places the treatment in time: tagged TEMPORAL on its own token, as Chia annotates it, so the
        linker gives its status to the treatments the term names ("prior treatment with A, B or C"). The rest
        keeps the term's code."""
        for i, (span, data) in enumerate(chosen):
            # "history and physical" is an examination, "pre-treatment" one word
            if span.label_ not in ("DRUG", "PROCEDURE") or len(span) < 2 or not span[1].is_alpha or span[1].is_stop:
                continue
            direction = self._status.get(span[0].lower_)
            if direction is None:
                continue
            word = span[0]
            chosen[i] = (Span(doc, span.start + 1, span.end, label=span.label_), data)
            window = Window(text=word.text, direction=direction).model_dump()
            chosen.append((Span(doc, word.i, word.i + 1, label="TEMPORAL"), {"source": "terms", "concept": None,
                                                                            "window": window}))

    def _take_kind_modifiers(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]], taken: bytearray) -> None:
        """Histology words right before a condition term ("squamous cell carcinoma of the lung") name a narrower
        kind: taken into the mention, whose code the coder then gives with the rule marked narrower."""
        if not self._kind_modifiers:
            return
        for i, (span, data) in enumerate(chosen):
            if span.label_ != "CONDITION":
                continue
            start = span.start
            while start > 0 and not taken[start - 1] and doc[start - 1].lower_ in self._kind_modifiers:
                start -= 1
            if start == span.start:
                continue
            taken[start:span.start] = b"\x01" * (span.start - start)
            chosen[i] = (Span(doc, start, span.end, label="CONDITION"), {**data, "concept": None})

    def _drop_examined(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]]) -> None:
        """A condition's adjective naming what an examination or test looks at ("the neurologic examination is
        normal", "six neurologic tests", "psychiatric evaluation") is no condition of the patient."""
        keep = []
        for span, data in chosen:
            nxt = doc[span.end] if span.end < len(doc) else None
            if (span.label_ == "CONDITION" and len(span) == 1 and _is_adjective(span[0].lower_) and nxt is not None
                    and nxt.lower_ in _EXAMINATIONS):
                continue
            keep.append((span, data))
        chosen[:] = keep

    def _merge_modifiers(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]]) -> None:
        """A condition's adjective right before another condition modifies it ("hemorrhagic cystitis",
        "anemic heart failure", "obese asthma"): one mention, left for the coder, which codes its head and marks
        the rule narrower; two would exclude every bleeding, anaemia or obesity."""
        by_start = {span.start: i for i, (span, _) in enumerate(chosen)}
        drop: set[int] = set()
        for i, (span, data) in enumerate(chosen):
            if span.label_ != "CONDITION" or len(span) != 1 or not _is_adjective(span[0].lower_):
                continue
            j = by_start.get(span.end)
            if j is None or j in drop or chosen[j][0].label_ != "CONDITION" or span[0].whitespace_ != " ":
                continue
            head, head_data = chosen[j]
            merged = {key: value for key, value in head_data.items() if key not in ("concept", "source")}
            chosen[j] = (Span(doc, span.start, head.end, label="CONDITION"), {"source": "merged", "concept": None, **merged})
            drop.add(i)
        if drop:
            chosen[:] = [pair for i, pair in enumerate(chosen) if i not in drop]

    def _place(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]], taken: bytearray, start_char: int,
               end_char: int, label: str, data: dict[str, Any]) -> None:
        span = doc.char_span(start_char, end_char, label=label, alignment_mode="expand")
        if span is None or len(span) == 0 or any(taken[span.start:span.end]):
            return
        taken[span.start:span.end] = b"\x01" * len(span)
        chosen.append((span, {"source": "values", **data}))

    def _extend_condition(self, doc: Doc, span: Span, taken: bytearray, sent_start: int) -> Span:
        """Take in a class/stage/grade written before a condition ("Class 3 or 4 resistant lupus nephritis")."""
        if span.start == sent_start:
            return span
        left = doc[max(sent_start, span.start - 8): span.start]
        m = _CLASS_PREFIX.search(left.text)
        if not m:
            return span
        start_char = left.start_char + m.start()
        extended = doc.char_span(start_char, span.end_char, label=span.label_, alignment_mode="expand")
        if extended is None or any(taken[extended.start:span.start]):
            return span
        return extended

    def _coordinated(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]], taken: bytearray,
                     inside: bytearray) -> list[tuple[Span, dict[str, Any]]]:
        """"hepatitis B/C": the "C" after a tagged "hepatitis B" is hepatitis C."""
        extra = []
        for span, _ in chosen:
            if span.label_ in ("VALUE", "TEMPORAL") or len(span) < 2 or span.end + 1 >= len(doc):
                continue
            sep, other = doc[span.end], doc[span.end + 1]
            if sep.text not in _COORDINATORS or taken[other.i] or not inside[other.i]:
                continue
            if len(other.text) > 3 or not other.text.isalnum():
                continue
            phrase = f"{doc[span.start:span.end - 1].text} {other.text}"
            entry = self._lexicon.lookup(phrase, span.label_) if self._lexicon is not None else None
            if entry is None:
                continue
            taken[other.i] = 1
            concept = entry.concept.model_dump() if entry.concept is not None else None
            extra.append((Span(doc, other.i, other.i + 1, label=span.label_), {"source": "lexicon", "concept": concept}))
        return extra

    def _elided(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]], taken: bytearray,
                inside: bytearray) -> list[tuple[Span, dict[str, Any]]]:
        """"liver and kidney disease", "heart, liver or kidney failure": a word listed before a tagged term whose head
        (``coordination_heads`` of the terms resource: "disease", "failure", "insufficiency", ...) it shares is an
        entity of its own, coded with the lexicon term it makes with the rest of the tagged one ("acute or chronic
        renal failure": acute renal failure), else with its head ("liver disease"). The words are walked leftwards
        over commas and conjunctions while each makes a term of the tagged one's label; the first step holds a
        conjunction ("cardiac, congestive heart failure" is a list, not "cardiac failure"), and a word that repeats
        the tagged one's ("bleeding or bleeding disorders"), or one whose term is coded as the head alone
        ("acute or progressive disease": acute disease is any disease), ends the walk. A word already tagged alone ("cardiac" in
        "cardiac or renal failure") takes that term's code; one that names the tagged one's concept again ("moderate or
        severe renal impairment") adds nothing. Each conjunct keeps its own token as its span: Chia
        annotates the elided "liver ... disease" as a discontinuous entity."""
        if not self._shared_heads or self._lexicon is None:
            return []
        alone = {span.start: i for i, (span, _) in enumerate(chosen) if len(span) == 1}
        extra: list[tuple[Span, dict[str, Any]]] = []
        for span, data in list(chosen):
            if span.label_ in ("VALUE", "TEMPORAL") or len(span) < 2 or span[-1].lower_ not in self._shared_heads:
                continue
            own = data.get("concept")
            forms = [doc[span.start + 1:span.end].text] + ([span[-1].text] if len(span) > 2 else [])
            bare = self._lexicon.lookup(span[-1].text, span.label_)  # "disease" alone: any disease
            i = span.start - 1
            while True:
                joiners: list[str] = []
                while i >= 0 and inside[i] and doc[i].lower_ in _COORDINATORS and len(joiners) < 3:  # ", and", "and/or"
                    joiners.append(doc[i].lower_)
                    i -= 1
                if not joiners or (i == span.start - 1 - len(joiners) and not set(joiners) & _CONJUNCTIONS):
                    break
                if i < 0 or not inside[i] or not doc[i].is_alpha or doc[i].lower_ == span[-2].lower_:
                    break
                k = alone.get(i) if taken[i] else None
                if taken[i] and (k is None or chosen[k][0].label_ != span.label_):
                    break
                entry = next((e for e in (self._lexicon.lookup(f"{doc[i].text} {form}", span.label_) for form in forms)
                              if e is not None), None)
                if entry is None or entry is bare:  # "acute, chronic or progressive disease": a qualifier, not a member
                    break
                concept = entry.concept.model_dump()
                if k is not None:
                    chosen[k] = (chosen[k][0], {**chosen[k][1], "concept": concept})
                elif concept != own:  # "moderate or severe renal impairment" names one concept: nothing to add
                    taken[i] = 1
                    extra.append((Span(doc, i, i + 1, label=span.label_), {"source": "lexicon", "concept": concept}))
                i -= 1
        return extra

    def _short_forms(self, doc: Doc, chosen: list[tuple[Span, dict[str, Any]]], taken: bytearray,
                     inside: bytearray) -> list[tuple[Span, dict[str, Any]]]:
        """Tag an abbreviation wherever its long form was tagged ("LVEF" after "left ventricular ejection fraction (LVEF)").

        The long form may lie inside a tagged term ("type 1 [diabetes mellitus] (DM)": DM is type 1 diabetes here). For
        a short form the lexicon lists as ambiguous, the document's own definition wins over the lexicon's reading:
        after "Dermatomyositis (DM)", "DM" is dermatomyositis wherever it stands, though a bare "DM" is diabetes
        mellitus. Other short forms keep the lexicon's code, which knows them better than a tagged long form does, and
        an untagged one is tagged only where its long form is a tagged term of its own."""
        pairs = doc._.abbreviations if Doc.has_extension("abbreviations") else None
        if not pairs:
            return []
        by_offsets = {(s.start_char, s.end_char): (s, d) for s, d in chosen}
        at = {(s.start, s.end): k for k, (s, _) in enumerate(chosen)}
        extra = []
        for pair in pairs:
            if not isinstance(pair, dict):
                continue
            long_span = doc[pair["long_start"]:pair["long_end"]]
            found = by_offsets.get((long_span.start_char, long_span.end_char))
            start, end = pair["short_start"], pair["short_end"]
            k = at.get((start, end))
            if k is not None and doc[start:end].text.lower() in self._ambiguous:
                # the document's definition: the smallest tagged term of the short form's label holding the long
                # form (the long form itself where it is tagged)
                holding = [(s, d) for s, d in chosen if s.start_char <= long_span.start_char
                           and long_span.end_char <= s.end_char and s.label_ == chosen[k][0].label_]
                defined = min(holding, key=lambda sd: len(sd[0])) if holding else None
                if defined is not None and defined[1].get("concept") is not None:
                    chosen[k] = (chosen[k][0], {**chosen[k][1], "concept": defined[1].get("concept")})
                continue
            if found is None or found[0].label_ in ("VALUE", "TEMPORAL"):
                continue
            if any(taken[start:end]) or not all(inside[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            extra.append((Span(doc, start, end, label=found[0].label_), {"source": "abbreviation", "concept": found[1].get("concept")}))
        return extra

    # ------------------------------------------------------------------ serialisation

    def to_disk(self, path: "str | Path", *, exclude: Iterable[str] = ()) -> None:
        """Write the word lists, gazetteer and vocabularies this tagger was built from."""
        out = ensure_path(path)
        out.mkdir(parents=True, exist_ok=True)
        if self.terms is None:
            self.initialize()
        assert self.terms is not None
        (out / TERMS_RESOURCE).write_text(self.terms.model_dump_json(indent=1), encoding="utf-8")
        (out / GAZETTEER_RESOURCE).write_text("".join(g.model_dump_json() + "\n" for g in self.gazetteer), encoding="utf-8")
        for vocabulary in self.vocabularies:
            (out / f"{vocabulary.name}.json").write_text(vocabulary.model_dump_json(), encoding="utf-8")
        self._lexicon.to_disk(out / "lexicon")

    def from_disk(self, path: "str | Path", *, exclude: Iterable[str] = ()) -> "CriteriaTagger":
        """Read what ``to_disk`` wrote and rebuild the matchers."""
        from .lexicon import Lexicon

        src = ensure_path(path)
        self.terms = load_terms(src / TERMS_RESOURCE)
        self.gazetteer = load_gazetteer(src / GAZETTEER_RESOURCE) if self.use_gazetteer else []
        self.vocabularies = self._load_vocabularies(src)
        self._lexicon = Lexicon.from_disk(src / "lexicon")
        self._build()
        return self


@Language.factory(
    "criteria_tagger",
    assigns=["doc.ents", "doc._.entity_data"],
    requires=["doc.spans"],
    default_config={"use_gazetteer": True, "use_drug_vocabulary": True, "use_icd10": True,
                    "model_first": list(DEFAULT_MODEL_FIRST)},
)
def make_criteria_tagger(nlp: Language, name: str, use_gazetteer: bool, use_drug_vocabulary: bool,
                         use_icd10: bool, model_first: list[str]) -> CriteriaTagger:
    """Factory for ``nlp.add_pipe("criteria_tagger")``."""
    return CriteriaTagger(nlp, name, use_gazetteer=use_gazetteer, use_drug_vocabulary=use_drug_vocabulary,
                          use_icd10=use_icd10, model_first=model_first)
