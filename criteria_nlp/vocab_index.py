"""Open-vocabulary coding: approximate look-up of a mention in a whole code set.

A :class:`VocabularyIndex` holds the entries of one vocabulary (an entry is a
text with the code it names: an ICD-10-CM description or inclusion term, a
drug name or brand, a drug class with its ATC code, a lab with its LOINC code)
and finds the entries nearest a mention by character n-gram TF-IDF and cosine
similarity, as scispaCy's linker does for UMLS. Character n-grams survive
plurals, misspellings and inflections; the normalisation sorts the words of
entry and mention alike, so word order does not count either ("renal
insufficiency, chronic" meets "Chronic renal insufficiency", N18.9).

Typical use::

    from criteria_nlp.vocab_index import index_for
    index = index_for("CONDITION")       # built once, then read from the cache folder
    index.lookup("decompensated liver cirrhosis", k=3)
    index.code("diabetes")               # Match(code='E08-E13', kind='generic', ...)

Builders:

* :func:`build_condition_index`: every ICD-10-CM category, subcategory and
  block of ``simple_icd_10_cm`` (descriptions, their short forms without
  bracketed modifiers and "unspecified", inclusion terms; 7th-character
  extensions only add the encounter and are left out), with the condition
  lexicon's curated terms first;
* :func:`build_drug_index`: drug names and synonyms of
  ``drug-named-entity-recognition`` (DrugBank or MedlinePlus coded) and the
  drug lexicon (classes with ATC codes);
* :func:`build_lab_index`: the lab and score lexicons (LOINC where known);
* :func:`build_procedure_index`: the procedure lexicon.

Curated lexicon entries get a small score bonus (:data:`CURATED_BONUS`): where
a curated term and a vocabulary entry are equally near, the curated code wins.

Generic heads: a mention that is exactly the name of a generic condition of
``resources/concept_ranges.json`` ("heart disease", "malignancy") or a lexicon
term coded with an ICD-10-CM range ("diabetes": E08-E13) gets that code, with
kind ``"generic"`` and score 1.0, before any nearest neighbour: a mention more
general than any one code gets the range it names, never a guessed member.

A match scoring under the index's ``threshold`` is no code:
:meth:`VocabularyIndex.code` returns None for it and a caller must flag the
rule for review rather than keep the guess.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .lexicon import Lexicon, LexiconEntry

__all__ = [
    "CURATED_BONUS",
    "DEFAULT_THRESHOLDS",
    "Entry",
    "Match",
    "VocabularyIndex",
    "build_condition_index",
    "build_drug_index",
    "build_lab_index",
    "build_procedure_index",
    "cache_dir",
    "index_for",
    "normalize_text",
]

Kind = Literal["generic", "lexicon", "class", "description", "inclusion", "block", "name", "brand", "index"]

#: the order in which equally near entries win: curated first, then an entry's own description
_KIND_RANK: dict[str, int] = {
    "generic": 0,
    "lexicon": 1,
    "class": 1,
    "description": 2,
    "name": 2,
    "block": 3,
    "inclusion": 4,
    "brand": 4,
    "index": 5,
}

#: added to the cosine of a curated (lexicon) entry
CURATED_BONUS = 0.03

#: the score under which a label's best match is no code (chosen on a hand-made Chia TRAIN dev set,
#: see benchmarks/coding.py)
DEFAULT_THRESHOLDS: dict[str, float] = {"CONDITION": 0.7, "DRUG": 0.7, "LAB": 0.7, "PROCEDURE": 0.7}

#: bump when the entry set, the normalisation or the file layout changes: older caches are rebuilt
FORMAT_VERSION = 3

# words that carry no meaning for the match: articles, the classification's own noise
_DROP = frozenset(
    "a an the of unspecified nos nec specified elsewhere classified otherwise site".split()
)
_KEEP_S = ("ss", "us", "is", "ous", "ics", "ys", "as", "os")
_NON_WORD_RE = re.compile(r"[^0-9a-z]+")
_PAREN_RE = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")


def _singular(token: str) -> str:
    if len(token) < 4 or not token.endswith("s") or token.endswith(_KEEP_S) or token[-2].isdigit():
        return token
    if token.endswith("ies") and len(token) >= 5:
        return token[:-3] + "y"
    return token[:-1]


@functools.lru_cache(maxsize=1 << 16)
def normalize_text(text: str, sort_words: bool = True) -> str:
    """The text an index compares: lower case, accents and punctuation gone, plural "s" dropped crudely,
    articles and "unspecified"/"NOS" dropped, and (``sort_words``) the words sorted and each kept once.

    ``normalize_text("Renal insufficiency, chronic")`` is ``"chronic insufficiency renal"``.
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower().replace("'s ", "s ")
    words = [_singular(w) for w in _NON_WORD_RE.sub(" ", folded).split() if w not in _DROP]
    if sort_words:
        words = sorted(set(words))
    return " ".join(words)


@dataclass(frozen=True)
class Entry:
    """One text of a vocabulary with the code it names."""

    text: str
    system: str
    code: str
    display: str
    kind: str
    curated: bool = False


@dataclass(frozen=True)
class Match:
    """A vocabulary entry near a mention: its code, the entry text matched, and the score (cosine, plus
    :data:`CURATED_BONUS` for a curated entry, at most 1.0)."""

    system: str
    code: str
    display: str
    entry_text: str
    score: float
    kind: str


class VocabularyIndex:
    """Character n-gram TF-IDF vectors of a vocabulary's entries, searched by cosine similarity."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        name: str = "vocabulary",
        ngram_range: tuple[int, int] = (3, 3),
        sort_words: bool = True,
        threshold: float = 0.7,
        generic: dict[str, Entry] | None = None,
        source: str = "",
        _fitted: tuple[TfidfVectorizer, sp.csr_matrix] | None = None,
    ) -> None:
        self.name = name
        self.ngram_range = ngram_range
        self.sort_words = sort_words
        self.threshold = threshold
        self.source = source
        self.generic: dict[str, Entry] = {normalize_text(key, False): e for key, e in (generic or {}).items()}
        # one row per distinct (normalised text, system, code): the best kind wins
        best: dict[tuple[str, str, str], Entry] = {}
        for entry in entries:
            norm = normalize_text(entry.text, sort_words)
            if not norm:
                continue
            key = (norm, entry.system, entry.code)
            old = best.get(key)
            if old is None or _KIND_RANK.get(entry.kind, 9) < _KIND_RANK.get(old.kind, 9):
                best[key] = entry
        self.entries: list[Entry] = list(best.values())
        self._norms = [k[0] for k in best]
        if _fitted is not None:
            self.vectorizer, matrix = _fitted
        else:
            self.vectorizer = TfidfVectorizer(
                analyzer="char_wb", ngram_range=ngram_range, lowercase=False, sublinear_tf=True, dtype=np.float32
            )
            matrix = self.vectorizer.fit_transform(self._norms)
        # features x entries, so that a query row times it touches only the query's n-grams
        self._by_feature: sp.csr_matrix = sp.csr_matrix(matrix.T)
        self._bonus = np.array([CURATED_BONUS if e.curated else 0.0 for e in self.entries], dtype=np.float32)
        self._rank = np.array(
            [_KIND_RANK.get(e.kind, 9) * 100 + min(len(e.code), 99) for e in self.entries], dtype=np.int32
        )

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"VocabularyIndex({self.name!r}, {len(self)} entries, ngram_range={self.ngram_range})"

    # ------------------------------------------------------------------ look-up

    def _generic(self, text: str) -> Match | None:
        entry = self.generic.get(normalize_text(text, False))
        if entry is None:
            return None
        return Match(entry.system, entry.code, entry.display, entry.text, 1.0, "generic")

    def _top(self, idx: np.ndarray[Any, Any], vals: np.ndarray[Any, Any], k: int) -> list[Match]:
        """The best ``k`` codes among the entries ``idx`` with cosines ``vals`` (the non-zero ones)."""
        if len(idx) == 0:
            return []
        scores = vals + self._bonus[idx]
        n = max(k * 8, 32)
        if n < len(scores):
            part = np.argpartition(-scores, n - 1)[:n]
            idx, scores = idx[part], scores[part]
        # the highest score first; equal scores: curated, own description, then the shorter (more general) code
        order = np.lexsort((self._rank[idx], -np.round(scores, 6)))
        out: list[Match] = []
        seen: set[tuple[str, str]] = set()
        for j in order:
            e = self.entries[int(idx[j])]
            if (e.system, e.code) in seen:
                continue
            seen.add((e.system, e.code))
            out.append(Match(e.system, e.code, e.display, e.text, round(min(float(scores[j]), 1.0), 4), e.kind))
            if len(out) == k:
                break
        return out

    def lookup(self, text: str, k: int = 5) -> list[Match]:
        """The ``k`` codes nearest ``text``, best first (each code once, by its nearest entry)."""
        return self.lookup_many([text], k)[0]

    def lookup_many(self, texts: Sequence[str], k: int = 5) -> list[list[Match]]:
        """:meth:`lookup` for many mentions at once (one sparse product)."""
        out: list[list[Match]] = [[] for _ in texts]
        todo: list[int] = []
        for i, text in enumerate(texts):
            generic = self._generic(text)
            if generic is not None:
                out[i].append(generic)
            todo.append(i)
        if not todo:
            return out
        queries = self.vectorizer.transform([normalize_text(texts[i], self.sort_words) for i in todo])
        scores = sp.csr_matrix(queries @ self._by_feature)
        for row, i in enumerate(todo):
            lo, hi = scores.indptr[row], scores.indptr[row + 1]
            matches = self._top(scores.indices[lo:hi], scores.data[lo:hi], k)
            if out[i]:
                generic = out[i][0]
                matches = [generic, *[m for m in matches if (m.system, m.code) != (generic.system, generic.code)]]
            out[i] = matches[:k]
        return out

    def code(self, text: str, threshold: float | None = None) -> Match | None:
        """The best match of ``text``, or None when it scores under the threshold (no code, not a guess)."""
        found = self.lookup(text, k=1)
        limit = self.threshold if threshold is None else threshold
        return found[0] if found and found[0].score >= limit else None

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | Path) -> None:
        """Write the index into the folder ``path``: entries (JSON), vectors (``.npz``), vectorizer (pickle)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "name": self.name,
            "format": FORMAT_VERSION,
            "ngram_range": list(self.ngram_range),
            "sort_words": self.sort_words,
            "threshold": self.threshold,
            "source": self.source,
            "sklearn": version("scikit-learn"),
            # columns text, system, code, kind, curated; the display once per code (and curated), in "displays"
            "entries": [[e.text, e.system, e.code, e.kind, int(e.curated)] for e in self.entries],
            "displays": {f"{e.system}|{e.code}|{int(e.curated)}": e.display for e in self.entries},
            "generic": {key: asdict(e) for key, e in self.generic.items()},
        }
        (folder / "entries.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        sp.save_npz(folder / "vectors.npz", sp.csr_matrix(self._by_feature.T), compressed=True)
        with (folder / "vectorizer.pkl").open("wb") as f:
            pickle.dump(self.vectorizer, f, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | Path) -> VocabularyIndex:
        """An index written by :meth:`save` (only load folders you wrote: the vectorizer is a pickle)."""
        folder = Path(path)
        meta = json.loads((folder / "entries.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{folder}: index format {meta.get('format')}, expected {FORMAT_VERSION}")
        with (folder / "vectorizer.pkl").open("rb") as f:
            vectorizer = pickle.load(f)  # noqa: S301 - a file this module wrote
        matrix = sp.load_npz(folder / "vectors.npz").tocsr()
        lo, hi = meta["ngram_range"]
        displays: dict[str, str] = meta["displays"]
        entries = [
            Entry(text, system, code, displays[f"{system}|{code}|{curated}"], kind, bool(curated))
            for text, system, code, kind, curated in meta["entries"]
        ]
        return cls(
            entries,
            name=meta["name"],
            ngram_range=(int(lo), int(hi)),
            sort_words=bool(meta["sort_words"]),
            threshold=float(meta["threshold"]),
            generic={key: Entry(**e) for key, e in meta["generic"].items()},
            source=str(meta.get("source", "")),
            _fitted=(vectorizer, matrix),
        )


# --------------------------------------------------------------------------- builders


def _lexicon_entries(entries: Iterable[LexiconEntry]) -> list[Entry]:
    out: list[Entry] = []
    for entry in entries:
        c = entry.concept
        display = c.name or entry.name
        kind = "class" if getattr(entry, "is_class", False) else "lexicon"
        for form in entry.surface_forms():
            # "chemotherapy (procedure)": the bracketed tag is no part of the name
            for text in _icd_forms(form):
                out.append(Entry(text, c.system, c.code, display, kind, True))
        loinc_name = getattr(entry, "loinc_name", None)
        if loinc_name:
            out.append(Entry(str(loinc_name), c.system, c.code, display, "description", True))
    return out


def _icd_forms(text: str) -> list[str]:
    forms = [text, _PAREN_RE.sub("", text).strip(" ,")]
    return [f for f in dict.fromkeys(forms) if f]


def _generic_conditions(lex: Lexicon) -> dict[str, Entry]:
    """Exact mention key -> the generic code it names: the names of ``concept_ranges.json``'s generic
    conditions (those not tied to lexicon entries) and the lexicon terms coded with an ICD-10-CM range."""
    raw = resources.files("criteria_nlp.resources").joinpath("concept_ranges.json").read_text("utf-8")
    table: dict[str, Any] = json.loads(raw)
    out: dict[str, Entry] = {}
    for row in table.get("conditions", []):
        if row.get("entries"):
            continue
        code = str(row["code"])
        out[normalize_text(str(row["name"]), False)] = Entry(str(row["name"]), "ICD-10-CM", code, str(row["name"]), "generic", True)
    for entry in lex.entries("CONDITION"):
        if "-" in entry.concept.code:
            for form in entry.surface_forms():
                out.setdefault(
                    normalize_text(form, False),
                    Entry(form, entry.concept.system, entry.concept.code, entry.concept.name or entry.name, "generic", True),
                )
    return out


def _icd() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def condition_entries() -> list[Entry]:
    """The condition lexicon's terms, then every ICD-10-CM category, subcategory and block."""
    icd = _icd()
    out = _lexicon_entries(Lexicon.load().entries("CONDITION"))
    for code in icd.get_all_codes(True):
        if icd.is_chapter(code) or icd.is_extended_subcategory(code):
            continue
        desc = str(icd.get_description(code))
        kind = "block" if icd.is_block(code) else "description"
        out.extend(Entry(form, "ICD-10-CM", code, desc, kind) for form in _icd_forms(desc))
        if kind == "block":
            continue
        for inc in [*icd.get_inclusion_term(code), *icd.get_includes(code)]:
            out.extend(Entry(form, "ICD-10-CM", code, desc, "inclusion") for form in _icd_forms(str(inc)))
    return out


def build_condition_index(ngram_range: tuple[int, int] = (3, 3), sort_words: bool = True) -> VocabularyIndex:
    """CONDITION -> ICD-10-CM (see the module's description)."""
    return VocabularyIndex(
        condition_entries(),
        name="condition",
        ngram_range=ngram_range,
        sort_words=sort_words,
        threshold=DEFAULT_THRESHOLDS["CONDITION"],
        generic=_generic_conditions(Lexicon.load()),
        source=f"simple-icd-10-cm=={version('simple-icd-10-cm')}",
    )


def drug_entries() -> list[Entry]:
    """The drug lexicon (classes with ATC codes first), then the drug package's usable names and synonyms."""
    from .codes import _drug_concept, _drug_data, _is_drug_entry, _usable_variant, with_atc

    out = _lexicon_entries(Lexicon.load().entries("DRUG"))
    data = _drug_data()
    canon: dict[str, dict[str, Any]] = data["drug_canonical_to_data"]
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        if not _usable_variant(variant):
            continue
        # a variant of several package entries counts when they share one drug ("niacin": its salts and forms)
        concepts = {
            (c.system, c.code): (canonical, c)
            for canonical in canonicals
            if (info := canon.get(canonical)) is not None and _is_drug_entry(info)
            for c in [with_atc(_drug_concept(canonical, info))]
        }
        if len(concepts) != 1:
            continue
        canonical, concept = next(iter(concepts.values()))
        display = concept.name or canonical
        kind = "name" if variant.lower() in (canonical.lower(), display.lower()) else "brand"
        out.append(Entry(variant, concept.system, concept.code, display, kind))
    return out


def build_drug_index(ngram_range: tuple[int, int] = (3, 3), sort_words: bool = True) -> VocabularyIndex:
    """DRUG -> ATC class (curated), ATC substance (``atc_substances.json``) or DrugBank / MedlinePlus drug."""
    return VocabularyIndex(
        drug_entries(),
        name="drug",
        ngram_range=ngram_range,
        sort_words=sort_words,
        threshold=DEFAULT_THRESHOLDS["DRUG"],
        source=f"drug-named-entity-recognition=={version('drug-named-entity-recognition')}",
    )


def build_lab_index(ngram_range: tuple[int, int] = (3, 3), sort_words: bool = True) -> VocabularyIndex:
    """LAB -> LOINC (the lab lexicon, then the score lexicon: criteria and annotators disagree on the border)."""
    lex = Lexicon.load()
    return VocabularyIndex(
        _lexicon_entries([*lex.entries("LAB"), *lex.entries("SCORE")]),
        name="lab",
        ngram_range=ngram_range,
        sort_words=sort_words,
        threshold=DEFAULT_THRESHOLDS["LAB"],
    )


def build_procedure_index(ngram_range: tuple[int, int] = (3, 3), sort_words: bool = True) -> VocabularyIndex:
    """PROCEDURE -> the procedure lexicon's ids."""
    lex = Lexicon.load()
    return VocabularyIndex(
        _lexicon_entries([*lex.entries("PROCEDURE"), *lex.entries("DEVICE")]),
        name="procedure",
        ngram_range=ngram_range,
        sort_words=sort_words,
        threshold=DEFAULT_THRESHOLDS["PROCEDURE"],
    )


# --------------------------------------------------------------------------- cached indexes


def cache_dir() -> Path:
    """Where built indexes are kept: ``$CRITERIA_NLP_CACHE``, else the user's cache folder."""
    env = os.environ.get("CRITERIA_NLP_CACHE")
    if env:
        return Path(env)
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # pragma: no cover - platformdirs comes with most environments
        return Path.home() / ".cache" / "criteria_nlp"
    return Path(user_cache_dir("criteria_nlp"))


_BUILDERS = {
    "condition": (build_condition_index, "simple-icd-10-cm"),
    "drug": (build_drug_index, "drug-named-entity-recognition"),
    "lab": (build_lab_index, ""),
    "procedure": (build_procedure_index, ""),
}


#: the packaged resources an index is built from: a change to any of them makes a new cache entry
_SOURCES = ("conditions.json", "drug_classes.json", "atc_substances.json", "labs.json", "scores.json",
            "procedures.json", "devices.json", "concept_ranges.json", "observations.json")


@functools.lru_cache(maxsize=1)
def _resources_digest() -> str:
    """A short hash of the lexicon resources the indexes hold (a cache built before an edit is not reused)."""
    import hashlib

    digest = hashlib.sha1()
    folder = resources.files("criteria_nlp.resources")
    for name in _SOURCES:
        item = folder.joinpath(name)
        digest.update(name.encode())
        digest.update(item.read_bytes() if item.is_file() else b"-")
    return digest.hexdigest()[:10]


def _cached(name: str) -> VocabularyIndex:
    builder, package = _BUILDERS[name]
    from .about import __version__

    stamp = (f"{name}-f{FORMAT_VERSION}-{version(package) if package else 'lexicon'}-cnlp{__version__}"
             f"-sk{version('scikit-learn')}-r{_resources_digest()}")
    folder = cache_dir() / "vocab_index" / stamp
    if (folder / "entries.json").exists():
        try:
            return VocabularyIndex.load(folder)
        except Exception:  # a broken or foreign cache entry: rebuild it
            pass
    index = builder()
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    try:
        index.save(tmp)
        if not folder.exists():
            tmp.rename(folder)
    except OSError:  # a read-only cache folder: the index still works in memory
        pass
    return index


@functools.lru_cache(maxsize=None)
def index_for(label: str) -> VocabularyIndex | None:
    """The index of a label (CONDITION, DRUG, LAB, PROCEDURE; LAB also for SCORE), cached on disk, or None."""
    name = {"CONDITION": "condition", "DRUG": "drug", "LAB": "lab", "SCORE": "lab", "PROCEDURE": "procedure"}.get(
        label.upper()
    )
    if name is None:
        return None
    return _cached(name)
