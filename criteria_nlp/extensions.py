"""Every custom ``Doc`` and ``Span`` attribute of criteria_nlp, registered in one place.

``register_extensions()`` is idempotent and runs on import of the package. All
values are JSON-serialisable (dicts, lists, strings, numbers, None; never
spaCy objects), so docs can cross process boundaries in ``nlp.pipe``.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

#: name -> default, for ``Doc._``
DOC_EXTENSIONS: dict[str, Any] = {
    # set by the caller before the pipeline runs
    "trial_id": None,  # str | None: names the record in errors
    "default_kind": None,  # "inclusion" | "exclusion" | None: kind of text with no headers
    # set by criteria_segmenter
    "criteria": None,  # list[dict]: schema.Criterion dicts, char offsets into doc.text
    "duplicates": None,  # list[dict]: schema.Duplicate dicts
}

#: name -> default, for ``Span._``
SPAN_EXTENSIONS: dict[str, Any] = {
    "criterion_id": None,  # str | None: id of the criterion the span lies in
    "concept": None,  # dict | None: schema.Concept
    "value": None,  # dict | None: schema.Value
    "time_window": None,  # dict | None: schema.Window (medspaCy already owns Span._.window)
    "qualifies": None,  # list[int] | None: (start_char, end_char) of the entity a VALUE/TEMPORAL qualifies
    "excepted": False,  # bool: named in an exception ("other than X")
    "source": None,  # str | None: which matcher or model proposed the span
    # set by criteria_context (medspaCy's names, so medspaCy tools read them too)
    "is_negated": False,
    "is_historical": False,
    "is_hypothetical": False,
    "is_family": False,
    "is_uncertain": False,
    "context_cues": None,  # list[dict] | None: {category, text, start, end} of the cues that modified the span
}


def register_extensions() -> None:
    """Register every extension; calling it again changes nothing.

    An extension another library registered under the same name as a method or
    getter (medspaCy owns ``Span._.window``, for one) is a conflict and raises.
    """
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
