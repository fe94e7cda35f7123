"""``criteria-nlp schema``: print the JSON Schema of the analysis output, or of the patient JSON."""

from __future__ import annotations

import json

import typer

from ._util import app


@app.command("schema")
def schema_cli(
    patient: bool = typer.Option(False, "--patient", help="Print the schema of the patient JSON (what match --patient reads)."),
) -> None:
    """Print the JSON Schema of one analysis (a line of `read` or `annotate` JSON Lines output), or with --patient of a patient."""
    if patient:
        from ..patient import patient_json_schema

        typer.echo(json.dumps(patient_json_schema(), indent=1, sort_keys=True))
        return
    from ..schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=1, sort_keys=True))
