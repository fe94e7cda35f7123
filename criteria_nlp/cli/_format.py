"""How commands write their results: on stdout (or ``--output FILE``), as a table for people or as rows for programs.

Results go to stdout, messages and progress to stderr. A table for people is
wrapped to the terminal's width only when stdout is a terminal: written to a
pipe or a file it keeps every line whole (an NCT id is never split).
``--format`` picks ``table`` (for people), ``csv``, ``tsv``, ``markdown`` or
``json`` (JSON Lines, one object per row or per trial).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator, Mapping, Sequence

import typer
from rich.console import Console

#: what ``--format`` takes
FORMATS = ("table", "csv", "tsv", "markdown", "json")
#: output file suffix -> the format written when ``--format`` is left out
SUFFIX_FORMATS = {".txt": "table", ".csv": "csv", ".tsv": "tsv", ".md": "markdown", ".json": "json", ".jsonl": "json"}
#: the width of a table written where no terminal wraps it (wide enough to never fold a cell)
UNWRAPPED_WIDTH = 100_000


def format_option(default_help: str) -> Any:
    """The ``--format`` option of a command that prints a table."""
    return typer.Option(
        None, "--format", "-f",
        help=f"table (for people), csv, tsv, markdown or json (JSON Lines). Default: {default_help}.",
    )


def choose_format(fmt: str | None, output: Path | None, default: str, *, suffixes: Mapping[str, str] = SUFFIX_FORMATS) -> str:
    """The format to write: ``--format``, else the output file's suffix, else ``default``; a bad value is a usage error."""
    from ..errors import CriteriaNLPError

    if fmt is not None:
        if fmt not in FORMATS:
            raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}, not {fmt!r}", param_hint="--format")
        return fmt
    if output is not None and str(output) != "-":
        suffix = output.suffix.lower()
        if suffix not in suffixes:
            raise CriteriaNLPError("B001", record=str(output), detail=f"use {', '.join(sorted(suffixes))}, or name one with --format")
        return suffixes[suffix]
    return default


@contextmanager
def result_stream(output: Path | None) -> Iterator[IO[str]]:
    """Where a result goes: stdout (``output`` None or ``-``), or ``output`` written whole or not at all.

    A file is written under a temporary name beside it and moved into place when
    the block ends without an error, so a failed command leaves no empty or
    partial file behind.
    """
    if output is None or str(output) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_path(output) as temporary:
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            yield handle


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write (a file or a folder); moved onto ``target`` only when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    temporary.unlink()
    try:
        yield temporary
    except BaseException:
        _remove(temporary)
        raise
    if not temporary.exists():
        return
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    os.replace(temporary, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def table_console(handle: IO[str]) -> Console:
    """A rich console writing to ``handle``: the terminal's width on a terminal, else never wrapping (and no colour)."""
    if handle.isatty():
        return Console(file=handle, highlight=False)
    return Console(file=handle, width=UNWRAPPED_WIDTH, no_color=True, highlight=False, emoji=False)


def write_rows(handle: IO[str], rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> None:
    """Write ``rows`` (dicts) as CSV, TSV, a markdown table or JSON Lines, in ``columns`` order."""
    if fmt == "json":
        for row in rows:
            handle.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=str) + "\n")
        return
    if fmt in ("csv", "tsv"):
        writer = csv.writer(handle, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return
    if fmt == "markdown":
        handle.write("| " + " | ".join(_markdown(c) for c in columns) + " |\n")
        handle.write("|" + "---|" * len(columns) + "\n")
        for row in rows:
            handle.write("| " + " | ".join(_markdown(_cell(row.get(c))) for c in columns) + " |\n")
        return
    raise ValueError(f"write_rows writes csv, tsv, markdown or json, not {fmt!r}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _markdown(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")
