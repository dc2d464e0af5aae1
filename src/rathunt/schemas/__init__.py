"""The JSON Schemas of rathunt's exports, shipped with the package.

`finding.schema.json` documents one line of the findings JSONL export and
`incident.schema.json` one line of the incidents export; the incident schema refers to
the finding schema by its `$id`, so a validator needs both (see `load_schema`).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from rathunt.errors import ConfigError

SCHEMAS = ("finding", "incident")


def load_schema(name: str) -> dict[str, Any]:
    """The schema called `name` ("finding" or "incident") as a JSON object."""
    if name not in SCHEMAS:
        raise ConfigError(f"no schema named {name!r}", hint=f"choose one of {', '.join(SCHEMAS)}")
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
