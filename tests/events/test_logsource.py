"""Sigma log sources from channel, provider and event id, table-driven."""

from __future__ import annotations

from pathlib import Path

import pytest
from sigma.pipelines.common import windows_logsource_mapping

from rathunt.events import ReadStats, logsource_for, read_file
from rathunt.events.logsource import SYSMON_CATEGORIES, service_for
from rathunt.model import LogSource

from .samples import shape_path

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def test_channel_table_is_pysigmas() -> None:
    for service, channels in windows_logsource_mapping.items():
        for channel in [channels] if isinstance(channels, str) else channels:
            assert service_for(channel) == service, channel
            assert service_for(channel.upper()) == service


@pytest.mark.parametrize(
    ("event_id", "categories"),
    [
        (1, ("process_creation",)),
        (2, ("file_change",)),
        (3, ("network_connection",)),
        (4, ("sysmon_status",)),
        (5, ("process_termination",)),
        (6, ("driver_load",)),
        (7, ("image_load",)),
        (8, ("create_remote_thread",)),
        (9, ("raw_access_thread",)),
        (10, ("process_access",)),
        (11, ("file_event",)),
        (12, ("registry_add", "registry_delete", "registry_event")),
        (13, ("registry_set", "registry_event")),
        (14, ("registry_rename", "registry_event")),
        (15, ("create_stream_hash",)),
        (16, ("sysmon_status",)),
        (17, ("pipe_created",)),
        (18, ("pipe_created",)),
        (19, ("wmi_event",)),
        (20, ("wmi_event",)),
        (21, ("wmi_event",)),
        (22, ("dns_query",)),
        (23, ("file_delete",)),
        (24, ("clipboard_capture",)),
        (25, ("process_tampering",)),
        (26, ("file_delete", "file_delete_detected")),
        (27, ("file_block_executable",)),
        (28, ("file_block_shredding",)),
        (29, ("file_executable_detected",)),
        (255, ("sysmon_error",)),
    ],
)
def test_every_sysmon_event_type(event_id: int, categories: tuple[str, ...]) -> None:
    assert logsource_for(SYSMON, "Microsoft-Windows-Sysmon", event_id, {}) == LogSource(
        "windows", "sysmon", categories
    )


def test_sysmon_table_covers_every_type() -> None:
    assert set(SYSMON_CATEGORIES) == set(range(1, 30)) | {255}


@pytest.mark.parametrize(
    ("channel", "event_id", "fields", "expected"),
    [
        ("Microsoft-Windows-PowerShell/Operational", 4104, {}, ("powershell", ("ps_script",))),
        ("PowerShellCore/Operational", 4103, {}, ("powershell", ("ps_module",))),
        ("Windows PowerShell", 400, {}, ("powershell-classic", ("ps_classic_start",))),
        ("Windows PowerShell", 600, {}, ("powershell-classic", ("ps_classic_provider_start",))),
        ("Windows PowerShell", 800, {}, ("powershell-classic", ("ps_classic_script",))),
        ("Security", 4688, {}, ("security", ("process_creation",))),
        ("Security", 5156, {}, ("security", ("network_connection",))),
        (
            "Security",
            4657,
            {"OperationType": "%%1905"},
            ("security", ("registry_set", "registry_event")),
        ),
        (
            "Security",
            4657,
            {"OperationType": "%%1904"},
            ("security", ("registry_set", "registry_add", "registry_event")),
        ),
        (
            "Security",
            4657,
            {"OperationType": "%%1906"},
            ("security", ("registry_delete", "registry_event")),
        ),
        ("Security", 4663, {"ObjectType": "File"}, ("security", ("file_access",))),
        ("Security", 4663, {"ObjectType": "Key"}, ("security", ())),
        ("Security", 4697, {}, ("security", ("service_creation",))),
        ("Security", 4698, {}, ("security", ("task_creation",))),
        ("System", 7045, {}, ("system", ("service_creation",))),
        (
            "Microsoft-Windows-TaskScheduler/Operational",
            106,
            {},
            ("taskscheduler", ("task_creation",)),
        ),
        ("Security", 4624, {}, ("security", ())),
        ("Microsoft-Windows-Windows Defender/Operational", 1116, {}, ("windefend", ())),
        ("Microsoft-Windows-Bits-Client/Operational", 59, {}, ("bits-client", ())),
        ("Some-Vendor/Operational", 1, {}, (None, ())),
    ],
)
def test_service_and_categories(
    channel: str,
    event_id: int,
    fields: dict[str, str],
    expected: tuple[str | None, tuple[str, ...]],
) -> None:
    source = logsource_for(channel, None, event_id, fields)
    assert (source.product, source.service, source.categories) == ("windows", *expected)


def test_sysmon_without_channel_is_known_by_provider() -> None:
    source = logsource_for(None, "Microsoft-Windows-Sysmon", 3, {})
    assert source.service == "sysmon" and source.categories == ("network_connection",)


def test_log_sources_are_shared_objects() -> None:
    first = logsource_for("Security", None, 4688, {})
    assert logsource_for("Security", None, 4688, {}) is first


@pytest.mark.data
@pytest.mark.parametrize(
    ("shape", "event_id", "service", "categories"),
    [
        ("sysmon", 1, "sysmon", ("process_creation",)),
        ("sysmon", 13, "sysmon", ("registry_set", "registry_event")),
        ("security_4688_5156", 4688, "security", ("process_creation",)),
        ("security_4688_5156", 5156, "security", ("network_connection",)),
        ("security_4688_5156", 4624, "security", ()),
        ("security_4663", 4663, "security", ("file_access",)),
        ("security_4698", 4698, "security", ("task_creation",)),
        ("system_7045", 7045, "system", ("service_creation",)),
        ("ps_4104", 4104, "powershell", ("ps_script",)),
        ("ps_classic_800", 800, "powershell-classic", ("ps_classic_script",)),
    ],
)
def test_real_records(
    shared_data: Path, shape: str, event_id: int, service: str, categories: tuple[str, ...]
) -> None:
    events = [
        e
        for e in read_file(str(shape_path(shared_data, shape)), ReadStats())
        if e.event_id == event_id
    ]
    assert events
    assert {(e.logsource.service, e.logsource.categories) for e in events} == {
        (service, categories)
    }
