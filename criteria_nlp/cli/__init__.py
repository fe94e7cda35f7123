"""The ``criteria-nlp`` command line: one typer app, one module per command."""

from __future__ import annotations

from ._util import app
from .evaluate import evaluate_cli
from .read import read_cli

__all__ = ["app", "evaluate_cli", "read_cli"]
