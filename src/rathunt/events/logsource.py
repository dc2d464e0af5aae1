"""Sigma log sources for Windows events, from channel, provider and event id.

The channel -> `service` table is pySigma's own (`sigma.pipelines.common`, the table its
Windows pipelines use), read at import time, so rathunt and pySigma's backends agree on what
`service: security` means. Categories follow the Sigma taxonomy: Sysmon event types, the
PowerShell script and classic events, and the Security events that are the audit twins of
Sysmon's (4688 process creation, 5156 connections, 4657 registry values, 4663 file access).
`service_creation` and `task_creation` are rathunt extensions used by its rule packs.

Every distinct (channel, provider, event id) gets one shared `LogSource` object from a cache;
the per-event cost is a dict lookup.
"""

from __future__ import annotations

from sigma.pipelines.common import windows_logsource_mapping

from rathunt.model import FieldValue, LogSource

PRODUCT = "windows"
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"


def _channel_services() -> dict[str, str]:
    """pySigma's service -> channel(s) table, turned round and keyed by lower-case channel."""
    table: dict[str, str] = {}
    for service, channels in windows_logsource_mapping.items():
        for channel in [channels] if isinstance(channels, str) else channels:
            table.setdefault(channel.lower(), service)
    return table


CHANNEL_SERVICES = _channel_services()

SYSMON_CATEGORIES: dict[int, tuple[str, ...]] = {
    1: ("process_creation",),
    2: ("file_change",),
    3: ("network_connection",),
    4: ("sysmon_status",),
    5: ("process_termination",),
    6: ("driver_load",),
    7: ("image_load",),
    8: ("create_remote_thread",),
    9: ("raw_access_thread",),
    10: ("process_access",),
    11: ("file_event",),
    12: ("registry_add", "registry_delete", "registry_event"),
    13: ("registry_set", "registry_event"),
    14: ("registry_rename", "registry_event"),
    15: ("create_stream_hash",),
    16: ("sysmon_status",),
    17: ("pipe_created",),
    18: ("pipe_created",),
    19: ("wmi_event",),
    20: ("wmi_event",),
    21: ("wmi_event",),
    22: ("dns_query",),
    23: ("file_delete",),
    24: ("clipboard_capture",),
    25: ("process_tampering",),
    26: ("file_delete", "file_delete_detected"),
    27: ("file_block_executable",),
    28: ("file_block_shredding",),
    29: ("file_executable_detected",),
    255: ("sysmon_error",),
}

# (service, event id) -> categories, for the services whose events have Sigma categories.
SERVICE_CATEGORIES: dict[tuple[str, int], tuple[str, ...]] = {
    ("powershell", 4103): ("ps_module",),
    ("powershell", 4104): ("ps_script",),
    ("powershell-classic", 400): ("ps_classic_start",),
    ("powershell-classic", 600): ("ps_classic_provider_start",),
    ("powershell-classic", 800): ("ps_classic_script",),
    ("security", 4688): ("process_creation",),
    ("security", 5156): ("network_connection",),
    ("security", 4697): ("service_creation",),
    ("security", 4698): ("task_creation",),
    ("system", 7045): ("service_creation",),
    ("taskscheduler", 106): ("task_creation",),
}

# Security 4657 OperationType -> categories: a value created or modified is a `registry_set`
# (pySigma's audit pipeline also files a new value under `registry_add`), a deleted one a
# `registry_delete`; all are `registry_event`s.
REGISTRY_OPERATION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "%%1904": ("registry_set", "registry_add", "registry_event"),
    "%%1905": ("registry_set", "registry_event"),
    "%%1906": ("registry_delete", "registry_event"),
}

_cache: dict[tuple[str | None, str | None, int | None], LogSource] = {}


def service_for(channel: str | None) -> str | None:
    """The Sigma service of a channel, or None when pySigma's table has none for it."""
    if channel is None:
        return None
    return CHANNEL_SERVICES.get(channel.lower())


def logsource_for(
    channel: str | None,
    provider: str | None,
    event_id: int | None,
    fields: dict[str, FieldValue],
) -> LogSource:
    """The Sigma log source of one event (`fields` decide Security 4657 and 4663 only)."""
    if event_id == 4657 or event_id == 4663:
        return _audit_object_logsource(channel, event_id, fields)
    key = (channel, provider, event_id)
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = _build(channel, provider, event_id)
    return found


def _build(channel: str | None, provider: str | None, event_id: int | None) -> LogSource:
    service = service_for(channel)
    if service is None and channel is None and provider == SYSMON_PROVIDER:
        service = "sysmon"
    if event_id is None:
        return LogSource(PRODUCT, service)
    if service == "sysmon":
        return LogSource(PRODUCT, service, SYSMON_CATEGORIES.get(event_id, ()))
    if service is None:
        return LogSource(PRODUCT, None)
    return LogSource(PRODUCT, service, SERVICE_CATEGORIES.get((service, event_id), ()))


def _audit_object_logsource(
    channel: str | None, event_id: int, fields: dict[str, FieldValue]
) -> LogSource:
    service = service_for(channel)
    if service != "security":
        return LogSource(PRODUCT, service)
    if event_id == 4657:
        operation = fields.get("OperationType")
        categories = REGISTRY_OPERATION_CATEGORIES.get(str(operation), ("registry_event",))
        return _shared(LogSource(PRODUCT, service, categories))
    if fields.get("ObjectType") == "File":
        return _shared(LogSource(PRODUCT, service, ("file_access",)))
    return _shared(LogSource(PRODUCT, service))


_shared_sources: dict[LogSource, LogSource] = {}


def _shared(source: LogSource) -> LogSource:
    """One object per distinct log source, so batches can group events by identity."""
    return _shared_sources.setdefault(source, source)
