"""Every custom ``Doc`` and ``Span`` attribute of criteria_nlp, registered in one place.

``register_extensions()`` is idempotent and runs on import of the package. All
values are JSON-serialisable (dicts, lists, strings, numbers, None; never
spaCy objects), so docs can cross process boundaries in ``nlp.pipe``.
"""

from __future__ import annotations

from typing import Any

from spacy.attrs import IDX, LENGTH
from spacy.tokens import Doc, Span

#: name -> default, for ``Doc._``
DOC_EXTENSIONS: dict[str, Any] = {
    # set by the caller before the pipeline runs
    "trial_id": None,  # str | None: names the record in errors
    "default_kind": None,  # "inclusion" | "exclusion" | None: kind of text with no headers
    # set by criteria_segmenter
    "criteria": None,  # list[dict]: schema.Criterion dicts, char offsets into doc.text
    "duplicates": None,  # list[dict]: schema.Duplicate dicts
    # set by criteria_tagger, completed by criteria_context, criteria_linker, criteria_coder:
    # one dict per entity of doc.ents, in the same order (see ENTITY_FIELDS)
    "entity_data": None,
}

#: what ``doc._.entity_data[i]`` holds for ``doc.ents[i]``
ENTITY_FIELDS: dict[str, str] = {
    "source": "str: which matcher or model proposed the span",
    "concept": "dict | None: schema.Concept",
    "value": "dict | None: schema.Value",
    "window": "dict | None: schema.Window",
    "qualifies": "list[list[int]] | None: [start_char, end_char] of each entity a VALUE/TEMPORAL (status words "
                 "included) qualifies (criteria_linker)",
    "qualifiers": "list[dict] | None: schema.Qualifier dicts, the words narrowing the entity (criteria_context)",
    "negated, historical, hypothetical, family, excepted": "bool: assertion context (criteria_context; criteria_tagger "
                                                            "for terms that carry their own cue, such as 'non-smoker')",
    "cues": "list[dict]: {category, text, start, end} of the context cues that modified the entity",
    "coding": "dict | None: the open-vocabulary match of an entity the lexicons left uncoded (criteria_coder with "
              "vocab_fallback): source, system, code, display, entry (the vocabulary text matched), kind, score, "
              "and review (why it was not used as the concept) when it was not",
}

#: name -> default, for ``Span._``
SPAN_EXTENSIONS: dict[str, Any] = {
    # set by criteria_context on the entities it modifies (medspaCy's names, so medspaCy tools
    # read them too); the same facts are in doc._.entity_data for every entity
    "is_negated": False,
    "is_historical": False,
    "is_hypothetical": False,
    "is_family": False,
    "is_uncertain": False,
}


def _span_entity(span: Span) -> dict[str, Any] | None:
    """``span._.entity``: the entity data of a span of ``doc.ents`` (None for other spans)."""
    data = span.doc._.entity_data
    if not data:
        return None
    for index, ent in enumerate(span.doc.ents):
        if ent.start == span.start and ent.end == span.end:
            return data[index] if index < len(data) else None
    return None


_TEXT_KEY = ("criteria_nlp", "text")


def doc_text(doc: Doc) -> str:
    """``doc.text``, read once per ``Doc``: spaCy joins the tokens anew on every access.

    A ``Doc``'s text never changes (the retokenizer keeps it), so the first
    component that asks caches it in ``doc.user_data`` for the others.
    """
    user_data: dict[Any, Any] = doc.user_data
    cached = user_data.get(_TEXT_KEY)
    if isinstance(cached, str) and len(cached) == _text_length(doc):
        return cached
    text: str = doc.text
    user_data[_TEXT_KEY] = text
    return text


def keep_text(doc: Doc, text: str) -> None:
    """Cache ``text``, the string the tokenizer made ``doc`` from, as its :func:`doc_text` (spaCy's tokenizer
    keeps every character), so that no component joins the tokens to get it back."""
    user_data: dict[Any, Any] = doc.user_data
    user_data[_TEXT_KEY] = text


def _text_length(doc: Doc) -> int:
    if not len(doc):
        return 0
    last = doc[-1]
    return last.idx + len(last.text_with_ws)


def char_offsets(doc: Doc, spans: Any) -> list[tuple[int, int]]:
    """``(span.start_char, span.end_char)`` of each span, from one ``to_array`` instead of two tokens per span."""
    if not spans:
        return []
    bounds = doc.to_array([IDX, LENGTH]).tolist()
    return [(bounds[s.start][0], bounds[s.end - 1][0] + bounds[s.end - 1][1]) for s in spans]


def entity_data(doc: Doc, ents: Any = None) -> list[dict[str, Any]]:
    """``doc._.entity_data``, one dict per entity of ``doc.ents`` (empty dicts when no component filled it).

    Pass ``ents`` when you hold ``doc.ents`` already: spaCy builds every span anew on each access.
    """
    data: list[dict[str, Any]] | None = doc._.entity_data
    count = len(ents if ents is not None else doc.ents)
    if data is None or len(data) != count:
        data = [{} for _ in range(count)]
        doc._.entity_data = data
    return data


def window_has_extent(window: dict[str, Any] | None) -> bool:
    """Whether an entity's ``window`` data places events in time (a duration or an anchor), unlike a bare
    status word ("current", "history of")."""
    return bool(window) and (window.get("duration_days") is not None or window.get("anchor") is not None)  # type: ignore[union-attr]


def register_extensions() -> None:
    """Register every extension; calling it again changes nothing.

    An extension another library registered under the same name as a method or
    getter (medspaCy owns ``Span._.window``, for one) is a conflict and raises.
    """
    if not Span.has_extension("entity"):
        Span.set_extension("entity", getter=_span_entity)
    for cls, wanted in ((Doc, DOC_EXTENSIONS), (Span, SPAN_EXTENSIONS)):
        for name, default in wanted.items():
            if not cls.has_extension(name):
                cls.set_extension(name, default=default)
                continue
            _, method, getter, _ = cls.get_extension(name)
            if method is not None or getter is not None:
                raise RuntimeError(
                    f"{cls.__name__}._.{name} is already registered by another library as a "
                    f"{'method' if method else 'getter'}; criteria_nlp needs it as a plain attribute"
                )


register_extensions()
