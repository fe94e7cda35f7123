"""Patients from free-text notes: the same pipeline that reads criteria reads the note.

::

    import criteria_nlp as cn
    patient = cn.read_patient_text("A 58-year-old woman with hypertension ... She denies smoking ...")
    reading = cn.read_note(text)            # the patient and every fact with its evidence span

The note is analysed by an :class:`~criteria_nlp.analyzer.Analyzer` (the same
tokenizer, segmenter, tagger, context, values and coder as criteria; the note
is one text whose sentences the segmenter splits). Its entities become facts:

* age from the phrase that states it ("58-year-old", "7-month-old", "aged 45",
  "45 yo"; months, weeks and days for children); "in her sixties" is a range
  the record cannot hold, so age stays unknown;
* sex from the first word or pronoun that says it ("woman", "boy", "she");
* CONDITION, DRUG, PROCEDURE, LAB, SCORE and OBSERVATION (smoking, alcohol,
  drugs) entities, each with its code and the character span it came from
  (``evidence``); labs with the value after them ("creatinine is 1.1 mg/dL",
  "BP is 120/75": systolic and diastolic), rows of a lab table (name,
  reference range, value) and qualitative results ("elevated ESR");
* findings the tagger has no term for, from ``resources/note_findings.json``
  ("harsh systolic murmur", "Reflexes are brisk", "unable to detect smell");
* status from the context: negated ("denies", "no", "negative for", "ruled
  out"; narrative "doesn't", "did not", "denied", read here) is *absent*; a
  relative's is *family*; historical ("history of", "previously", "s/p") is
  *history*; hypothetical is *planned*; uncertain is *suspected*; otherwise
  *present*.

The patient is **open world** (``Patient.open_world``): what the note does not
mention stays unknown, and only what it denies is absent (``Patient.denied``).
A note that says "takes no medications" makes the medication list complete
(``complete_lists``). A history condition's current state is not known
(status ``unknown``): a rule about a *current* condition is unknown for it,
never met or failed. Planned procedures go on the patient as planned.
Suspected and planned conditions, bedside examinations ("physical
examination", "vital signs"), laboratory and genetic tests as procedures,
drugs named as test agents ("dexamethasone suppression test") and results the
record cannot hold ("elevated ESR") are facts of the reading
(``NoteFact.on_patient`` false) but not put on the patient. A topical,
inhaled or ophthalmic form of a drug is put on the patient uncoded
(``drug:local-form``), never as the systemic drug.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .codes import code_concept
from .errors import PatientError
from .patient import (
    ConditionFact,
    DeniedFact,
    Evidence,
    FamilyFact,
    LabFact,
    MedicationFact,
    ObservationFact,
    Patient,
    ProcedureFact,
    ScoreFact,
    concept_ranges,
    icd_in,
)
from .resource_files import load_validated
from .schema import Concept, Entity, Trial

if TYPE_CHECKING:
    from .analyzer import Analyzer

__all__ = ["NoteFact", "NoteReading", "note_age", "note_sex", "read_note", "read_patient_text"]

FactType = Literal["age", "sex", "condition", "medication", "procedure", "lab", "score", "pregnancy", "lactation",
                   "smoking", "alcohol", "illicit_drugs"]
FactStatus = Literal["present", "absent", "history", "family", "planned", "suspected"]


class NoteFact(BaseModel):
    """One fact read from a note: what, where (``start``/``end``/``text``), its status, code and value."""

    model_config = ConfigDict(extra="forbid")

    type: FactType
    text: str
    start: int
    end: int
    status: FactStatus = "present"
    code: Concept | None = None
    value: float | str | None = None
    unit: str | None = None
    on_patient: bool = Field(default=True, description="False: read, but not a fact the patient record holds "
                                                       "(suspected, planned, a bedside examination, a result without value).")


class NoteReading(BaseModel):
    """A note read: the open-world :class:`Patient` and every fact with its evidence."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    patient: Patient
    facts: list[NoteFact]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {"patient": self.patient.to_dict(), "facts": [f.model_dump(mode="json", exclude_none=True) for f in self.facts]}


# --------------------------------------------------------------------------- age and sex

_AGE = re.compile(
    r"\b(?P<n>\d{1,3}(?:\.\d+)?)[\s-]*(?P<unit>year|yr|month|mo|week|wk|day)s?[\s-]*old\b"
    r"|\b(?P<yo>\d{1,3})[\s-]*(?:yo|y/o|y\.o\.|years?\s+of\s+age)(?!\w)"
    r"|\baged?\s+(?P<aged>\d{1,3})\b(?!\s*(?:months?|weeks?|days?)\b)",
    re.IGNORECASE,
)
_UNIT_YEARS = {"year": 1.0, "yr": 1.0, "month": 1 / 12, "mo": 1 / 12, "week": 7 / 365.25, "wk": 7 / 365.25,
               "day": 1 / 365.25}
_FEMALE = re.compile(r"\b(?:woman|women|female|girl|lady|she|her|hers|herself|mother of|pregnant|g\d+p\d+)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:man|male|boy|gentleman|he|his|him|himself)\b", re.IGNORECASE)


def note_age(text: str) -> tuple[float | None, re.Match[str] | None]:
    """The age in years the note states first ("A 58-year-old woman", "A 6-month-old boy"), and its match."""
    m = _AGE.search(text)
    if m is None:
        return None, None
    if m.group("n") is not None:
        return round(float(m.group("n")) * _UNIT_YEARS[m.group("unit").lower()], 3), m
    return float(m.group("yo") or m.group("aged")), m


def note_sex(text: str) -> tuple[str | None, re.Match[str] | None]:
    """The sex the note's first sex word or pronoun states, and its match."""
    female, male = _FEMALE.search(text), _MALE.search(text)
    if female is not None and (male is None or female.start() < male.start()):
        return "female", female
    if male is not None:
        return "male", male
    return None, None


# --------------------------------------------------------------------------- what is not a fact

#: words for the whole class of conditions: "no other medical conditions" denies nothing in particular
_GLOBAL_CONDITION = re.compile(r"^(?:(?:any|other|known|significant|major|chronic|past|prior|medical|health)\s+)*"
                               r"(?:medical\s+)?(?:conditions?|problems?|illness(?:es)?|diseases?|history|complaints?)$",
                               re.IGNORECASE)
#: examinations at the bedside and routine observations: not procedures a trial asks about
_BEDSIDE = re.compile(r"\b(?:examination|exam|vital signs?|auscultation|palpation|inspection|otoscopy|history)\b",
                      re.IGNORECASE)
#: "takes no medications", "not on any medication": the medication list is complete
_NO_MEDICATIONS = re.compile(
    r"\b(?:takes?|taking|on|uses?|using|receiv(?:es|ing))\s+no\s+(?:regular\s+|other\s+|current\s+|daily\s+)?"
    r"(?:medications?|medicines?|drugs)\b"
    r"|\bno\s+(?:current\s+|regular\s+|daily\s+)?(?:medications?|medicines)\b"
    r"|\bnot\s+(?:currently\s+)?(?:taking|using|on)\s+any\s+(?:other\s+)?(?:medications?|medicines?|drugs)\b"
    r"|\bdenies\s+(?:taking\s+|using\s+)?any\s+(?:medications?|medicines?)\b",
    re.IGNORECASE,
)
_OBSERVATION_TYPES: dict[str, FactType] = {"obs:smoking": "smoking", "obs:alcohol-use": "alcohol", "obs:drug-use": "illicit_drugs"}
_PREGNANT = re.compile(r"\bpregnan(?:t|cy)\b", re.IGNORECASE)
_LACTATING = re.compile(r"\b(?:breast-?feeding|lactating|lactation|nursing)\b", re.IGNORECASE)
_FORMER = re.compile(r"\b(?:former|ex-|quit|stopped|used to)\b", re.IGNORECASE)
#: a drug given as a test agent, not a medication the patient takes: "dexamethasone suppression test",
#: "serum cortisol before and after administration of ACTH"
_TEST_AGENT_AFTER = re.compile(r"^\W{0,3}(?:\w+\W+){0,2}?(?:suppression|stimulation|challenge|tolerance|provocation)?\s*tests?\b"
                               r"|^\W{0,3}(?:suppression|suppress(?:es|ed)?|stimulation|challenge|tolerance|provocation|levels?|"
                               r"concentrations?|assay)\b", re.IGNORECASE)
_TEST_AGENT_BEFORE = re.compile(r"\b(?:before and after|after|following)\s+(?:the\s+)?(?:administration|injection|infusion)"
                                r"\s+of\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
#: a drug the note says was taken in the past ("used Tylenol with minimal relief", "was treated with")
_PAST_DRUG = re.compile(r"\b(?:used|took|tried|received|was given|were given|was treated with|had been on|was on|"
                        r"previously|formerly|stopped|discontinued)\b[^.;]{0,40}$", re.IGNORECASE)
#: blood pressure as notes write it: the panel, then "135/80"
_BP_PANEL, _SYSTOLIC, _DIASTOLIC = "85354-9", "8480-6", "8462-4"
_BLOOD_PRESSURE = re.compile(r"(?<![\d/])(\d{2,3})\s*/\s*(\d{2,3})(?![\d/])(?:\s*(?:mm\s?Hg|mmHg))?", re.IGNORECASE)
#: a row of a lab table: name, reference range, the patient's value ("Glucose    90-120 mg/dl    95 mg/dl")
_TABLE_ROW = re.compile(r"^(?P<name>[A-Za-z][^\n]*?)\s{2,}(?P<lo>\d+(?:\.\d+)?)\s*-\s*(?P<hi>\d+(?:\.\d+)?)\s*"
                        r"(?P<runit>[^\s\d][^\s]*)?\s{2,}(?P<value>\d+(?:\.\s?\d+)?)\s*(?P<unit>[^\s\d][^\s]*)?[ \t]*$",
                        re.MULTILINE)
#: a drug put on the skin, the eye or the ear: a form whose class differs from the systemic drug's
#: (topical hydrocortisone is ATC D07, not H02), so the note's mention is kept uncoded rather than miscoded
_LOCAL_FORM = re.compile(r"\b(?:topical|ointment|cream|lotion|gel|eye\s?drops?|ear\s?drops?|ophthalmic|otic|"
                         r"transdermal|patch|shampoo|mouthwash|inhaled|inhaler|nasal spray)\b", re.IGNORECASE)
#: procedures that are laboratory or genetic tests: their results are facts, the test is not a procedure
_TEST_PROCEDURES = frozenset({"proc:genetic-testing", "proc:laboratory-test", "proc:biomarker-testing"})
#: words that name no condition of their own ("healthy", "an abnormality", "complications")
_NOT_A_CONDITION = re.compile(r"^(?:healthy|well|normal|abnormal(?:ity|ities)?|complications?|lesions?|findings?|"
                              r"symptoms?|signs?|features?|disorders?|conditions?|problems?)$", re.IGNORECASE)
#: drug words for the whole class ("medications", "treatment"): denials of these make lists complete, not facts
_GLOBAL_DRUG = re.compile(r"^(?:any\s+|other\s+|current\s+)*(?:medications?|medicines?|drugs?|treatments?|therapy|"
                          r"therapies)$", re.IGNORECASE)
#: a value right after a measurement's name, in the prose of notes: "BP is 120/75", "PR is 80", "temperature 37 C"
_NOTE_VALUE = re.compile(r"^\s*(?:(?:is|was|of|at|measured|reads?|shows?|were|are)\s+|[:=]\s*)?(?:about\s+|around\s+)?"
                         r"(?P<n>\d+(?:\.\s?\d+)?)(?:/(?P<d>\d+))?(?:\s*(?P<unit>%|°\s?[CF]|[a-zA-Zµμ/]+(?:/[a-zA-Z0-9.²]+)?))?")
#: a qualitative result before or after a measurement's name: "negative Gram stain", "ANA was positive"
_QUALITATIVE_BEFORE = re.compile(r"\b(?P<q>negative|positive|elevated|raised|high|low|increased|decreased|abnormal)\s+"
                                 r"(?:levels?\s+of\s+|serum\s+|blood\s+)?$", re.IGNORECASE)
_QUALITATIVE_AFTER = re.compile(r"^\s*(?:(?:is|was|were|are|came back|returned)\s+)?(?P<q>negative|positive|elevated|"
                                r"raised|high|low|increased|decreased|abnormal)\b", re.IGNORECASE)
_QUALITATIVE = {"negative": "negative", "positive": "positive", "elevated": "high", "raised": "high", "high": "high",
                "increased": "high", "low": "low", "decreased": "low", "abnormal": "abnormal"}
#: units a bare measurement may be written in: only these are read from prose after the name
_PROSE_UNITS = {"c": "Cel", "°c": "Cel", "° c": "Cel", "f": "[degF]", "°f": "[degF]"}


class NoteFindings(BaseModel):
    """The resource ``note_findings.json``: how notes write findings the tagger has no term for."""

    model_config = ConfigDict(extra="forbid")

    name: Literal["note_findings"]
    version: str
    description: str
    heads: list[str] = Field(min_length=1)
    parts: list[str] = Field(min_length=1)
    modifiers: list[str] = Field(min_length=1)
    function_phrases: list[str] = Field(min_length=1)
    negation_cues: list[str] = Field(min_length=1)
    subjects: list[str] = Field(min_length=1)

    @field_validator("heads", "parts", "modifiers", "function_phrases", "negation_cues", "subjects")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        if any(not w.strip() or w != w.strip().lower() for w in value):
            raise ValueError("entries are lower-case words without surrounding spaces")
        return value

    def patterns(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """(findings: modifiers and a head or a part, negation cue at the end of a clause)."""
        def alt(words: list[str]) -> str:
            return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

        mod = rf"(?:(?:{alt(self.modifiers)})\s+)"
        subject = alt(self.subjects + self.parts + self.heads)
        predicate = (rf"(?:[a-z]+\s+){{0,2}}(?:{subject})\s+(?:[a-z]+\s+){{0,4}}?(?:is|are|was|were|appears?|appeared|looks?|"
                     rf"looked|seems?)\s+(?:abnormally\s+|markedly\s+|very\s+|slightly\s+|mildly\s+)?(?:{alt(self.modifiers)})"
                     rf"(?:\s+and\s+(?:{alt(self.modifiers)}))?")
        finding = re.compile(
            rf"\b(?:{predicate}|{mod}{{0,3}}(?:{alt(self.heads)})|{mod}{{1,3}}(?:{alt(self.parts)})"
            rf"|(?:{alt(self.function_phrases)})\s+(?:[a-z]+\s+){{0,3}}?[a-z]+(?=\s*(?:[.,;:]|\s(?:and|but|or|when|with|since|for|after|before|during|in|at|on)\b|$)))\b",
            re.IGNORECASE)
        negation = re.compile(rf"\b(?:{alt(self.negation_cues)})\b[^.;:]*$", re.IGNORECASE)
        return finding, negation


_FINDINGS: tuple[re.Pattern[str], re.Pattern[str]] | None = None
#: words a finding's span does not start with ("the lower extremities", "and plantar responses")
_LEADING_FUNCTION_WORDS = re.compile(r"(?:(?:the|a|an|and|or|but|his|her|their|its|both|all)\s+)+", re.IGNORECASE)


def finding_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The compiled patterns of the packaged ``note_findings.json`` (loaded and validated once)."""
    global _FINDINGS
    if _FINDINGS is None:
        _FINDINGS = load_validated(NoteFindings, "note_findings.json").patterns()
    return _FINDINGS


def _findings(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """Findings the tagger left out: (start, end, negated) of each one no tagged entity overlaps."""
    finding, negation = finding_patterns()
    out: list[tuple[int, int, bool]] = []
    for m in finding.finditer(text):
        start, end = m.start(), m.end()
        lead = _LEADING_FUNCTION_WORDS.match(text, start, end)
        if lead is not None:
            start = lead.end()
        if any(s < end and start < e for s, e in taken):
            continue
        clause_start = max(text.rfind(c, 0, start) for c in ".;:,\n")
        clause = text[clause_start + 1:start]
        out.append((start, end, negation.search(clause) is not None))
    return out


#: narrative negation the criteria rules do not hold: "doesn't smoke", "did not use", "denied any"
_NARRATIVE_NEGATION = re.compile(r"\b(?:(?:does|did|do|has|have|had)\s*(?:n't|not)|denied)\s+(?:\w+\s+){0,3}$",
                                 re.IGNORECASE)


_RELATIVES = (r"(?:mother|father|parents?|brothers?|sisters?|siblings?|grandmother|grandfather|grandparents?|uncle|"
              r"aunt|cousins?|sons?|daughters?|twin)")
#: a relative as the subject of the clause before a mention: "His father has gout", "her mother and grandmother had"
_RELATIVE_BEFORE = re.compile(rf"\b(?:his|her|their|the\s+patient's|the\s+(?:girl|boy|child|infant)'s)\s+(?:(?:maternal|paternal|"
                              rf"older|younger|elder|twin)\s+)?{_RELATIVES}\b(?:\s+and\s+(?:\w+\s+)?{_RELATIVES})?[^.;:]*$",
                              re.IGNORECASE)
#: a relative after a mention: "breast cancer in her mother", "family history of diabetes"
_RELATIVE_AFTER = re.compile(rf"^[^.;:]{{0,25}}?\b(?:in|of)\s+(?:his|her|their|a)\s+(?:(?:maternal|paternal|older|younger)\s+)?"
                             rf"{_RELATIVES}\b", re.IGNORECASE)
_FAMILY_HISTORY = re.compile(r"\bfamily\s+(?:medical\s+)?history\b", re.IGNORECASE)
_RELATIVE_WORD = re.compile(rf"^{_RELATIVES}$", re.IGNORECASE)


def _family(e: Entity, text: str) -> bool:
    """A relative's condition, as notes write it: a relative as the clause's subject, "in her mother" after it,
    or a family history (the context's cues cannot use "mother" when the tagger made it a sex mention)."""
    if e.family:
        return True
    if not text:
        return False
    sentence_start = max(text.rfind(c, 0, e.start) for c in ".;\n") + 1
    before = text[sentence_start:e.start]
    return bool(_RELATIVE_BEFORE.search(before) or _RELATIVE_AFTER.match(text[e.end:e.end + 60])
                or _FAMILY_HISTORY.search(before) or _FAMILY_HISTORY.search(e.text))


def _status(e: Entity, text: str = "") -> FactStatus | None:
    """The fact's status; None for a relative's denial ("his brother has no history of gout"), which is no fact."""
    negated = e.negated or bool(text and _NARRATIVE_NEGATION.search(text[max(0, e.start - 50):e.start]))
    if _family(e, text):
        return None if negated else "family"
    if negated:
        return "absent"
    if e.hypothetical:
        return "planned"
    if e.uncertain:
        return "suspected"
    if e.historical:
        return "history"
    return "present"


def _external_cause(concept: Concept | None) -> bool:
    """ICD-10-CM chapter XX (V00-Y99): activities, places and causes, not a condition of the patient."""
    return concept is not None and concept.system == "ICD-10-CM" and concept.code[:1] in "VWXY"


def _pregnancy_concept(concept: Concept | None) -> str | None:
    if concept is None or concept.system != "ICD-10-CM":
        return None
    ranges = concept_ranges().pregnancy
    if any(icd_in(concept.code, r) for r in ranges.pregnant):
        return "pregnancy"
    if any(icd_in(concept.code, r) for r in ranges.lactating):
        return "lactation"
    return None


def _table_row(rows: list[re.Match[str]], e: Entity) -> re.Match[str] | None:
    """The lab-table row whose name part holds the entity, if any."""
    for row in rows:
        if row.start("name") <= e.start and e.end <= row.end("name"):
            return row
    return None


def _prose_value(text: str, end: int) -> tuple[float | None, str | None, int]:
    """A value written right after a measurement's name in prose ("BP is 120/75", "PR is 80", "temperature is
    37 C"): the number (a blood pressure's systolic), its unit when it is one a bare value may carry, and where it ends."""
    m = _NOTE_VALUE.match(text[end:end + 40])
    if m is None:
        return None, None, end
    number = float(m.group("n").replace(" ", ""))
    unit = m.group("unit")
    stop = end + m.end()
    if unit is not None and unit.lower().replace(" ", "") in _PROSE_UNITS:
        return number, _PROSE_UNITS[unit.lower().replace(" ", "")], stop
    if unit is not None and unit.lower() in ("and", "with", "in", "on", "or", "but", "after", "before"):
        stop = end + m.start("unit")
        stop = len(text[:stop].rstrip())
    elif unit is not None:
        return None, None, end  # a unit values.py did not read: leave it
    return number, None, stop


def _qualitative(text: str, start: int, end: int, operator: str | None) -> str | None:
    """A qualitative result of a measurement: from its value's operator ("elevated" > ULN) or a word beside it."""
    if operator in (">", ">="):
        return "high"
    if operator in ("<", "<="):
        return "low"
    if operator == "normal":
        return "normal"
    if operator in ("positive", "negative"):
        return operator
    before = _QUALITATIVE_BEFORE.search(text[max(0, start - 30):start])
    if before is not None:
        return _QUALITATIVE[before.group("q").lower()]
    after = _QUALITATIVE_AFTER.match(text[end:end + 30])
    if after is not None:
        return _QUALITATIVE[after.group("q").lower()]
    return None


def _coded(name: str, concept: Concept | None) -> dict[str, Any]:
    """The fields a patient fact takes for a mention: its name and, when coded, its concept and code."""
    if concept is None:
        return {"name": name}
    return {"code": concept.code, "system": concept.system, "name": name, "concept": concept}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


# --------------------------------------------------------------------------- the reader


def read_note(text: str, *, id: str | None = None, as_of: dt.date | None = None,
              analyzer: "Analyzer | None" = None, pipeline: str | None = None) -> NoteReading:
    """Read a patient note into an open-world :class:`Patient` and the facts it holds (see the module docstring).

    ``analyzer`` (or ``pipeline``, a pipeline name for a new one) is the criteria analyzer to read with;
    default: the library's shared one.
    """
    if not isinstance(text, str):
        raise PatientError("P001", record=id or "<note>", detail=f"a note must be text, got {type(text).__name__}")
    if not text.strip():
        raise PatientError("P001", record=id or "<note>", detail="the note is empty")
    if analyzer is None:
        from .analyzer import Analyzer, default_analyzer

        analyzer = Analyzer(pipeline=pipeline) if pipeline else default_analyzer()
    pid = id or "patient"
    analysis = analyzer(Trial(id=pid, eligibility_text=text, format="note"), kind="inclusion")
    source = analysis.trial.eligibility_text  # the note as read (lone surrogates replaced, one for one)
    facts: list[NoteFact] = []
    fields: dict[str, Any] = {"id": pid, "open_world": True, "source_text": source,
                              "conditions": [], "medications": [], "procedures": [], "family_history": []}
    if as_of is not None:
        fields["as_of"] = as_of
    evidence: dict[str, Evidence] = {}

    age, m = note_age(source)
    if age is not None and m is not None and age <= 150:
        fields["age"] = age
        evidence["age"] = Evidence(start=m.start(), end=m.end(), text=m.group(0))
        facts.append(NoteFact(type="age", text=m.group(0), start=m.start(), end=m.end(), value=age, unit="years"))
    sex, sm = note_sex(source)
    sex_entities = [e for e in analysis.entities if e.label == "SEX" and e.concept is not None
                    and e.concept.code in ("female", "male") and not e.negated
                    and not _RELATIVE_WORD.match(e.text.strip())]  # "her mother" says nothing of the patient's sex
    if sex_entities and (sm is None or sex_entities[0].start <= sm.start()):
        first = sex_entities[0]
        assert first.concept is not None
        sex, span = first.concept.code, (first.start, first.end, first.text)
    elif sm is not None:
        span = (sm.start(), sm.end(), sm.group(0))
    if sex is not None:
        fields["sex"] = sex
        evidence["sex"] = Evidence(start=span[0], end=span[1], text=span[2])
        facts.append(NoteFact(type="sex", text=span[2], start=span[0], end=span[1], value=sex))

    denied: list[DeniedFact] = []
    observations: list[ObservationFact] = []
    labs: list[LabFact] = []
    scores: list[ScoreFact] = []
    rows = list(_TABLE_ROW.finditer(source))
    rows_read: set[int] = set()
    agent_end = -1  # where the last test agent ended: "ACTH" in "adrenocorticotropic hormone (ACTH)" is one too
    for e in analysis.entities:
        ev = Evidence(start=e.start, end=e.end, text=e.text)
        found = _status(e, source)
        if found is None:
            continue  # a relative's denial
        status: FactStatus = found
        con = e.concept
        code = _coded(e.text, con)

        def fact(kind: FactType, on_patient: bool = True, value: float | str | None = None, unit: str | None = None,
                 at: Evidence | None = None) -> None:
            """Record a fact of the reading, at the entity's span or at ``at`` (a value read after it)."""
            where = at or Evidence(start=e.start, end=e.end, text=e.text)
            facts.append(NoteFact(type=kind, text=where.text, start=where.start, end=where.end, status=status,
                                  code=con, value=value, unit=unit, on_patient=on_patient))

        if e.label == "CONDITION" or (e.label == "OBSERVATION" and _pregnancy_concept(con)):
            special = _pregnancy_concept(con) or ("pregnancy" if _PREGNANT.search(e.text) else
                                                 "lactation" if _LACTATING.search(e.text) else None)
            if special is not None and status in ("present", "absent"):
                key = "pregnant" if special == "pregnancy" else "lactating"
                fields[key] = status == "present"
                evidence[key] = ev
                fact("pregnancy" if special == "pregnancy" else "lactation")
                continue
            if _external_cause(con) or _GLOBAL_CONDITION.match(e.text.strip()) or _NOT_A_CONDITION.match(e.text.strip()):
                continue
            if status == "absent":
                denied.append(DeniedFact(kind="condition", evidence=ev, **code))
                fact("condition")
            elif status == "family":
                fields["family_history"].append(FamilyFact(evidence=ev, **code))
                fact("condition")
            elif status in ("planned", "suspected"):
                fact("condition", on_patient=False)
            else:
                fields["conditions"].append(ConditionFact(status="unknown" if status == "history" else "active",
                                                          evidence=ev, **code))
                fact("condition")
        elif e.label == "DRUG":
            if _GLOBAL_DRUG.match(e.text.strip()):
                continue
            if (_TEST_AGENT_AFTER.match(source[e.end:e.end + 40])
                    or _TEST_AGENT_BEFORE.search(source[max(0, e.start - 60):e.start])
                    or (agent_end >= 0 and source[agent_end:e.start].strip() == "(")):
                fact("medication", on_patient=False)  # a test agent: the note names it, the patient does not take it
                agent_end = e.end
                continue
            if status == "present" and _PAST_DRUG.search(source[max(0, e.start - 60):e.start]):
                status = "history"
            form = _LOCAL_FORM.search(source[max(0, e.start - 25):min(len(source), e.end + 25)])
            if form is not None:  # the form the note names has another code than the bare drug: not coded as it
                named = f"{e.text} ({form.group(0).lower()})"
                code = dict(name=named, concept=Concept(system="CRITERIA_NLP", code="drug:local-form", name=named))
            if status == "absent":
                denied.append(DeniedFact(kind="medication", evidence=ev, **code))
                fact("medication")
            elif status in ("present", "history"):
                fields["medications"].append(MedicationFact(status="active" if status == "present" else "completed",
                                                            evidence=ev, **code))
                fact("medication")
            else:
                fact("medication", on_patient=False)
        elif e.label == "PROCEDURE":
            bedside = _BEDSIDE.search(e.text) is not None or (con is not None and con.code in _TEST_PROCEDURES)
            if bedside:
                fact("procedure", on_patient=False)
            elif status == "absent":
                denied.append(DeniedFact(kind="procedure", evidence=ev, **code))
                fact("procedure")
            elif status == "planned":
                fields["procedures"].append(ProcedureFact(status="planned", evidence=ev, **code))
                fact("procedure")
            elif status in ("present", "history"):
                fields["procedures"].append(ProcedureFact(status="completed", evidence=ev, **code))
                fact("procedure")
            else:
                fact("procedure", on_patient=False)
        elif e.label == "LAB" and (row := _table_row(rows, e)) is not None:
            if row.start() in rows_read:
                continue  # "BUN (Blood Urea Nitrogen)": one row, one result
            rows_read.add(row.start())
            value, unit = float(row.group("value").replace(" ", "")), row.group("unit") or row.group("runit")
            ev = Evidence(start=row.start(), end=row.end(), text=row.group(0))
            labs.append(LabFact(value=value, unit=unit, reference_low=float(row.group("lo")),
                                reference_high=float(row.group("hi")), evidence=ev, **code))
            facts.append(NoteFact(type="lab", text=ev.text, start=ev.start, end=ev.end, status="present", code=con,
                                  value=value, unit=unit))
        elif e.label == "LAB":
            v = e.value
            number = _number(v.low) if v is not None and v.operator == "=" else None
            unit = v.unit if v is not None else None
            if v is None:
                number, unit, end = _prose_value(source, e.end)
                if number is not None:
                    ev = Evidence(start=e.start, end=end, text=source[e.start:end])
            if number is not None and status in ("present", "history"):
                pressure = _BLOOD_PRESSURE.search(source, e.end, min(len(source), e.end + 40))
                if con is not None and con.code == _BP_PANEL and pressure is not None:
                    # "Blood pressure is 135/80 mm Hg": the systolic and the diastolic, which rules ask for
                    systolic, diastolic = float(pressure.group(1)), float(pressure.group(2))
                    ev = Evidence(start=e.start, end=pressure.end(), text=source[e.start:pressure.end()])
                    labs.append(LabFact(code=_SYSTOLIC, value=systolic, unit="mmHg", evidence=ev))
                    labs.append(LabFact(code=_DIASTOLIC, value=diastolic, unit="mmHg", evidence=ev))
                    fact("lab", value=f"{pressure.group(1)}/{pressure.group(2)}", unit="mmHg", at=ev)
                    continue
                labs.append(LabFact(value=number, unit=unit, evidence=ev, **code))
                fact("lab", value=number, unit=unit, at=ev)
                continue
            result = _qualitative(source, e.start, e.end, v.operator if v is not None else None)
            if result in ("positive", "negative") and status in ("present", "history"):
                labs.append(LabFact(result=result, evidence=ev, **code))
                fact("lab", value=result)
            elif result is not None:
                fact("lab", on_patient=False, value=result)
        elif e.label == "SCORE":
            v = e.value
            number = _number(v.low) if v is not None and v.operator == "=" else None
            if number is not None and con is not None:
                assert v is not None
                scores.append(ScoreFact(value=number, evidence=ev, **code))
                fact("score", value=number)
        elif e.label == "OBSERVATION" and con is not None and con.code in _OBSERVATION_TYPES:
            kind = _OBSERVATION_TYPES[con.code]
            if status == "absent":
                observations.append(ObservationFact(present=False, evidence=ev, **code))
            elif status == "history" or _FORMER.search(source[max(0, e.start - 25):e.end]):
                status = "history"
                observations.append(ObservationFact(present=False, ever=True, evidence=ev, **code))
            elif status == "present":
                observations.append(ObservationFact(present=True, evidence=ev, **code))
            else:
                fact(kind, on_patient=False)
                continue
            fact(kind)
    taken = [(e.start, e.end) for e in analysis.entities if e.label in ("CONDITION", "DRUG", "PROCEDURE", "OBSERVATION", "DEVICE")]
    taken += [(f.start, f.end) for f in facts]
    for start, end, negated in _findings(source, taken):
        words = source[start:end]
        ev = Evidence(start=start, end=end, text=words)
        con = code_concept("CONDITION", words)
        code = _coded(words, con)
        if negated:
            denied.append(DeniedFact(kind="condition", evidence=ev, **code))
        else:
            fields["conditions"].append(ConditionFact(status="active", evidence=ev, **code))
        facts.append(NoteFact(type="condition", text=words, start=start, end=end, code=con,
                              status="absent" if negated else "present"))
    complete: list[str] = []
    nm = _NO_MEDICATIONS.search(source)
    if nm is not None:
        complete.append("current_medications")  # what is taken now; past use stays unknown
        facts.append(NoteFact(type="medication", text=nm.group(0), start=nm.start(), end=nm.end(), status="absent"))
    fields.update(denied=denied, observations=observations, labs=labs, scores=scores, evidence=evidence,
                  complete_lists=complete)
    patient = Patient.model_validate(fields)
    facts.sort(key=lambda f: (f.start, f.end))
    return NoteReading(patient=patient, facts=facts)


def read_patient_text(text: str, *, id: str | None = None, as_of: dt.date | None = None,
                      analyzer: "Analyzer | None" = None, pipeline: str | None = None) -> Patient:
    """Read a free-text patient note into an open-world :class:`Patient` (see :func:`read_note`)."""
    return read_note(text, id=id, as_of=as_of, analyzer=analyzer, pipeline=pipeline).patient
