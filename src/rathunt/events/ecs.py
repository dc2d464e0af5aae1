"""Winlogbeat / Elastic ECS records and flat Sigma records, to rathunt's flat fields.

Winlogbeat puts the System values under `winlog.*` (`event_id`, `channel`, `provider_name`,
`computer_name`, `record_id`, `version`, `process.pid`, `process.thread.id`,
`user.identifier`), the data under `winlog.event_data` (or `winlog.user_data`) and the time in
`@timestamp`. Exports may nest these objects or spell them as dotted keys
(`"winlog.event_id"`); both are read. Winlogbeat writes data values as strings, and 8.x writes
`event_id` and `record_id` as strings too; the System numbers become ints here as in EVTX.

A flat record already has Sigma names at the top level; it is used as it is, with `EventID`
and `EventRecordID` made ints and the time read from `TimeCreated`, `SystemTime`,
`@timestamp` or `UtcTime`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rathunt.events.times import format_time, parse_time
from rathunt.model import FieldValue

_MISSING = object()

_WINLOG_SYSTEM = (
    ("EventID", ("event_id",), True),
    ("Channel", ("channel",), False),
    ("Provider_Name", ("provider_name",), False),
    ("Computer", ("computer_name",), False),
    ("EventRecordID", ("record_id",), True),
    ("Version", ("version",), True),
    ("ProcessID", ("process", "pid"), True),
    ("ThreadID", ("process", "thread", "id"), True),
    ("Security_UserID", ("user", "identifier"), False),
)

_FLAT_TIMES = ("TimeCreated", "SystemTime", "@timestamp", "UtcTime")


def ecs_fields(
    record: dict[str, Any],
) -> tuple[dict[str, FieldValue], str | None, str | None, datetime | None]:
    """Flat fields, channel, provider and time of one Winlogbeat record."""
    fields: dict[str, FieldValue] = {}
    for name, path, numeric in _WINLOG_SYSTEM:
        value = _lookup(record, ("winlog", *path))
        if value is _MISSING:
            continue
        fields[name] = _as_int(value) if numeric else value
    if "EventID" not in fields:
        code = _lookup(record, ("event", "code"))
        fields["EventID"] = None if code is _MISSING else _as_int(code)
    if "Channel" not in fields:
        log_name = _lookup(record, ("winlog", "log_name"))
        fields["Channel"] = None if log_name is _MISSING else log_name

    moment = parse_time(record.get("@timestamp"))
    if moment is not None:
        fields["TimeCreated"] = format_time(moment)
    for part in ("event_data", "user_data"):
        data = _lookup(record, ("winlog", part))
        if isinstance(data, dict):
            fields.update(data)
            if " " in "".join(data):
                _spaceless(data, fields)
        else:
            _dotted_children(record, f"winlog.{part}.", fields)
    return fields, _text(fields.get("Channel")), _text(fields.get("Provider_Name")), moment


def flat_fields(
    record: dict[str, Any],
) -> tuple[dict[str, FieldValue], str | None, str | None, datetime | None]:
    """Flat fields, channel, provider and time of one flat Sigma record (changed in place)."""
    if "EventID" in record:
        record["EventID"] = _as_int(record["EventID"])
    if "EventRecordID" in record:
        record["EventRecordID"] = _as_int(record["EventRecordID"])
    moment = None
    for name in _FLAT_TIMES:
        if name in record:
            moment = parse_time(record[name])
            if moment is not None:
                break
    if moment is not None:
        record["TimeCreated"] = format_time(moment)
    return record, _text(record.get("Channel")), _text(record.get("Provider_Name")), moment


def _lookup(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    """A value by nested keys, or by the dotted key, or by a dotted tail under a nested head."""
    dotted = ".".join(path)
    if dotted in record:
        return record[dotted]
    node: Any = record
    for index, key in enumerate(path):
        if not isinstance(node, dict):
            return _MISSING
        if key in node:
            node = node[key]
            continue
        rest = ".".join(path[index:])
        return node.get(rest, _MISSING)
    return node


def _dotted_children(record: dict[str, Any], prefix: str, fields: dict[str, FieldValue]) -> None:
    for key, value in record.items():
        if key.startswith(prefix):
            fields[key[len(prefix) :]] = value


def _spaceless(data: dict[str, Any], fields: dict[str, FieldValue]) -> None:
    for name in data:
        if " " in name:
            fields.setdefault(name.replace(" ", ""), data[name])


def _as_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
