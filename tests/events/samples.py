"""Real records from the shared EVTX corpus, rewritten into the other layouts rathunt reads.

The rewrites follow each producer's documented shape: wevtutil XML (no root, no
declaration), evtx_dump JSON (pretty documents, or one per line), Winlogbeat (`winlog.*`
with string data values and, as 8.x writes them, string `event_id` and `record_id`) and flat
Sigma records.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import evtx
import orjson

CORPUS = "evtx/EVTX-ATTACK-SAMPLES"

# One file per record shape the readers must handle.
SHAPES = {
    "sysmon": "AutomatedTestingTools/Malware/DE_timestomp_and_dll_sideloading_and_RunPersist.evtx",
    "security_4688_5156": "Command and Control/DE_RDP_Tunnel_5156.evtx",
    "security_4663": "Credential Access/CA_chrome_firefox_opera_4663.evtx",
    "security_4698": "Execution/temp_scheduled_task_4698_4699.evtx",
    "system_7045": "Lateral Movement/LM_Remote_Service02_7045.evtx",
    "system_104": (
        "Credential Access/Zerologon_CVE-2020-1472_DFIR_System_NetLogon_Error_EventID_5805.evtx"
    ),
    "userdata_1102": "Defense Evasion/DE_1102_security_log_cleared.evtx",
    "unnamed_data": "Credential Access/MSSQL_multiple_failed_logon_EventID_18456.evtx",
    "qualifiers": "Credential Access/LsassSilentProcessExit_process_exit_monitor_3001_lsass.evtx",
    "ps_classic_800": "Other/emotet/exec_emotet_ps_800_get-item.evtx",
    "ps_4104": "Credential Access/Powershell_4104_MiniDumpWriteDump_Lsass.evtx",
    "no_channel": "Credential Access/etw_rpc_zerologon.evtx",
}


def shape_path(shared_data: Path, shape: str) -> Path:
    return shared_data / CORPUS / SHAPES[shape]


def evtx_dump_records(path: Path) -> list[dict[str, Any]]:
    """The evtx_dump JSON objects of a file, as the evtx package renders them."""
    return [orjson.loads(r["data"]) for r in evtx.PyEvtxParser(str(path)).records_json() if r]


def xml_records(path: Path) -> list[str]:
    """The XML of each record, without the declaration evtx puts before every one."""
    out = []
    for record in evtx.PyEvtxParser(str(path)).records():
        assert record is not None
        text = record["data"]
        if text.startswith("<?xml"):
            text = text[text.index("?>") + 2 :]
        out.append(text.strip())
    return out


def write_wevtutil_xml(records: list[str], target: Path, *, root: bool = False) -> Path:
    body = "\r\n".join(records)
    if root:
        body = '<?xml version="1.0" encoding="utf-8"?>\r\n<Events>' + body + "</Events>"
    target.write_text(body, encoding="utf-8", newline="")
    return target


def write_json_documents(records: list[dict[str, Any]], target: Path) -> Path:
    target.write_text("".join(json.dumps(r, indent=2) + "\n" for r in records), encoding="utf-8")
    return target


def write_json_array(records: list[dict[str, Any]], target: Path) -> Path:
    target.write_text(json.dumps(records, indent=2), encoding="utf-8")
    return target


def write_jsonl(records: list[dict[str, Any]], target: Path, *, compress: bool = False) -> Path:
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    target.write_bytes(gzip.compress(data) if compress else data)
    return target


def to_winlogbeat(record: dict[str, Any]) -> dict[str, Any]:
    """An evtx_dump record as Winlogbeat 8 ships it to Elasticsearch."""
    event = record["Event"]
    system = event["System"]
    event_id = system["EventID"]
    if isinstance(event_id, dict):
        event_id = event_id["#text"]
    data = event.get("EventData") or {}
    if "UserData" in event:
        data = next(v for k, v in event["UserData"].items() if k != "#attributes")
    winlog: dict[str, Any] = {
        "channel": system["Channel"],
        "provider_name": system["Provider"]["#attributes"]["Name"],
        "computer_name": system["Computer"],
        "event_id": str(event_id),
        "record_id": str(system["EventRecordID"]),
        "event_data": {k: _beat_text(v) for k, v in data.items() if k != "#attributes"},
    }
    if "Version" in system:
        winlog["version"] = system["Version"]
    execution = (system.get("Execution") or {}).get("#attributes") or {}
    if execution:
        winlog["process"] = {"pid": execution["ProcessID"], "thread": {"id": execution["ThreadID"]}}
    time = system["TimeCreated"]["#attributes"]["SystemTime"]
    return {"@timestamp": time[:23] + "Z", "event": {"code": str(event_id)}, "winlog": winlog}


def to_flat(record: dict[str, Any]) -> dict[str, Any]:
    """An evtx_dump record as a flat Sigma record (System values and data side by side)."""
    event = record["Event"]
    system = event["System"]
    event_id = system["EventID"]
    if isinstance(event_id, dict):
        event_id = event_id["#text"]
    flat = {
        "EventID": event_id,
        "Channel": system["Channel"],
        "Computer": system["Computer"],
        "Provider_Name": system["Provider"]["#attributes"]["Name"],
        "EventRecordID": system["EventRecordID"],
        "TimeCreated": system["TimeCreated"]["#attributes"]["SystemTime"],
    }
    data = event.get("EventData") or {}
    if "UserData" in event:
        data = next(v for k, v in event["UserData"].items() if k != "#attributes")
    flat.update({k: v for k, v in data.items() if k != "#attributes"})
    return flat


def _beat_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def as_text(value: Any) -> Any:
    """A field value as text, to compare a typed source with an untyped one (XML, ECS)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()
