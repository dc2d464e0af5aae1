"""Normalised fields of real records: System names, data by name, UserData, unnamed Data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rathunt.errors import InputError
from rathunt.events import ReadStats, normalise, read_file
from rathunt.model import Event, Provenance

from .samples import evtx_dump_records, shape_path

HERE = Provenance("inline.json", 1, "jsonl-line")


def _first(shared_data: Path, shape: str, event_id: int | None = None) -> Event:
    for event in read_file(str(shape_path(shared_data, shape)), ReadStats()):
        if event_id is None or event.event_id == event_id:
            return event
    raise AssertionError(f"no event {event_id} in {shape}")


@pytest.mark.data
def test_sysmon_record_has_system_and_data_fields(shared_data: Path) -> None:
    event = _first(shared_data, "sysmon", 1)
    fields = event.fields
    assert fields["EventID"] == 1
    assert fields["Channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert fields["Provider_Name"] == "Microsoft-Windows-Sysmon"
    assert fields["Computer"] == "IEWIN7"
    assert isinstance(fields["EventRecordID"], int)
    assert isinstance(fields["Level"], int) and isinstance(fields["Task"], int)
    assert fields["Keywords"] == "0x8000000000000000"
    assert fields["Security_UserID"] == "S-1-5-18"
    assert isinstance(fields["ProcessID"], int) and isinstance(fields["ThreadID"], int)
    # Sysmon's typed data arrives typed: ProcessId is an int, Image a string.
    assert isinstance(fields["ProcessId"], int)
    assert fields["Image"].lower().endswith(".exe")
    assert fields["TimeCreated"].endswith("Z") and event.time is not None
    assert event.provenance.kind == "evtx"


@pytest.mark.data
def test_event_id_with_qualifiers_comes_from_text(shared_data: Path) -> None:
    event = _first(shared_data, "qualifiers")
    assert event.fields["EventID"] == 3001
    assert event.fields["param1"] == "C:\\Windows\\System32\\lsass.exe"


@pytest.mark.data
def test_user_data_children_become_fields(shared_data: Path) -> None:
    event = _first(shared_data, "userdata_1102", 1102)
    assert event.fields["SubjectUserName"] == "user01"
    assert event.fields["SubjectDomainName"] == "EXAMPLE"
    assert "LogFileCleared" not in event.fields


@pytest.mark.data
def test_unnamed_data_is_a_list(shared_data: Path) -> None:
    event = _first(shared_data, "unnamed_data", 18456)
    assert event.fields["Data"] == [
        "sa",
        " Reason: Password did not match that for the login provided.",
        " [CLIENT: 10.0.2.17]",
    ]
    assert event.fields["Binary"].startswith("1848")


@pytest.mark.data
def test_powershell_classic_data_matches_as_sigmahq_expects(shared_data: Path) -> None:
    """ps_classic rules test `Data|contains: 'HostApplication=...'`: one element holds it."""
    event = _first(shared_data, "ps_classic_800", 800)
    data = event.fields["Data"]
    assert isinstance(data, list) and len(data) >= 2
    assert any("HostApplication=" in item for item in data)
    assert event.logsource.categories == ("ps_classic_script",)


@pytest.mark.data
def test_event_data_shadows_system_names(shared_data: Path) -> None:
    """System 104 'log cleared' names the cleared log in `Channel`, as SigmaHQ rules read it
    (win_system_susp_eventlog_cleared); the log source still comes from the System channel."""
    record = evtx_dump_records(shape_path(shared_data, "system_104"))[0]
    record["Event"]["UserData"]["LogFileCleared"]["Channel"] = "Windows PowerShell"
    event, _ = normalise(record, HERE)
    assert event.fields["EventID"] == 104
    assert event.fields["Channel"] == "Windows PowerShell"
    assert event.logsource.service == "system"
    assert event.fields["Provider_Name"] == "Microsoft-Windows-Eventlog"
    assert event.fields["BackupPath"] is None


@pytest.mark.data
def test_record_without_channel_keeps_none(shared_data: Path) -> None:
    event = _first(shared_data, "no_channel")
    assert event.fields["Channel"] is None
    assert event.logsource.product == "windows" and event.logsource.service is None


def test_flat_record_with_string_numbers() -> None:
    record = {
        "EventID": "4688",
        "EventRecordID": "77",
        "Channel": "Security",
        "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
        "TimeCreated": {"SystemTime": "2024-05-01T10:00:00.1234567Z"},
    }
    event, layout = normalise(record, HERE)
    assert layout == "flat"
    assert event.fields["EventID"] == 4688 and event.fields["EventRecordID"] == 77
    assert event.fields["Image"] == "C:\\Windows\\System32\\cmd.exe"
    assert event.fields["TimeCreated"] == "2024-05-01T10:00:00.123456Z"
    assert event.time == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)


def test_dotted_winlogbeat_keys() -> None:
    record = {
        "@timestamp": "2024-05-01T10:00:00.123Z",
        "winlog.event_id": "1",
        "winlog.channel": "Microsoft-Windows-Sysmon/Operational",
        "winlog.computer_name": "ws1",
        "winlog.record_id": 5,
        "winlog.event_data.Image": "C:\\x.exe",
    }
    event, layout = normalise(record, HERE)
    assert layout == "ecs"
    assert event.fields["Image"] == "C:\\x.exe" and event.fields["EventID"] == 1
    assert event.logsource.categories == ("process_creation",)


@pytest.mark.parametrize("record", [[1, 2], "text", {"message": "no event here"}])
def test_records_of_no_known_layout_are_refused(record: object) -> None:
    with pytest.raises(InputError, match="line 1"):
        normalise(record, HERE)


@pytest.mark.data
def test_defender_names_with_blanks_also_without(shared_data: Path) -> None:
    """SigmaHQ's windefend rules say ThreatName and ProcessName for "Threat Name" and
    "Process Name"."""
    sample = next(
        (shared_data / "sigma" / "regression_data").rglob(
            "a7c3e5f2-8b1d-4e9a-b6c2-3d7f5e8a9b4c.evtx"
        )
    )
    [event] = list(read_file(str(sample), ReadStats()))
    assert (
        event.fields["ThreatName"] == event.fields["Threat Name"] == ("Tool:Win32/EICAR_Test_File")
    )
    assert event.fields["ProcessName"].endswith("\\RedSun.exe")
    assert event.fields["SourceName"] == event.fields["Source Name"]


@pytest.mark.data
def test_plain_system_path_gives_what_the_general_path_gives(shared_data: Path) -> None:
    """The System element of most records is read by a path that skips the general checks;
    on every real record, it must give the same fields, channel, provider and time, and it
    must take the records it is meant for."""
    import importlib

    import evtx
    import orjson

    module = importlib.import_module("rathunt.events.normalise")

    plain = 0
    for path in sorted((shared_data / "evtx").rglob("*.evtx")):
        for record in evtx.PyEvtxParser(str(path)).records_json():
            system = orjson.loads(record["data"])["Event"]["System"]
            general: dict[str, object] = {}
            expected = module._any_system_fields(system, general)
            fields: dict[str, object] = {}
            try:
                got = module._plain_system_fields(system, fields)
            except (KeyError, TypeError, ValueError, module._Unusual):
                continue
            plain += 1
            assert (got, list(fields.items())) == (expected, list(general.items())), path
    assert plain > 7_000  # 7,428 of the 8,255 records; the rest lack Version, or more
