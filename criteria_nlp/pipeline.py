"""Build the spaCy pipeline of criteria_nlp.

``load()`` returns a ``Language`` with the criteria tokenizer and the
components of each stage, in the order data flows through them::

    tokenizer -> criteria_segmenter -> criteria_abbreviations -> criteria_tagger
              -> criteria_context -> criteria_linker -> criteria_coder

Components are found by their registered factory names, so the same pipeline
can also be written as a spaCy config.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

import spacy
from spacy.language import Language

from . import abbreviations, coder, context, extensions, linker, segment, tag, tokenizer  # noqa: F401  (register factories)

#: The components ``load()`` adds, in the order data flows through them.
PIPELINE: tuple[str, ...] = (
    "criteria_segmenter",
    "criteria_abbreviations",
    "criteria_tagger",
    "criteria_context",
    "criteria_linker",
    "criteria_coder",
)

TOKENIZER_CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "criteria_nlp.tokenizer.v1"}}}


def quiet_third_party_logging() -> None:
    """Silence the debug output medspaCy and PyRuSH write by default."""
    for name in ("medspacy", "PyRuSH", "pyrush"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        from loguru import logger

        for name in ("PyRuSH", "medspacy", "PyFastNER"):
            logger.disable(name)
    except ImportError:  # loguru comes with PyRuSH; nothing to quiet without it
        pass


def blank() -> Language:
    """An English pipeline with the criteria tokenizer and no components."""
    return spacy.blank("en", config=TOKENIZER_CONFIG)


def load(path: str | Path | None = None, *, exclude: Iterable[str] = ()) -> Language:
    """Load a saved pipeline from ``path``, or build and initialise the default one.

    ``exclude`` names components of ``PIPELINE`` to leave out.
    """
    quiet_third_party_logging()
    if path is not None:
        return spacy.load(path, exclude=list(exclude))
    nlp = blank()
    skipped = set(exclude)
    for name in PIPELINE:
        if name not in skipped:
            nlp.add_pipe(name)
    nlp.initialize()
    return nlp
