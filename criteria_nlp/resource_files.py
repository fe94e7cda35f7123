"""Reading a JSON resource into its pydantic model, with the coded errors every resource shares.

``load_validated(Model, "qualifiers.json")`` reads the packaged file from
``criteria_nlp/resources/`` (found relative to the package); with ``path`` it
reads that file instead (a component's ``initialize``/``from_disk``). A missing
file is ``X002``; malformed JSON or a model that does not validate is ``X001``,
naming the file and the first problem.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ResourceError, validation_detail

M = TypeVar("M", bound=BaseModel)


def load_validated(model: type[M], name: str, path: str | Path | None = None) -> M:
    """The resource ``name`` (or the file ``path``) validated as ``model``."""
    record = str(path) if path is not None else f"criteria_nlp/resources/{name}"
    try:
        if path is None:
            text = resources.files("criteria_nlp.resources").joinpath(name).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return model.model_validate(json.loads(text))
    except FileNotFoundError:
        raise ResourceError("X002", record=record) from None
    except json.JSONDecodeError as exc:
        raise ResourceError("X001", record=record, detail=f"malformed JSON: {exc}") from None
    except ValidationError as exc:
        raise ResourceError("X001", record=record, detail=validation_detail(exc)) from None
