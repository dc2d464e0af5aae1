"""One record, in any layout, to one `Event` with Sigma field names and a log source.

Records arrive as dicts: the evtx_dump layout (`Event.System`, `Event.EventData`, attributes
under `#attributes`), Winlogbeat/ECS (`winlog.*`) or flat Sigma names. All three become the
same flat fields:

- System values under fixed names: `EventID` (int), `Version`, `Level`, `Task`, `Opcode`
  (ints), `Keywords`, `TimeCreated` (ISO 8601 UTC with Z), `EventRecordID` (int), `Channel`,
  `Computer`, `Provider_Name`, `ProcessID`, `ThreadID` (ints, of `Execution`),
  `Security_UserID`.
- EventData (or UserData) children by name, on top of the System values: when a name is
  both, the data's value wins, as SigmaHQ rules expect (Eventlog 104's `Channel` is the
  cleared log's name).
- Unnamed `<Data>` values as a list under `Data`.
- Data names with blanks (Windows Defender's `Threat Name`) also without them (`ThreatName`),
  as SigmaHQ rules write them.

The log source is taken from the System channel and provider before data can shadow them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rathunt.errors import InputError
from rathunt.events.ecs import ecs_fields, flat_fields
from rathunt.events.logsource import logsource_for
from rathunt.events.times import system_time
from rathunt.events.twins import add_security_twins
from rathunt.model import Event, FieldValue, Provenance

_SYSTEM_NUMBERS = ("Version", "Level", "Task", "Opcode")


class NotAnEvent(InputError):
    """A decoded record in none of the event layouts (as opposed to a broken event)."""


def normalise(record: Any, provenance: Provenance) -> tuple[Event, str]:
    """The event of one decoded record, and the layout it was in.

    Raises InputError when the record is no event in any layout rathunt knows.
    """
    if not isinstance(record, dict):
        raise InputError(
            f"record is a JSON {type(record).__name__}, not an object", where=_where(provenance)
        )
    body = record.get("Event")
    if isinstance(body, dict) and "System" in body:
        return normalise_evtx(body, provenance), "evtx-json"
    if isinstance(record.get("System"), dict):
        return normalise_evtx(record, provenance), "evtx-json"
    winlog = record.get("winlog")
    if isinstance(winlog, dict) or "winlog.event_id" in record:
        fields, channel, provider, moment = ecs_fields(record)
        return _finish(fields, channel, provider, moment, provenance), "ecs"
    if "EventID" in record or "Channel" in record:
        fields, channel, provider, moment = flat_fields(record)
        return _finish(fields, channel, provider, moment, provenance), "flat"
    raise NotAnEvent(
        "record has neither Event.System, winlog nor EventID/Channel",
        where=_where(provenance),
        hint="export events as evtx_dump JSON, Winlogbeat JSON or flat Sigma fields",
    )


def normalise_evtx(body: dict[str, Any], provenance: Provenance) -> Event:
    """The event of one evtx_dump-shaped `Event` object (EVTX, its JSON, or parsed XML)."""
    system = body["System"]
    if not isinstance(system, dict):
        raise InputError("Event.System is not an object", where=_where(provenance))
    fields: dict[str, FieldValue] = {}
    channel, provider, moment = _system_fields(system, fields)

    data = body.get("EventData")
    if data is None:
        data = _unwrap_user_data(body.get("UserData"))
    if isinstance(data, dict):
        _data_fields(data, fields)
    elif isinstance(data, str):
        fields["Data"] = [data]
    errors = body.get("ProcessingErrorData")
    if isinstance(errors, dict):
        _data_fields(errors, fields)

    return _finish(fields, channel, provider, moment, provenance)


def _finish(
    fields: dict[str, FieldValue],
    channel: str | None,
    provider: str | None,
    moment: Any,
    provenance: Provenance,
) -> Event:
    event_id = fields.get("EventID")
    if type(event_id) is not int:
        event_id = None
    logsource = logsource_for(channel, provider, event_id, fields)
    if logsource.service == "security" and event_id is not None:
        add_security_twins(event_id, fields)
    return Event(fields, logsource, provenance, moment)


def _system_fields(
    system: dict[str, Any], fields: dict[str, FieldValue]
) -> tuple[str | None, str | None, Any]:
    try:
        return _plain_system_fields(system, fields)
    except (KeyError, TypeError, ValueError, _Unusual):
        fields.clear()
        return _any_system_fields(system, fields)


class _Unusual(Exception):
    """A System element off the shape the `evtx` parser writes: the general path reads it."""


def _plain_system_fields(
    system: dict[str, Any], fields: dict[str, FieldValue]
) -> tuple[str | None, str | None, Any]:
    """The System element as the `evtx` parser writes it (ints as ints, attributes under
    `#attributes`, a six-digit UTC time): most records, read without the general path's
    checks. Anything else raises, and the general path starts over."""
    event_id, version, level = system["EventID"], system["Version"], system["Level"]
    task, opcode, record_id = system["Task"], system["Opcode"], system["EventRecordID"]
    channel, computer = system["Channel"], system["Computer"]
    provider = system["Provider"]["#attributes"]["Name"]
    stamp = system["TimeCreated"]["#attributes"]["SystemTime"]
    execution = system["Execution"]["#attributes"]
    process, thread = execution["ProcessID"], execution["ThreadID"]
    if not (
        type(event_id) is int
        and type(version) is int
        and type(level) is int
        and type(task) is int
        and type(opcode) is int
        and type(record_id) is int
        and type(process) is int
        and type(thread) is int
        and type(channel) is str
        and type(provider) is str
        and type(stamp) is str
        and len(stamp) == 27
        and stamp[19] == "."
        and stamp[26] == "Z"
    ):
        raise _Unusual
    moment = datetime.fromisoformat(stamp)
    fields["EventID"] = event_id
    fields["Version"] = version
    fields["Level"] = level
    fields["Task"] = task
    fields["Opcode"] = opcode
    if "Keywords" in system:
        fields["Keywords"] = system["Keywords"]
    fields["TimeCreated"] = stamp
    fields["EventRecordID"] = record_id
    fields["Channel"] = channel
    fields["Computer"] = computer
    fields["Provider_Name"] = provider
    fields["ProcessID"] = process
    fields["ThreadID"] = thread
    user = _attribute(system.get("Security"), "UserID")
    if user is not None:
        fields["Security_UserID"] = user
    return channel, provider, moment


def _any_system_fields(
    system: dict[str, Any], fields: dict[str, FieldValue]
) -> tuple[str | None, str | None, Any]:
    get = system.get
    event_id = get("EventID")
    if type(event_id) is dict:
        event_id = event_id.get("#text")
    fields["EventID"] = event_id if type(event_id) is int else _as_int(event_id)
    for name in _SYSTEM_NUMBERS:
        value = get(name)
        if value is not None:
            fields[name] = value if type(value) is int else _as_int(value)
    if "Keywords" in system:
        fields["Keywords"] = system["Keywords"]

    moment, text = system_time(_attribute(get("TimeCreated"), "SystemTime"))
    if text is not None:
        fields["TimeCreated"] = text
    record_id = get("EventRecordID")
    fields["EventRecordID"] = record_id if type(record_id) is int else _as_int(record_id)
    channel = get("Channel")
    fields["Channel"] = channel
    fields["Computer"] = get("Computer")
    provider = _attribute(get("Provider"), "Name")
    fields["Provider_Name"] = provider

    _execution_fields(get("Execution"), fields)
    user = _attribute(get("Security"), "UserID")
    if user is not None:
        fields["Security_UserID"] = user
    return (
        channel if type(channel) is str else None,
        provider if type(provider) is str else None,
        moment,
    )


def _execution_fields(execution: Any, fields: dict[str, FieldValue]) -> None:
    try:
        attributes = execution["#attributes"]
        process, thread = attributes["ProcessID"], attributes["ThreadID"]
    except (TypeError, KeyError):
        return
    fields["ProcessID"] = process if type(process) is int else _as_int(process)
    fields["ThreadID"] = thread if type(thread) is int else _as_int(thread)


def _data_fields(data: dict[str, Any], fields: dict[str, FieldValue]) -> None:
    """EventData children by name; `#text` values (unnamed Data) as a list under `Data`.

    The event's own EventID and EventRecordID are kept even when the data has fields of
    those names: every rule and the duplicate check mean the System values.
    """
    event_id, record_id = fields["EventID"], fields["EventRecordID"]
    fields.update(data)
    fields.pop("#attributes", None)
    # Element values ({"#text": ...}) are rare; `map` finds them without a Python loop.
    if dict in map(type, data.values()):
        for name, value in data.items():
            if type(value) is dict and name != "#attributes":
                value = _element_value(name, value, fields)
                if value is _HANDLED:
                    continue
                fields[name] = value
    if " " in "".join(data):
        add_spaceless_names(data, fields)
    if "EventID" in data or "EventRecordID" in data:
        fields["EventID"], fields["EventRecordID"] = event_id, record_id


def add_spaceless_names(data: dict[str, Any], fields: dict[str, FieldValue]) -> None:
    """Data names with blanks (Defender's "Threat Name") also under the name without them
    ("ThreatName"), which is how SigmaHQ rules spell them."""
    for name in data:
        if " " in name:
            fields.setdefault(name.replace(" ", ""), fields.get(name))


_HANDLED = object()


def _element_value(name: str, value: dict[str, Any], fields: dict[str, FieldValue]) -> Any:
    if "#text" not in value:
        return value
    text = value["#text"]
    if name == "Data":
        fields["Data"] = text if isinstance(text, list) else [text]
        return _HANDLED
    return text


def _unwrap_user_data(user_data: Any) -> Any:
    """UserData holds one element named by the provider; its children are the fields."""
    if not isinstance(user_data, dict):
        return user_data
    children = [value for key, value in user_data.items() if key != "#attributes"]
    if len(children) == 1 and isinstance(children[0], dict):
        return children[0]
    return user_data


def _attribute(element: Any, name: str) -> Any:
    try:
        return element["#attributes"][name]
    except (TypeError, KeyError):
        return None


def _as_int(value: Any) -> Any:
    """System numbers as int whatever the source wrote ("4688", 4688); others unchanged."""
    if type(value) is int or value is None:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
    return value


_PLACE_WORDS = {
    "evtx": "record",
    "jsonl-line": "line",
    "json-index": "index",
    "xml-index": "element",
}


def _where(provenance: Provenance) -> str:
    return f"{_PLACE_WORDS.get(provenance.kind, provenance.kind)} {provenance.record}"
