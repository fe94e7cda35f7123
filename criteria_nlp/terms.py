"""A dictionary matcher for large term lists, independent of how terms are tokenised.

A term's key is its text lower-cased with whitespace and hyphens removed
("Hepatitis B" -> "hepatitisb", "breast-feeding" -> "breastfeeding"). A span of a ``Doc`` matches when the concatenated lower-cased
texts of its tokens equal a key, so a term matches whatever way the tokenizer
splits it ("anti-dsDNA", "LVEF)≥"), and nothing is tokenised or added to the
vocabulary when the lists are loaded: 150,000 terms load in well under a second,
where spaCy's ``PhraseMatcher`` would tokenise each one and create a lexeme for
every new word. Matches start and end on token boundaries and never cross a
whitespace token (a line break inside a criterion). Given where the text has
spaces, a match spans no more of them than a form of its key has places for
(spaces or hyphens): "as a" is not "ASA", "breast feeding" matches
"breast-feeding".

Forms listed as case-sensitive (acronyms that are ordinary words once
lower-cased: "AS", "MG", "PT") match only as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_TOKENS = 12
HEAD = 6  # every key's first HEAD characters (or fewer) are kept in ``head_max`` to stop extending early


_HYPHEN_CHARS = "-‐‑‒–"
HYPHENS = str.maketrans("", "", _HYPHEN_CHARS)
_NO_IDS: list[int] = []  # shared, never changed
SEPARATOR = "\x1f"  # joins token texts for one translate call; never a hyphen
# where a form may have a space in the text ("breast-feeding" as "breast feeding"): whitespace or hyphens
_PARTS = re.compile(f"[\\s{re.escape(_HYPHEN_CHARS)}]+")


def term_key(text: str) -> str:
    """The matching key of a term: lower case, no whitespace, no hyphens ("Breast-feeding" -> "breastfeeding")."""
    return "".join(text.split()).lower().translate(HYPHENS)


def exact_key(text: str) -> str:
    """The matching key of a case-sensitive term: no whitespace or hyphens, case kept."""
    return "".join(text.split()).translate(HYPHENS)


def token_keys(texts: Sequence[str]) -> list[str]:
    """Token texts as they enter keys (hyphens removed); a bare hyphen token becomes ""."""
    joined = SEPARATOR.join(texts)
    if joined.count(SEPARATOR) == len(texts) - 1:  # one C call instead of one per token
        return joined.translate(HYPHENS).split(SEPARATOR) if texts else []
    return [t.translate(HYPHENS) for t in texts]


@dataclass
class TermIndex:
    """Keys -> payload ids; ``payloads[i]`` is whatever the caller stored for id ``i``."""

    lower: dict[str, list[int]] = field(default_factory=dict)
    exact: dict[str, list[int]] = field(default_factory=dict)
    payloads: list[Any] = field(default_factory=list)
    #: each key's first 1..HEAD characters -> the longest key they begin
    head_max: dict[str, int] = field(default_factory=dict)
    exact_lower: set[str] = field(default_factory=set)  # case-sensitive keys, lower-cased: a cheap first test
    spaces: dict[str, int] = field(default_factory=dict)  # lower-cased key -> most spaces in one of its forms
    _merged: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    _merged_size: tuple[int, int] = field(default=(-1, -1), repr=False, compare=False)

    def add_payload(self, payload: Any) -> int:
        """Store a payload and return its id."""
        self.payloads.append(payload)
        return len(self.payloads) - 1

    def add(self, forms: Iterable[str], payload_id: int, *, case_sensitive: Iterable[str] = ()) -> None:
        """Index ``forms`` under ``payload_id``; forms in ``case_sensitive`` match only as written."""
        exact_forms = set(case_sensitive)
        for form in forms:
            if form in exact_forms:
                continue
            key = term_key(form)
            if key and payload_id not in self.lower.setdefault(key, []):
                self.lower[key].append(payload_id)
            if key:
                self._note(key.lower(), form)
        for form in exact_forms:
            key = exact_key(form)
            if key and payload_id not in self.exact.setdefault(key, []):
                self.exact[key].append(payload_id)
                self.exact_lower.add(key.lower())
            if key:
                self._note(key.lower(), form)

    def _note(self, key: str, form: str) -> None:
        self.spaces[key] = max(self.spaces.get(key, 0), len(_PARTS.split(form.strip())) - 1)
        for n in range(1, min(HEAD, len(key)) + 1):
            if self.head_max.get(key[:n], 0) < len(key):
                self.head_max[key[:n]] = len(key)

    def _keys(self) -> dict[str, list[int]]:
        """Every lower-cased key -> its payload ids (empty for a key only a case-sensitive form has): one dict
        look-up for each span tried, where ``lower`` and ``exact_lower`` took two; rebuilt after ``add``."""
        size = (len(self.lower), len(self.exact_lower))
        if self._merged_size != size:
            merged = {key: _NO_IDS for key in self.exact_lower}
            merged.update(self.lower)
            self._merged, self._merged_size = merged, size
        return self._merged

    def __len__(self) -> int:
        return len(self.lower) + len(self.exact)

    def match(self, lower: Sequence[str], orth: Sequence[str] | Callable[[int, int], str],
              barrier: Sequence[bool] | None = None,
              allowed: Sequence[bool] | None = None,
              spaced: Sequence[bool] | None = None) -> list[tuple[int, int, int]]:
        """Every (start, end, payload id) over tokens given by their lower-case and verbatim texts.

        ``orth`` is the verbatim token texts, or a function giving the verbatim
        text of tokens ``i`` to ``j`` (only called where a case-sensitive term
        could match). ``barrier[i]`` marks tokens no match may include
        (whitespace; by default the tokens that are whitespace); ``allowed[i]``,
        when given, marks tokens a match may cover; ``spaced[i]``, when given,
        marks tokens followed by a space that separates words, and a match may
        then span no more of them than a form of its key has spaces or hyphens.
        A match neither starts nor ends on a bare hyphen.
        """
        lower = token_keys(lower)
        if barrier is None:
            barrier = [not t or t.isspace() for t in lower]
        if callable(orth):
            verbatim = orth
        else:
            keys = token_keys(orth)

            def verbatim(i: int, j: int) -> str:
                return "".join(keys[i:j])

        out: list[tuple[int, int, int]] = []
        n = len(lower)
        exact_index, exact_lower, head_max, spaces = self.exact, self.exact_lower, self.head_max, self.spaces
        index = self._keys()
        blocked = barrier if allowed is None else [b or not a for b, a in zip(barrier, allowed)]
        for i in range(n):
            if blocked[i] or not lower[i]:
                continue
            low = ""
            limit = -1
            for j in range(i, min(n, i + MAX_TOKENS)):
                if blocked[j]:
                    break
                grows = len(low) < HEAD  # longer spans share the head and its limit
                low += lower[j]
                if grows:  # no key begins with the head (-1), or none is longer than limit
                    limit = head_max.get(low[:HEAD], -1)
                if len(low) > limit:
                    break
                if not lower[j]:
                    continue
                ids = index.get(low)
                if ids is None:
                    continue
                exact = low in exact_lower
                if spaced is not None and j > i and sum(spaced[i:j]) > spaces.get(low, 0):
                    continue  # "as a" is no spelling of "ASA"
                if ids:
                    out.extend((i, j + 1, pid) for pid in ids)
                if exact:
                    ids = exact_index.get(verbatim(i, j + 1).translate(HYPHENS))
                    if ids:
                        out.extend((i, j + 1, pid) for pid in ids)
        return out
