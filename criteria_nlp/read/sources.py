"""Where records come from: paths, folders, .zip archives, file objects, bytes, stdin, text given as ``text=``.

A ``str`` source is a path (or ``"-"`` for stdin): one that names no existing
file or folder is an error (R008), never read as criteria text; content is
given as ``bytes``, as an open file, or as text with ``text=``.

Every input is sniffed by its content, not its name: a .zip archive, JSON (a
study, a list of studies, a ``{"studies": [...]}`` page, JSON Lines), XML
(``<clinical_study>``), a registry page saved as text, or plain criteria.
Folders, archives, JSON lists and JSON Lines are read one record at a time.
Bytes are UTF-8 unless a byte-order mark or ``encoding=`` says otherwise.

A problem with one record becomes a ``ReadError`` in the stream and reading
goes on with the next record.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Protocol, Sequence, Union

from ..errors import DecodeError, EmptyInputError, MalformedRecordError, ReadError, UnknownFormatError, json_detail
from ..schema import Trial
from . import ctgov_page, irct_page
from . import normalize as norm
from .common import DEFAULT_TRIED, bom_encoding, decode, record_name
from .ctgov_json import is_study, trial_from_mapping
from .ctgov_xml import parse_xml, trial_from_element
from .plain import trial_from_text

#: What ``iter_records`` accepts: a path, ``"-"`` (stdin), bytes, an open file, or a list of these.
Source = Union[str, bytes, bytearray, "os.PathLike[str]", BinaryIO, io.TextIOBase, Sequence[Any]]
Record = Union[Trial, ReadError]

CHUNK = 1 << 16
#: a ``str`` longer than this is never a path
MAX_PATH_CHARS = 4096
#: largest .zip member (uncompressed) read; larger ones are refused (R010), a guard against zip bombs
MAX_MEMBER_BYTES = 512 << 20
#: how much of a ``str`` that is no path (it has a newline, or is too long) an error message shows
SHOWN_CHARS = 60

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
GZIP_MAGIC = b"\x1f\x8b"
_WS = b" \t\r\n\x0c\x0b"
_HTML_RE = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
_NCT_IN_JSON = re.compile(r'"nctId"\s*:\s*"(NCT\d{8})"')
_NCT_IN_XML = re.compile(r"<nct_id>\s*(NCT\d{8})\s*</nct_id>")


# ---------------------------------------------------------------- entry point


def iter_records(source: Source | None = None, *, text: str | None = None, encoding: str | None = None) -> Iterator[Record]:
    """Yield a ``Trial`` for every record in ``source`` (or in ``text``), or a ``ReadError`` for a record that cannot be read.

    ``source`` is a path (``str`` or ``os.PathLike``: a file, a folder, a .zip
    archive), ``"-"`` for stdin, ``bytes``, an open file, or a list of these; a
    ``str`` that names no existing file or folder yields R008. ``text`` is
    content given as a string (JSON, XML, a registry page or plain criteria).
    ``encoding`` decodes bytes without a byte-order mark (default UTF-8).

    Never raises for a problem with one record: the error is yielded (its message
    names the record) and reading goes on with the next one.
    """
    if (source is None) == (text is None):
        raise TypeError("iter_records() takes a source or text=, not both or neither")
    if text is not None:
        yield from _from_text(text, "<string>")
    else:
        yield from _from_source(source, encoding)


def _from_source(source: Any, encoding: str | None) -> Iterator[Record]:
    if isinstance(source, (list, tuple)):
        for item in source:
            yield from _from_source(item, encoding)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        yield from _from_stream(io.BytesIO(bytes(source)), "<bytes>", encoding)
    elif isinstance(source, os.PathLike):
        yield from _from_path(Path(source), os.fspath(source), encoding)
    elif isinstance(source, str):
        if source == "-":
            yield from _from_stream(sys.stdin.buffer, "<stdin>", encoding)
        elif is_path(source):
            yield from _from_path(Path(source), source, encoding)
        else:
            yield no_such_path(source)
    elif callable(getattr(source, "read", None)):
        yield from _from_file(source, encoding)
    else:
        yield UnknownFormatError(
            "R005",
            record=f"<{type(source).__name__}>",
            detail=f"cannot read an object of type {type(source).__name__}; pass a path, '-', bytes, an open file or a list of them",
        )


def no_such_path(source: "str | os.PathLike[str]") -> ReadError:
    """R008 for a source that names no existing file or folder; a ``str`` also says how to pass text instead."""
    if isinstance(source, os.PathLike):
        return ReadError("R008", record=os.fspath(source))
    if source.isprintable() and len(source) <= MAX_PATH_CHARS:
        shown = source
    else:  # content given where a path was expected: show its start
        shown = repr(source[:SHOWN_CHARS]) + ("..." if len(source) > SHOWN_CHARS else "")
    return ReadError("R008", record=shown, detail="; a str source is a path: pass content as text=... (or criteria text to analyze())")


def missing_paths(source: Any) -> "list[str | os.PathLike[str]]":
    """The ``str`` and ``os.PathLike`` sources in ``source`` (lists included) that name no existing file or folder."""
    if isinstance(source, (list, tuple)):
        return [m for item in source for m in missing_paths(item)]
    if isinstance(source, os.PathLike):
        return [] if os.path.exists(source) else [source]
    if isinstance(source, str) and source != "-" and not is_path(source):
        return [source]
    return []


def is_path(text: str) -> bool:
    """True when a ``str`` source names an existing file or folder (no newline, short, exists)."""
    if "\n" in text or "\r" in text or "\x00" in text or not text.strip() or len(text) > MAX_PATH_CHARS:
        return False
    try:
        return os.path.exists(text)
    except (OSError, ValueError):
        return False


def _from_file(fp: Any, encoding: str | None) -> Iterator[Record]:
    """An open file: binary (sniffed like a path's content) or text (read like ``text=``)."""
    raw_name = getattr(fp, "name", None)
    name = raw_name if isinstance(raw_name, str) else "<file>"
    try:
        head = fp.read(CHUNK)
        if isinstance(head, str):
            content = head + fp.read()
        elif isinstance(head, (bytes, bytearray)):
            yield from _from_stream(_Prefixed(bytes(head), fp), name, encoding)
            return
        else:
            yield UnknownFormatError("R005", record=name, detail=f"read() returned {type(head).__name__}, not bytes or str")
            return
    except OSError as exc:
        yield ReadError("R013", record=name, detail=exc.strerror or type(exc).__name__)
        return
    yield from _from_text(content, name)


class _Prefixed:
    """A binary stream whose first bytes were already read."""

    def __init__(self, head: bytes, raw: Any) -> None:
        self._head, self._raw = head, raw

    def read(self, size: int = -1, /) -> bytes:
        """Read like ``raw.read``, the bytes read ahead first."""
        if self._head:
            if size < 0:
                data, self._head = self._head + bytes(self._raw.read()), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return bytes(self._raw.read(size))


# ---------------------------------------------------------------- paths, folders, archives


def _from_path(path: Path, name: str, encoding: str | None = None) -> Iterator[Record]:
    try:
        if path.is_dir():
            yield from _walk(path, name, encoding)
            return
        if not path.exists():
            yield ReadError("R008", record=name)
            return
        with open(path, "rb") as fp:
            if fp.read(4) in ZIP_MAGIC:
                yield from _from_zip(path, name, encoding)
                return
            fp.seek(0)
            yield from _from_stream(fp, name, encoding)
    except OSError as exc:
        yield ReadError("R013", record=name, detail=exc.strerror or type(exc).__name__)


def _walk(folder: Path, name: str, encoding: str | None = None) -> Iterator[Record]:
    """Every file under ``folder``, recursively, in sorted order (hidden files and folders skipped)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield ReadError("R013", record=name, detail=exc.strerror or type(exc).__name__)
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__MACOSX":
            continue
        child = os.path.join(name, entry.name)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError as exc:
            yield ReadError("R013", record=child, detail=exc.strerror or type(exc).__name__)
            continue
        if is_dir:
            yield from _walk(Path(entry.path), child, encoding)
        elif is_file:
            yield from _from_path(Path(entry.path), child, encoding)


def _from_zip(target: Path | BinaryIO, name: str, encoding: str | None = None) -> Iterator[Record]:
    """Every file in a .zip archive, in sorted order; members are named ``archive.zip!member/path``."""
    try:
        archive = zipfile.ZipFile(target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        yield MalformedRecordError("R010", record=name, detail=str(exc) or type(exc).__name__)
        return
    with archive:
        infos = sorted(archive.infolist(), key=lambda i: i.filename)
        for info in infos:
            parts = info.filename.split("/")
            if info.is_dir() or any(p.startswith(".") or p == "__MACOSX" for p in parts if p):
                continue
            member = f"{name}!{info.filename}"
            if info.flag_bits & 0x1:
                yield MalformedRecordError("R010", record=member, detail="the member is encrypted")
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                yield MalformedRecordError("R010", record=member, detail=f"the member is larger than {MAX_MEMBER_BYTES >> 20} MiB")
                continue
            try:
                with archive.open(info) as fp:
                    yield from _from_stream(_Limited(fp, MAX_MEMBER_BYTES), member, encoding)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
                yield MalformedRecordError("R010", record=member, detail=str(exc) or type(exc).__name__)


class ByteStream(Protocol):
    """What the readers need of a binary stream."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); ``b""`` at the end."""
        ...


class _Limited:
    """A stream that refuses to give more than ``limit`` bytes (a .zip member lying about its size)."""

    def __init__(self, raw: ByteStream, limit: int) -> None:
        self._raw, self._left = raw, limit

    def read(self, size: int = -1, /) -> bytes:
        """Read like ``raw.read``; ``BadZipFile`` once more than ``limit`` bytes came."""
        data = self._raw.read(self._left + 1 if size < 0 else min(size, self._left + 1))
        self._left -= len(data)
        if self._left < 0:
            raise zipfile.BadZipFile("the member is larger than it claims")
        return data


# ---------------------------------------------------------------- sniffing


def _chunks(head: bytes, fp: ByteStream) -> Iterator[bytes]:
    if head:
        yield head
    while True:
        chunk = fp.read(CHUNK)
        if not chunk:
            return
        yield chunk


def _from_stream(fp: ByteStream, name: str, encoding: str | None = None) -> Iterator[Record]:
    """Sniff a byte stream and read it with the reader its content calls for (``encoding``: that of bytes without a BOM)."""
    head = fp.read(CHUNK)
    if not head:
        yield EmptyInputError("R001", record=name)
        return
    if head.startswith(ZIP_MAGIC):
        yield from _from_zip(io.BytesIO(head + fp.read()), name, encoding)
        return
    if head.startswith(GZIP_MAGIC):
        yield UnknownFormatError("R005", record=name, detail="gzip-compressed data; decompress it first")
        return
    bom = bom_encoding(head)
    if _decode_whole(bom or encoding):
        try:
            text = decode(head + fp.read(), name, encoding)
        except ReadError as exc:
            yield exc
            return
        yield from _from_text(text, name)
        return
    if bom == "utf-8-sig":
        head = head[len(codecs.BOM_UTF8):]
    while head.strip(_WS) == b"" and len(head) < 1 << 20:
        more = fp.read(CHUNK)
        if not more:
            break
        head += more
    sample = head.lstrip(_WS)[:256].decode("latin-1")
    if not sample:
        yield EmptyInputError("R012", record=name)
        return
    if _looks_like_json(sample):
        yield from _from_json_stream(_chunks(head, fp), name)
        return
    data = head + fp.read()
    if _looks_like_xml(sample):
        yield from _from_xml(data, name)
        return
    try:
        text = decode(data, name)
    except ReadError as exc:
        yield exc
        return
    yield from _from_text(text, name)


def _decode_whole(encoding: str | None) -> bool:
    """True for bytes in an encoding other than UTF-8 (UTF-16/32 by their byte-order mark, or one asked for).

    Those are decoded whole, then read as text; UTF-8 is read as it streams.
    """
    if encoding is None:
        return False
    try:
        return codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig")
    except LookupError:
        return True  # decode() reports the unknown encoding


def _looks_like_json(sample: str) -> bool:
    """``{`` starts JSON; ``[`` starts a JSON list when ``{``, ``[``, ``]`` or ``"`` follows it.

    ``sample`` is the start of the content, leading white space removed. Text that
    merely starts with a bracket ("[1] Age over 18") is not JSON.
    """
    if sample[:1] == "{":
        return True
    return sample[:1] == "[" and sample[1:].lstrip()[:1] in ("{", "[", "]", '"', "")


def _looks_like_xml(sample: str) -> bool:
    """``<`` followed by a letter, ``?`` or ``!`` starts XML (``<18 years`` does not)."""
    return sample[:1] == "<" and (sample[1:2].isalpha() or sample[1:2] in ("?", "!"))


def _from_text(text: str, name: str) -> Iterator[Record]:
    """Read content given as text: JSON, XML, a registry page or plain criteria."""
    stripped = text.lstrip("\ufeff \t\r\n\x0c\x0b")
    if not stripped.strip():
        yield EmptyInputError("R012", record=name)
        return
    if _looks_like_json(stripped[:256]):
        yield from _from_json_stream(iter([text.lstrip("\ufeff").encode("utf-8", "surrogatepass")]), name)
        return
    if _looks_like_xml(stripped[:2]):
        yield from _from_xml(stripped, name)
        return
    try:
        yield read_page_or_text(text, name)
    except ReadError as exc:
        yield exc


def read_page_or_text(text: str, name: str) -> Trial:
    """A registry page saved as text (ClinicalTrials.gov classic/modern/unlabelled, IRCT), else plain criteria."""
    if "\x00" in text:
        raise UnknownFormatError("R005", record=name, detail="binary data (it contains NUL characters)")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    family = ctgov_page.detect(text)
    if family == "modern":
        return ctgov_page.read_modern(text, name)
    if family == "classic":
        return ctgov_page.read_classic(text, name)
    if irct_page.detect(text):
        return irct_page.read_irct(text, name)
    criteria = norm.criteria_text(text)
    if not criteria:
        raise EmptyInputError("R012", record=name)
    return trial_from_text(criteria, source=name)


# ---------------------------------------------------------------- XML


def _from_xml(data: bytes | str, name: str) -> Iterator[Record]:
    head = data[:4096] if isinstance(data, str) else data[:4096].decode("latin-1")
    if _HTML_RE.match(head):
        yield UnknownFormatError("R005", record=name, detail="an HTML page; save the page as text (or download the record as JSON or XML)")
        return
    try:
        root = parse_xml(data, name)
        yield trial_from_element(root, name)
    except ReadError as exc:
        if isinstance(exc, MalformedRecordError) and exc.code == "R004":
            sample = data if isinstance(data, str) else data[:1 << 20].decode("utf-8", "replace")
            found = _NCT_IN_XML.search(sample)
            if found:
                exc = MalformedRecordError("R004", record=record_name(name, found.group(1)), detail=exc.detail)
        yield exc


# ---------------------------------------------------------------- JSON


def _json_error(name: str, exc: json.JSONDecodeError | RecursionError, text: str = "", line_offset: int = 0) -> MalformedRecordError:
    if isinstance(exc, RecursionError):
        detail = "nested too deeply"
    else:
        detail = json_detail(exc, line=exc.lineno + line_offset)
    found = _NCT_IN_JSON.search(text)
    return MalformedRecordError("R003", record=record_name(name, found.group(1) if found else None), detail=detail)


def _from_json_value(value: Any, name: str) -> Iterator[Record]:
    """A parsed JSON value: a study, a list of studies or a ``{"studies": [...]}`` page."""
    if isinstance(value, dict) and not is_study(value) and isinstance(value.get("studies"), list):
        for index, item in enumerate(value["studies"]):
            yield _study(item, f"{name}#{index}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield _study(item, f"{name}#{index}")
    else:
        yield _study(value, name)


def _study(value: Any, name: str) -> Record:
    try:
        return trial_from_mapping(value, source=name)
    except ReadError as exc:
        return exc


def _lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) pairs of a byte stream, one line in memory at a time."""
    parts: list[bytes] = []
    number = 0
    for chunk in chunks:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                if start < len(chunk):
                    parts.append(chunk[start:])
                break
            parts.append(chunk[start:end])
            number += 1
            yield number, b"".join(parts)
            parts = []
            start = end + 1
    if parts:
        yield number + 1, b"".join(parts)


def _parse_line(line: bytes, name: str) -> Any:
    text = decode(line, name)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _json_error(name, exc, text) from None


def _from_json_stream(chunks: Iterator[bytes], name: str) -> Iterator[Record]:
    """JSON content: a list (streamed item by item), JSON Lines (line by line) or one document."""
    first = next(chunks, b"")
    rest = _prepend(first, chunks)
    if first.lstrip(_WS).startswith(b"["):
        yield from _json_array(rest, name)
        return
    lines = _lines(rest)
    ahead: list[tuple[int, bytes]] = []
    for number, line in lines:
        if line.strip(_WS):
            ahead.append((number, line))
            if len(ahead) == 2:
                break
    first_ok = _parses(ahead[0][1]) if ahead else False
    jsonl = len(ahead) == 2 and (first_ok or (ahead[1][1].lstrip(_WS).startswith(b"{") and _parses(ahead[1][1])))
    if jsonl:
        for number, line in _chain(ahead, lines):
            if not line.strip(_WS):
                continue
            line_name = f"{name}:{number}"
            try:
                value = _parse_line(line, line_name)
            except ReadError as exc:
                yield exc
                continue
            yield from _from_json_value(value, line_name)
        return
    data = b"\n".join(line for _, line in _chain(ahead, lines))
    try:
        text = decode(data, name)
    except ReadError as exc:
        yield exc
        return
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        yield _json_error(name, exc, text, line_offset=(ahead[0][0] - 1) if ahead else 0)
        return
    yield from _from_json_value(value, name)


def _prepend(first: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from chunks


def _chain(ahead: list[tuple[int, bytes]], lines: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    yield from ahead
    yield from lines


def _parses(line: bytes) -> bool:
    try:
        json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False
    return True


class _TextBuffer:
    """Decoded text of a byte stream, read on demand, with the consumed part dropped."""

    def __init__(self, chunks: Iterator[bytes], name: str) -> None:
        self.chunks, self.name = chunks, name
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.buf, self.pos, self.eof = "", 0, False
        self.dropped_lines = 0

    def fill(self) -> bool:
        """Read one more chunk; False at the end of the stream. May raise DecodeError."""
        if self.eof:
            return False
        chunk = next(self.chunks, None)
        try:
            self.buf += self.decoder.decode(chunk or b"", final=chunk is None)
        except UnicodeDecodeError as exc:
            raise DecodeError("R002", record=self.name, detail=f"invalid UTF-8 ({exc.reason})", tried=DEFAULT_TRIED) from None
        if chunk is None:
            self.eof = True
            return False
        return True

    def skip_ws(self) -> bool:
        """Move past white space; False when the stream ends first."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return True
            if not self.fill():
                return False

    def compact(self) -> None:
        if self.pos > CHUNK:
            self.dropped_lines += self.buf.count("\n", 0, self.pos)
            self.buf, self.pos = self.buf[self.pos:], 0

    def line_of(self, pos: int) -> tuple[int, int]:
        line = self.dropped_lines + self.buf.count("\n", 0, pos) + 1
        return line, pos - (self.buf.rfind("\n", 0, pos) + 1) + 1


def _json_array(chunks: Iterator[bytes], name: str) -> Iterator[Record]:
    """Stream the items of a JSON list, ``name#INDEX`` each."""
    text = _TextBuffer(chunks, name)
    decoder = json.JSONDecoder()
    index = 0
    try:
        text.skip_ws()
        text.pos += 1  # the "["
        if not text.skip_ws():
            yield MalformedRecordError("R003", record=name, detail="the list is not closed")
            return
        if text.buf[text.pos] == "]":
            text.pos += 1
            yield from _trailing(text, name)
            return
        while True:
            item_name = f"{name}#{index}"
            if not text.skip_ws():
                yield MalformedRecordError("R003", record=item_name, detail="the list is not closed")
                return
            while True:
                try:
                    value, end = decoder.raw_decode(text.buf, text.pos)
                except json.JSONDecodeError as exc:
                    incomplete = exc.msg.startswith("Unterminated string") or exc.pos >= len(text.buf) - 8
                    if incomplete and _grow(text):
                        continue
                    line, column = text.line_of(exc.pos)
                    found = _NCT_IN_JSON.search(text.buf, text.pos)
                    record = record_name(item_name, found.group(1) if found else None)
                    yield MalformedRecordError("R003", record=record, detail=json_detail(exc, line, column))
                    return
                except RecursionError:
                    yield MalformedRecordError("R003", record=item_name, detail="nested too deeply")
                    return
                if end == len(text.buf) and not text.eof and text.fill():
                    continue  # a number or literal may go on in the next chunk
                break
            yield _study(value, item_name)
            text.pos = end
            index += 1
            text.compact()
            if not text.skip_ws():
                yield MalformedRecordError("R003", record=name, detail="the list is not closed")
                return
            char = text.buf[text.pos]
            text.pos += 1
            if char == "]":
                yield from _trailing(text, name)
                return
            if char != ",":
                line, column = text.line_of(text.pos - 1)
                yield MalformedRecordError("R003", record=name, detail=f"expecting ',' or ']' after item {index - 1} at line {line}, column {column}")
                return
    except DecodeError as exc:
        yield DecodeError("R002", record=f"{name}#{index}", detail=exc.detail, **exc.fields)


def _grow(text: _TextBuffer) -> bool:
    """Read until the unparsed text has doubled (so re-parsing stays linear); False at the end."""
    target = max(2 * (len(text.buf) - text.pos), CHUNK)
    grew = False
    while len(text.buf) - text.pos < target:
        if not text.fill():
            return grew
        grew = True
    return grew


def _trailing(text: _TextBuffer, name: str) -> Iterator[Record]:
    if text.skip_ws():
        line, column = text.line_of(text.pos)
        yield MalformedRecordError("R003", record=name, detail=f"extra data after the list at line {line}, column {column}")
