"""Abbreviations (factory ``criteria_abbreviations``): scispaCy's detector, made JSON-safe.

Wraps scispaCy's ``AbbreviationDetector`` (Schwartz & Hearst 2003) with
``make_serializable=True``, so ``doc._.abbreviations`` is a list of dicts
(``short_text``, ``short_start``, ``short_end``, ``long_text``, ``long_start``,
``long_end``; token offsets) that crosses process boundaries. The tagger uses it
to give "LVEF" the label and concept of "left ventricular ejection fraction".
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
import warnings

import numpy
from scispacy.abbreviation import AbbreviationDetector, filter_matches
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc

from .extensions import doc_text

_OPEN, _CLOSE = get_string_id("("), get_string_id(")")


class CriteriaAbbreviations:
    """spaCy component: set ``doc._.abbreviations`` (short form -> long form pairs, as dicts).

    scispaCy finds its candidates with a Matcher pattern ``( + )``, which yields
    every pair of brackets, however far apart: quadratic in the number of
    brackets of a text. Its filter keeps only pairs with at most 8 tokens inside,
    so this component lists those pairs directly (linear) and hands them to
    scispaCy's own ``filter_matches`` and ``find_matches_for``.
    """

    MAX_INSIDE = 8  # scispaCy ignores bracketed spans longer than this

    def __init__(self, nlp: Language, name: str = "criteria_abbreviations") -> None:
        self.name = name
        self.detector = AbbreviationDetector(nlp, name=name, make_serializable=True)

    def __call__(self, doc: Doc) -> Doc:
        doc._.abbreviations = []
        if "(" not in doc_text(doc):  # every definition is "long form (short form)" or "short form (long form)"
            return doc
        orth = doc.to_array(ORTH)  # the brackets' positions without a Token object per token
        closes = set(numpy.flatnonzero(orth == _CLOSE).tolist())
        inner: list[tuple[int, int, int]] = []
        for i in numpy.flatnonzero(orth == _OPEN).tolist():
            for j in range(i + 2, min(len(doc), i + self.MAX_INSIDE + 2)):
                if j in closes:
                    inner.append((0, i + 1, j))  # the tokens inside the brackets
        if not inner:
            return doc
        candidates = filter_matches(inner, doc)
        with warnings.catch_warnings():
            # scispaCy runs a second matcher that is empty when no definition was found (spaCy's W036)
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            found = self.detector.find_matches_for(candidates, doc)
        pairs = []
        for long_form, short_forms in found:
            for short in short_forms:
                pairs.append({
                    "short_text": short.text, "short_start": short.start, "short_end": short.end,
                    "long_text": long_form.text, "long_start": long_form.start, "long_end": long_form.end,
                })
        doc._.abbreviations = sorted(pairs, key=lambda p: (p["short_start"], p["long_start"]))
        return doc


@Language.factory("criteria_abbreviations", assigns=["doc._.abbreviations"])
def make_criteria_abbreviations(nlp: Language, name: str) -> CriteriaAbbreviations:
    """Factory for ``nlp.add_pipe("criteria_abbreviations")``."""
    return CriteriaAbbreviations(nlp, name)
