"""The typer app every command registers on, and helpers shared by commands."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

import typer
from rich.console import Console

app = typer.Typer(
    name="criteria-nlp",
    help="Turn the eligibility criteria of clinical trials into structured, comparable rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: messages and tables for people go to stderr, so stdout stays clean for data
console = Console(stderr=True)


@contextmanager
def open_output(path: Path | None) -> Iterator[IO[str]]:
    """Open ``path`` for writing text (parents created), or stdout when None or ``-``."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        yield handle


def write_json_line(handle: IO[str], data: Any) -> None:
    """Write one JSON object per line (UTF-8, no ASCII escaping)."""
    handle.write(json.dumps(data, ensure_ascii=False))
    handle.write("\n")


def as_sources(arguments: list[str]) -> list["str | Path"]:
    """Command-line sources: paths, except ``-`` for stdin (a missing path is reported, not read as text)."""
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


def make_analyzer(pipeline: str | None) -> Any:
    """The ``Analyzer`` of a ``--pipeline`` value (None: the library's default); a bad value is a usage error."""
    from ..analyzer import Analyzer
    from ..errors import ResourceError
    from ..pipeline import pipeline_name

    try:
        return Analyzer(pipeline=pipeline_name(pipeline))
    except ResourceError as exc:
        if exc.code != "X003":
            raise
        raise typer.BadParameter(str(exc), param_hint="--pipeline") from None


def analyze_all(sources: list[str], *, kind: str | None, command: str, pipeline: str | None = None) -> tuple[list[Any], int]:
    """Analyse every record of ``sources`` with ``pipeline``: the analyses, and how many records failed (each reported on stderr).

    Exits with status 1 (error C001) when no record at all could be analysed.
    """
    from ..errors import CriteriaNLPError

    analyses = []
    failed = 0
    for result in make_analyzer(pipeline).analyze_sources(as_sources(sources), kind=kind):
        if isinstance(result, Exception):
            failed += 1
            report_error(result)
            continue
        analyses.append(result)
    if not analyses:
        report_error(CriteriaNLPError("C001", record=command, detail="no trial could be read"))
        raise typer.Exit(code=1)
    return analyses, failed
