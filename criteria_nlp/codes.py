"""Coding: the concept that makes an entity comparable across trials.

:func:`code_concept` is the one coding function every stage uses. It looks a
mention up in the packaged :class:`~criteria_nlp.lexicon.Lexicon` first, then in
offline vocabularies that ship with installed packages:

* CONDITION: ICD-10-CM descriptions, inclusion terms and index terms of
  ``simple_icd_10_cm`` (normalised exact match, index built lazily once);
* DRUG: drug names and synonyms of ``drug-named-entity-recognition``.

It returns None when nothing fits: never a guess made only to fill the field.

:func:`drug_terms` and :func:`icd10_terms` give the surface forms of those two
packages that are safe to match verbatim in free text, for the tagger's
``PhraseMatcher``.
"""

from __future__ import annotations

import bz2
import functools
import pickle
import re
import warnings
from collections.abc import Iterator
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from spacy.lang.en.stop_words import STOP_WORDS

from .lexicon import LABELS, Lexicon, LexiconEntry, _raw_tokens, normalize
from .resource_files import load_validated
from .schema import Concept

__all__ = ["LABEL_ALIASES", "atc_substances", "code_concept", "drug_atc", "drug_terms", "with_atc", "icd10_terms", "icd10_index", "drug_index"]

#: other names of the lexicon labels (Chia entity types, lower case)
LABEL_ALIASES: dict[str, str] = {
    "MEASUREMENT": "LAB",
    "LABORATORY": "LAB",
    "TEST": "LAB",
    "MEDICATION": "DRUG",
    "CHEMICAL": "DRUG",
    "DISEASE": "CONDITION",
    "PROBLEM": "CONDITION",
}

#: labels whose lexicon terms are also tried, in order, when a label's own terms fail
#: (criteria and annotators disagree on these borders: a score is a measurement,
#: "childbearing potential" is a condition to some and an observation to others)
_FALLBACK_LABELS: dict[str, tuple[str, ...]] = {
    "LAB": ("SCORE",),
    "SCORE": ("LAB",),
    "CONDITION": ("OBSERVATION",),
    "OBSERVATION": ("CONDITION",),
    "PROCEDURE": ("DEVICE",),
    "DEVICE": ("PROCEDURE",),
}

# --------------------------------------------------------------------------- ICD-10-CM

_PAREN_RE = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
_UNSPEC_RE = re.compile(
    r"(?:,\s*|\s+)(?:unspecified|not otherwise specified|nos|not elsewhere classified|nec)\s*$", re.IGNORECASE
)
_NOISE_RE = re.compile(
    r"\b(?:and|or|with|without|due to|in diseases|classified elsewhere|other specified|other|specified|"
    r"unspecified|encounter|sequela|subsequent|initial|not elsewhere|NEC|NOS|code|category)\b",
    re.IGNORECASE,
)


def _icd() -> Any:
    with warnings.catch_warnings():
        # simple_icd_10_cm reads its data with the deprecated importlib.resources.read_text
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


@functools.lru_cache(maxsize=8192)
def icd_terms(code: str) -> tuple[str, ...]:
    """An ICD-10-CM code's description and inclusion terms ("B18.1": "Chronic viral hepatitis B without
    delta-agent", "Carrier of viral hepatitis B", ...); empty for a range or an unknown code."""
    icd = _icd()
    try:
        if not icd.is_valid_item(code):
            return ()
        return (str(icd.get_description(code)), *map(str, icd.get_inclusion_term(code)), *map(str, icd.get_includes(code)))
    except Exception:  # simple_icd_10_cm raises ValueError for what it does not know
        return ()


def _icd_forms(text: str) -> list[str]:
    """The full text of a description or inclusion term, then its short forms.

    Short forms drop bracketed non-essential modifiers ("hypertension (arterial)
    (benign)" -> "hypertension") and a trailing "unspecified" or "NOS".
    """
    forms = [text]
    bare = _PAREN_RE.sub("", text).strip(" ,") if ("(" in text or "[" in text) else text
    forms.append(bare)
    low = text.lower()
    if "unspecified" in low or "nos" in low or "elsewhere" in low or "nec" in low or "not otherwise" in low:
        for form in (text, bare):
            forms.append(_UNSPEC_RE.sub("", form).strip(" ,"))
    return [f for f in dict.fromkeys(forms) if f]


@functools.lru_cache(maxsize=1)
def icd10_index() -> dict[str, str]:
    """Normalised ICD-10-CM description, inclusion or index term -> its ICD-10-CM code.

    Built once from ``simple_icd_10_cm`` (categories and subcategories; chapters,
    blocks and 7th-character extensions are skipped). A key that names several codes keeps the code
    whose own description it is, then the shortest code (the category over its
    children); a key shared by unrelated codes of equal rank is dropped.
    """
    icd = _icd()
    # key -> (rank, code): rank 0 description, 1 short description, 2 inclusion/index term
    best: dict[str, tuple[int, str]] = {}
    clashes: set[str] = set()
    for code in icd.get_all_codes(True):
        # chapters and blocks are ranges; 7th-character extensions only add the encounter ("initial encounter")
        if icd.is_chapter_or_block(code) or icd.is_extended_subcategory(code):
            continue
        desc = icd.get_description(code)
        terms: list[tuple[int, str]] = [(0 if i == 0 else 1, f) for i, f in enumerate(_icd_forms(desc))]
        for inc in [*icd.get_inclusion_term(code), *icd.get_includes(code)]:
            terms.extend((2, f) for f in _icd_forms(inc))
        for rank, form in terms:
            key = normalize(form)
            if len(key) < 3:
                continue
            old = best.get(key)
            if old is None:
                best[key] = (rank, code)
                clashes.discard(key)
            elif (rank, len(code)) < (old[0], len(old[1])):
                related = code.startswith(old[1]) or old[1].startswith(code)
                best[key] = (rank, code)
                if not related and rank == old[0]:
                    clashes.add(key)
            elif (rank, len(code)) == (old[0], len(old[1])) and code != old[1]:
                clashes.add(key)
    return {key: code for key, (_, code) in best.items() if key not in clashes}


def _icd_concept(code: str) -> Concept:
    return Concept(system="ICD-10-CM", code=code, name=_icd().get_description(code))


def icd10_terms(min_words: int = 1, max_words: int = 6) -> Iterator[tuple[str, Concept]]:
    """ICD-10-CM descriptions short enough to occur verbatim in criteria, as CONDITION terms.

    Yields (lower-case description, concept) for categories and billable codes
    whose description, with bracketed modifiers and a trailing "unspecified"
    removed, has ``min_words`` to ``max_words`` words and none of the
    classification's connective noise ("and", "or", "with", "due to", "other",
    "specified", "encounter", ...). Each text once, with the shortest code.
    """
    icd = _icd()
    seen: set[str] = set()
    for code in icd.get_all_codes(True):
        if icd.is_chapter_or_block(code) or icd.is_extended_subcategory(code):
            continue
        desc = icd.get_description(code)
        text = _UNSPEC_RE.sub("", _PAREN_RE.sub("", desc)).strip(" ,").lower()
        if not text or _NOISE_RE.search(text) or any(ch in text for ch in ",;:[]/"):
            continue
        words = text.split()
        if not (min_words <= len(words) <= max_words) or any(ch.isdigit() for ch in text):
            continue
        if text in seen:
            continue
        seen.add(text)
        yield text, Concept(system="ICD-10-CM", code=code, name=desc)


# --------------------------------------------------------------------------- drugs

#: words of the drug package that are ordinary English or criteria words, not drug names in free text
_DRUG_STOPLIST: frozenset[str] = frozenset(
    """
    today sone air oxygen iron contrast vitamin vitamins water alcohol ethanol salt sugar fat fats food
    milk milk protein rice bran honey coffee tea wine beer juice fiber fibre oil oils soap gold silver lead
    copper zinc sulfur sulphur tin nickel mercury carbon nitrogen hydrogen helium chlorine iodine fluoride
    sodium potassium calcium magnesium phosphorus phosphate chloride bicarbonate sulfate sulfates nitrate
    nitrates glucose dextrose fructose lactose sucrose starch protein proteins amino acids peptide peptides
    hormone hormones enzyme enzymes antibody antibodies antigen antigens receptor receptors cell cells
    blood plasma serum urine saline solution solutions tablet tablets capsule capsules injection injections
    cream creams gel gels ointment spray patch patches drops syrup powder pill pills dose doses drug drugs
    medicine medicines medication medications agent agents therapy treatment product products placebo
    control standard active normal regular plus max ultra extra forte retard once daily night day
    clear care cure ease relief rest sleep calm focus balance boost energy life vital well pure fresh
    natural nature herbal plant plants seed seeds leaf root bark flower fruit
    excipient excipients reagent reagents indicator indicators vehicle buffer
    alpha beta gamma delta kappa omega
    act aid aids all can cast duo easy fit go key lean may mega mini pro prime sure zero one
    adult children child infant baby women men
    the and for but not nor yet with without within from into onto upon about above below after before
    during since until while where when which whose whom who what why how than then there their them they
    this that these those such same other another any some each every either neither both few many much
    more most less least own very just only also too again ever never always often once here all none
    are was were been being have has had having does did doing done will would shall should could might
    must can cannot ought per via yes new old high low long short big small good bad best better
    """.split()
)


@functools.lru_cache(maxsize=1)
def _drug_data() -> dict[str, Any]:
    path = resources.files("drug_named_entity_recognition").joinpath("drug_ner_dictionary.pkl.bz2")
    with path.open("rb") as raw, bz2.open(raw) as f:
        data: dict[str, Any] = pickle.load(f)  # the package's own shipped dictionary
    return data


def _is_drug_entry(data: dict[str, Any]) -> bool:
    """True for a real drug or drug class, False for the proteins, enzymes and antigens the package also lists."""
    if data.get("drugbank_id") or data.get("medline_plus_id"):
        return True
    trees = data.get("mesh_tree") or []
    # D27 pharmacological actions, D26 pharmaceutical preparations, D20.215 vaccines, D06 hormones
    return any(t.startswith(("D27", "D26", "D20.215", "D06")) for t in trees)


def _drug_concept(canonical: str, data: dict[str, Any]) -> Concept:
    """The package's identifier for a drug: DrugBank, then MedlinePlus, then the package's own name.

    The package's ``mesh_id`` is not used as the drug's code: it holds one of the
    drug's MeSH pharmacological actions (hydroxychloroquine, azathioprine and
    etanercept all carry D018501, "Antirheumatic Agents"), so it would make
    different drugs compare equal.
    """
    name = str(data.get("name") or canonical)
    if data.get("drugbank_id"):
        return Concept(system="DrugBank", code=str(data["drugbank_id"]), name=name)
    if data.get("medline_plus_id"):
        return Concept(system="MedlinePlus", code=str(data["medline_plus_id"]), name=name)
    return Concept(system="drug-named-entity-recognition", code=canonical, name=name)


class _AtcSubstance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2)
    #: ATC level-5 codes ("A10BA02"), main code first
    atc: list[Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$")]] = Field(min_length=1)


class _AtcSubstances(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    description: str
    sources: list[str]
    entries: list[_AtcSubstance]


@functools.lru_cache(maxsize=1)
def atc_substances() -> dict[str, tuple[str, ...]]:
    """Normalised substance name -> its ATC level-5 codes, main code first (``resources/atc_substances.json``).

    The drug package codes a substance with DrugBank or MedlinePlus only; this table gives the ATC code
    that makes "simvastatin" fall under a statin rule (C10AA) and compare with other coders' output.
    """
    table = load_validated(_AtcSubstances, "atc_substances.json")
    out: dict[str, tuple[str, ...]] = {}
    for entry in table.entries:
        key = normalize(entry.name)
        out[key] = tuple(dict.fromkeys([*out.get(key, ()), *entry.atc]))
    return out


def drug_atc(concept: Concept) -> tuple[str, ...]:
    """The ATC level-5 codes of a drug concept (DrugBank, MedlinePlus, the drug package, a lexicon drug), by
    its name; empty for a class, an ATC concept or a substance the table does not list."""
    if concept.system == "ATC" or not concept.is_drug or not concept.name:
        return ()
    table = atc_substances()
    # MedlinePlus names may say what the product is for: "Alemtuzumab (Chronic Lymphocytic Leukemia)"
    found = table.get(normalize(concept.name)) or table.get(normalize(_PAREN_RE.sub("", concept.name)))
    if found is None and concept.system == "drug-named-entity-recognition":
        found = table.get(normalize(concept.code))
    return found or ()


def with_atc(concept: Concept) -> Concept:
    """A single-substance drug concept recoded with its main ATC code (the substance's name kept); others as
    they are."""
    codes = drug_atc(concept)
    if not codes:
        return concept
    return Concept(system="ATC", code=codes[0], name=concept.name)


def _usable_variant(variant: str) -> bool:
    if len(variant) < 3 or not any(ch.isalpha() for ch in variant):
        return False
    low = variant.lower()
    # the tagger's keys drop hyphens: "sam-e" (S-adenosylmethionine) would match the word "same"
    bare = low.replace("-", "")
    return low not in _DRUG_STOPLIST and bare not in _DRUG_STOPLIST and bare not in STOP_WORDS and normalize(low) != ""


@functools.lru_cache(maxsize=1)
def drug_index() -> dict[str, Concept]:
    """Normalised drug name or synonym of ``drug-named-entity-recognition`` -> its concept.

    Only real drugs and drug classes (see :func:`_is_drug_entry`), without
    common words and forms under 3 characters. Used to code DRUG mentions, where
    the label is already known; :func:`drug_terms` is the stricter list for
    matching in free text.
    """
    data = _drug_data()
    canon_data: dict[str, dict[str, Any]] = data["drug_canonical_to_data"]
    index: dict[str, Concept] = {}
    clashes: set[str] = set()
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        if len(canonicals) != 1 or not _usable_variant(variant):
            continue
        canonical = canonicals[0]
        info = canon_data.get(canonical)
        if info is None or not _is_drug_entry(info):
            continue
        key = normalize(variant)
        concept = _drug_concept(canonical, info)
        if key in index and index[key] != concept:
            clashes.add(key)
        index.setdefault(key, concept)
    for key in clashes:
        del index[key]
    return index


def drug_terms() -> Iterator[tuple[str, Concept]]:
    """(surface form, concept) for every drug-package name safe to match in free text as DRUG.

    Drops, beyond :func:`drug_index`'s filter, every form that is a term of a
    non-DRUG lexicon entry (a lab such as "iron", "ferritin" or "SGPT", a
    condition, a procedure).
    Forms are as the package writes them (lower case).
    """
    lex = Lexicon.load()
    other = {normalize(term) for label in LABELS if label != "DRUG" for term, _ in lex.terms(label)}
    index = drug_index()
    data = _drug_data()
    for variant in data["drug_variant_to_canonical"]:
        key = normalize(variant)
        concept = index.get(key)
        if concept is None or key in other:
            continue
        yield variant, concept


# --------------------------------------------------------------------------- coding


def _entry_concept(entry: LexiconEntry) -> Concept:
    return entry.concept.model_copy()


def _find(lex: Lexicon, text: str, label: str) -> LexiconEntry | None:
    hit = lex.find(text, label)
    return hit[0] if hit is not None else None


def _find_in_index(text: str, index: dict[str, Concept], max_tokens: int = 8) -> Concept | None:
    """The longest (in tokens, then characters) n-gram of ``text`` that is a key of ``index``.

    A single short token (3 characters or less) counts only when written in
    capitals or with a digit, so that "ms" or "cf." inside a sentence is not
    read as a name.
    """
    raw = _raw_tokens(text)
    toks = [t for _, t in raw]
    for n in range(min(len(toks), max_tokens), 0, -1):
        best: tuple[int, Concept] | None = None
        for i in range(len(toks) - n + 1):
            key = "".join(toks[i : i + n])
            if len(key) < 3 and n == 1:
                continue
            if n == 1 and len(key) <= 3 and not (raw[i][0].isupper() or any(c.isdigit() for c in raw[i][0])):
                continue
            concept = index.get(key)
            if concept is not None and (best is None or len(key) > best[0]):
                best = (len(key), concept)
        if best is not None:
            return best[1]
    return None


def code_concept(label: str, text: str) -> Concept | None:
    """The concept of a mention (:func:`_code_concept`); a single-substance drug is coded with its ATC code
    where ``atc_substances.json`` lists it ("Plavix": B01AC04 clopidogrel, not DrugBank DB00758)."""
    concept = _code_concept(label, text)
    return with_atc(concept) if concept is not None and concept.is_drug else concept


def _code_concept(label: str, text: str) -> Concept | None:
    """The concept of a mention of type ``label`` (CONDITION, DRUG, LAB, SCORE, ...) with this text.

    Order: the lexicon's exact term of that label (then of its fallback labels:
    LAB and SCORE, CONDITION and OBSERVATION, PROCEDURE and DEVICE); for
    CONDITION an exact ICD-10-CM description, inclusion or index term, for DRUG
    an exact drug-package name; the longest lexicon term of that label (then
    of its fallbacks) contained in the text ("Class 3 or 4 resistant lupus
    nephritis" -> M32.14); for DRUG the longest drug-package name contained in
    the text. None when nothing fits.

    A whole-mention match in ICD-10-CM or the drug package goes before the
    lexicon's partial matches because it is more specific: "allergic
    bronchopulmonary aspergillosis" is B44.81, not an allergy; "insulin
    glargine" is that insulin, not the class of insulins.
    """
    if not text or not text.strip():
        return None
    lab = label.strip().upper()
    lab = LABEL_ALIASES.get(lab, lab)
    if lab not in LABELS:
        return None
    lex = Lexicon.load()
    labels = (lab, *_FALLBACK_LABELS.get(lab, ()))
    for one in labels:
        entry = lex.lookup(text, one)
        if entry is not None:
            return _entry_concept(entry)
    key = normalize(text)
    if lab == "CONDITION":
        code = icd10_index().get(key)
        if code is not None:
            return _icd_concept(code)
    elif lab == "DRUG":
        concept = drug_index().get(key)
        if concept is not None:
            return concept.model_copy()
    for one in labels:
        entry = _find(lex, text, one)
        if entry is not None:
            return _entry_concept(entry)
    if lab == "DRUG":
        concept = _find_in_index(text, drug_index())
        if concept is not None:
            return concept.model_copy()
    return None
