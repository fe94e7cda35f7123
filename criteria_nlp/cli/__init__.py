"""The ``criteria-nlp`` command line: one typer app, one module per command."""

from __future__ import annotations

from ._util import app
from .read import read_cli

__all__ = ["app", "read_cli"]
