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
from typing import Any, Iterable

import spacy
from spacy.language import Language

from .errors import ResourceError
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


#: spaCy refuses texts over 1,000,000 characters by default (a guard for its parser's memory);
#: no component here needs it, and registries hold eligibility texts of several megabytes
MAX_LENGTH = 100_000_000


def blank() -> Language:
    """An English pipeline with the criteria tokenizer and no components."""
    nlp = spacy.blank("en", config=TOKENIZER_CONFIG)
    nlp.max_length = MAX_LENGTH
    return nlp


#: statistical models that ship with the package, by name
MODELS = {"chia_ner": ("resources", "models", "chia_ner")}


def model_path(name_or_path: str | Path) -> Path:
    """The folder of a packaged model (``"chia_ner"``) or of a saved spaCy pipeline."""
    if isinstance(name_or_path, str) and name_or_path in MODELS:
        from importlib import resources

        return Path(str(resources.files("criteria_nlp").joinpath(*MODELS[name_or_path])))
    return Path(name_or_path)


#: named pipelines: name -> the statistical NER put in front of the tagger (None: rules and lexicons only)
PIPELINES: dict[str, str | None] = {"default": "chia_ner", "fast": None}

#: the pipeline ``Analyzer()``, ``analyze()``, ``annotate()`` and the CLI build unless told otherwise
#: (``load()`` on its own gives ``"default"``); the rule and matching tests pin its output down
DEFAULT_PIPELINE = "fast"


#: the coder's open-vocabulary fallback in the pipelines with a statistical NER (issue 25): drugs, labs, scores
#: and procedures, and conditions since the fallback leaves a broader entry's code marked (``Rule.narrower``)
#: and a doubtful match for review: on TREC 2022 (note patients) NDCG@10 0.532 and false exclusions 0.056 either way
CODER_FALLBACK: dict[str, Any] = {"vocab_fallback": True, "fallback_labels": ["CONDITION", "DRUG", "LAB", "SCORE", "PROCEDURE"]}


def pipeline_name(name: str | None) -> str:
    """``name``, or ``DEFAULT_PIPELINE`` for None (an option left out)."""
    return DEFAULT_PIPELINE if name is None else name


def load(name: str | Path = "default", *, model: str | Path | None = None, exclude: Iterable[str] = ()) -> Language:
    """Build one of the named pipelines, or load a saved one from a path.

    - ``"default"``: the criteria tokenizer, the segmenter, the statistical NER
      trained on Chia (``chia_ner``, shipped in the package) and the rule and
      lexicon components; the NER's spans join the tagger's candidates (it
      draws the boundaries of conditions and procedures, the lexicons their labels
      and codes), and the tagger, context, linker and coder do the rest.
    - ``"fast"``: the same without the statistical NER (rules and lexicons only).
    - a path: a pipeline saved with ``nlp.to_disk`` (``spacy.load``).

    ``model`` replaces the NER of a named pipeline (``"chia_ner"`` or the path of a
    spaCy pipeline with ``tok2vec`` and ``ner`` trained with the criteria
    tokenizer). ``exclude`` names components to leave out.
    """
    quiet_third_party_logging()
    if not (isinstance(name, str) and name in PIPELINES):
        path = Path(name)
        if not path.exists():
            raise ResourceError("X003", record=str(name), detail=" or ".join(repr(n) for n in PIPELINES))
        loaded = spacy.load(path, exclude=list(exclude))
        loaded.max_length = MAX_LENGTH
        return loaded
    if model is None:
        model = PIPELINES[name]
    nlp = blank()
    skipped = set(exclude)
    source = spacy.load(model_path(model)) if model is not None else None
    if source is not None and source.vocab.vectors.size:
        # a NER trained with static vectors reads them through the shared vocab
        nlp.vocab.vectors = source.vocab.vectors
    for component_name in PIPELINE:
        if component_name in skipped:
            continue
        if component_name == "criteria_tagger" and source is not None:
            for trained in ("tok2vec", "ner"):
                nlp.add_pipe(trained, source=source)
        # with a statistical NER, spans no lexicon knows are coded from the whole vocabularies (issue 25)
        config = CODER_FALLBACK if component_name == "criteria_coder" and source is not None else {}
        nlp.add_pipe(component_name, config=config)
    if source is not None:
        # the sourced components are trained: initialise only the rule components
        for component_name, component in nlp.pipeline:
            if component_name not in ("tok2vec", "ner") and hasattr(component, "initialize"):
                component.initialize(lambda: [], nlp=nlp)
        return nlp
    nlp.initialize()
    return nlp
