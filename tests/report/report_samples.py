"""njRAT-like findings and an incident, shaped like real Sysmon events.

The values follow Sysmon 1, 13 and 3 records as the SigmaHQ regression samples and
EVTX-ATTACK-SAMPLES show them, with the artefacts of a default njRAT 0.7d build: the
stub installed as %TEMP%\\server.exe, the firewall exception through the legacy netsh
context, the Run value named after the 32-hex registry id, the C2 on port 5552.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rathunt.model import Finding, Incident, Provenance, RunCounts, Tactic, Technique

HOST = "WIN10-VICTIM.corp.local"
SYSMON = "Microsoft-Windows-Sysmon/Operational"
STUB = "C:\\Users\\alice\\AppData\\Local\\Temp\\server.exe"
EVTX = "logs/WIN10-VICTIM/Microsoft-Windows-Sysmon%4Operational.evtx"

DEFENSE_EVASION = Tactic("TA0005", "Defense Evasion", "defense-evasion")
PERSISTENCE = Tactic("TA0003", "Persistence", "persistence")
COMMAND_AND_CONTROL = Tactic("TA0011", "Command and Control", "command-and-control")
FIREWALL = Technique("T1562.004", "Disable or Modify System Firewall")
RUN_KEYS = Technique("T1547.001", "Registry Run Keys / Startup Folder")
NON_STANDARD_PORT = Technique("T1571", "Non-Standard Port")


def make_finding(**overrides: object) -> Finding:
    """A finding with realistic defaults; tests override what they look at."""
    values: dict[str, object] = {
        "rule_id": "0e5a7c3f-1b8d-4c2e-9f61-5a3d7b2e8c14",
        "rule_title": "Program Allowed Through the Firewall From a Temp Folder",
        "level": "high",
        "status": "experimental",
        "tags": ("attack.defense-evasion", "attack.t1562.004"),
        "tactics": (DEFENSE_EVASION,),
        "techniques": (FIREWALL,),
        "logsource": "process_creation",
        "time": datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=UTC),
        "computer": HOST,
        "channel": SYSMON,
        "event_id": 1,
        "record_id": 4711,
        "matched": {
            "Image": "C:\\Windows\\SysWOW64\\netsh.exe",
            "CommandLine": f'netsh  firewall add allowedprogram "{STUB}" "server.exe" ENABLE',
            "ParentImage": STUB,
        },
        "provenance": Provenance(EVTX, 4711, "evtx"),
        "pack": "njrat",
    }
    values.update(overrides)
    return Finding(**values)  # type: ignore[arg-type]


def njrat_findings() -> list[Finding]:
    """The three stages of a default njRAT install, out of time order on purpose."""
    firewall = make_finding()
    run_value = make_finding(
        rule_id="7c1f0a52-9d3e-4b6a-8e27-3f5c9d1a6b08",
        rule_title="Run Value Pointing Into a Temp Folder",
        tags=("attack.persistence", "attack.t1547.001"),
        tactics=(PERSISTENCE,),
        techniques=(RUN_KEYS,),
        logsource="registry_set",
        time=datetime(2026, 3, 14, 9, 26, 54, 102000, tzinfo=UTC),
        event_id=13,
        record_id=4714,
        matched={
            "EventType": "SetValue",
            "TargetObject": "HKU\\S-1-5-21-3463664321-2923530833-3546627382-1000\\Software"
            "\\Microsoft\\Windows\\CurrentVersion\\Run\\ecc7c8c51c0850c1ec247c7fd3602f20",
            "Details": f'"{STUB}" ..',
        },
        provenance=Provenance(EVTX, 4714, "evtx"),
    )
    c2 = make_finding(
        rule_id="b3d9e6a1-42c7-4f0e-a5d8-91c2e7f4b630",
        rule_title="Outbound Connection to the njRAT Default Port",
        level="medium",
        tags=("attack.command-and-control", "attack.t1571"),
        tactics=(COMMAND_AND_CONTROL,),
        techniques=(NON_STANDARD_PORT,),
        logsource="network_connection",
        time=datetime(2026, 3, 14, 9, 26, 58, 730000, tzinfo=UTC),
        event_id=3,
        record_id=4730,
        matched={
            "Image": STUB,
            "Initiated": "true",
            "DestinationIp": "10.13.37.5",
            "DestinationPort": 5552,
        },
        provenance=Provenance(EVTX, 4730, "evtx"),
        count=3,
    )
    return [c2, firewall, run_value]


def njrat_incident(findings: list[Finding]) -> Incident:
    by_tactic = {finding.tactics[0].shortname: finding for finding in findings}
    return Incident(
        id="inc-0001",
        computer=HOST,
        confidence="high",
        score=0.92,
        stages=[
            ("defense-evasion", [by_tactic["defense-evasion"]]),
            ("persistence", [by_tactic["persistence"]]),
            ("command-and-control", [by_tactic["command-and-control"]]),
        ],
        first=datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=UTC),
        last=datetime(2026, 3, 14, 9, 26, 58, 730000, tzinfo=UTC),
        rules=[finding.rule_id for finding in findings],
        techniques=[FIREWALL, RUN_KEYS, NON_STANDARD_PORT],
        explanation=[
            "three stages in kill-chain order within 6 seconds",
            "the Run value and the C2 connection name the same image",
        ],
    )


def run_counts() -> RunCounts:
    return RunCounts(
        files=2,
        files_failed=1,
        records_read=12_480,
        records_skipped=2,
        duplicates=31,
        rules_loaded=9,
        rules_full=7,
        rules_degraded=1,
        rules_rejected=1,
        rule_files_failed=0,
        problems=[
            "logs/broken.evtx: not an EVTX file (bad file header); check the file is complete",
            "logs/WIN10-VICTIM/Security.evtx (record 88): bad chunk 3 skipped",
            "rules/x.yml (rule 5f2c): unsupported Sigma feature: |expand",
            "rules/y.yml: duplicate rule id 12345678-1234-5678-1234-567812345678",
            "rules/z.yml (line 4): mapping values are not allowed here",
            "logs/a.jsonl (line 7): not a JSON object",
            "logs/a.jsonl (line 9): not a JSON object",
        ],
    )
