"""What kind of procedure a mention names (``resources/procedure_kinds.json``).

Every entry of ``procedures.json`` carries a kind (surgery, imaging, drug therapy,
...). A mention no entry codes ("shoulder arthroscopic procedures", "supraclavicular
block") gets the kind of the first cue its words meet, in the resource's order, so
that procedures can be grouped and compared across trials. A kind is not a code:
it never makes a rule computable.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from .resource_files import load_validated

RESOURCE = "procedure_kinds.json"

_WORD_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class KindCue(BaseModel):
    """Words, phrases or word endings that name one kind of procedure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    words: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    suffixes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> "KindCue":
        if not (self.words or self.phrases or self.suffixes):
            raise ValueError(f"the cue for {self.kind!r} lists no words, phrases or suffixes")
        for form in [*self.words, *self.phrases, *self.suffixes]:
            if form != form.lower() or not form.strip():
                raise ValueError(f"cue form {form!r} must be lower case and not empty")
        return self


class ProcedureKinds(BaseModel):
    """The kinds and the ordered cues of ``procedure_kinds.json``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    description: str
    sources: list[str]
    kinds: dict[str, str]
    cues: list[KindCue]
    _seen: dict[str, str | None] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _known_kinds(self) -> "ProcedureKinds":
        for cue in self.cues:
            if cue.kind not in self.kinds:
                raise ValueError(f"cue kind {cue.kind!r} is not one of the kinds")
        return self

    def kind_of(self, text: str) -> str | None:
        """The kind of the first cue the words of ``text`` meet, or None."""
        lowered = text.lower()
        if lowered not in self._seen:
            if len(self._seen) > 65536:
                self._seen.clear()
            self._seen[lowered] = _kind_of(self.cues, lowered)
        return self._seen[lowered]


def _kind_of(cues: list[KindCue], lowered: str) -> str | None:
    words = _WORD_RE.findall(lowered)
    parts = set(words) | {p for w in words if "-" in w for p in w.split("-")}
    joined = " " + " ".join(w.replace("-", " ") for w in words) + " "
    for cue in cues:
        if (parts.intersection(cue.words)
                or any(f" {phrase} " in joined for phrase in cue.phrases)
                or any(w.endswith(s) and len(w) > len(s) + 2 for w in parts for s in cue.suffixes)):
            return cue.kind
    return None


@lru_cache(maxsize=1)
def procedure_kinds() -> ProcedureKinds:
    """The packaged procedure kinds, validated (``X001``/``X002`` when the file is bad or missing)."""
    return load_validated(ProcedureKinds, RESOURCE)
