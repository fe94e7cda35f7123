"""Helpers every reader shares: record names, ids, decoding."""

from __future__ import annotations

import codecs
import re

from ..errors import DecodeError
from .plain import content_id

NCT_RE = re.compile(r"\bNCT\d{8}\b")
IRCT_RE = re.compile(r"\bIRCT\d+N\d+\b")

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


#: what ``decode`` tries when neither a byte-order mark nor the caller names an encoding
DEFAULT_TRIED = "UTF-8 (the default when there is no byte-order mark)"


def record_name(name: str, trial_id: str | None = None) -> str:
    """How errors name a record: its source, and its id in brackets when known."""
    return f"{name} ({trial_id})" if trial_id else name


def choose_id(*candidates: str | None, text: str = "") -> str:
    """The first non-empty candidate id, else a content id derived from ``text``."""
    for candidate in candidates:
        if candidate and candidate.strip():
            return candidate.strip()
    return content_id(text)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark announces, if ``data`` starts with one."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    return None


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode ``data`` by its BOM, else as ``encoding``, else as UTF-8; ``DecodeError`` R002 (saying what was tried) if it cannot be."""
    bom = bom_encoding(data)
    chosen = bom or encoding or "utf-8"
    tried = f"{chosen} (from its byte-order mark)" if bom else f"{chosen} (as asked)" if encoding else DEFAULT_TRIED
    try:
        return data.decode(chosen)
    except UnicodeDecodeError as exc:
        detail = f"invalid {exc.encoding.upper()} byte 0x{data[exc.start]:02x} at offset {exc.start}"
        raise DecodeError("R002", record=name, detail=detail, tried=tried) from None
    except LookupError:
        raise DecodeError("R002", record=name, detail=f"unknown encoding {chosen!r}", tried=tried) from None
