"""Readers: trial records in every common format become ``Trial`` objects.

``source`` may be a path (a file, a folder read recursively in sorted order, a
.zip archive), content (a ``str`` of JSON, XML, a registry page or plain
criteria; ``bytes``), ``"-"`` for stdin, or a list/tuple of these. The format
is detected from the content, never from the file name:

* ClinicalTrials.gov API v2 JSON: one study, a list of studies, a
  ``{"studies": [...]}`` page, JSON Lines;
* ClinicalTrials.gov legacy XML (``<clinical_study>``), also as the
  AllPublicXML folder layout or a .zip of it;
* registry pages saved as text: ClinicalTrials.gov (classic, modern and
  unlabelled renderings) and IRCT;
* plain eligibility text.

``Trial.source`` names where each record came from: ``path``, ``path:LINE``
(JSON Lines, from 1), ``path#INDEX`` (an item of a JSON list, from 0),
``archive.zip!member/path.xml``, ``<string>``, ``<bytes>``, ``<stdin>``.
"""

from __future__ import annotations

from typing import Iterator

from ..errors import ReadError
from ..schema import Trial
from .ctgov_json import trial_from_mapping
from .plain import content_id, trial_from_text
from .sources import Record, Source, is_path, iter_records


def read_trials(source: Source) -> Iterator[Trial]:
    """Lazily yield the trials in ``source``, raising the first ``ReadError`` met."""
    for record in iter_records(source):
        if isinstance(record, ReadError):
            raise record
        yield record


def read_trial(source: Source) -> Trial:
    """The one trial in ``source``; ``ReadError`` R009 when there are none or several."""
    found: Trial | None = None
    for trial in read_trials(source):
        if found is not None:
            raise ReadError("R009", record=_name(source), count="more than one") from None
        found = trial
    if found is None:
        raise ReadError("R009", record=_name(source), count=0)
    return found


def _name(source: Source) -> str:
    if isinstance(source, str):
        return "<stdin>" if source == "-" else source if is_path(source) else "<string>"
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(source, (list, tuple)):
        return "<list>"
    return str(source)


__all__ = [
    "Record",
    "Source",
    "content_id",
    "iter_records",
    "read_trial",
    "read_trials",
    "trial_from_mapping",
    "trial_from_text",
]
