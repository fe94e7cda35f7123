"""Plain eligibility text with no metadata."""

from __future__ import annotations

import hashlib

from ..schema import Trial


def content_id(text: str, prefix: str = "TXT") -> str:
    """A stable id derived from the content: ``TXT-`` and 12 hex digits of its SHA-1."""
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def trial_from_text(text: str, *, id: str | None = None, source: str | None = None) -> Trial:
    """Wrap plain criteria text in a ``Trial``; ``eligibility_text`` is ``text`` unchanged."""
    return Trial(id=id or content_id(text), eligibility_text=text, format="plain-text", source=source)
