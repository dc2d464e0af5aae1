"""Security audit events gain the field names of their Sysmon twins.

A rule written for Sysmon's process creation (`Image`, `ParentImage`, `ProcessId`) then matches
Security 4688 too, and the Security names stay, so rules written for 4688 keep working. The
map is data: per event id, (Security field, Sysmon field, conversion).

Where both schemas use one name for different things, the Sysmon meaning wins and the
Security value moves to a documented name:

- 4688 `ProcessId` is the *creator's* id in hex; it becomes `ParentProcessId` (decimal) and
  stays, in hex, as `CreatorProcessId`. `ProcessId` is then the new process's id (decimal),
  as in Sysmon 1.
- 5156 `Protocol` is an IANA number; it becomes `tcp`/`udp`/... as in Sysmon 3 and stays, as a
  number string, as `ProtocolNumber`.

5156 `Application` is a device path (`\\device\\harddiskvolume2\\...`). Which drive letter a
volume had is not in the event, so `Image` keeps the device path as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from rathunt.model import FieldValue

Convert = Callable[[FieldValue], FieldValue]

INTEGRITY_LEVELS = {
    "S-1-16-0": "Untrusted",
    "S-1-16-4096": "Low",
    "S-1-16-8192": "Medium",
    "S-1-16-8448": "Medium Plus",
    "S-1-16-12288": "High",
    "S-1-16-16384": "System",
    "S-1-16-20480": "Protected Process",
}

PROTOCOLS = {"1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6"}

DIRECTIONS = {"%%14592": "false", "%%14593": "true"}

# 4657 OperationType -> the Sysmon registry EventType of the same change.
REGISTRY_OPERATIONS = {"%%1904": "SetValue", "%%1905": "SetValue", "%%1906": "DeleteValue"}

REGISTRY_ROOTS = (
    ("\\REGISTRY\\MACHINE", "HKLM"),
    ("\\REGISTRY\\USER", "HKU"),
)


def hex_to_int(value: FieldValue) -> FieldValue:
    """A Security process id ("0x1a2c") as Sysmon writes it (6700); other values unchanged."""
    if isinstance(value, str):
        try:
            return int(value, 16) if value[:2] in ("0x", "0X") else int(value)
        except ValueError:
            return value
    return value


def integrity_name(value: FieldValue) -> FieldValue:
    """A mandatory label SID as Sysmon names the level (S-1-16-12288 -> High)."""
    return INTEGRITY_LEVELS.get(str(value), value)


def protocol_name(value: FieldValue) -> FieldValue:
    return PROTOCOLS.get(str(value), value)


def direction_initiated(value: FieldValue) -> FieldValue:
    """5156 Direction to Sysmon's `Initiated`: outbound (%%14593) is "true"."""
    return DIRECTIONS.get(str(value), value)


def registry_operation(value: FieldValue) -> FieldValue:
    return REGISTRY_OPERATIONS.get(str(value), value)


def same(value: FieldValue) -> FieldValue:
    return value


# Event id -> (Security field, Sysmon field, conversion). Sources are read before any target is
# written, so a field may be both (4688 ProcessId).
SECURITY_TWINS: dict[int, tuple[tuple[str, str, Convert], ...]] = {
    4688: (
        ("NewProcessName", "Image", same),
        ("ParentProcessName", "ParentImage", same),
        ("NewProcessId", "ProcessId", hex_to_int),
        ("ProcessId", "ParentProcessId", hex_to_int),
        ("ProcessId", "CreatorProcessId", same),
        ("MandatoryLabel", "IntegrityLevel", integrity_name),
    ),
    5156: (
        ("Application", "Image", same),
        ("DestAddress", "DestinationIp", same),
        ("DestPort", "DestinationPort", same),
        ("SourceAddress", "SourceIp", same),
        ("Protocol", "Protocol", protocol_name),
        ("Protocol", "ProtocolNumber", same),
        ("Direction", "Initiated", direction_initiated),
    ),
    4657: (
        ("ProcessName", "Image", same),
        ("NewValue", "Details", same),
        ("OperationType", "EventType", registry_operation),
    ),
    4663: (("ProcessName", "Image", same),),
    4697: (("ServiceFileName", "ImagePath", same),),
}


def add_security_twins(event_id: int, fields: dict[str, FieldValue]) -> None:
    """Give a Security event the Sysmon names of its twin, in place."""
    pairs = SECURITY_TWINS.get(event_id)
    if pairs is None:
        return

    found = [
        (target, convert(fields[source])) for source, target, convert in pairs if source in fields
    ]
    for target, value in found:
        fields[target] = value

    if event_id == 4688:
        _add_user(fields)
    elif event_id == 4657:
        _add_registry_target(fields)
    elif event_id == 4663 and fields.get("ObjectType") == "File":
        name = fields.get("ObjectName")
        fields["TargetFilename"] = name
        fields["FileName"] = name


def registry_path(object_name: str) -> str:
    """A kernel registry path as Sysmon spells it (\\REGISTRY\\MACHINE\\X -> HKLM\\X)."""
    upper = object_name[:18].upper()
    for prefix, root in REGISTRY_ROOTS:
        if upper.startswith(prefix):
            return root + object_name[len(prefix) :]
    return object_name


def _add_user(fields: dict[str, FieldValue]) -> None:
    """4688's account as Sysmon's `User` (DOMAIN\\name): the target's if logged, else the
    subject's."""
    for prefix in ("Target", "Subject"):
        name = fields.get(prefix + "UserName")
        if name and name != "-":
            domain = fields.get(prefix + "DomainName")
            fields["User"] = f"{domain}\\{name}" if domain and domain != "-" else name
            return


def _add_registry_target(fields: dict[str, FieldValue]) -> None:
    """4657's key and value name as Sysmon's `TargetObject`."""
    key = fields.get("ObjectName")
    if not isinstance(key, str):
        return
    target = registry_path(key)
    value_name = fields.get("ObjectValueName")
    if isinstance(value_name, str) and value_name and value_name != "-":
        target = f"{target}\\{value_name}"
    fields["TargetObject"] = target
