"""``criteria-nlp schema``: print the JSON Schema of the analysis output."""

from __future__ import annotations

import json

import typer

from ._util import app


@app.command("schema")
def schema_cli() -> None:
    """Print the JSON Schema of one analysis (a line of `read` or `annotate` JSON Lines output)."""
    from ..schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=1, sort_keys=True))
