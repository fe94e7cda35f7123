"""The typer app every command registers on, and helpers shared by commands.

Errors: every command answers a bad path or bad input with one coded line on
stderr (``error [R008] x.json: no such file or folder.``), never a traceback,
and exits with 2 for a usage error (a path that names nothing, an unknown
pipeline, output format or encoding) or 1 for bad data (an empty file, bytes
that are not text, a malformed record).
"""

from __future__ import annotations

import codecs
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

#: error codes that mean the command was called wrongly (exit 2); any other coded error is bad data (exit 1)
USAGE_CODES = frozenset({"R008", "P004", "X003", "B001", "B003", "B007", "C002", "E007", "S001"})


try:  # typer >= 0.24 vendors click; earlier releases use the click package
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import UsageError  # type: ignore[assignment]


class _CodedErrors(TyperGroup):
    """The app's group: a coded error a command lets through is one line on stderr, not a traceback."""

    def invoke(self, ctx: Any) -> Any:
        from ..errors import CriteriaNLPError

        try:
            return super().invoke(ctx)
        except UsageError as exc:  # a bad option or a missing argument: one line too, not click's usage box
            command = exc.ctx.command_path if exc.ctx is not None else "criteria-nlp"
            fail(CriteriaNLPError("C004", record=command, detail=exc.format_message().rstrip(".")), code=2)
        except CriteriaNLPError as exc:
            fail(exc)
        except OSError as exc:  # a file that cannot be read or written, outside the readers' own coded errors
            usage = isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError))
            error = CriteriaNLPError("C003", record=str(exc.filename or "<file>"), detail=exc.strerror or type(exc).__name__)
            fail(error, code=2 if usage else 1)


app = typer.Typer(
    name="criteria-nlp",
    help="Turn the eligibility criteria of clinical trials into structured, comparable rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_CodedErrors,
)

#: messages and progress for people go to stderr, so stdout stays clean for results
console = Console(stderr=True)


def fail(error: Exception, code: int | None = None) -> NoReturn:
    """Report a coded error on one line of stderr and exit: ``code``, else 2 for a usage error, 1 for bad data."""
    report_error(error)
    if code is None:
        code = 2 if getattr(error, "code", None) in USAGE_CODES else 1
    raise typer.Exit(code=code)


def check_paths(*paths: "str | Path | None") -> None:
    """Exit 2 with R008 (one line per path) when a path names no existing file or folder; ``-`` (stdin) and None pass."""
    from ..errors import ReadError

    missing = [str(p) for p in paths if p is not None and str(p) != "-" and not os.path.exists(p)]
    for path in missing:
        report_error(ReadError("R008", record=path))
    if missing:
        raise typer.Exit(code=2)


def check_encoding(encoding: str | None) -> None:
    """Exit 2 (C002) when ``--encoding`` names no codec Python knows."""
    if encoding is None:
        return
    from ..errors import CriteriaNLPError

    try:
        codecs.lookup(encoding)
    except LookupError:
        fail(CriteriaNLPError("C002", record="--encoding", detail=encoding))


#: the ``--encoding`` option of the commands that read trial records
ENCODING_OPTION: Any = typer.Option(
    None, "--encoding",
    help="Encoding of files without a byte-order mark (default UTF-8), e.g. cp1252 or latin-1.",
)


@contextmanager
def open_output(path: Path | None) -> Iterator[IO[str]]:
    """Open ``path`` for writing text (parents created), or stdout when None or ``-``.

    A file is written under a temporary name beside it and moved into place only
    when the block ends without an error: a failed command leaves nothing behind.
    """
    from ._format import result_stream

    with result_stream(path) as handle:
        yield handle


def write_json_line(handle: IO[str], data: Any) -> None:
    """Write one JSON object per line (UTF-8, no ASCII escaping)."""
    handle.write(json.dumps(data, ensure_ascii=False))
    handle.write("\n")


def as_sources(arguments: list[str]) -> list["str | Path"]:
    """Command-line sources: paths, except ``-`` for stdin; exits 2 (R008) when one names nothing."""
    check_paths(*arguments)
    return [argument if argument == "-" else Path(argument) for argument in arguments]


def report_error(error: Exception) -> None:
    """Print one bad record's error on stderr, without a traceback."""
    console.print(f"[red]error[/red] {error}", highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        from ..about import __version__

        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """criteria-nlp: clinical-trial eligibility criteria as structured, comparable rules."""


#: the ``--pipeline`` option of every command that analyses trial records
PIPELINE_OPTION: Any = typer.Option(
    None, "--pipeline",
    help="fast (rules and lexicons; the default), default (with the NER trained on Chia) or a saved pipeline's folder.",
)


def check_pipeline_option(value: str | None, names: Any = None) -> None:
    """A ``--pipeline`` (or ``--model``) value that is neither one of ``names`` nor a folder: exit 2 if it names nothing (X003), else 1 (X001)."""
    from ..errors import ResourceError
    from ..pipeline import PIPELINES

    names = PIPELINES if names is None else names
    if value is None or value in names:
        return
    if not os.path.exists(value):
        fail(ResourceError("X003", record=value, detail=" or ".join(repr(n) for n in names)), code=2)
    if not os.path.isdir(value):
        fail(ResourceError("X001", record=value, detail="not a folder; a saved pipeline is the folder nlp.to_disk writes"), code=1)


def make_analyzer(pipeline: str | None, model: str | None = None) -> Any:
    """The ``Analyzer`` of a ``--pipeline`` (None: the library's default) and ``--model`` value; a bad value is one coded line."""
    from ..analyzer import Analyzer
    from ..pipeline import MODELS, pipeline_name

    check_pipeline_option(pipeline)
    check_pipeline_option(model, MODELS)
    if model is None:
        return Analyzer(pipeline=pipeline_name(pipeline))
    return Analyzer(pipeline=pipeline_name(pipeline), model=model)


def analyze_all(sources: list[str], *, kind: str | None, command: str, pipeline: str | None = None,
                encoding: str | None = None) -> tuple[list[Any], int]:
    """Analyse every record of ``sources`` with ``pipeline``: the analyses, and how many records failed (each reported on stderr).

    Exits with status 1 when no record at all could be analysed (error C001 when
    the sources held no record, so that no run ends without a coded line).
    """
    from ..errors import CriteriaNLPError

    paths = as_sources(sources)
    check_encoding(encoding)
    analyses = []
    failed = 0
    for result in make_analyzer(pipeline).analyze_sources(paths, kind=kind, encoding=encoding):
        if isinstance(result, Exception):
            failed += 1
            report_error(result)
            continue
        analyses.append(result)
    if not analyses:
        if not failed:
            report_error(CriteriaNLPError("C001", record=command, detail="no trial could be read"))
        raise typer.Exit(code=1)
    return analyses, failed
