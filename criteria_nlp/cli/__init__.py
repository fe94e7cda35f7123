"""The ``criteria-nlp`` command line: one typer app, one module per command."""

from __future__ import annotations

from ._util import app
from .annotate import annotate_cli  # noqa: F401  (registers the command)
from .compare import compare_cli  # noqa: F401  (registers the command)
from .evaluate import evaluate_cli
from .lint import lint_cli  # noqa: F401  (registers the command)
from .match import match_cli  # noqa: F401  (registers the command)
from .read import read_cli
from .report import report_cli  # noqa: F401  (registers the command)
from .schema import schema_cli  # noqa: F401  (registers the command)

__all__ = ["app", "evaluate_cli", "read_cli"]
