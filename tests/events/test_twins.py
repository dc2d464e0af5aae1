"""Security audit events carry the Sysmon names of their twins, on real records."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.events import ReadStats, normalise, read_file
from rathunt.events.twins import SECURITY_TWINS, hex_to_int, integrity_name, registry_path
from rathunt.model import Event, Provenance

CORPUS = "evtx/EVTX-ATTACK-SAMPLES"


def _record(shared_data: Path, name: str, record: int) -> Event:
    path = shared_data / CORPUS / name
    for event in read_file(str(path), ReadStats()):
        if event.provenance.record == record:
            return event
    raise AssertionError(f"no record {record} in {name}")


# (file, record, expected twin fields); the Security names stay beside them.
REAL_TWINS = [
    (
        "Privilege Escalation/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx",
        10,
        {
            "Image": "C:\\Windows\\System32\\notepad.exe",
            "ParentImage": "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
            "ProcessId": 0x1DC,
            "ParentProcessId": 3724,
            "User": "WINLAB.LOCAL\\Administrator",
            "IntegrityLevel": "High",
            "NewProcessId": "0x1dc",
            "NewProcessName": "C:\\Windows\\System32\\notepad.exe",
        },
    ),
    # No target account logged ("-"): the subject is the user.
    (
        "Credential Access/tutto_malseclogon.evtx",
        1,
        {
            "User": "MSEDGEWIN10\\IEUser",
            "ParentProcessId": 9344,
            "ProcessId": 0x21A4,
        },
    ),
    (
        "Command and Control/DE_RDP_Tunnel_5156.evtx",
        2,
        {
            "Image": "\\device\\harddiskvolume1\\windows\\system32\\svchost.exe",
            "DestinationIp": "ff02::1:2",
            "DestinationPort": "547",
            "SourceIp": "fe80::80ac:4126:fa58:1b81",
            "SourcePort": "546",
            "Protocol": "udp",
            "ProtocolNumber": 17,
            "Initiated": "true",
            "DestAddress": "ff02::1:2",
        },
    ),
    (
        "Credential Access/CA_chrome_firefox_opera_4663.evtx",
        2,
        {
            "Image": "C:\\Users\\Defau1t\\wsus.exe",
            "TargetFilename": "C:\\Users\\IEUser\\AppData\\Roaming\\Opera Software\\Opera Stable"
            "\\Login Data",
            "FileName": "C:\\Users\\IEUser\\AppData\\Roaming\\Opera Software\\Opera Stable"
            "\\Login Data",
            "ProcessName": "C:\\Users\\Defau1t\\wsus.exe",
        },
    ),
]


@pytest.mark.data
@pytest.mark.parametrize(("name", "record", "expected"), REAL_TWINS)
def test_real_security_records(
    shared_data: Path, name: str, record: int, expected: dict[str, object]
) -> None:
    event = _record(shared_data, name, record)
    assert {k: event.fields.get(k) for k in expected} == expected


@pytest.mark.data
def test_creator_process_id_keeps_its_hex_value(shared_data: Path) -> None:
    event = _record(shared_data, REAL_TWINS[0][0], 10)
    assert event.fields["CreatorProcessId"] == "0xe8c"
    assert int(event.fields["CreatorProcessId"], 16) == event.fields["ParentProcessId"]


@pytest.mark.data
def test_4663_on_a_process_object_gets_no_file_names(shared_data: Path) -> None:
    event = _record(shared_data, "Credential Access/CA_hashdump_4663_4656_lsass_access.evtx", 2)
    assert event.fields["ObjectType"] == "Process"
    assert "TargetFilename" not in event.fields
    assert event.fields["Image"] == "C:\\Windows\\System32\\cscript.exe"


def _security_4657(operation: str) -> dict[str, object]:
    """A 4657 in evtx_dump shape, as Windows logs a Run-key value write."""
    return {
        "Event": {
            "System": {
                "Provider": {
                    "#attributes": {
                        "Name": "Microsoft-Windows-Security-Auditing",
                        "Guid": "{54849625-5478-4994-A5BA-3E3B0328C30D}",
                    }
                },
                "EventID": 4657,
                "Version": 0,
                "Level": 0,
                "Task": 12801,
                "Opcode": 0,
                "Keywords": "0x8020000000000000",
                "TimeCreated": {"#attributes": {"SystemTime": "2024-03-02T11:04:05.123456Z"}},
                "EventRecordID": 98765,
                "Channel": "Security",
                "Computer": "WS1.corp.example",
                "Execution": {"#attributes": {"ProcessID": 4, "ThreadID": 5148}},
            },
            "EventData": {
                "SubjectUserSid": "S-1-5-21-1-2-3-1001",
                "SubjectUserName": "alice",
                "SubjectDomainName": "CORP",
                "SubjectLogonId": "0x3e7",
                "ObjectName": "\\REGISTRY\\USER\\S-1-5-21-1-2-3-1001\\SOFTWARE\\Microsoft\\Windows"
                "\\CurrentVersion\\Run",
                "ObjectValueName": "svchost",
                "HandleId": "0x1b4",
                "OperationType": operation,
                "OldValueType": "-",
                "OldValue": "-",
                "NewValueType": "%%1873",
                "NewValue": "C:\\Users\\alice\\AppData\\Local\\Temp\\svchost.exe ..",
                "ProcessId": "0x1a2c",
                "ProcessName": "C:\\Windows\\System32\\reg.exe",
            },
        }
    }


def test_4657_registry_value_write() -> None:
    event, _ = normalise(_security_4657("%%1904"), Provenance("inline.json", 1, "jsonl-line"))
    assert event.fields["TargetObject"] == (
        "HKU\\S-1-5-21-1-2-3-1001\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\svchost"
    )
    assert event.fields["Details"] == "C:\\Users\\alice\\AppData\\Local\\Temp\\svchost.exe .."
    assert event.fields["Image"] == "C:\\Windows\\System32\\reg.exe"
    assert event.fields["EventType"] == "SetValue"
    assert event.fields["OperationType"] == "%%1904"
    # 4657's ProcessId is the writer's own id (hex); Sysmon 13's is the same process.
    assert event.fields["ProcessId"] == "0x1a2c"
    assert "registry_set" in event.logsource.categories


def test_4657_deleted_value() -> None:
    event, _ = normalise(_security_4657("%%1906"), Provenance("inline.json", 1, "jsonl-line"))
    assert event.fields["EventType"] == "DeleteValue"
    assert event.logsource.categories == ("registry_delete", "registry_event")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("\\REGISTRY\\MACHINE\\SOFTWARE\\Run", "HKLM\\SOFTWARE\\Run"),
        ("\\registry\\machine\\SYSTEM\\x", "HKLM\\SYSTEM\\x"),
        ("\\REGISTRY\\USER\\S-1-5-18\\Software", "HKU\\S-1-5-18\\Software"),
        ("HKLM\\already", "HKLM\\already"),
    ],
)
def test_registry_path(given: str, expected: str) -> None:
    assert registry_path(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0x1a2c", 6700),
        ("0X10", 16),
        ("42", 42),
        (42, 42),
        ("-", "-"),
        ("0xzz", "0xzz"),
    ],
)
def test_hex_to_int(given: object, expected: object) -> None:
    assert hex_to_int(given) == expected


@pytest.mark.parametrize(
    ("sid", "name"),
    [
        ("S-1-16-4096", "Low"),
        ("S-1-16-8192", "Medium"),
        ("S-1-16-12288", "High"),
        ("S-1-16-16384", "System"),
        ("S-1-16-99999", "S-1-16-99999"),
    ],
)
def test_integrity_names(sid: str, name: str) -> None:
    assert integrity_name(sid) == name


def test_map_is_data_for_every_twin_event() -> None:
    assert set(SECURITY_TWINS) == {4688, 5156, 4657, 4663, 4697}
    for pairs in SECURITY_TWINS.values():
        for source, target, convert in pairs:
            assert source and target and callable(convert)
