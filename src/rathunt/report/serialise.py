"""The one serialisation of findings and incidents, shared by every export and the HTML.

`finding_to_dict` and `incident_to_dict` give plain JSON values in the layout that
src/rathunt/schemas/finding.schema.json and incident.schema.json document. Times are UTC,
ISO 8601 with microseconds and a `Z`, so the text sorts in time order. Field values pass
through unchanged when JSON can hold them; anything else (bytes, datetimes, sets, huge
integers, NaN, strings with lone surrogates) becomes the nearest faithful JSON value.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from rathunt.model import Finding, Incident, Provenance, Tactic, Technique

# orjson refuses integers outside 64 bits; such values are kept as their decimal text.
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1

# How deep nested lists and mappings in a field value are followed before falling back
# to text; readers produce flat values, this only bounds hostile or broken ones.
_MAX_DEPTH = 16

_SURROGATE = re.compile("[\ud800-\udfff]")


def iso_time(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with microseconds and `Z`; a naive time is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def json_value(value: Any, depth: int = 0) -> Any:
    """A field value as JSON can hold it, as close to the original as possible."""
    kind = type(value)
    if kind is str:
        return value if value.isascii() else _clean_text(value)
    if value is None or kind is bool:
        return value
    if kind is int:
        return value if _INT_MIN <= value <= _INT_MAX else str(value)
    if kind is dict:
        return json_mapping(value, depth)
    return _json_other(value, depth)


def json_mapping(mapping: Mapping[Any, Any], depth: int = 0) -> dict[str, Any]:
    """A mapping of field names to values as a JSON object; plain ASCII text passes straight."""
    if depth >= _MAX_DEPTH:
        return {"": _clean_text(repr(mapping))}
    result: dict[str, Any] = {}
    for key, value in mapping.items():
        name = key if type(key) is str and key.isascii() else _clean_text(str(key))
        if type(value) is str and value.isascii():
            result[name] = value
        else:
            result[name] = json_value(value, depth + 1)
    return result


def _json_other(value: Any, depth: int) -> Any:
    """The rarer kinds: subclasses, floats, times, bytes, sequences, sets, anything else."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return _clean_text(str(value))
    if isinstance(value, int):
        return json_value(int(value), depth)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if depth >= _MAX_DEPTH:
        return _clean_text(repr(value))
    if isinstance(value, Mapping):
        return json_mapping(value, depth)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [json_value(item, depth + 1) for item in items]
    return _clean_text(str(value))


def _clean_text(text: str) -> str:
    """Text that encodes as UTF-8: lone surrogates (from broken UTF-16) become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """A finding as plain JSON values, in the layout finding.schema.json documents."""
    return {
        "time": iso_time(finding.time),
        "computer": json_value(finding.computer),
        "level": finding.level,
        "rule_id": json_value(finding.rule_id),
        "rule_title": json_value(finding.rule_title),
        "status": finding.status,
        "pack": finding.pack,
        "tags": [json_value(tag) for tag in finding.tags],
        "tactics": [_tactic(tactic) for tactic in finding.tactics],
        "techniques": [_technique(technique) for technique in finding.techniques],
        "logsource": json_value(finding.logsource),
        "channel": json_value(finding.channel),
        "event_id": finding.event_id,
        "record_id": finding.record_id,
        "count": finding.count,
        "matched": json_mapping(finding.matched),
        "provenance": _provenance(finding.provenance),
        "extra": json_mapping(finding.extra),
    }


def incident_to_dict(incident: Incident) -> dict[str, Any]:
    """An incident with its stages and their findings, as incident.schema.json documents."""
    return {
        "id": json_value(incident.id),
        "computer": json_value(incident.computer),
        "confidence": incident.confidence,
        "score": json_value(float(incident.score)),
        "first": iso_time(incident.first),
        "last": iso_time(incident.last),
        "stages": [
            {"stage": json_value(name), "findings": [finding_to_dict(f) for f in findings]}
            for name, findings in incident.stages
        ],
        "rules": [json_value(rule) for rule in incident.rules],
        "techniques": [_technique(technique) for technique in incident.techniques],
        "explanation": [json_value(line) for line in incident.explanation],
    }


def dumps_line(record: Mapping[str, Any]) -> bytes:
    """One JSON Lines record: compact UTF-8 JSON and a newline."""
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


def _tactic(tactic: Tactic) -> dict[str, str]:
    return {"id": tactic.id, "name": tactic.name, "shortname": tactic.shortname}


def _technique(technique: Technique) -> dict[str, str]:
    return {"id": technique.id, "name": technique.name}


def _provenance(provenance: Provenance) -> dict[str, Any]:
    return {
        "path": _clean_text(provenance.path),
        "record": provenance.record,
        "kind": provenance.kind,
    }
