"""Criterion structure: what a sentence says beyond its mentions, read before rules are built.

Pure functions over one criterion's text and entities (character offsets into
the trial's eligibility text), driven by the cues of
``resources/rule_structure.json`` (validated on load):

* :func:`statement_kind` - the polarity a sentence states whatever list it
  stands in: "Patients who are pregnant or nursing will not be eligible" in an
  inclusion list is an exclusion; "Patients must have adequate renal function"
  (or "must not have received ...") in an exclusion list is a requirement; "Patients
  with treated brain metastases are eligible" is a permission, no requirement at all.
* :func:`find_population` - who a criterion's rules bind, when it names a
  narrower group than the trial's: "Women of childbearing potential must have a
  negative pregnancy test", "Adequate contraception required of fertile
  patients", "Mammogram required for women aged 40 and over", "If age is 40 to
  45 years, normal stress test", "Patients with liver metastases: AST < 5 x
  ULN", "Subjects ... participating in the symptom questionnaire will be at
  least 18 years of age". The mentions that describe
  the population give no rules of their own; the others get ``applies_to``.
* :func:`conditional_clauses` - a conditional clause inside a criterion ("< 5 x
  ULN if liver metastases are present", "(in patients with liver
  involvement)") and the condition it names, for the value it follows.
* :func:`alternative_lead` - a lead-in asking for any one of its items ("one of
  the following:").
* :func:`capacity_clause` - where a clause about the consequence of a condition
  begins ("making informed consent impossible", "that would interfere with
  compliance"): the mentions after it are not criteria, those before it are
  narrowed by the judgement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .resource_files import load_validated
from .schema import Concept, Entity, Population

RESOURCE = "rule_structure.json"

StatementKind = Literal["inclusion", "exclusion", "permission"]


class _PopulationCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    female: list[str]
    male: list[str]
    reproductive: list[str]
    subjects: list[str]
    unresolved: list[str]


class StructureCues(BaseModel):
    """The resource ``rule_structure.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str = ""
    population: _PopulationCues
    modals: list[str] = Field(min_length=1)
    relative: list[str]
    required_of: list[str]
    conditionals: list[str]
    exclusion_statements: list[str]
    not_exclusion: list[str]
    permissions: list[str]
    requirement_statements: list[str]
    alternative_leads: list[str]
    all_leads: list[str]
    capacity: list[str]
    allergy_cues: list[str]
    generic_treatment: list[str]
    generic_treatment_links: list[str]
    indication_links: list[str] = Field(min_length=1)
    negation_openers: list[str] = Field(min_length=1)
    negation_exceptions: list[str] = Field(min_length=1)
    means_words: list[str] = Field(min_length=1)
    negative_result_openers: list[str] = Field(min_length=1)
    indication_heads: list[str] = Field(min_length=1)


def _alt(phrases: Sequence[str]) -> str:
    """A regex alternation of phrases on word boundaries, longest first, spaces and hyphens interchangeable."""
    parts = sorted({p.lower().strip() for p in phrases}, key=lambda p: (-len(p), p))
    body = "|".join(r"[\s\-]+".join(re.escape(w) for w in re.split(r"[\s\-]+", p)) for p in parts)
    return rf"(?<![\w-])(?:{body})(?![\w-])"


_WORDS = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    return frozenset(_WORDS.findall(text.lower()))


class Cue:
    """A compiled alternation of cue phrases that skips the regex when none of its phrases' first words is in the
    text (most criteria hold no cue of most kinds: the word-set test is far cheaper than the search)."""

    def __init__(self, phrases: Sequence[str], prefix: str = "", suffix: str = "", *, anchored: bool = False) -> None:
        self.first = frozenset(w for p in phrases for w in _WORDS.findall(p.lower())[:1])
        body = _alt(phrases)
        self.pattern = re.compile(("^\\s*" if anchored else "") + prefix + body + suffix, re.IGNORECASE)

    def _absent(self, text: str) -> bool:
        return self.first.isdisjoint(_words(text))

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """``re.search`` of the alternation, or None at once when no cue word is in ``text``."""
        return None if self._absent(text) else self.pattern.search(text, pos)

    def match(self, text: str) -> re.Match[str] | None:
        """``re.match`` of the alternation."""
        return None if self._absent(text) else self.pattern.match(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """``re.finditer`` of the alternation."""
        return iter(()) if self._absent(text) else self.pattern.finditer(text)


@dataclass(frozen=True)
class _Patterns:
    cues: StructureCues
    female: Cue
    male: Cue
    reproductive: Cue
    subjects: Cue
    unresolved: Cue
    modal: Cue
    relative: Cue
    conditional: Cue
    required_of: Cue
    exclusion: Cue
    not_exclusion: Cue
    permission: Cue
    requirement: Cue
    alternative_lead: Cue
    all_lead: Cue
    capacity: Cue
    allergy: Cue
    treatment_link: Cue
    indication_link: Cue
    negation_opener: Cue
    negation_exception: Cue
    means: Cue
    negative_result: Cue


def load_cues(path: str | None = None) -> StructureCues:
    """Load and validate the cues (``path``, or the packaged resource)."""
    return load_validated(StructureCues, RESOURCE, path)


#: a bullet or item number before an item's first word ("- No ...", "3. No ...")
_BULLET = r"(?:[-*•·\d.)]+\s*)?"


@functools.lru_cache(maxsize=1)
def patterns() -> _Patterns:
    """The packaged cues, compiled once."""
    c = load_cues()
    p = c.population
    return _Patterns(
        cues=c,
        female=Cue(p.female), male=Cue(p.male), reproductive=Cue(p.reproductive), subjects=Cue(p.subjects),
        unresolved=Cue(p.unresolved), modal=Cue(c.modals), relative=Cue(c.relative),
        conditional=Cue(c.conditionals), required_of=Cue(c.required_of, suffix=r"\s+(?:all\s+|any\s+|the\s+)?"), exclusion=Cue(c.exclusion_statements),
        not_exclusion=Cue(c.not_exclusion), permission=Cue(c.permissions), requirement=Cue(c.requirement_statements),
        alternative_lead=Cue(c.alternative_leads), all_lead=Cue(c.all_leads), capacity=Cue(c.capacity),
        allergy=Cue(c.allergy_cues, suffix=r"\s*:?"), treatment_link=Cue(c.generic_treatment_links, anchored=True),
        indication_link=Cue(c.indication_links, anchored=True, suffix=r"\s*$"),
        negation_opener=Cue(c.negation_openers, prefix=_BULLET, anchored=True),
        negation_exception=Cue(c.negation_exceptions),
        means=Cue(c.means_words, suffix=r"\s*$"),
        negative_result=Cue(c.negative_result_openers, prefix=_BULLET, anchored=True),
    )


# --------------------------------------------------------------------------- polarity


#: what may follow "will not be eligible" when it speaks of the study ("... for this study", "."), not of
#: something else ("not eligible for surgery": then the words describe the patient)
_ABOUT_THE_STUDY = re.compile(
    r"\s*(?:$|[.;:(\[]|(?:for|to|in|into)\s+(?:this|the|our)?\s*(?:study|trial|protocol|enrol+ment|participation|"
    r"inclusion|randomi[sz]ation|participate|enrol+|be\s+enrol+ed|be\s+included|the\s+study)\b|"
    r"(?:from|and)\b)")
_RELATIVE_BEFORE = re.compile(r"(?i)\b(?:who|that|which|whose|if|when|unless)\b[^.;:]{0,40}$")


def main_statement(text: str) -> str:
    """A criterion's main statement: its first sentence, brackets left out (where carve-outs stand: "(topical
    treatment is allowed)"), blanked so that offsets stay those of ``text``."""
    head = text[:_first_sentence_end(text)]
    out = list(head)
    depth = 0
    for i, ch in enumerate(head):
        if ch in "([":
            depth += 1
        if depth:
            out[i] = " "
        if ch in ")]" and depth:
            depth -= 1
    return "".join(out)


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])\.\s+(?=[A-Z(])|;\s")


def _first_sentence_end(text: str) -> int:
    """Where a criterion's first sentence ends (its length when it has one sentence)."""
    first = _SENTENCE_END.search(text)
    return first.start() if first is not None else len(text)


def statement_kind(text: str, kind: str) -> StatementKind | None:
    """The kind a criterion's main statement (:func:`main_statement`) states, when it differs from its list's.

    * an inclusion item that says its patients are excluded ("... will not be eligible", "... are
      excluded", "... not allowed") is an exclusion;
    * an exclusion item that states a requirement in its main clause ("Patients must have ...",
      "must not have received ...", "... required") is an inclusion;
    * an item that only permits ("Patients with treated brain metastases are eligible", "Prior
      chemotherapy allowed") is a permission: no requirement in either list. A permission after the main
      statement, or in brackets, is a carve-out of it (:func:`permission_spans`).
    """
    pat = patterns()
    words = _words(text)
    if all(cue.first.isdisjoint(words) for cue in (pat.not_exclusion, pat.exclusion, pat.permission, pat.requirement)):
        return None
    lowered = main_statement(text).lower()
    if pat.not_exclusion.search(lowered):
        return "permission"
    if kind == "inclusion":
        hit = pat.exclusion.search(lowered)
        if hit is not None and _ABOUT_THE_STUDY.match(lowered[hit.end():]):
            return "exclusion"
        if _permits(lowered) and not pat.modal.search(lowered) and not pat.requirement.search(lowered):
            return "permission"
        return None
    if kind == "exclusion":
        if pat.exclusion.search(lowered):
            return None  # "... are excluded" restates the list's own kind
        hit = pat.requirement.search(lowered)
        if hit is not None and not _RELATIVE_BEFORE.search(lowered[:hit.start()]):
            return "inclusion"
        if _permits(lowered):
            return "permission"
    return None


def _permits(lowered: str) -> bool:
    """Whether a main statement permits: "Patients may have received prior chemotherapy", "Prior radiotherapy
    allowed"; not where a relative clause holds the cue ("any condition that may have an impact")."""
    hit = patterns().permission.search(lowered)
    return hit is not None and not _RELATIVE_BEFORE.search(lowered[:hit.start()])


def permission_spans(text: str, start: int) -> list[tuple[int, int]]:
    """Carve-outs of a criterion: brackets and later sentences that permit ("(topical treatment is allowed)",
    "... . Patients with treated brain metastases are eligible."), offsets in the eligibility text. Their
    mentions are exceptions of the criterion's rules, not rules of their own."""
    pat = patterns()
    out: list[tuple[int, int]] = []
    if pat.permission.first.isdisjoint(_words(text)) and pat.not_exclusion.first.isdisjoint(_words(text)):
        return out
    for m in re.finditer(r"\(([^()]*)\)|\[([^\[\]]*)\]", text):
        if pat.permission.search(m.group(0)) and not pat.not_exclusion.search(m.group(0)) or pat.not_exclusion.search(m.group(0)):
            out.append((start + m.start(), start + m.end()))
    first = _SENTENCE_END.search(text)
    if first is not None:
        cursor = first.end()
        for piece in re.split(r"(?<=[.;])\s+", text[cursor:]):
            at = text.index(piece, cursor) if piece else cursor
            if piece and pat.permission.search(piece.lower()) and not pat.exclusion.search(piece.lower()):
                out.append((start + at, start + at + len(piece)))
            cursor = at + len(piece)
    return out


# --------------------------------------------------------------------------- populations


@dataclass
class PopulationMatch:
    """A population a criterion names: its span (offsets into the eligibility text), what it is,
    and the ids of the entities that describe it (they give no rules of their own)."""

    start: int
    end: int
    population: Population
    entities: set[str] = field(default_factory=set)
    #: named by an opening conditional clause ("If age is 40 to 45 years, ..."): its "if" sets no plan
    conditional: bool = False


def _age_band(entities: Sequence[Entity]) -> tuple[str | None, float | None, float | None]:
    for e in entities:
        if e.label in ("AGE", "VALUE") and e.value is not None and (e.value.low is not None or e.value.high is not None):
            unit = (e.value.unit_canonical or e.value.unit or ("years" if e.label == "AGE" else "")).lower()
            if not unit.startswith("year"):
                continue
            low = e.value.low_canonical if e.value.unit_canonical == "years" and e.value.low_canonical is not None else e.value.low
            high = e.value.high_canonical if e.value.unit_canonical == "years" and e.value.high_canonical is not None else e.value.high
            return e.value.operator, low, high
    return None, None, None


def describe(text: str, start: int, entities: Sequence[Entity], *, conditions: bool = True) -> Population | None:
    """The population a phrase names (``text`` is the phrase, ``start`` its offset), or None when it names none.

    Sex words, reproductive potential, an age band and diagnoses (with ``conditions``) are read; the
    words of ``unresolved`` make the population partly unknown (``other``).
    """
    pat = patterns()
    inside = [e for e in entities if start <= e.start and e.end <= start + len(text)]
    female = bool(pat.female.search(text)) or any(e.label == "SEX" and e.concept is not None and e.concept.code == "female" for e in inside)
    male = bool(pat.male.search(text)) or any(e.label == "SEX" and e.concept is not None and e.concept.code == "male" for e in inside)
    sex: Literal["female", "male"] | None = "female" if female and not male else "male" if male and not female else None
    reproductive = bool(pat.reproductive.search(text)) or any(
        e.concept is not None and e.concept.code == "obs:childbearing-potential" and not e.negated for e in inside)
    if re.search(r"(?i)\bnon[\s-]*(?:childbearing|child-bearing|fertile|reproductive)|\bnot\s+of\s+child", text):
        reproductive_value: bool | None = False
    else:
        reproductive_value = True if reproductive else None
    operator, low, high = _age_band(inside)
    found = [e.concept for e in inside if conditions and e.label == "CONDITION" and e.concept is not None
             and not e.negated]
    unresolved = pat.unresolved.search(text)
    other = text.strip(" ,;:()") if unresolved else None
    if sex is None and reproductive_value is None and operator is None and not found and other is None:
        return None
    qualifiers = list(dict.fromkeys(q.name for e in inside if conditions and e.label == "CONDITION" and not e.negated
                                    for q in e.qualifiers))
    return Population(sex=sex, childbearing_potential=reproductive_value, age_operator=operator, age_low=low,
                      age_high=high, conditions=[c for c in found if c is not None], qualifiers=qualifiers, other=other,
                      text=text.strip())


_OPENING = re.compile(r"\s*(?:if|for|in|among)\s+([^,:;]{2,120}?)\s*[,:;]\s*\S"
                      r"|\s*(?:patients|subjects|participants|individuals|those)\s+(?:with|who\s+have|having)\s+"
                      r"([^,:;]{2,120}?)\s*:\s*\S")


def find_population(text: str, start: int, entities: Sequence[Entity]) -> PopulationMatch | None:
    """The population a criterion's rules bind, when its words name one (see the module docstring).

    ``text`` is the criterion, ``start`` its offset in the eligibility text, ``entities`` its entities.
    """
    pat = patterns()
    lowered = text.lower()
    words = _words(text)
    demographic = not (pat.female.first.isdisjoint(words) and pat.male.first.isdisjoint(words)
                       and pat.reproductive.first.isdisjoint(words))
    # 1. a conditional clause opening the criterion: "If age is 40 to 45 years, ...", "If female: ..."
    opening = _OPENING.match(lowered)
    if opening is not None:
        group = 1 if opening.group(1) is not None else 2  # "If age is 40 to 45 years, ...", "Patients with X: ..."
        phrase = text[opening.start(group):opening.end(group)]
        population = describe(phrase, start + opening.start(group), entities)
        rest = [e for e in entities if e.start >= start + opening.end(group)]
        if population is not None and any(e.label not in ("SEX", "AGE", "VALUE", "TEMPORAL") for e in rest):
            found = _match(phrase, start + opening.start(group), population, entities)
            found.conditional = lowered.lstrip().startswith("if")
            return found
    # 2. the subject before a modal or a relative clause: "Women of childbearing potential must ...",
    #    "Fertile patients who ...", "Subjects ... participating in ... will be at least 18 years of age"
    modal = pat.modal.search(lowered)
    relative = pat.relative.search(lowered)
    cut = min((m.start() for m in (modal, relative) if m is not None), default=None)
    if demographic and cut is not None and cut > 0:
        phrase = text[:cut]
        if _names_population(phrase, demographic_only=True) and _opens_with_population(phrase, start, entities):
            population = describe(phrase, start, entities, conditions=False)
            after = [e for e in entities if e.start >= start + cut]
            if population is not None and population.other is None and any(
                    e.label not in ("SEX", "VALUE", "TEMPORAL") for e in after):
                return _match(phrase, start, population, entities)
    # a subject no record can place ("Subjects ... or family members who are their caregivers participating in
    # the questionnaire will be at least 18 years of age"): the whole subject, up to its verb
    if modal is not None and modal.start() > 0:
        phrase = text[:modal.start()]
        if _names_population(phrase):
            population = describe(phrase, start, entities, conditions=False)
            after = [e for e in entities if e.start >= start + modal.start()]
            if population is not None and any(e.label not in ("SEX", "VALUE", "TEMPORAL") for e in after):
                return _match(phrase, start, population, entities)
    # 3. a trailing "required of fertile patients", "for women aged 40 and over", "in men"
    for hit in pat.required_of.finditer(text) if demographic else ():
        phrase = re.split(r"[;.)\]]|,\s", text[hit.end():], maxsplit=1)[0]
        if not phrase.strip() or not _names_population(phrase, demographic_only=True):
            continue
        before = [e for e in entities if e.end <= start + hit.start()]
        population = describe(phrase, start + hit.end(), entities, conditions=False)
        if population is not None and population.other is None and any(
                e.label not in ("SEX", "AGE", "VALUE", "TEMPORAL") for e in before):
            return _match(phrase, start + hit.end(), population, entities)
    return None


def names_people(phrase: str) -> bool:
    """Whether a phrase names people ("Patients", "Healthy volunteers", "Cohort B participants"), not a topic."""
    pat = patterns()
    return bool(pat.subjects.search(phrase) or pat.female.search(phrase) or pat.male.search(phrase)
                or pat.reproductive.search(phrase) or re.search(r"(?i)\b(?:cohort|arm|group|part)\s+\w+\b", phrase))


def _opens_with_population(phrase: str, start: int, entities: Sequence[Entity]) -> bool:
    """Whether a phrase begins with the population it names ("Women of childbearing potential", "Fertile
    patients"), not with another mention listed beside it ("Pregnancy or childbearing potential without ...")."""
    inside = sorted((e for e in entities if start <= e.start and e.end <= start + len(phrase)), key=lambda e: e.start)
    if not inside:
        return True
    first = inside[0]
    if first.label in _DESCRIBING or (first.concept is not None and first.concept.code in _DESCRIBING_CODES):
        return True
    before = phrase[:first.start - start]
    pat = patterns()
    return bool(pat.female.search(before) or pat.male.search(before) or pat.reproductive.search(before))


def _names_population(phrase: str, *, demographic_only: bool = False) -> bool:
    """Whether a phrase is a population: sex words, reproductive potential, or (unless ``demographic_only``)
    a subject noun with words a record cannot answer ("participating in ...")."""
    pat = patterns()
    if len(phrase.split()) > 25:
        return False
    demographic = pat.female.search(phrase) or pat.male.search(phrase) or pat.reproductive.search(phrase)
    if demographic:
        return True
    return not demographic_only and bool(pat.subjects.search(phrase)) and bool(pat.unresolved.search(phrase))


#: mentions that describe a population (they give no rules of their own when they do)
_DESCRIBING = {"SEX", "AGE", "VALUE", "TEMPORAL"}
_DESCRIBING_CODES = {"obs:childbearing-potential", "obs:postmenopausal", "obs:sexually-active"}


def _match(phrase: str, offset: int, population: Population, entities: Sequence[Entity]) -> PopulationMatch:
    """The population with the ids of the mentions in its phrase that describe it: sex, age, reproductive
    potential, and the diagnoses it names; other mentions in the phrase keep their rules."""
    end = offset + len(phrase)
    named = {(c.system, c.code) for c in population.conditions + population.without}
    ids = {e.id for e in entities if offset <= e.start and e.end <= end and (
        e.label in _DESCRIBING or (e.concept is not None and (e.concept.code in _DESCRIBING_CODES
                                                              or (e.concept.system, e.concept.code) in named)))}
    return PopulationMatch(offset, end, population, ids)


def allergens(text: str, start: int, entities: Sequence[Entity]) -> tuple[set[str], set[str]]:
    """The mentions named as what the patient is allergic to ("Known allergies to: aspirin, clopidogrel
    (Plavix) ..."), and the allergy mentions that introduce them: ids of each."""
    agents: set[str] = set()
    cues: set[str] = set()
    ordered = sorted(entities, key=lambda e: e.start)
    for hit in patterns().allergy.finditer(text):
        at = start + hit.end()
        listed = [e for e in ordered if e.start >= at and e.label in ("DRUG", "PROCEDURE", "DEVICE", "OBSERVATION",
                                                                       "CONDITION", "LAB")]
        previous = at
        for e in listed:
            gap = text[previous - start:e.start - start]
            if not _AGENT_GLUE.match(gap):
                break
            agents.add(e.id)
            previous = e.end
        if listed and listed[0].id in agents:
            cues.update(e.id for e in ordered if e.label == "CONDITION" and e.start < start + hit.end()
                        and e.end > start + hit.start())
    return agents, cues


#: what may stand between the agents of an allergy ("aspirin, clopidogrel (Plavix) and ticlopidine")
_AGENT_GLUE = re.compile(r"(?i)^[\s,;:/()\[\]-]*(?:(?:and/or|or|and|any|other|the|its|their|any of|one of|drugs?|"
                         r"such as|e\.g\.|including|or to|to|any component of|components of|excipients of)[\s,;:/()\[\]-]*)*$")


# --------------------------------------------------------------------------- conditional clauses


@dataclass(frozen=True)
class Clause:
    """A conditional clause ("if liver metastases are present", "if no liver involvement"): its span, the
    conditions it names and whether it asks for their absence."""

    start: int
    end: int
    text: str
    conditions: tuple[Concept, ...]
    entities: frozenset[str]
    absent: bool = False
    #: the sex a clause names ("< 11 g/dL in men"), instead of conditions
    sex: str | None = None


def conditional_clauses(text: str, start: int, entities: Sequence[Entity]) -> list[Clause]:
    """Conditional clauses naming a diagnosis inside a criterion: "if liver metastases are present",
    "(in patients with liver involvement)", "in case of bone metastases". Each ends at a bracket, a
    semicolon, a comma or the end of the criterion."""
    pat = patterns()
    out: list[Clause] = []
    for hit in pat.conditional.finditer(text):
        tail = _CLAUSE_TAIL.match(text[hit.end():])
        if tail is None:
            continue
        a, b = start + hit.start(), start + hit.end() + tail.end()
        inside = [e for e in entities if a <= e.start and e.end <= b and e.label == "CONDITION"]
        if not inside:
            continue
        absent = all(e.negated for e in inside)
        out.append(Clause(a, b, text[hit.start():hit.end() + tail.end()],
                          tuple(e.concept for e in inside if e.concept is not None and e.negated == absent),
                          frozenset(e.id for e in inside), absent))
    return out


def sex_subject(text: str, start: int, entities: Sequence[Entity]) -> PopulationMatch | None:
    """The sex an exclusion statement opens with, when the people it names have something ("Women with
    hemoglobin < 10 g/dL", "Men who have prostate cancer"): who its rules bind, or None. Not for inclusions,
    where "Women with breast cancer" also asks for the sex."""
    ordered = sorted((e for e in entities if e.label not in ("VALUE", "TEMPORAL")), key=lambda e: e.start)
    first = ordered[0] if ordered else None
    if first is None or first.label != "SEX" or first.concept is None or first.concept.code not in ("male", "female"):
        return None
    sex = first.concept.code
    if text[:first.start - start].strip(" -•*0123456789.)(\t") or not _SEX_SUBJECT.match(text, first.end - start):
        return None
    return PopulationMatch(first.start, first.end, Population(sex=sex, text=first.text), {first.id})


#: what follows the sex word of a statement about people of one sex who have something
_SEX_SUBJECT = re.compile(r"\s+(?:(?:patients?|subjects?|participants?|volunteers?)\s+)?(?:with|who\s+(?:have|has|had)|having)\b",
                          re.IGNORECASE)


def sex_clauses(text: str, start: int, entities: Sequence[Entity]) -> list[Clause]:
    """Clauses naming the sex a value binds, right after the value: "Hemoglobin < 11 g/dL in men or < 10 g/dL
    in women", "waist > 102 cm (men)", "for female patients"."""
    out: list[Clause] = []
    ordered = sorted(entities, key=lambda e: e.start)
    for value, sex in zip(ordered, ordered[1:]):
        if value.label != "VALUE" or sex.label != "SEX" or sex.concept is None or sex.concept.code not in ("male", "female"):
            continue
        lead = _SEX_LEAD.fullmatch(text[value.end - start:sex.start - start])
        if lead is None:
            continue
        a = value.end + lead.start("clause")
        out.append(Clause(a, sex.end, text[a - start:sex.end - start], (), frozenset({sex.id}), sex=sex.concept.code))
    return out


#: what stands between a value and the sex it binds: "in", "for", "among", an opening bracket
_SEX_LEAD = re.compile(r"\s*,?\s*(?P<clause>\(?\s*(?:(?:in|for|among)\s+)?(?:adult\s+)?)", re.IGNORECASE)

#: a clause runs to a bracket, a semicolon, a comma, or an "or"/"and" before another limit
_CLAUSE_TAIL = re.compile(
    r"(?:(?!\s(?:or|and)\s+(?:[<>≤≥=]|\d|less|greater|more|no\s+more|at\s+least|at\s+most|up\s+to))[^,;()\[\]]){1,80}",
    re.IGNORECASE)


# --------------------------------------------------------------------------- leads and clauses


def alternative_lead(text: str) -> bool:
    """Whether a lead-in asks for any one of its items ("Meets one of the following:")."""
    pat = patterns()
    return bool(pat.alternative_lead.search(text)) and not pat.all_lead.search(text)


def capacity_clause(text: str, start: int) -> tuple[int, int] | None:
    """Where a clause about a condition's consequence begins and ends ("making informed consent impossible",
    "that would interfere with compliance"), offsets in the eligibility text, or None. It ends where examples of
    the judged condition begin ("... that may interfere with the study, such as pregnancy, diabetes"), at a colon,
    a semicolon, a full stop or a closing bracket."""
    hit = patterns().capacity.search(text)
    if hit is None:
        return None
    end = _CLAUSE_END.search(text, hit.end())
    return start + hit.start(), start + (end.start() if end is not None else len(text))


_CLAUSE_END = re.compile(r"(?i)[:;()\[\]]|\.(?:\s|$)|\b(?:such\s+as|including|e\.g\.?|for\s+example|for\s+instance|i\.e\.?)\b")


def treatment_link(text_after: str) -> bool:
    """Whether a generic treatment word is followed by what it names ("treatment with X")."""
    return bool(patterns().treatment_link.match(text_after))


def opens_with_negation(text: str) -> bool:
    """Whether a criterion opens with a negation ("No prior herpes zoster"): in an exclusion list the item is
    written as a requirement and its mentions still exclude."""
    return bool(patterns().negation_opener.match(text))


def negation_reach(text: str) -> tuple[int, int, int] | None:
    """For a criterion opening with a negation ("No history of CVA, seizure disorder, aseptic meningitis,
    transverse myelitis or CNS disease"), offsets into ``text``: where what the negation governs ends (past
    ConText's scope: its first sentence up to a colon or an exception word), and the start and end of its
    exceptions ("except: adequately treated basal cell carcinoma"; empty without an exception word). None for
    a criterion not opening with a negation."""
    if not opens_with_negation(text):
        return None
    sentence_end = _first_sentence_end(text)
    hit = patterns().negation_exception.search(text[:sentence_end])
    colon = text.find(":", 0, sentence_end)
    end = min(hit.start() if hit else sentence_end, colon if colon >= 0 else sentence_end)
    return end, (hit.end() if hit else sentence_end), sentence_end


def negative_result_reach(text: str) -> int | None:
    """For an inclusion item asking for a negative result ("Negative serology for HIV infection ..."), the end
    of its first sentence, whose conditions must be absent; None for any other item."""
    if not patterns().negative_result.match(text):
        return None
    return _first_sentence_end(text)


def names_means(text_before: str) -> bool:
    """Whether the words right before a mention make it the means of finding something ("estimated by
    echocardiography", "on CT", "documented by biopsy")."""
    return bool(patterns().means.search(text_before[-30:]))


def indication_link(between: str, treatment: str) -> bool:
    """Whether the words ``between`` a treatment mention and a condition say what the treatment is for
    ("chemotherapy for prostate cancer"; "of" only after a therapy word: "treatment of hepatitis C", not
    "resection of the tumour")."""
    hit = patterns().indication_link.match(between)
    if hit is None:
        return False
    if hit.group(0).strip().lower().split()[0] != "of":
        return True
    last = _WORDS.findall(treatment.lower())
    return bool(last) and last[-1] in patterns().cues.indication_heads


__all__ = ["Clause", "PopulationMatch", "StructureCues", "allergens", "alternative_lead", "capacity_clause",
           "main_statement", "names_people", "permission_spans", "sex_clauses", "sex_subject",
           "conditional_clauses", "describe", "find_population", "indication_link", "load_cues",
           "names_means", "negation_reach", "negative_result_reach", "opens_with_negation", "patterns", "statement_kind",
           "treatment_link"]
