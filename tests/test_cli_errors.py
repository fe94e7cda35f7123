"""Every command answers a bad path or bad input with one coded line on stderr and exit 2 (usage) or 1 (data), never a traceback.

The commands and their input paths are read from the typer app itself, so a new
command (or a new path option) is covered, or fails here until it is described.
"""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path
import pytest
from typer.testing import CliRunner

from criteria_nlp import Analyzer, batch
from criteria_nlp.cli import app

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = FIXTURES / "seeds" / "002_af3d16ab93fc7196.txt"
ANALYSIS = FIXTURES / "patients" / "analyses" / "NCT03219801.json"
PATIENT = FIXTURES / "patients" / "lupus_candidate.json"
CHIA = FIXTURES / "chia"
runner = CliRunner()

#: command -> a call that works; "{name}" is the input path a case replaces, "{out}" a fresh output folder
CALLS: dict[str, list[str]] = {
    "read": ["read", "{sources}", "-o", "{out}/out.jsonl"],
    "annotate": ["annotate", "{sources}", "-o", "{out}/out.jsonl"],
    "compare": ["compare", "{sources}"],
    "lint": ["lint", "{sources}"],
    "match": ["match", "--patient", "{patient}", "{sources}"],
    "report": ["report", "{sources}", "-o", "{out}/report.html"],
    "evaluate": ["evaluate", "--chia", "{chia}", "--no-structure", "-o", "{out}/report.json"],
    "schema": ["schema"],
}
#: input path -> what the working calls give it (match also reads the analyses `read` writes)
GOOD = {"sources": str(SEED), "patient": str(PATIENT), "chia": str(CHIA)}
GOOD_FOR = {"match": {"sources": str(ANALYSIS)}}
#: parameters that name files the command writes, not reads
OUTPUTS = {"output", "errors", "false_exclusions", "rankings"}
#: parameters typed str that name paths (besides those typed pathlib.Path)
STR_PATHS = {"sources", "pipeline", "model"}
#: what each bad input is, and the exit status it calls for
BAD = {"missing": 2, "empty": 1, "junk": 1}
CODED = re.compile(r"\[[A-Z]\d{3}\]")


def input_paths(command: str) -> dict[str, str | None]:
    """The parameters of ``command`` that name an input file or folder: name -> its option (None: the positional argument)."""
    (info,) = [c for c in app.registered_commands if c.name == command]
    hints = typing.get_type_hints(info.callback)
    found: dict[str, str | None] = {}
    for name, parameter in inspect.signature(info.callback).parameters.items():
        hint = hints[name]
        is_path = hint is Path or Path in typing.get_args(hint) or name in STR_PATHS
        if is_path and name not in OUTPUTS:
            decls = getattr(parameter.default, "param_decls", None) or ()
            found[name] = next((d for d in decls if d.startswith("--")), None)
    return found


def commands() -> list[str]:
    return sorted(str(c.name) for c in app.registered_commands)


CASES = [(command, name, bad) for command in commands() for name in input_paths(command) for bad in BAD]


def bad_input(folder: Path, bad: str) -> Path:
    path = folder / f"{bad}.json"
    if bad == "empty":
        path.write_bytes(b"")
    elif bad == "junk":
        path.write_bytes(b"\x80\x81\xfe junk \x00\xff\xc3\x28 bytes")
    return path


def call(command: str, tmp_path: Path, replace: dict[str, str]) -> list[str]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    values = {**GOOD, **GOOD_FOR.get(command, {}), **replace}
    args = [a.replace("{out}", str(out)) for a in CALLS[command]]
    args = [values[a[1:-1]] if a.startswith("{") and a.endswith("}") else a for a in args]
    options = input_paths(command)
    for name, value in replace.items():
        if "{" + name + "}" not in CALLS[command]:
            option = options[name]
            assert option is not None, f"the argument {name} of {command} is not in CALLS"
            args += [option, value]
    return args


@pytest.fixture(autouse=True)
def reuse_analyzer(monkeypatch: pytest.MonkeyPatch, analyzer: Analyzer) -> None:
    monkeypatch.setattr("criteria_nlp.analyzer.Analyzer", lambda *args, **kwargs: analyzer)
    batch.set_worker_analyzer(analyzer)


def test_cli_errors_every_command_is_described() -> None:
    """A new command needs a working call here, and every input path of a command a place in it or an option."""
    assert set(CALLS) == set(commands())
    for command in commands():
        placeholders = {a[1:-1] for a in CALLS[command] if a.startswith("{") and a != "{out}" and "}" in a and "/" not in a}
        paths = input_paths(command)
        assert placeholders <= set(paths), command
        assert all(paths[name] is not None for name in set(paths) - placeholders), command


@pytest.mark.parametrize("command", commands())
def test_cli_errors_the_working_calls_work(tmp_path: Path, command: str) -> None:
    result = runner.invoke(app, call(command, tmp_path, {}))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("command", "name", "bad"), CASES)
def test_cli_errors_one_coded_line_and_the_right_exit_status(tmp_path: Path, command: str, name: str, bad: str) -> None:
    path = bad_input(tmp_path, bad)
    result = runner.invoke(app, call(command, tmp_path, {name: str(path)}))
    assert result.exit_code == BAD[bad], result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    coded = [line for line in result.stderr.splitlines() if CODED.search(line)]
    assert len(coded) == 1, result.stderr
    assert str(path) in coded[0]
    assert "Usage:" not in result.stderr
    if name in ("sources", "patient"):
        assert result.stdout == ""  # no result at all, not an empty one
    assert list((tmp_path / "out").iterdir()) == []  # no empty or partial output left behind


@pytest.mark.parametrize(("args", "words"), [
    (["compare", "--format", "bogus", str(SEED)], "--format"),  # a value the option does not take
    (["compare", "--bogus-option", str(SEED)], "--bogus-option"),  # an option the command does not have
    (["match", str(SEED)], "--patient"),  # a required option left out
    (["bogus-command"], "bogus-command"),  # no such command
])
def test_cli_errors_option_errors_are_one_coded_line(args: list[str], words: str) -> None:
    """Mistakes on the command line itself get one coded line and exit 2, not click's usage box."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "[C004]" in lines[0] and words in lines[0] and "--help" in lines[0], result.stderr
    assert "Usage:" not in result.stderr and result.stdout == ""
