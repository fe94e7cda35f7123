"""Vocabularies and catalogues: the terms criteria name, with the codes that make them comparable.

Seven versioned JSON resources live under ``criteria_nlp/resources/`` (one per
label: ``labs.json``, ``scores.json``, ``conditions.json``, ``drug_classes.json``,
``procedures.json``, ``observations.json``, ``devices.json``). Each is validated on
load by the pydantic models below; a broken file raises
:class:`~criteria_nlp.errors.ResourceError` ``X001`` naming the file and the entry.

Typical use::

    from criteria_nlp.lexicon import Lexicon
    lex = Lexicon.load()
    lex.lookup("anti-ds-DNA", "LAB").loinc      # '5130-0'
    for term, entry in lex.terms("CONDITION"): ...

Lookup is exact after :func:`normalize`: case, accents, hyphens, spaces,
apostrophes and look-alike characters are unified and a plural "s" is dropped
where that is safe. Modifiers ("active", "history of") are kept: they are the
tagger's business.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ResourceError
from .icd import icd_code_or_range
from .schema import Concept

__all__ = [
    "LABELS",
    "RESOURCE_FILES",
    "Concept",
    "ConditionEntry",
    "DeviceEntry",
    "DrugEntry",
    "Grade",
    "LabEntry",
    "Lexicon",
    "LexiconEntry",
    "ObservationEntry",
    "ProcedureEntry",
    "Reference",
    "ResourceFile",
    "ScoreEntry",
    "loinc_check_digit",
    "normalize",
    "tokens",
]

Label = Literal["CONDITION", "DRUG", "PROCEDURE", "LAB", "SCORE", "OBSERVATION", "DEVICE"]

#: every label a lexicon entry may carry
LABELS: tuple[str, ...] = ("CONDITION", "DRUG", "PROCEDURE", "LAB", "SCORE", "OBSERVATION", "DEVICE")

#: resource name -> the one label its entries carry
RESOURCE_FILES: dict[str, str] = {
    "labs": "LAB",
    "scores": "SCORE",
    "conditions": "CONDITION",
    "drug_classes": "DRUG",
    "procedures": "PROCEDURE",
    "observations": "OBSERVATION",
    "devices": "DEVICE",
}

_ID_RE = re.compile(r"^[a-z]+:[A-Za-z0-9][A-Za-z0-9_.+\-/]*$")
_LOINC_RE = re.compile(r"^[0-9]{1,7}-[0-9]$")
_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


# --------------------------------------------------------------------------- normalisation

_CHAR_MAP = str.maketrans(
    {
        # hyphens, dashes and minus signs
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-", "\u00ad": "", "\ufe63": "-", "\uff0d": "-",
        # quotes and apostrophes
        "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"',
        # Greek letters written in names ("β2-glycoprotein", "TNF-α", "IFN-γ")
        "\u03b1": " alpha ", "\u03b2": " beta ", "\u03b3": " gamma ", "\u03b4": " delta ",
        "\u03ba": " kappa ", "\u03bb": " lambda ",
        # ligatures that NFKD leaves alone
        "\u00e6": "ae", "\u0153": "oe", "\u00df": "ss", "\u00f8": "o", "\u0142": "l",
    }
)
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
_KEEP_S = ("ss", "us", "is", "ys", "as", "os")
_LEADING = frozenset({"a", "an", "the"})


def _fold(text: str) -> str:
    if text.isascii():
        return text.replace("`", "'")
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=1 << 17)
def _singular(raw: str) -> str:
    token = raw.casefold()
    if len(raw) >= 3 and raw[-1] == "s" and raw[:-1].isupper() and raw[:-1].isalpha():
        return token[:-1]  # an acronym's plural: "TIAs", "UTIs", "NSAIDs"
    # an all-capital token is an acronym ("CDRS", "AIDS"), never a plural
    if len(token) < 4 or not token.endswith("s") or token.endswith(_KEEP_S) or token[-2].isdigit() or raw.isupper():
        return token
    if token.endswith("ies") and len(token) >= 5:
        return token[:-3] + "y"
    return token[:-1]


def tokens(text: str) -> list[str]:
    """The normalised word tokens of ``text`` (casefolded, accents and plural "s" removed).

    Every run of letters and digits is one token; hyphens, slashes, brackets,
    apostrophes and spaces only separate tokens. ``tokens("Anti-ds-DNA antibodies")``
    is ``["anti", "ds", "dna", "antibody"]``.
    """
    return [norm for _, norm in _raw_tokens(text)]


_POSSESSIVE_RE = re.compile(r"(?<=[A-Za-z])'[sS]\b")


def _raw_tokens(text: str) -> list[tuple[str, str]]:
    """(token as written, after folding; normalised token) pairs of ``text``.

    A possessive "'s" joins its word ("Parkinson's" reads as "Parkinsons", then
    loses the "s" like any plural), so "Parkinson's", "Parkinsons" and
    "Parkinson" disease share one key.
    """
    folded = _POSSESSIVE_RE.sub("s", _fold(text))
    return [(t, _singular(t)) for t in _TOKEN_RE.findall(folded)]


def _key(toks: list[str]) -> str:
    start = 0
    while start < len(toks) - 1 and toks[start] in _LEADING:
        start += 1
    return "".join(toks[start:])


def normalize(text: str) -> str:
    """The lookup key of a surface form: its :func:`tokens` joined without separators.

    "anti-dsDNA", "anti dsDNA", "Anti-ds-DNA" and "anti ds DNA" share one key
    (``"antidsdna"``), as do "breast-feeding" and "breastfeeding", and
    "Parkinson's disease" and "Parkinsons disease". A leading article
    ("a", "an", "the") is dropped; nothing else is.
    """
    return _key(tokens(text))


def loinc_check_digit(code: str) -> bool:
    """True when ``code`` (``"2160-0"``) is well formed and its check digit is right (LOINC mod 10)."""
    if not _LOINC_RE.match(code):
        return False
    body, check = code.split("-")
    digits = [int(d) for d in reversed(body)]
    total = 0
    for i, d in enumerate(digits):
        if i % 2 == 0:  # the rightmost digit and every second one from it are doubled
            d *= 2
            total += d // 10 + d % 10
        else:
            total += d
    return (10 - total % 10) % 10 == int(check)


# --------------------------------------------------------------------------- models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(_Strict):
    """A typical adult reference interval (used when a patient's lab has none)."""

    low: float | None = None
    high: float | None = None
    unit: str

    @model_validator(mode="after")
    def _ordered(self) -> "Reference":
        if self.low is None and self.high is None:
            raise ValueError("a reference interval needs a low or a high limit")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"reference low {self.low} is above high {self.high}")
        return self


class Grade(_Strict):
    """One level of a categorical score (NYHA II = 2, Child-Pugh B = 7-9 points, BILAG A)."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None
    description: str | None = None


class LexiconEntry(_Strict):
    """One concept of a vocabulary with the surface forms criteria use for it.

    ``ambiguous`` lists surface forms this entry knowingly shares with another
    entry of the same label ("MI"); :meth:`Lexicon.lookup` returns None for them.
    A short form listed there by one entry only ("DM": diabetes mellitus, which a
    document may define as dermatomyositis) is that entry's, except where the
    document defines it otherwise (the tagger's abbreviation step).
    ``exact_only`` lists generic forms ("disease", "allergic", "drugs") that code
    a whole mention but are never searched for inside a longer one
    (:meth:`Lexicon.find`). ``case_sensitive`` lists acronyms that are ordinary
    words or units once lower-cased ("AS", "MG", "MM", "PE"): a matcher should
    match them only as written (:meth:`is_case_sensitive`).
    ``coded_only`` lists forms that code a mention another component found (the
    NER's "PI" in "another PI containing regimen") but that a tagger never tags by
    itself, being other words in running text ("the PI", a principal investigator;
    "PEG", a feeding tube); they are surface forms for :meth:`Lexicon.lookup` and
    :meth:`Lexicon.find`, not synonyms.
    ``negated_forms`` lists synonyms that state the concept's absence ("non-smoker",
    "not of childbearing potential", "without contraception") and ``past_forms``
    those that state it in the past only ("former smoker", "quit smoking"); a
    form in both states it never ("never smoked"). A tagger marks an entity
    written so as negated and/or historical, since the cue is inside the entity
    where ConText cannot see it.
    """

    id: str
    label: str
    name: str
    synonyms: list[str] = Field(default_factory=list)
    concept: Concept
    related: list[Concept] = Field(default_factory=list)
    category: str | None = None
    ambiguous: list[str] = Field(default_factory=list)
    exact_only: list[str] = Field(default_factory=list)
    case_sensitive: list[str] = Field(default_factory=list)
    coded_only: list[str] = Field(default_factory=list)
    negated_forms: list[str] = Field(default_factory=list)
    past_forms: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(f"id {value!r} is not of the form 'prefix:name'")
        return value

    @field_validator("name")
    @classmethod
    def _name_form(cls, value: str) -> str:
        if not normalize(value):
            raise ValueError(f"name {value!r} is empty after normalisation")
        return value

    @field_validator("synonyms", "ambiguous", "exact_only", "case_sensitive", "coded_only", "negated_forms",
                     "past_forms")
    @classmethod
    def _non_empty(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.strip() or not normalize(value):
                raise ValueError(f"synonym {value!r} is empty after normalisation")
        return values

    @model_validator(mode="after")
    def _ambiguous_are_terms(self) -> "LexiconEntry":
        own = {normalize(t) for t in self.surface_forms()}
        for field, forms in (
            ("ambiguous", self.ambiguous),
            ("exact_only", self.exact_only),
            ("case_sensitive", self.case_sensitive),
            ("negated_forms", self.negated_forms),
            ("past_forms", self.past_forms),
        ):
            for form in forms:
                if normalize(form) not in own:
                    raise ValueError(f"{field} form {form!r} is not a name or synonym of the entry")
        return self

    def is_case_sensitive(self, form: str) -> bool:
        """True when ``form`` is one of this entry's acronyms that must match with its case."""
        return form in self.case_sensitive

    def surface_forms(self) -> list[str]:
        """The name, every synonym and every coded-only form, each once (by normalised key), name first."""
        seen: set[str] = set()
        out: list[str] = []
        for form in [self.name, *self.synonyms, *self.coded_only]:
            key = normalize(form)
            if key not in seen:
                seen.add(key)
                out.append(form)
        return out


class ConditionEntry(LexiconEntry):
    """A disease, disorder, state or finding (ICD-10-CM coded).

    The code is a dotted ICD-10-CM code ("M32.14"), or a range ("E08-E13") for
    a mention that names a whole family and no one member of it ("diabetes
    mellitus" of no type: ICD-10-CM has no code for it, and coding it E11.9 would
    say type 2).

    ``names_kind`` marks an entry naming a kind that ICD-10-CM does not tell
    apart from others under its code: a tumour's histology ("glioblastoma",
    "small cell lung cancer"), where the code says only the site (C71.9,
    C34.90). A mention it codes keeps the code with the rule marked narrower
    (:attr:`criteria_nlp.schema.Rule.narrower`), so that a record holding the
    code is unknown for it unless the record names the same kind.
    """

    label: Literal["CONDITION"]
    names_kind: bool = False

    @model_validator(mode="after")
    def _icd(self) -> "ConditionEntry":
        if self.concept.system != "ICD-10-CM":
            raise ValueError(f"a condition is coded in ICD-10-CM, not {self.concept.system}")
        if icd_code_or_range(self.concept.code) != self.concept.code:
            raise ValueError(f"{self.concept.code!r} is neither a dotted ICD-10-CM code nor a range 'E08-E13'")
        return self


def names_kind(entry: LexiconEntry | None) -> bool:
    """Whether a lexicon entry names a kind its code does not tell apart (:class:`ConditionEntry` ``names_kind``)."""
    return isinstance(entry, ConditionEntry) and entry.names_kind


#: an ATC code of level 1 to 5 (A, A01, A01A, A01AA, A01AA01)
_ATC_CODE = re.compile(r"[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?")


class DrugEntry(LexiconEntry):
    """A drug class (ATC coded where there is a clear code) or a drug the package lacks or names oddly.

    ``members`` names drugs of a class (lower case, as in ``drug-named-entity-recognition``).
    ``atc_groups`` lists ATC groups every drug of which belongs to a class that has no ATC code
    of its own (anticoagulants: B01AA, B01AB, B01AE, B01AF; ATC files them with the antiplatelets
    under B01A), so that a medication coded under one of them is in the class.
    """

    label: Literal["DRUG"]
    is_class: bool = False
    members: list[str] = Field(default_factory=list)
    atc_groups: list[str] = Field(default_factory=list)

    @field_validator("atc_groups")
    @classmethod
    def _atc_codes(cls, groups: list[str]) -> list[str]:
        for code in groups:
            if not _ATC_CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not an ATC code (e.g. B01AA)")
        return groups

    @model_validator(mode="after")
    def _groups_of_a_class(self) -> "DrugEntry":
        if self.atc_groups and not self.is_class:
            raise ValueError("atc_groups belong to a drug class (is_class)")
        return self


class ProcedureEntry(LexiconEntry):
    """A procedure (internal concept; ICD-10-CM status codes in ``related``); ``kind`` is one of the kinds of
    ``procedure_kinds.json`` (surgery, imaging, drug therapy, ...), null for a mention of no one kind."""

    label: Literal["PROCEDURE"]
    kind: str | None = None


class ObservationEntry(LexiconEntry):
    """An observation about the person: consent, compliance, lifestyle, reproductive status."""

    label: Literal["OBSERVATION"]


class DeviceEntry(LexiconEntry):
    """A device or implant."""

    label: Literal["DEVICE"]


class LabEntry(LexiconEntry):
    """A laboratory test or physiological measure, with its LOINC code and canonical unit.

    ``loinc`` is null where no code is known for certain; ``concept`` then uses
    the internal system ``CRITERIA_NLP``.
    """

    label: Literal["LAB"]
    loinc: str | None = None
    loinc_name: str | None = None
    canonical_unit: str | None = None
    molar_mass: float | None = Field(default=None, gt=0)
    reference: Reference | None = None

    @model_validator(mode="after")
    def _loinc(self) -> "LabEntry":
        if self.loinc is None:
            if self.concept.system == "LOINC":
                raise ValueError("concept is LOINC but the entry has no loinc code")
            return self
        if not loinc_check_digit(self.loinc):
            raise ValueError(f"LOINC code {self.loinc!r} fails the check digit")
        if self.concept.system != "LOINC" or self.concept.code != self.loinc:
            raise ValueError(f"concept must be LOINC {self.loinc}")
        if not self.loinc_name:
            raise ValueError("a LOINC-coded lab needs its loinc_name")
        return self


class ScoreEntry(LexiconEntry):
    """A clinical score, index, scale, stage or set of classification criteria."""

    label: Literal["SCORE"]
    range: tuple[float | None, float | None] | None = None
    direction: Literal["higher_worse", "higher_better", "categorical"]
    unit: Literal["points", "%", "class", "grade", "stage", "criteria met", "m", "mm", "cm", "years"]
    kind: str
    grades: list[Grade] = Field(default_factory=list)
    threshold: str | None = None

    @model_validator(mode="after")
    def _score(self) -> "ScoreEntry":
        if self.concept.system != "SCORE" or "score:" + self.concept.code != self.id:
            raise ValueError(f"concept must be SCORE {self.id.removeprefix('score:')}")
        low, high = self.range if self.range is not None else (None, None)
        if low is not None and high is not None and low > high:
            raise ValueError(f"range [{low}, {high}] is reversed")
        if self.direction == "categorical" and not self.grades:
            raise ValueError("a categorical score lists its grades")
        return self


AnyEntry = Annotated[
    Union[ConditionEntry, DrugEntry, ProcedureEntry, ObservationEntry, DeviceEntry, LabEntry, ScoreEntry],
    Field(discriminator="label"),
]


class ResourceFile(_Strict):
    """One versioned resource file: metadata and its entries."""

    name: str
    version: str
    description: str
    sources: list[str] = Field(min_length=1)
    entries: list[AnyEntry] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _VERSION_RE.match(value):
            raise ValueError(f"version {value!r} is not MAJOR.MINOR.PATCH")
        return value


# --------------------------------------------------------------------------- loading


def _first_error(exc: ValidationError, data: Any) -> str:
    err = exc.errors()[0]
    loc = err.get("loc", ())
    where = ".".join(str(p) for p in loc)
    entry = ""
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int) and isinstance(data, dict):
        items = data.get("entries")
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            entry = f"entry {items[loc[1]].get('id', loc[1])!s}: "
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{entry}{where}: {err.get('msg', '')}{more}"


def _parse_resource(name: str, text: str, record: str) -> ResourceFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResourceError("X001", record=record, detail=f"malformed JSON: {exc}") from None
    try:
        res = ResourceFile.model_validate(data)
    except ValidationError as exc:
        raise ResourceError("X001", record=record, detail=_first_error(exc, data)) from None
    if res.name != name:
        raise ResourceError("X001", record=record, detail=f"name is {res.name!r}, expected {name!r}")
    label = RESOURCE_FILES[name]
    for entry in res.entries:
        if entry.label != label:
            raise ResourceError("X001", record=record, detail=f"entry {entry.id}: label {entry.label} in the {name} resource")
    return res


class Lexicon:
    """All vocabularies and catalogues, indexed by id, label and normalised surface form."""

    def __init__(self, resources_: dict[str, ResourceFile]) -> None:
        """Index ``resources_`` (resource name -> file); raises ``X001`` on clashes between entries."""
        self.resources: dict[str, ResourceFile] = dict(resources_)
        self._by_id: dict[str, LexiconEntry] = {}
        self._by_label: dict[str, list[LexiconEntry]] = {label: [] for label in LABELS}
        # label -> normalised key -> entries
        self._index: dict[str, dict[str, list[LexiconEntry]]] = {label: {} for label in LABELS}
        self._loinc: dict[str, LabEntry] = {}
        self._exact_only: set[tuple[str, str]] = set()  # (entry id, key)
        self._max_tokens = 1
        for name, res in self.resources.items():
            record = f"{name}.json"
            for entry in res.entries:
                if entry.id in self._by_id:
                    raise ResourceError("X001", record=record, detail=f"entry {entry.id}: duplicate id")
                self._by_id[entry.id] = entry
                self._by_label[entry.label].append(entry)
                if isinstance(entry, LabEntry) and entry.loinc is not None:
                    self._loinc.setdefault(entry.loinc, entry)
                self._exact_only.update((entry.id, normalize(f)) for f in entry.exact_only)
                for form in entry.surface_forms():
                    toks = tokens(form)
                    self._max_tokens = max(self._max_tokens, len(toks))
                    self._index[entry.label].setdefault(_key(toks), []).append(entry)
        for label, index in self._index.items():
            for key, entries in index.items():
                if len(entries) < 2:
                    continue
                for shared in entries:
                    if key not in {normalize(a) for a in shared.ambiguous}:
                        other = next(e.id for e in entries if e is not shared)
                        raise ResourceError(
                            "X001",
                            record=f"{self._resource_of(shared)}.json",
                            detail=f"entry {shared.id}: surface form {key!r} is also a {label} term of {other}"
                            " and is not listed as ambiguous",
                        )

    def _resource_of(self, entry: LexiconEntry) -> str:
        for name, label in RESOURCE_FILES.items():
            if label == entry.label:
                return name
        return entry.label.lower()

    # ----------------------------------------------------------------- constructors

    @classmethod
    def load(cls) -> "Lexicon":
        """The packaged lexicon (all seven resources), loaded once and cached."""
        return _packaged()

    @classmethod
    def from_disk(cls, path: str | Path) -> "Lexicon":
        """Load a folder holding the seven resource files (as written by :meth:`to_disk`)."""
        folder = Path(path)
        loaded: dict[str, ResourceFile] = {}
        for name in RESOURCE_FILES:
            file = folder / f"{name}.json"
            if not file.is_file():
                raise ResourceError("X002", record=str(file))
            loaded[name] = _parse_resource(name, file.read_text(encoding="utf-8"), str(file))
        return cls(loaded)

    def to_disk(self, path: str | Path) -> None:
        """Write every resource as ``<name>.json`` into the folder ``path`` (created if needed)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for name, res in self.resources.items():
            text = json.dumps(res.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False, indent=1)
            (folder / f"{name}.json").write_text(text + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Lexicon":
        """Rebuild from :meth:`to_dict` output (resource name -> resource JSON)."""
        loaded: dict[str, ResourceFile] = {}
        for name, payload in data.items():
            if name not in RESOURCE_FILES:
                raise ResourceError("X001", record=f"{name}.json", detail="unknown resource name")
            loaded[name] = _parse_resource(name, json.dumps(payload), f"{name}.json")
        return cls(loaded)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: resource name -> resource JSON."""
        return {name: res.model_dump(mode="json", exclude_defaults=True) for name, res in self.resources.items()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lexicon):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # ----------------------------------------------------------------- access

    def entries(self, label: str | None = None) -> list[LexiconEntry]:
        """Every entry, or those of one label, in resource order."""
        if label is None:
            return list(self._by_id.values())
        return list(self._by_label.get(label, []))

    def terms(self, label: str | None = None) -> Iterator[tuple[str, LexiconEntry]]:
        """Every (surface form, entry) pair: each entry's name and synonyms, each form once per entry."""
        for entry in self.entries(label):
            for form in entry.surface_forms():
                yield form, entry

    def get(self, id_: str) -> LexiconEntry:
        """The entry with this id; ``KeyError`` when there is none."""
        return self._by_id[id_]

    def lookup_all(self, text: str, label: str | None = None) -> list[LexiconEntry]:
        """Every entry one of whose surface forms equals ``text`` after :func:`normalize`."""
        key = normalize(text)
        if not key:
            return []
        labels = LABELS if label is None else (label,)
        out: list[LexiconEntry] = []
        for lab in labels:
            out.extend(self._index.get(lab, {}).get(key, []))
        return out

    def lookup(self, text: str, label: str | None = None) -> LexiconEntry | None:
        """The one entry whose name or synonym equals ``text`` after :func:`normalize`.

        None when nothing matches or when the form is ambiguous (two entries, of
        this label or, with ``label=None``, of different labels).
        """
        found = self.lookup_all(text, label)
        return found[0] if len(found) == 1 else None

    def find(self, text: str, label: str | None = None, min_chars: int = 2) -> tuple[LexiconEntry, int, int] | None:
        """The longest unambiguous term contained in ``text``, as (entry, first token, end token).

        Tokens are those of :func:`tokens`; longer matches (in tokens, then in
        characters) win, the rightmost among equals ("hypoxic seizures" is a
        seizure). Keys shorter than
        ``min_chars`` characters are ignored, and a one-token match of 3
        characters or less counts only when written in capitals or with a digit.
        """
        raw = _raw_tokens(text)
        toks = [t for _, t in raw]
        labels = LABELS if label is None else (label,)
        for n in range(min(len(toks), self._max_tokens), 0, -1):
            best: tuple[int, LexiconEntry, int] | None = None
            for i in range(0, len(toks) - n + 1):
                key = "".join(toks[i : i + n])
                if len(key) < min_chars:
                    continue
                if n == 1 and len(key) <= 3 and not (raw[i][0].isupper() or any(c.isdigit() for c in raw[i][0])):
                    continue  # a short word inside a sentence ("ms", "as") is not an abbreviation
                found = [e for lab in labels for e in self._index.get(lab, {}).get(key, [])]
                if len(found) == 1 and (found[0].id, key) in self._exact_only and n < len(toks):
                    continue
                if len(found) == 1 and (best is None or len(key) >= best[0]):
                    best = (len(key), found[0], i)  # among equals the rightmost: the head of an English noun phrase
            if best is not None:
                return best[1], best[2], best[2] + n
        return None

    def lab(self, id_or_loinc: str) -> LabEntry | None:
        """A lab by id (``lab:creatinine``), LOINC code (``2160-0``) or surface form."""
        entry = self._by_id.get(id_or_loinc)
        if entry is None:
            entry = self._loinc.get(id_or_loinc.strip())
        if entry is None:
            entry = self.lookup(id_or_loinc, "LAB")
        return entry if isinstance(entry, LabEntry) else None

    def score(self, id_or_text: str) -> ScoreEntry | None:
        """A score by id (``score:SLEDAI-2K``), catalogue code (``SLEDAI-2K``) or surface form."""
        entry = self._by_id.get(id_or_text) or self._by_id.get("score:" + id_or_text.strip())
        if entry is None:
            entry = self.lookup(id_or_text, "SCORE")
        return entry if isinstance(entry, ScoreEntry) else None

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        counts = ", ".join(f"{label}={len(v)}" for label, v in self._by_label.items() if v)
        return f"Lexicon({counts})"


@functools.lru_cache(maxsize=1)
def _packaged() -> Lexicon:
    root = resources.files("criteria_nlp").joinpath("resources")
    loaded: dict[str, ResourceFile] = {}
    for name in RESOURCE_FILES:
        file = root.joinpath(f"{name}.json")
        if not file.is_file():
            raise ResourceError("X002", record=f"criteria_nlp/resources/{name}.json")
        loaded[name] = _parse_resource(name, file.read_text(encoding="utf-8"), f"criteria_nlp/resources/{name}.json")
    return Lexicon(loaded)
