"""Qualifiers: the words that narrow what a mention names ("uncontrolled", "chronic", "severe").

The catalogue is data (``resources/qualifiers.json``), validated on load. Each
qualifier has a normalised ``name``, a ``scale`` whose members exclude each
other (controlled / uncontrolled, acute / subacute / chronic, mild / moderate /
severe), the labels of the mentions it narrows, where it may stand and the
forms it is written in. ``confirm: false`` marks a qualifier that a current fact
already implies ("active": a condition on the record, not resolved, is active).

The tagger's context component finds qualifiers in criteria; the patient
reader normalises what a record says (``ConditionFact.qualifiers``) with
:meth:`QualifierLexicon.normalize`; matching compares the two by scale with
:meth:`QualifierLexicon.compare`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .resource_files import load_validated

RESOURCE = "qualifiers.json"

#: three-valued results of :meth:`QualifierLexicon.compare`
T, F, U = 1, 0, -1


class QualifierEntry(BaseModel):
    """One qualifier of the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    scale: str = Field(min_length=1)
    labels: list[str] = Field(min_length=1)
    position: Literal["before", "after", "both"] = "before"
    confirm: bool = True
    forms: list[str] = Field(min_length=1)


class QualifierLexicon(BaseModel):
    """The resource ``qualifiers.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str = ""
    qualifiers: list[QualifierEntry]

    @model_validator(mode="after")
    def _unique(self) -> "QualifierLexicon":
        names = [q.name for q in self.qualifiers]
        if len(names) != len(set(names)):
            raise ValueError("qualifier names must be unique")
        seen: dict[str, str] = {}
        for q in self.qualifiers:
            for form in q.forms:
                key = _key(form)
                if seen.setdefault(key, q.name) != q.name:
                    raise ValueError(f"the form {form!r} belongs to both {seen[key]!r} and {q.name!r}")
        return self

    @classmethod
    def load(cls, path: str | Path | None = None) -> "QualifierLexicon":
        """Load and validate ``path``, or the packaged catalogue."""
        return load_validated(cls, RESOURCE, path)

    @functools.cached_property
    def by_name(self) -> dict[str, QualifierEntry]:
        """Qualifiers by name."""
        return {q.name: q for q in self.qualifiers}

    @functools.cached_property
    def _by_form(self) -> dict[str, QualifierEntry]:
        out = {_key(q.name): q for q in self.qualifiers}
        for q in self.qualifiers:
            for form in q.forms:
                out[_key(form)] = q
        return out

    def normalize(self, text: str) -> str | None:
        """The qualifier name of a word as written ("poorly controlled" -> "uncontrolled"), or None."""
        entry = self._by_form.get(_key(text))
        return entry.name if entry is not None else None

    def needs_confirmation(self, names: Iterable[str]) -> list[str]:
        """The names, among ``names``, that a patient record must confirm (known qualifiers with ``confirm``)."""
        return [n for n in names if n in self.by_name and self.by_name[n].confirm]

    def compare(self, wanted: Sequence[str], stated: Sequence[str] | None) -> int:
        """Whether a fact stating ``stated`` has the qualifiers ``wanted`` (1 yes, 0 no, -1 unknown).

        Per scale of the wanted qualifiers: the fact confirms it when it states one of
        the wanted members, refutes it when it states only other members of the
        scale, and leaves it unknown when it states none. All scales must be confirmed.
        """
        scales: dict[str, set[str]] = {}
        for name in self.needs_confirmation(wanted):
            scales.setdefault(self.by_name[name].scale, set()).add(name)
        if not scales:
            return T
        have: dict[str, set[str]] = {}
        for name in stated or ():
            entry = self.by_name.get(name)
            if entry is not None:
                have.setdefault(entry.scale, set()).add(name)
        results = []
        for scale, members in scales.items():
            got = have.get(scale)
            results.append(U if not got else (T if got & members else F))
        if F in results:
            return F
        return U if U in results else T


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", " ", text.strip().lower())


@functools.lru_cache(maxsize=1)
def qualifier_lexicon() -> QualifierLexicon:
    """The packaged qualifier catalogue (loaded once)."""
    return QualifierLexicon.load()


__all__ = ["QualifierEntry", "QualifierLexicon", "qualifier_lexicon"]
