"""Encoders for the three shapes the readers accept, one record per line.

- `evtx-jsonl`: what `evtx_dump -o jsonl` (and the `evtx` package) prints for a record:
  `{"Event": {"#attributes": ..., "System": ..., "EventData": ...}}`, typed values, GUIDs in
  upper case without braces.
- `ecs`: a Winlogbeat 8 document: `winlog.*` with `event_data` values as strings and GUIDs
  as Windows renders them (`{lower-case}`), `event.code`, `host.name`, `@timestamp`.
- `xml`: the event XML `wevtutil qe /f:xml` prints, single-quoted attributes, one event a line.
"""

from __future__ import annotations

from typing import Any

import orjson

from rathunt.simulate.shapes import (
    META,
    PROVIDERS,
    SECURITY,
    SYSMON,
    SYSTEM,
    SimEvent,
    log_delay,
    system_time,
)

NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"
FORMATS = ("evtx-jsonl", "ecs", "xml")
SUFFIX = {"evtx-jsonl": ".jsonl", "ecs": ".ndjson", "xml": ".xml"}
GUID_FIELDS = frozenset(
    {
        "ProcessGuid",
        "ParentProcessGuid",
        "LogonGuid",
        "SourceProcessGUID",
        "TargetProcessGUID",
        "TargetLogonGuid",
    }
)


def execution(event: SimEvent) -> tuple[int, int]:
    """The writing process and thread, as the System section names them."""
    writer = META[(event.channel, event.event_id)][2]
    pid = 4 if writer == "kernel" else event.host.system_pids[writer]
    thread = 60 + (event.t // 1000 + event.event_id) % 900 * 4
    return pid, thread


def _qualifiers(event: SimEvent) -> int | None:
    return 16384 if event.channel == SYSTEM else None


def to_evtx_json(event: SimEvent) -> dict[str, Any]:
    """The record as the `evtx` crate serialises it."""
    version, task, _ = META[(event.channel, event.event_id)]
    provider = PROVIDERS[event.channel]
    pid, thread = execution(event)
    attributes: dict[str, Any] = {"Name": provider.name, "Guid": provider.guid}
    if provider.source_name:
        attributes["EventSourceName"] = provider.source_name
    qualifiers = _qualifiers(event)
    event_id: Any = event.event_id
    if qualifiers is not None:
        event_id = {"#attributes": {"Qualifiers": qualifiers}, "#text": event.event_id}
    security: Any = None
    if event.channel != SECURITY:
        security = {"#attributes": {"UserID": "S-1-5-18"}}
    system = {
        "Provider": {"#attributes": attributes},
        "EventID": event_id,
        "Version": version,
        "Level": provider.level,
        "Task": task,
        "Opcode": 0,
        "Keywords": provider.keywords,
        "TimeCreated": {"#attributes": {"SystemTime": system_time(event.t + log_delay(event))}},
        "EventRecordID": event.record_id,
        "Correlation": None,
        "Execution": {"#attributes": {"ProcessID": pid, "ThreadID": thread}},
        "Channel": event.channel,
        "Computer": event.host.name,
        "Security": security,
    }
    return {
        "Event": {
            "#attributes": {"xmlns": NAMESPACE},
            "System": system,
            "EventData": dict(event.data),
        }
    }


def rendered(name: str, value: Any) -> str:
    """A value as Windows renders it in XML and Winlogbeat: text, GUIDs braced lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in GUID_FIELDS and isinstance(value, str) and value and not value.startswith("{"):
        return "{" + value.lower() + "}"
    return str(value)


def to_ecs(event: SimEvent) -> dict[str, Any]:
    """The record as Winlogbeat 8 ships it."""
    version, _, _ = META[(event.channel, event.event_id)]
    provider = PROVIDERS[event.channel]
    pid, thread = execution(event)
    stamp = system_time(event.t + log_delay(event))
    guid = provider.guid if provider.guid.startswith("{") else "{" + provider.guid.lower() + "}"
    winlog: dict[str, Any] = {
        "api": "wineventlog",
        "channel": event.channel,
        "computer_name": event.host.name,
        "event_id": str(event.event_id),
        "provider_name": provider.name,
        "provider_guid": guid,
        "record_id": str(event.record_id),
        "process": {"pid": pid, "thread": {"id": thread}},
        "version": version,
        "opcode": "Info",
        "event_data": {name: rendered(name, value) for name, value in event.data.items()},
    }
    if event.channel != SECURITY:
        winlog["user"] = {
            "identifier": "S-1-5-18",
            "domain": "NT AUTHORITY",
            "name": "SYSTEM",
            "type": "Well Known Group",
        }
    return {
        "@timestamp": stamp,
        "agent": {"type": "winlogbeat", "version": "8.11.1"},
        "ecs": {"version": "8.0.0"},
        "event": {
            "code": str(event.event_id),
            "kind": "event",
            "provider": provider.name,
            "created": stamp,
        },
        "host": {"name": event.host.name.lower(), "hostname": event.host.short.lower()},
        "log": {"level": "information"},
        "winlog": winlog,
    }


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text.replace("'", "&apos;") if quote else text


def to_xml(event: SimEvent) -> str:
    """The record as `wevtutil qe <log> /f:xml` prints it."""
    version, task, _ = META[(event.channel, event.event_id)]
    provider = PROVIDERS[event.channel]
    pid, thread = execution(event)
    guid = provider.guid if provider.guid.startswith("{") else "{" + provider.guid.lower() + "}"
    source = f" EventSourceName='{provider.source_name}'" if provider.source_name else ""
    qualifiers = _qualifiers(event)
    event_id = f"<EventID Qualifiers='{qualifiers}'>" if qualifiers is not None else "<EventID>"
    security = "<Security/>" if event.channel == SECURITY else "<Security UserID='S-1-5-18'/>"
    data = "".join(
        f"<Data Name='{name}'>{_escape(rendered(name, value))}</Data>"
        for name, value in event.data.items()
    )
    return (
        f"<Event xmlns='{NAMESPACE}'><System><Provider Name='{provider.name}' Guid='{guid}'"
        f"{source}/>{event_id}{event.event_id}</EventID><Version>{version}</Version>"
        f"<Level>{provider.level}</Level><Task>{task}</Task><Opcode>0</Opcode>"
        f"<Keywords>{provider.keywords}</Keywords>"
        f"<TimeCreated SystemTime='{system_time(event.t + log_delay(event))}'/>"
        f"<EventRecordID>{event.record_id}</EventRecordID><Correlation/>"
        f"<Execution ProcessID='{pid}' ThreadID='{thread}'/><Channel>{event.channel}</Channel>"
        f"<Computer>{_escape(event.host.name)}</Computer>{security}</System>"
        f"<EventData>{data}</EventData></Event>"
    )


def encode(event: SimEvent, fmt: str) -> bytes:
    """One output line (with its newline) for `event` in format `fmt`."""
    if fmt == "evtx-jsonl":
        return orjson.dumps(to_evtx_json(event)) + b"\n"
    if fmt == "ecs":
        return orjson.dumps(to_ecs(event)) + b"\n"
    return to_xml(event).encode() + b"\n"


__all__ = ["FORMATS", "SUFFIX", "SYSMON", "encode", "to_ecs", "to_evtx_json", "to_xml"]
