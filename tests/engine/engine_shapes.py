"""Events in the shapes the readers produce, and rules from inline YAML, for engine tests.

The field values follow real records of the shared EVTX samples: a Sysmon 1 and a Security
4688 (which normalisation gives the Sysmon twin names `Image`, `ParentImage`, `ProcessId`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sigma.rule import SigmaRule

from rathunt.engine import Engine
from rathunt.model import Event, LogSource, Provenance
from rathunt.rules.rule import Rule

PROCESS_CREATION_SYSMON = LogSource("windows", "sysmon", ("process_creation",))
PROCESS_CREATION_SECURITY = LogSource("windows", "security", ("process_creation",))


def sysmon_process(**fields: Any) -> Event:
    """A Sysmon 1 (process creation), overridden by `fields` (None removes a field)."""
    base: dict[str, Any] = {
        "EventID": 1,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Provider_Name": "Microsoft-Windows-Sysmon",
        "Computer": "LAPTOP-JU4M3I0E",
        "EventRecordID": 2164889,
        "UtcTime": "2020-10-05 20:43:58.449",
        "ProcessGuid": "00247C92-858E-5F7B-0000-00105241202B",
        "ProcessId": 18404,
        "Image": "C:\\Windows\\System32\\Taskmgr.exe",
        "FileVersion": "10.0.18362.693 (WinBuild.160101.0800)",
        "Description": "Task Manager",
        "Company": "Microsoft Corporation",
        "OriginalFileName": "Taskmgr.exe",
        "CommandLine": "C:\\windows\\system32\\taskmgr.exe /7",
        "CurrentDirectory": "C:\\windows\\system32\\",
        "User": "LAPTOP-JU4M3I0E\\bouss",
        "LogonId": "0x391e334",
        "TerminalSessionId": 2,
        "IntegrityLevel": "High",
        "Hashes": "SHA1=8A4882EE93E1F23BF9241E4BA0BF7BD67F88A364,MD5=33FACAAB13A58251BF45E9AC",
        "ParentProcessId": 27356,
        "ParentImage": "C:\\Users\\bouss\\Downloads\\Akagi_64.exe",
        "ParentCommandLine": "Akagi_64.exe  59 cmd.exe",
        "RuleName": "",
    }
    return _event(base, fields, PROCESS_CREATION_SYSMON)


def security_process(**fields: Any) -> Event:
    """A Security 4688 with its Sysmon twin names, overridden by `fields`."""
    image = fields.pop("Image", "C:\\Windows\\System32\\Taskmgr.exe")
    base: dict[str, Any] = {
        "EventID": 4688,
        "Channel": "Security",
        "Provider_Name": "Microsoft-Windows-Security-Auditing",
        "Computer": "PC01.example.corp",
        "EventRecordID": 227695,
        "SubjectUserSid": "S-1-5-18",
        "SubjectUserName": "PC01$",
        "SubjectDomainName": "EXAMPLE",
        "SubjectLogonId": "0x3e7",
        "NewProcessId": "0x1fc",
        "NewProcessName": image,
        "Image": image,
        "TokenElevationType": "%%1936",
        "ProcessId": "0x278",
        "ParentProcessName": "C:\\Users\\bouss\\Downloads\\Akagi_64.exe",
        "ParentImage": "C:\\Users\\bouss\\Downloads\\Akagi_64.exe",
        "CommandLine": "C:\\windows\\system32\\taskmgr.exe /7",
    }
    if image is None:
        base.pop("NewProcessName")
    return _event(base, fields, PROCESS_CREATION_SECURITY)


def _event(base: dict[str, Any], fields: dict[str, Any], logsource: LogSource) -> Event:
    for name, value in fields.items():
        base[name] = value
    base = {name: value for name, value in base.items() if value is not None}
    provenance = Provenance("sample.evtx", int(base.get("EventRecordID", 1)), "evtx")
    time = datetime(2020, 10, 5, 20, 43, 58, tzinfo=UTC)
    return Event(base, logsource, provenance, time)


def rule_from_yaml(detection: str, logsource: str = "category: process_creation") -> Rule:
    """A rule with the given detection block (indented YAML under `detection:`)."""
    text = (
        "title: Engine test rule\n"
        "id: 5d7e3c2a-0000-4000-8000-000000000001\n"
        "status: test\n"
        f"logsource:\n    product: windows\n    {logsource}\n"
        f"detection:\n{detection}\n"
        "level: high\n"
    )
    return Rule(SigmaRule.from_yaml(text))


def matches(rule: Rule, event: Event, placeholders: dict[str, list[str]] | None = None) -> bool:
    """Whether the rule matches the event, asserting the fast path and the oracle agree."""
    engine = Engine([rule], placeholders=placeholders)
    fast = [m.rule for m in engine.match([event])]
    reference = [m.rule for m in engine.match_reference([event])]
    assert fast == reference, f"fast path {fast} and reference {reference} disagree"
    return bool(fast)
