"""Abbreviations (factory ``criteria_abbreviations``): scispaCy's detector, made JSON-safe.

Wraps scispaCy's ``AbbreviationDetector`` (Schwartz & Hearst 2003) with
``make_serializable=True``, so ``doc._.abbreviations`` is a list of dicts
(``short_text``, ``short_start``, ``short_end``, ``long_text``, ``long_start``,
``long_end``; token offsets) that crosses process boundaries. The tagger uses it
to give "LVEF" the label and concept of "left ventricular ejection fraction".
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
import warnings

from scispacy.abbreviation import AbbreviationDetector
from spacy.language import Language
from spacy.tokens import Doc


class CriteriaAbbreviations:
    """spaCy component: set ``doc._.abbreviations`` (short form -> long form pairs, as dicts)."""

    def __init__(self, nlp: Language, name: str = "criteria_abbreviations") -> None:
        self.name = name
        self.detector = AbbreviationDetector(nlp, name=name, make_serializable=True)

    def __call__(self, doc: Doc) -> Doc:
        if "(" not in doc.text:  # every definition is "long form (short form)"
            doc._.abbreviations = []
            return doc
        with warnings.catch_warnings():
            # scispaCy runs a second matcher that is empty when no definition was found (spaCy's W036)
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            return self.detector(doc)


@Language.factory("criteria_abbreviations", assigns=["doc._.abbreviations"])
def make_criteria_abbreviations(nlp: Language, name: str) -> CriteriaAbbreviations:
    """Factory for ``nlp.add_pipe("criteria_abbreviations")``."""
    return CriteriaAbbreviations(nlp, name)
