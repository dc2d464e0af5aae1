"""Derive the lint's log-source data file (`logsources.json`) from schemas and real records.

    python -m rathunt.rules.lint.derive EVTX_DIR SIGMA_RULES_DIR > logsources.json

Field sets: the Sysmon event schema (Sysmon 15, `sysmon -s`) per event id, joined with every
EventData name seen in real EVTX records, per channel and event id, plus the System values
every event carries. Known Windows binaries: file names seen under `\\Windows\\` in those
records, plus every `OriginalFileName` value SigmaHQ rules name (PE names the vendor set, so
an attacker does not choose them). The output is committed; rerun when the data grows.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from rathunt.rules.convert.targets import SYSMON_CATEGORIES

# Sysmon 15 schema: EventData names per event id.
_P = ["RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image"]
SYSMON_SCHEMA: dict[int, list[str]] = {
    1: [*_P, "FileVersion", "Description", "Product", "Company", "OriginalFileName",
        "CommandLine", "CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId",
        "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId", "ParentImage",
        "ParentCommandLine", "ParentUser"],
    2: [*_P, "TargetFilename", "CreationUtcTime", "PreviousCreationUtcTime", "User"],
    3: [*_P, "User", "Protocol", "Initiated", "SourceIsIpv6", "SourceIp", "SourceHostname",
        "SourcePort", "SourcePortName", "DestinationIsIpv6", "DestinationIp",
        "DestinationHostname", "DestinationPort", "DestinationPortName"],
    4: ["UtcTime", "State", "Version", "SchemaVersion"],
    5: [*_P, "User"],
    6: ["RuleName", "UtcTime", "ImageLoaded", "Hashes", "Signed", "Signature",
        "SignatureStatus"],
    7: [*_P, "ImageLoaded", "FileVersion", "Description", "Product", "Company",
        "OriginalFileName", "Hashes", "Signed", "Signature", "SignatureStatus", "User"],
    8: ["RuleName", "UtcTime", "SourceProcessGuid", "SourceProcessId", "SourceImage",
        "TargetProcessGuid", "TargetProcessId", "TargetImage", "NewThreadId", "StartAddress",
        "StartModule", "StartFunction", "SourceUser", "TargetUser"],
    9: [*_P, "Device", "User"],
    10: ["RuleName", "UtcTime", "SourceProcessGUID", "SourceProcessId", "SourceThreadId",
         "SourceImage", "TargetProcessGUID", "TargetProcessId", "TargetImage", "GrantedAccess",
         "CallTrace", "SourceUser", "TargetUser"],
    11: [*_P, "TargetFilename", "CreationUtcTime", "User"],
    12: ["RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "Image",
          "TargetObject", "User"],
    13: ["RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "Image",
          "TargetObject", "Details", "User"],
    14: ["RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "Image",
          "TargetObject", "NewName", "User"],
    15: [*_P, "TargetFilename", "CreationUtcTime", "Hash", "Contents", "User"],
    16: ["UtcTime", "Configuration", "ConfigurationFileHash"],
    17: ["RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "PipeName", "Image",
          "User"],
    18: ["RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "PipeName", "Image",
          "User"],
    19: ["RuleName", "EventType", "UtcTime", "Operation", "User", "EventNamespace", "Name",
          "Query"],
    20: ["RuleName", "EventType", "UtcTime", "Operation", "User", "Name", "Type",
          "Destination"],
    21: ["RuleName", "EventType", "UtcTime", "Operation", "User", "Consumer", "Filter"],
    22: [*_P, "QueryName", "QueryStatus", "QueryResults", "User"],
    23: [*_P, "User", "TargetFilename", "Hashes", "IsExecutable", "Archived"],
    24: [*_P, "Session", "ClientInfo", "Hashes", "Archived", "User"],
    25: [*_P, "Type", "User"],
    26: [*_P, "User", "TargetFilename", "Hashes", "IsExecutable"],
    27: [*_P, "User", "TargetFilename", "Hashes"],
    28: [*_P, "User", "TargetFilename", "Hashes", "IsExecutable"],
    29: [*_P, "User", "TargetFilename", "Hashes"],
    255: ["UtcTime", "ID", "Description"],
}  # fmt: skip

SYSMON_CATEGORY_IDS: dict[str, list[int]] = {
    "process_creation": [1], "file_change": [2], "network_connection": [3],
    "sysmon_status": [4, 16], "process_termination": [5], "driver_load": [6], "image_load": [7],
    "create_remote_thread": [8], "raw_access_thread": [9], "process_access": [10],
    "file_event": [11], "registry_add": [12], "registry_delete": [12], "registry_set": [13],
    "registry_rename": [14], "registry_event": [12, 13, 14], "create_stream_hash": [15],
    "pipe_created": [17, 18], "wmi_event": [19, 20, 21], "dns_query": [22],
    "file_delete": [23, 26], "clipboard_capture": [24], "process_tampering": [25],
    "file_delete_detected": [26], "file_block_executable": [27], "file_block_shredding": [28],
    "file_executable_detected": [29], "sysmon_error": [255],
}  # fmt: skip

# Security events whose fields a category also carries (the reader adds their Sysmon twins).
SECURITY_TWINS: dict[str, list[int]] = {
    "process_creation": [4688],
    "registry_event": [4657], "registry_set": [4657], "registry_add": [4657],
    "network_connection": [5156],
}  # fmt: skip

# Values every event carries, from the System element (see docs/architecture.md).
SYSTEM_FIELDS = [
    "EventID", "Channel", "Computer", "Provider_Name", "Provider_Guid", "EventRecordID",
    "TimeCreated", "Level", "Task", "Opcode", "Keywords", "Version", "Security_UserID",
    "ProcessID", "ThreadID", "Correlation_ActivityID",
]  # fmt: skip

SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SERVICE_CHANNELS = {
    "security": "Security", "system": "System", "application": "Application",
    "powershell": "Microsoft-Windows-PowerShell/Operational",
    "powershell-classic": "Windows PowerShell",
    "taskscheduler": "Microsoft-Windows-TaskScheduler/Operational",
    "wmi": "Microsoft-Windows-WMI-Activity/Operational",
    "windefend": "Microsoft-Windows-Windows Defender/Operational",
    "bits-client": "Microsoft-Windows-Bits-Client/Operational",
}  # fmt: skip


def records(evtx_dir: Path) -> Iterator[dict[str, Any]]:
    """The Event element of every record under `evtx_dir`, one file at a time."""
    import evtx

    for path in sorted(evtx_dir.rglob("*.evtx")):
        for record in evtx.PyEvtxParser(str(path)).records_json():
            if record is None:
                continue
            event = json.loads(record["data"]).get("Event", {})
            yield event if isinstance(event, dict) else {}


def observed_fields(events: Iterable[dict[str, Any]]) -> dict[tuple[str, int], set[str]]:
    """EventData names per (channel, event id) as real records carry them."""
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    for event in events:
        system = event.get("System") or {}
        event_id = system.get("EventID")
        if isinstance(event_id, dict):
            event_id = event_id.get("#text")
        data = event.get("EventData") or event.get("UserData") or {}
        if not isinstance(data, dict) or event_id is None:
            continue
        key = (str(system.get("Channel")), int(event_id))
        seen[key].update(name for name in data if not name.startswith("#"))
    return seen


def derive(evtx_dir: Path, sigma_dir: Path) -> dict[str, Any]:
    events = list(records(evtx_dir))
    seen = observed_fields(events)
    logsources: dict[str, Any] = {}
    for category in sorted(SYSMON_CATEGORIES):
        ids = SYSMON_CATEGORY_IDS[category]
        fields = {name for event_id in ids for name in SYSMON_SCHEMA[event_id]}
        fields |= {name for event_id in ids for name in seen.get((SYSMON_CHANNEL, event_id), ())}
        twins = SECURITY_TWINS.get(category, [])
        fields |= {name for event_id in twins for name in seen.get(("Security", event_id), ())}
        logsources[category] = {
            "product": "windows", "category": category, "event_ids": ids + twins,
            "complete": True, "fields": sorted(fields | set(SYSTEM_FIELDS)),
        }  # fmt: skip
    for service, channel in SERVICE_CHANNELS.items():
        fields = {name for (ch, _), names in seen.items() if ch == channel for name in names}
        logsources[service] = {
            "product": "windows", "service": service, "channel": channel,
            "complete": False, "fields": sorted(fields | set(SYSTEM_FIELDS)),
        }  # fmt: skip
    return {
        "source": "Sysmon 15 schema; EVTX-ATTACK-SAMPLES records; SigmaHQ OriginalFileName values",
        "logsources": logsources,
        "system_binaries": sorted(_system_binaries(events) | _original_file_names(sigma_dir)),
        "taxonomy": _taxonomy(sigma_dir),
    }


def _taxonomy(sigma_dir: Path) -> dict[str, dict[str, list[str]]]:
    """Categories and services per product as the SigmaHQ rule set uses them."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for document in _documents(sigma_dir):
        logsource = document.get("logsource")
        if not isinstance(logsource, dict):
            continue
        product = str(logsource.get("product") or "")
        for kind in ("category", "service"):
            if logsource.get(kind):
                found[product][kind].add(str(logsource[kind]))
    return {product: {kind: sorted(values) for kind, values in kinds.items()}
            for product, kinds in sorted(found.items())}  # fmt: skip


def _documents(sigma_dir: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(sigma_dir.rglob("*.yml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(document, dict):
            yield document


def _system_binaries(events: Iterable[dict[str, Any]]) -> set[str]:
    names = set()
    for event in events:
        data = event.get("EventData") or {}
        if not isinstance(data, dict):
            continue
        for value in data.values():
            text = str(value).lower()
            if "\\windows\\" in text and text.endswith((".exe", ".dll")) and " " not in text:
                names.add(text.rsplit("\\", 1)[-1])
    return names


def _original_file_names(sigma_dir: Path) -> set[str]:
    names: set[str] = set()
    for document in _documents(sigma_dir):
        detection = document.get("detection") or {}
        for selection in detection.values() if isinstance(detection, dict) else ():
            for item in selection if isinstance(selection, list) else [selection]:
                if not isinstance(item, dict):
                    continue
                for key, value in item.items():
                    if key.split("|")[0] == "OriginalFileName":
                        values = value if isinstance(value, list) else [value]
                        names.update(
                            str(v).lower().lstrip("\\") for v in values if "*" not in str(v)
                        )
    return names


if __name__ == "__main__":
    json.dump(derive(Path(sys.argv[1]), Path(sys.argv[2])), sys.stdout, indent=1)
    sys.stdout.write("\n")
