"""Event shapes: Sysmon, Security and System records with real field sets and value formats.

Each builder returns the events one action leaves behind: a Sysmon record and, on hosts with
process auditing, its Security twin (4688 for 1, 5156 for 3, 4657 for 13). Field order, value
types and formats follow real records of the same event id and version (see
tests/simulate/test_shapes.py, which compares them with the shared EVTX samples).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rathunt.simulate.host import SYSTEM_SID, Host, Logon, Process
from rathunt.simulate.labels import Label

SYSMON = "Microsoft-Windows-Sysmon/Operational"
SECURITY = "Security"
SYSTEM = "System"
CHANNEL_FILES = {SYSMON: "Sysmon", SECURITY: "Security", SYSTEM: "System"}


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    guid: str
    keywords: str
    level: int
    source_name: str | None = None


SYSMON_PROVIDER = Provider(
    "Microsoft-Windows-Sysmon", "5770385F-C22A-43E0-BF4C-06F5698FFBD9", "0x8000000000000000", 4
)
SECURITY_PROVIDER = Provider(
    "Microsoft-Windows-Security-Auditing",
    "54849625-5478-4994-A5BA-3E3B0328C30D",
    "0x8020000000000000",
    0,
)
SCM_PROVIDER = Provider(
    "Service Control Manager",
    "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
    "0x8080000000000000",
    4,
    "Service Control Manager",
)
PROVIDERS = {SYSMON: SYSMON_PROVIDER, SECURITY: SECURITY_PROVIDER, SYSTEM: SCM_PROVIDER}

# (channel, event id) -> (version, task, the System process that writes it)
META: dict[tuple[str, int], tuple[int, int, str]] = {
    (SYSMON, 1): (5, 1, "sysmon"),
    (SYSMON, 3): (5, 3, "sysmon"),
    (SYSMON, 10): (3, 10, "sysmon"),
    (SYSMON, 11): (2, 11, "sysmon"),
    (SYSMON, 12): (2, 12, "sysmon"),
    (SYSMON, 13): (2, 13, "sysmon"),
    (SYSMON, 22): (5, 22, "sysmon"),
    (SECURITY, 4624): (2, 12544, "lsass"),
    (SECURITY, 4648): (0, 12544, "lsass"),
    (SECURITY, 4657): (0, 12801, "lsass"),
    (SECURITY, 4688): (2, 13312, "kernel"),
    (SECURITY, 4698): (0, 12804, "lsass"),
    (SECURITY, 5140): (1, 12808, "kernel"),
    (SECURITY, 5156): (1, 12810, "kernel"),
    (SYSTEM, 7045): (0, 0, "services"),
}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class SimEvent:
    """One generated record before it is written: `t` is microseconds since the epoch."""

    t: int
    host: Host
    channel: str
    event_id: int
    data: dict[str, Any]
    label: Label | None = None
    record_id: int = 0


def to_datetime(t_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=t_us)


def utc_time(t_us: int) -> str:
    """Sysmon's UtcTime: `2019-04-27 15:57:53.368` (milliseconds, space, no zone)."""
    return to_datetime(t_us).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def system_time(t_us: int) -> str:
    """The System TimeCreated: ISO 8601 with microseconds and `Z`."""
    return to_datetime(t_us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_delay(event: SimEvent) -> int:
    """Microseconds between an action and its record, stable for a given event."""
    return 150 + (event.t * 7919 + event.event_id) % 4000


def user_reg(logon: Logon, path: str) -> str:
    """An HKCU path as Sysmon prints it: under HKU and the user's SID."""
    return f"HKU\\{logon.sid}\\{path}"


def _hex(value: int) -> str:
    return f"0x{value:x}"


def _sysmon(
    host: Host, t: int, event_id: int, data: dict[str, Any], label: Label | None
) -> SimEvent:
    head: dict[str, Any] = {"RuleName": "-"}
    if "EventType" in data:
        head["EventType"] = data.pop("EventType")
    head["UtcTime"] = utc_time(t)
    return SimEvent(t, host, SYSMON, event_id, {**head, **data}, label)


def process_create(host: Host, t: int, proc: Process, label: Label | None = None) -> list[SimEvent]:
    """Sysmon 1 for a new process, plus 4688 where process auditing is on."""
    parent = proc.parent
    info = proc.info
    data = {
        "ProcessGuid": proc.guid,
        "ProcessId": proc.pid,
        "Image": proc.image,
        "FileVersion": info.file_version,
        "Description": info.description,
        "Product": info.product,
        "Company": info.company,
        "OriginalFileName": info.original,
        "CommandLine": proc.command_line,
        "CurrentDirectory": proc.current_directory,
        "User": proc.user,
        "LogonGuid": proc.logon.logon_guid,
        "LogonId": proc.logon.logon_id,
        "TerminalSessionId": proc.logon.session,
        "IntegrityLevel": proc.integrity,
        "Hashes": info.hashes,
        "ParentProcessGuid": parent.guid if parent else "00000000-0000-0000-0000-000000000000",
        "ParentProcessId": parent.pid if parent else 4,
        "ParentImage": parent.image if parent else "-",
        "ParentCommandLine": parent.command_line if parent else "-",
        "ParentUser": parent.user if parent else "-",
    }
    events = [_sysmon(host, t, 1, data, label)]
    if host.auditing:
        events.append(SimEvent(t + 40, host, SECURITY, 4688, _security_4688(proc), label))
    return events


def _security_4688(proc: Process) -> dict[str, Any]:
    parent = proc.parent
    subject = parent.logon if parent else proc.logon
    elevation = "%%1937" if proc.logon.elevated else "%%1938"
    if proc.logon.sid == SYSTEM_SID:
        elevation = "%%1936"
    label = {"System": "S-1-16-16384", "High": "S-1-16-12288"}.get(proc.integrity, "S-1-16-8192")
    return {
        "SubjectUserSid": subject.sid,
        "SubjectUserName": subject.user,
        "SubjectDomainName": subject.domain,
        "SubjectLogonId": subject.logon_id,
        "NewProcessId": _hex(proc.pid),
        "NewProcessName": proc.image,
        "TokenElevationType": elevation,
        "ProcessId": _hex(parent.pid if parent else 4),
        "CommandLine": proc.command_line,
        "TargetUserSid": "S-1-0-0",
        "TargetUserName": "-",
        "TargetDomainName": "-",
        "TargetLogonId": "0x0",
        "ParentProcessName": parent.image if parent else "",
        "MandatoryLabel": label,
    }


def network_connect(
    host: Host,
    t: int,
    proc: Process,
    dst_ip: str,
    dst_port: int,
    src_port: int,
    dst_host: str = "",
    protocol: str = "tcp",
    label: Label | None = None,
) -> list[SimEvent]:
    """Sysmon 3 for an outbound connection, plus 5156 (WFP permitted) where auditing is on."""
    data = {
        "ProcessGuid": proc.guid,
        "ProcessId": proc.pid,
        "Image": proc.image,
        "User": proc.user,
        "Protocol": protocol,
        "Initiated": True,
        "SourceIsIpv6": False,
        "SourceIp": host.ip,
        "SourceHostname": host.name,
        "SourcePort": src_port,
        "SourcePortName": "",
        "DestinationIsIpv6": False,
        "DestinationIp": dst_ip,
        "DestinationHostname": dst_host,
        "DestinationPort": dst_port,
        "DestinationPortName": {80: "http", 443: "https", 445: "microsoft-ds", 53: "domain"}.get(
            dst_port, ""
        ),
    }
    events = [_sysmon(host, t, 3, data, label)]
    if host.auditing:
        events.insert(
            0,
            SimEvent(
                t - 900,
                host,
                SECURITY,
                5156,
                {
                    "ProcessID": proc.pid,
                    "Application": _device_path(proc.image),
                    "Direction": "%%14593",
                    "SourceAddress": host.ip,
                    "SourcePort": str(src_port),
                    "DestAddress": dst_ip,
                    "DestPort": str(dst_port),
                    "Protocol": 6 if protocol == "tcp" else 17,
                    "FilterRTID": 70217 + dst_port % 97,
                    "LayerName": "%%14611",
                    "LayerRTID": 48,
                    "RemoteUserID": "S-1-0-0",
                    "RemoteMachineID": "S-1-0-0",
                },
                label,
            ),
        )
    return events


def _device_path(image: str) -> str:
    """The NT device path 5156 prints: `\\device\\harddiskvolume2\\...`, lower case."""
    drive, _, rest = image.partition(":")
    volume = {"c": 2, "d": 3, "e": 4}.get(drive.lower(), 2)
    return f"\\device\\harddiskvolume{volume}{rest}".lower()


def file_create(
    host: Host, t: int, proc: Process, path: str, label: Label | None = None
) -> list[SimEvent]:
    """Sysmon 11: a file created (or overwritten) by a process."""
    data = {
        "ProcessGuid": proc.guid,
        "ProcessId": proc.pid,
        "Image": proc.image,
        "TargetFilename": path,
        "CreationUtcTime": utc_time(t),
        "User": proc.user,
    }
    return [_sysmon(host, t, 11, data, label)]


def registry_event(
    host: Host,
    t: int,
    proc: Process,
    event_type: str,
    target: str,
    details: str | None = None,
    label: Label | None = None,
) -> list[SimEvent]:
    """Sysmon 12 (CreateKey, DeleteKey, DeleteValue) or 13 (SetValue), plus 4657 for a set."""
    data: dict[str, Any] = {
        "EventType": event_type,
        "ProcessGuid": proc.guid,
        "ProcessId": proc.pid,
        "Image": proc.image,
        "TargetObject": target,
    }
    if event_type != "SetValue":
        data["User"] = proc.user
        return [_sysmon(host, t, 12, data, label)]
    value = details if details is not None else ""
    data["Details"] = value
    data["User"] = proc.user
    events = [_sysmon(host, t, 13, data, label)]
    if host.auditing:
        events.append(
            SimEvent(
                t + 25, host, SECURITY, 4657, _security_4657(proc, target, data["Details"]), label
            )
        )
    return events


def _security_4657(proc: Process, target: str, details: str) -> dict[str, Any]:
    key, _, value_name = target.rpartition("\\")
    if key.startswith("HKU\\"):
        object_name = "\\REGISTRY\\USER\\" + key[4:]
    else:
        object_name = "\\REGISTRY\\MACHINE\\" + key.split("\\", 1)[1]
    value_type, value = "%%1873", details
    if details.startswith("DWORD ("):
        value_type, value = "%%1876", str(int(details[7:-1], 16))
    return {
        "SubjectUserSid": proc.logon.sid,
        "SubjectUserName": proc.logon.user,
        "SubjectDomainName": proc.logon.domain,
        "SubjectLogonId": proc.logon.logon_id,
        "ObjectName": object_name,
        "ObjectValueName": value_name,
        "HandleId": _hex(0x200 + proc.pid % 0x300 * 4),
        "OperationType": "%%1904",
        "OldValueType": "-",
        "OldValue": "-",
        "NewValueType": value_type,
        "NewValue": value,
        "ProcessId": _hex(proc.pid),
        "ProcessName": proc.image,
    }


def dns_query(
    host: Host, t: int, proc: Process, query: str, answers: list[str], label: Label | None = None
) -> list[SimEvent]:
    """Sysmon 22: a DNS lookup; no answers means the name did not resolve (9003)."""
    results = "".join(f"::ffff:{ip};" for ip in answers) if answers else "-"
    data = {
        "ProcessGuid": proc.guid,
        "ProcessId": proc.pid,
        "QueryName": query,
        "QueryStatus": "0" if answers else "9003",
        "QueryResults": results,
        "Image": proc.image,
    }
    return [_sysmon(host, t, 22, data, label)]


def process_access(
    host: Host, t: int, source: Process, target: Process, access: str, label: Label | None = None
) -> list[SimEvent]:
    """Sysmon 10: one process opening another (lsass read access by a dumper)."""
    data = {
        "SourceProcessGUID": source.guid,
        "SourceProcessId": source.pid,
        "SourceThreadId": source.pid + 4 * (t % 61),
        "SourceImage": source.image,
        "TargetProcessGUID": target.guid,
        "TargetProcessId": target.pid,
        "TargetImage": target.image,
        "GrantedAccess": access,
        "CallTrace": "C:\\Windows\\SYSTEM32\\ntdll.dll+9d234|C:\\Windows\\System32\\KERNELBASE.dll"
        "+2bcae|UNKNOWN(00000000004A2C1E)",
        "SourceUser": source.user,
        "TargetUser": target.user,
    }
    return [_sysmon(host, t, 10, data, label)]
