"""Observation picks the events each profile learns from and folds their keys."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rathunt.baseline.observe import observe, scope_of
from rathunt.model import Event, LogSource, Provenance

from .fleet import RUN_KEY, START, USER_SID, Recorder, intrusion, process

TASK_XML = (
    '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2" xmlns="http://schemas.'
    'microsoft.com/windows/2004/02/mit/task">\r\n  <Actions Context="Author">\r\n    <Exec>\r\n'
    "      <Command>C:\\Users\\bob\\AppData\\Roaming\\upd.exe</Command>\r\n"
    "      <Arguments>-k &quot;run&quot;</Arguments>\r\n    </Exec>\r\n  </Actions>\r\n</Task>"
)


def test_process_creation_feeds_pairs_and_lolbin_shapes() -> None:
    rec = Recorder()
    events = intrusion(rec, "ws05", START)
    frames = observe(events).frames
    pairs = frames["process_pair"].select("parent_image", "child_image", "user_name").rows()
    assert (
        "c:\\users\\<user>\\appdata\\local\\temp\\server.exe",
        "c:\\windows\\syswow64\\netsh.exe",
        "corp\\u05",
    ) in pairs
    assert len(pairs) == 3
    lolbins = frames["lolbin_shape"]
    assert lolbins["lolbin"].to_list() == ["netsh.exe"]
    assert lolbins["example"][0].startswith('netsh firewall add allowedprogram "C:\\Users\\u05')


def test_network_and_dns_keep_outbound_only_with_ports_as_numbers() -> None:
    rec = Recorder()
    outbound = rec.event(
        "ws01",
        START,
        3,
        Image="C:\\Temp\\a.exe",
        DestinationIp="3.125.102.39",
        DestinationPort="15145",
        Protocol="tcp",
        Initiated="true",
    )
    inbound = rec.event(
        "ws01",
        START,
        3,
        Image="C:\\Windows\\System32\\svchost.exe",
        DestinationIp="10.1.0.9",
        DestinationPort="3389",
        Initiated="false",
    )
    query = rec.event("ws01", START, 22, Image="C:\\Temp\\a.exe", QueryName="Tcp.EU.ngrok.io.")
    frames = observe([outbound, inbound, query]).frames
    assert frames["network"].select("destination", "port", "scope").rows() == [
        ("3.125.102.39", 15145, "public")
    ]
    assert frames["dns"]["domain"].to_list() == ["tcp.eu.ngrok.io"]


def test_windows_filtering_platform_connections_are_profiled_like_sysmon() -> None:
    fields = {
        "EventID": "5156",
        "Channel": "Security",
        "Computer": "PC01.example.corp",
        "Application": "\\device\\harddiskvolume1\\windows\\system32\\svchost.exe",
        "Image": "\\device\\harddiskvolume1\\windows\\system32\\svchost.exe",
        "DestinationIp": "ff02::1:2",
        "DestinationPort": "547",
        "Protocol": "udp",
        "Initiated": "true",
    }
    event = Event(
        fields,
        LogSource("windows", "security", ("network_connection",)),
        Provenance("s.evtx", 1, "evtx"),
        START,
    )
    network = observe([event]).frames["network"]
    assert network.select("image", "destination", "port", "scope").rows() == [
        ("c:\\windows\\system32\\svchost.exe", "ff02::1:2", 547, "multicast")
    ]


def test_autoruns_of_four_kinds() -> None:
    rec = Recorder()
    run = rec.event(
        "ws01",
        START,
        13,
        EventType="SetValue",
        Image="C:\\Temp\\a.exe",
        TargetObject=RUN_KEY.format(sid=USER_SID, name="Updater"),
        Details="C:\\Users\\bob\\AppData\\Roaming\\upd.exe ..",
    )
    other_key = rec.event(
        "ws01",
        START,
        13,
        EventType="SetValue",
        Image="C:\\Temp\\a.exe",
        TargetObject="HKLM\\SOFTWARE\\Microsoft\\Tracing\\a\\EnableFileTracing",
        Details="DWORD (0x00000000)",
    )
    startup = rec.event(
        "ws01",
        START,
        11,
        Image="C:\\Temp\\a.exe",
        TargetFilename="C:\\Users\\bob\\AppData\\Roaming\\Microsoft\\Windows\\"
        "Start Menu\\Programs\\Startup\\0a1b2c3d4e5f60718293a4b5c6d7e8f9.exe",
    )
    service = rec.event(
        "ws01",
        START,
        7045,
        Channel="System",
        ServiceName="spoolfool",
        ImagePath="cmd.exe",
        ServiceType="user mode service",
    )
    task = rec.event(
        "ws01",
        START,
        4698,
        Channel="Security",
        TaskName="\\Updater",
        TaskContent=TASK_XML,
        SubjectUserName="bob",
    )
    rows = observe([run, other_key, startup, service, task]).frames["autorun"]
    assert rows.select("kind", "location", "name", "target").rows() == [
        (
            "run",
            "hkcu\\software\\microsoft\\windows\\currentversion\\run",
            "updater",
            "c:\\users\\<user>\\appdata\\roaming\\upd.exe ..",
        ),
        (
            "startup",
            "c:\\users\\<user>\\appdata\\roaming\\microsoft\\windows\\start menu\\"
            "programs\\startup",
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9.exe",
            "c:\\users\\<user>\\appdata\\roaming\\microsoft\\windows\\start menu\\programs\\"
            "startup\\<hex>.exe",
        ),
        ("service", "services", "spoolfool", "cmd.exe"),
        ("task", "tasks", "\\updater", 'c:\\users\\<user>\\appdata\\roaming\\upd.exe -k "run"'),
    ]


def test_events_without_time_or_host_are_counted_not_used() -> None:
    rec = Recorder()
    undated = rec.event("ws01", START, 22, Image="a.exe", QueryName="x.example")
    undated.time = None
    hostless = rec.event("ws01", START, 22, Image="a.exe", QueryName="y.example")
    del hostless.fields["Computer"]
    good = process(
        rec,
        "ws01",
        START + timedelta(hours=13),
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\System32\\cmd.exe",
        "cmd.exe /c",
        "corp\\bob",
    )
    observations = observe([undated, hostless, good])
    assert (observations.undated, observations.without_host) == (1, 1)
    assert observations.host_days.rows() == [("ws01.corp.example", START.date(), 1)]
    assert observations.frames["process_pair"]["hour"].to_list() == [13]


@pytest.mark.parametrize(
    ("address", "scope"),
    [
        ("8.8.8.8", "public"),
        ("10.1.0.2", "private"),
        ("127.0.0.1", "loopback"),
        ("fe80::1", "link-local"),
        ("239.255.255.250", "multicast"),
        ("evil.example", "name"),
    ],
)
def test_scope_of_destinations(address: str, scope: str) -> None:
    assert scope_of(address) == scope


@pytest.mark.data
def test_real_service_and_task_records_become_autoruns(shared_data: Path) -> None:
    from rathunt.events import ReadStats, read_paths

    samples = shared_data / "evtx" / "EVTX-ATTACK-SAMPLES"
    paths = [
        samples / "Lateral Movement" / "LM_Remote_Service02_7045.evtx",
        samples / "Execution" / "temp_scheduled_task_4698_4699.evtx",
    ]
    events = list(read_paths([str(path) for path in paths], stats=ReadStats()))
    rows = observe(events).frames["autorun"].select("kind", "name", "target").rows()
    assert ("service", "spoolfool", "cmd.exe") in rows
    tasks = [row for row in rows if row[0] == "task"]
    assert tasks and tasks[0][1] == "\\cyalynss"
    assert tasks[0][2]


def test_security_4657_run_values_count_and_deletions_do_not() -> None:
    base = {
        "EventID": "4657",
        "Channel": "Security",
        "Computer": "WS-0002.corp.example.com",
        "ObjectValueName": "Spotify",
        "ProcessName": "C:\\Users\\jsmith\\AppData\\Roaming\\Spotify\\Spotify.exe",
        "TargetObject": f"HKU\\{USER_SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\"
        "Spotify",
        "Details": '"C:\\Users\\jsmith\\AppData\\Roaming\\Spotify\\Spotify.exe" --autostart',
    }
    logsource = LogSource("windows", "security", ("registry_set", "registry_add", "registry_event"))
    set_value = Event(
        {**base, "EventType": "SetValue"}, logsource, Provenance("s", 1, "evtx"), START
    )
    deleted = Event(
        {**base, "EventType": "DeleteValue"}, logsource, Provenance("s", 2, "evtx"), START
    )
    rows = observe([set_value, deleted]).frames["autorun"].select("kind", "name", "target").rows()
    assert rows == [
        (
            "run",
            "spotify",
            '"c:\\users\\<user>\\appdata\\roaming\\spotify\\spotify.exe" --autostart',
        )
    ]


def test_odd_field_types_are_data_not_errors() -> None:
    rec = Recorder()
    odd = rec.event(
        "ws01",
        START,
        1,
        Image=["C:\\a.exe", "C:\\b.exe"],
        ParentImage=42,
        CommandLine=None,
        User="",
    )
    port = rec.event(
        "ws01",
        START,
        3,
        Image="C:\\a.exe",
        DestinationIp="10.0.0.1",
        DestinationPort="http",
        Initiated=None,
    )
    named = rec.event(
        "ws01",
        START,
        3,
        Image="C:\\a.exe",
        DestinationIp="10.0.0.1",
        DestinationPort="http",
        Initiated=True,
    )
    frames = observe([odd, port, named]).frames
    assert frames["process_pair"].select("parent_image", "user_name").rows() == [("42", "")]
    assert frames["process_pair"]["child_image"][0].startswith("['c:\\\\a.exe'")
    # Initiated=None reads as not initiated; a port that is no number is -1.
    assert frames["network"].select("row", "port").rows() == [(2, -1)]
