"""Readers: trial records in every common format become ``Trial`` objects.

``source`` may be a path (``str`` or ``os.PathLike``: a file, a folder read
recursively in sorted order, a .zip archive), ``"-"`` for stdin, ``bytes``, an
open file, or a list/tuple of these. A ``str`` is always a path: one that names
no existing file or folder is an error (``ReadError`` R008), never criteria
text. Content held in a string is passed as ``text=`` (``read_trial(text=...)``);
``analyze()`` takes plain criteria text directly. ``encoding=`` decodes bytes
that have no byte-order mark (default UTF-8). The format is detected from the
content, never from the file name:

* ClinicalTrials.gov API v2 JSON: one study, a list of studies, a
  ``{"studies": [...]}`` page, JSON Lines;
* ClinicalTrials.gov legacy XML (``<clinical_study>``), also as the
  AllPublicXML folder layout or a .zip of it;
* registry pages saved as text: ClinicalTrials.gov (classic, modern and
  unlabelled renderings) and IRCT;
* plain eligibility text.

``Trial.source`` names where each record came from: ``path``, ``path:LINE``
(JSON Lines, from 1), ``path#INDEX`` (an item of a JSON list, from 0),
``archive.zip!member/path.xml``, ``<string>``, ``<bytes>``, ``<stdin>``, an
open file's name.
"""

from __future__ import annotations

import os
from typing import Iterator

from ..errors import ReadError
from ..schema import Trial
from .ctgov_json import trial_from_mapping
from .plain import content_id, trial_from_text
from .sources import Record, Source, iter_records, missing_paths


def read_trials(source: Source | None = None, *, text: str | None = None, encoding: str | None = None) -> Iterator[Trial]:
    """Lazily yield the trials in ``source`` (or in ``text``), raising the first ``ReadError`` met.

    A ``str`` source that names no existing file or folder raises R008.
    """
    for record in iter_records(source, text=text, encoding=encoding):
        if isinstance(record, ReadError):
            raise record
        yield record


def read_trial(source: Source | None = None, *, text: str | None = None, encoding: str | None = None) -> Trial:
    """The one trial in ``source`` (or in ``text``); ``ReadError`` R009 when there are none or several.

    A ``str`` source that names no existing file or folder raises R008.
    """
    found: Trial | None = None
    for trial in read_trials(source, text=text, encoding=encoding):
        if found is not None:
            raise ReadError("R009", record=_name(source), count="more than one") from None
        found = trial
    if found is None:
        raise ReadError("R009", record=_name(source), count=0)
    return found


def _name(source: Source | None) -> str:
    if source is None:
        return "<string>"
    if isinstance(source, str):
        return "<stdin>" if source == "-" else source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(source, (list, tuple)):
        return "<list>"
    if isinstance(source, os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)  # an open file
    return name if isinstance(name, str) else str(source)


__all__ = [
    "Record",
    "Source",
    "content_id",
    "iter_records",
    "missing_paths",
    "read_trial",
    "read_trials",
    "trial_from_mapping",
    "trial_from_text",
]
