"""Placeholder values for the `expand` modifier, read from a YAML config file.

A rule value such as `%Admins_Workstations%` stands for a site-specific list. The file maps
each placeholder name to a string or a list of strings, at the top level or under a
`placeholders:` key:

    placeholders:
      Admins_Workstations: [ws-admin-01, ws-admin-02]
      Domain_Controllers: dc01
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from rathunt.errors import ConfigError

log = logging.getLogger(__name__)


def load_placeholders(path: str | Path) -> dict[str, list[str]]:
    """Read placeholder values; every problem names the file and the placeholder."""
    where = str(path)
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read placeholders: {error.strerror}", path=where) from error
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML: {error}", path=where) from error

    if isinstance(document, dict) and isinstance(document.get("placeholders"), dict):
        document = document["placeholders"]
    if not isinstance(document, dict):
        raise ConfigError(
            "expected a mapping of placeholder names to values",
            path=where,
            hint="write `name: [value, ...]` lines",
        )

    placeholders = {str(name): _values(name, raw, where) for name, raw in document.items()}
    log.info("loaded %d placeholders from %s", len(placeholders), where)
    return placeholders


def _values(name: object, raw: object, where: str) -> list[str]:
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return [str(raw)]
    if (
        isinstance(raw, list)
        and raw
        and all(isinstance(item, str | int | float) and not isinstance(item, bool) for item in raw)
    ):
        return [str(item) for item in raw]
    raise ConfigError(
        f"placeholder {name!r} needs a string or a non-empty list of strings",
        path=where,
        where=f"placeholder {name}",
    )
