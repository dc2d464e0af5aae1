"""Generated events against real ones of the same event id from the shared EVTX samples.

For each event id the simulator writes, the richest real record (most EventData fields) is
the reference: the generated record must carry exactly its field names, the same System
layout, and values of the same type and format wherever the format is a fixed one (numbers,
booleans, GUIDs, hex ids, SIDs, Sysmon's UtcTime).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import evtx
import orjson
import pytest

SYSMON = "Microsoft-Windows-Sysmon/Operational"
IDS = (
    [(SYSMON, i) for i in (1, 3, 10, 11, 12, 13, 22)]
    + [("Security", i) for i in (4624, 4648, 4688, 4698, 5140, 5156)]
    + [("System", 7045)]
)

# Fields the simulator writes as current Sysmon does, newer than the richest sample of that id
# (the samples' Sysmon 11 and 13 already carry User; their 12 predates it).
NEWER_SCHEMA = {(SYSMON, 12): ("User",)}

FORMATS = (
    (
        "guid",
        re.compile(
            r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
            r"[0-9A-Fa-f]{12}\}?$"
        ),
    ),
    ("utc", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$")),
    ("systemtime", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")),
    ("hex", re.compile(r"^0x[0-9a-f]+$")),
    ("sid", re.compile(r"^S-1-\d+(-\d+)*$")),
    ("insert", re.compile(r"^%%\d+")),
)


def value_format(value: Any) -> str:
    """A value's type, and for text its fixed format when it has one."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if value is None:
        return "null"
    for name, pattern in FORMATS:
        if pattern.match(str(value)):
            return name
    return "text"


@pytest.fixture(scope="module")
def references(shared_data: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The richest real record per (channel, event id) among the EVTX samples."""
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for path in sorted((shared_data / "evtx").rglob("*.evtx")):
        for record in evtx.PyEvtxParser(str(path)).records_json():
            event = orjson.loads(record["data"])["Event"]
            system = event["System"]
            event_id = system["EventID"]
            key = (system["Channel"], event_id["#text"] if isinstance(event_id, dict) else event_id)
            data = event.get("EventData")
            if key not in IDS or not isinstance(data, dict):
                continue
            if key not in best or len(data) > len(best[key]["EventData"]):
                best[key] = event
    return best


@pytest.fixture(scope="module")
def generated(simulation: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The first generated record per (channel, event id)."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for path in sorted((simulation / "telemetry").rglob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            event = orjson.loads(line)["Event"]
            event_id = event["System"]["EventID"]
            key = (
                event["System"]["Channel"],
                event_id["#text"] if isinstance(event_id, dict) else event_id,
            )
            found.setdefault(key, event)
    return found


@pytest.mark.data
@pytest.mark.parametrize("key", IDS, ids=lambda k: f"{k[0].split('/')[0]}-{k[1]}")
def test_field_set_matches_real_record(key, references, generated) -> None:
    """Same EventData field names, in the same order, as the richest real record."""
    if key not in references:
        pytest.skip(f"no real {key} record in the samples")
    assert key in generated, f"the simulation wrote no {key} record"
    fields = list(generated[key]["EventData"])
    for newer in NEWER_SCHEMA.get(key, ()):
        fields.remove(newer)
    assert fields == list(references[key]["EventData"])


@pytest.mark.data
@pytest.mark.parametrize("key", IDS, ids=lambda k: f"{k[0].split('/')[0]}-{k[1]}")
def test_value_formats_match_real_record(key, references, generated) -> None:
    """Each field whose real value has a fixed format has that format when generated."""
    if key not in references:
        pytest.skip(f"no real {key} record in the samples")
    real, ours = references[key]["EventData"], generated[key]["EventData"]
    wrong = {}
    for name, value in real.items():
        expected = value_format(value)
        if expected in ("text", "null") or name not in ours:
            continue
        got = value_format(ours[name])
        if got != expected:
            wrong[name] = (value, ours[name])
    assert not wrong, f"formats differ from the real record: {wrong}"


@pytest.mark.data
@pytest.mark.parametrize("key", IDS, ids=lambda k: f"{k[0].split('/')[0]}-{k[1]}")
def test_system_section_matches_real_record(key, references, generated) -> None:
    """The System section has the same keys, provider, types and time format."""
    if key not in references:
        pytest.skip(f"no real {key} record in the samples")
    real, ours = references[key]["System"], generated[key]["System"]
    assert list(ours) == list(real)
    assert ours["Provider"] == real["Provider"]
    assert ours["Keywords"] == real["Keywords"]
    assert ours["Level"] == real["Level"] and ours["Task"] == real["Task"]
    assert type(ours["EventID"]) is type(real["EventID"])
    assert (ours["Security"] is None) == (real["Security"] is None)
    assert value_format(ours["TimeCreated"]["#attributes"]["SystemTime"]) == "systemtime"
    assert list(ours["Execution"]["#attributes"]) == list(real["Execution"]["#attributes"])


def test_security_4657_carries_the_documented_fields(generated) -> None:
    """No real 4657 is in the samples; its field list is Windows' documented one."""
    data = generated[("Security", 4657)]["EventData"]
    assert list(data) == [
        "SubjectUserSid",
        "SubjectUserName",
        "SubjectDomainName",
        "SubjectLogonId",
        "ObjectName",
        "ObjectValueName",
        "HandleId",
        "OperationType",
        "OldValueType",
        "OldValue",
        "NewValueType",
        "NewValue",
        "ProcessId",
        "ProcessName",
    ]
    assert data["ObjectName"].startswith("\\REGISTRY\\")
    assert value_format(data["ProcessId"]) == "hex"
