"""A tokenizer for eligibility criteria, built on scispaCy's rule tokenizer.

It keeps biomedical tokens whole ("anti-dsDNA", "IL-6", "SELENA-SLEDAI",
"mg/dL", "mL/min") and splits what criteria glue together: comparators
("LVEF)≥", "ALT<2.5X"), a multiplier after a number ("2.5X ULN"), an opening
bracket after a word ("SLE(Systemic"), and word/word pairs such as
"pregnancy/lactation" or "B/C" (units such as "mg/dL" stay whole).

Registered as ``criteria_nlp.tokenizer.v1``.
"""

from __future__ import annotations

from typing import Any, Callable

from scispacy.consts import ABBREVIATIONS
from spacy.lang import char_classes
from spacy.lang.punctuation import TOKENIZER_PREFIXES
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

COMPARATOR_CHARS = "≥≤<>=≦≧⩾⩽"


def _prefixes() -> list[str]:
    # spaCy's English prefixes plus scispaCy's extra symbols; scispaCy's own bracket rules
    # ("(" kept in "(BRCA1)x") use look-aheads that halve tokenizer speed on criteria text
    return [r"(?:[<>]=|=[<>])", *TOKENIZER_PREFIXES, "§", "%", "=", r"\+", "[≥≤≦≧⩾⩽]", "[±~≈]", "×", "•", "▪", "●", "◦", "·"]


def _infixes() -> list[str]:
    hyphens = char_classes.HYPHENS.replace("-|", "", 1)
    alpha = char_classes.ALPHA
    return [
        *char_classes.LIST_ELLIPSES,
        *char_classes.LIST_ICONS,
        r"×",
        r"(?<=[0-9])[+\-\*^](?=[0-9-])",
        r"(?<=[{al}])\.(?=[{au}])".format(al=char_classes.ALPHA_LOWER, au=char_classes.ALPHA_UPPER),
        r"(?<=[{a}]),(?=[{a}])".format(a=alpha),
        r'(?<=[{a}])[?";:=,.]*(?:{h})(?=[{a}])'.format(a=alpha, h=hyphens),
        r'(?<=[{a}"])[:<>=](?=[{a}])'.format(a=alpha),
        # comparators glued to what they compare: "ALT<2.5", "LVEF≥50", "age>=18"
        r"(?:[<>]=?|=>|=<|[≥≤≦≧⩾⩽])(?=[0-9.])",
        r"(?<=[{a}0-9)\]])(?:[<>]=?|=>|=<|[≥≤≦≧⩾⩽])".format(a=alpha),
        # an opening bracket glued to the word before it: "SLE(Systemic", "Rheumatology(ACR)"
        r"(?<=[{a}0-9])[(\[](?=[{a}0-9])".format(a=alpha),
        # a closing bracket glued to the word after it: "(LVEF)of"
        r"(?<=[{a}0-9])[)\]](?=[{a}])".format(a=alpha),
        # word/word but not units: "pregnancy/lactation", "B/C", not "mg/dL", "mL/min"
        r"(?<=[{a}]{{3}})/(?=[{a}]{{3}})".format(a=alpha),
        r"(?<=\b[A-Z])/(?=[A-Z]\b)",
        # semicolons glued to the next word: "consent;Class"
        r"(?<=[{a}0-9)]);(?=[{a}])".format(a=alpha),
    ]


def _suffixes() -> list[str]:
    quotes = [*char_classes.LIST_QUOTES, "’"]
    suffix_punct = char_classes.PUNCT.replace("|", " ")
    return [
        *char_classes.split_chars(suffix_punct),  # type: ignore[no-untyped-call]
        *char_classes.LIST_ELLIPSES,
        *quotes,
        *char_classes.LIST_ICONS,
        "'s", "'S", "’s", "’S",
        r"(?<=[0-9])\+",
        r"(?<=°[FfCcKk])\.",
        r"(?<=[0-9])(?:{})".format(char_classes.CURRENCY),
        r"(?<=[0-9])(?:{u})".format(u=char_classes.UNITS),
        r"(?<=[0-9{al}%²\-)\]+'\"’])\.".format(al=char_classes.ALPHA_LOWER),
        r"(?<=[{au}0-9][{au}])\.".format(au=char_classes.ALPHA_UPPER),
        # a comparator or multiplier left at the end: "LVEF)≥", "2.5X"
        r"[≥≤≦≧⩾⩽]",
        r"(?<=[0-9])[xX×]",
    ]


#: a suffix is never longer than this many characters ("'s", "mg", ")", "≥", "……")
SUFFIX_WINDOW = 40


class TailSearch:
    """A suffix regex searched over the end of a string only.

    spaCy searches suffixes with ``pattern.search(string)`` on what is left of a
    whitespace-free chunk; a pattern anchored at ``$`` is tried from every
    position, so a run of 20,000 brackets took minutes (quadratic). Searching the
    last ``SUFFIX_WINDOW`` characters finds the same suffixes (look-behinds still
    see the characters before the window). ``__self__`` is the compiled pattern,
    which is what spaCy reads when it saves a tokenizer.
    """

    def __init__(self, pattern: Any) -> None:
        self.__self__ = pattern

    def __call__(self, string: str) -> Any:
        return self.__self__.search(string, max(0, len(string) - SUFFIX_WINDOW))


class CriteriaTokenizer(Tokenizer):  # type: ignore[misc]
    """spaCy's tokenizer with a tail-only suffix search, kept when rules are loaded from disk or bytes."""

    def _tail(self) -> None:
        search = self.suffix_search  # type: ignore[has-type]
        if search is not None and not isinstance(search, TailSearch):
            self.suffix_search = TailSearch(search.__self__)

    def from_bytes(self, bytes_data: bytes, *, exclude: Any = ()) -> "CriteriaTokenizer":
        super().from_bytes(bytes_data, exclude=exclude)
        self._tail()
        return self

    def from_disk(self, path: Any, *, exclude: Any = ()) -> "CriteriaTokenizer":
        super().from_disk(path, exclude=exclude)
        self._tail()
        return self


def build_tokenizer(nlp: Language) -> Tokenizer:
    """Build the criteria tokenizer for ``nlp``'s vocabulary."""
    # spaCy's emoticons such as "(=", "=3", "<3" would glue comparators to what they compare ("(=18 years")
    exceptions = {k: v for k, v in nlp.Defaults.tokenizer_exceptions.items() if not any(c in k for c in COMPARATOR_CHARS)}
    exceptions.update({abbr: [{ORTH: abbr}] for abbr in ABBREVIATIONS})
    return CriteriaTokenizer(
        nlp.vocab,
        exceptions,
        prefix_search=compile_prefix_regex(_prefixes()).search,
        suffix_search=TailSearch(compile_suffix_regex(_suffixes())),
        infix_finditer=compile_infix_regex(_infixes()).finditer,
        token_match=nlp.Defaults.token_match,
        url_match=nlp.Defaults.url_match,
    )


@registry.tokenizers("criteria_nlp.tokenizer.v1")  # type: ignore[untyped-decorator]
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    """Registered factory: ``[nlp.tokenizer] @tokenizers = "criteria_nlp.tokenizer.v1"``."""
    return build_tokenizer
