"""Network findings join host findings: addresses learned from host telemetry, then incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.network.pcapgen import T0, Capture, TcpSession, checkin, njrat_message

from rathunt.correlate import build_incidents
from rathunt.events import ReadStats, read_paths
from rathunt.model import Event, Finding, LogSource, Provenance
from rathunt.network import AddressBook, NetworkScan, attribute_hosts
from rathunt.rules.attack import map_tags

SYSMON = LogSource(product="windows", service="sysmon", categories=("network_connection",))
SECURITY = LogSource(product="windows", service="security")
WHEN = datetime(2024, 2, 11, 10, 0, tzinfo=UTC)


def sysmon_3(
    computer: str, source: str, destination: str, initiated: bool = True, when: datetime = WHEN
) -> Event:
    fields = {
        "EventID": 3,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Computer": computer,
        "Image": "C:\\ProgramData\\System.exe",
        "Protocol": "tcp",
        "Initiated": initiated,
        "SourceIp": source,
        "SourcePort": 49228,
        "DestinationIp": destination,
        "DestinationPort": 15145,
        "UtcTime": "2024-02-11 10:00:00.000",
    }
    return Event(fields, SYSMON, Provenance("host.evtx", 1, "evtx"), when)


def test_book_learns_local_addresses_from_both_directions() -> None:
    book = AddressBook()
    book.learn(sysmon_3("DESKTOP-7QK2", "10.1.2.30", "203.0.113.77"))
    book.learn(sysmon_3("FILESRV01", "10.1.2.30", "10.1.5.5", initiated=False))
    wfp = {
        "EventID": 5156,
        "Computer": "LAPTOP-9",
        "Direction": "%%14593",
        "SourceAddress": "10.1.7.7",
        "DestAddress": "8.8.8.8",
    }
    book.learn(Event(wfp, SECURITY, Provenance("sec.evtx", 2, "evtx"), WHEN))
    book.learn(sysmon_3("DESKTOP-7QK2", "127.0.0.1", "127.0.0.1"))
    assert book.host_of("10.1.2.30", WHEN) == "DESKTOP-7QK2"
    assert book.host_of("10.1.5.5", WHEN) == "FILESRV01"
    assert book.host_of("10.1.7.7") == "LAPTOP-9"
    assert book.host_of("127.0.0.1") is None
    assert book.host_of("10.1.2.30", WHEN + timedelta(days=3)) is None


def test_address_that_changed_hands_is_resolved_by_time() -> None:
    book = AddressBook(margin=timedelta(hours=1))
    book.add("10.1.2.30", "DESKTOP-A", WHEN)
    book.add("10.1.2.30", "DESKTOP-B", WHEN + timedelta(days=1))
    assert book.host_of("10.1.2.30", WHEN + timedelta(minutes=10)) == "DESKTOP-A"
    assert book.host_of("10.1.2.30", WHEN + timedelta(days=1, minutes=5)) == "DESKTOP-B"


def test_host_map_csv(tmp_path: Path) -> None:
    path = tmp_path / "hosts.csv"
    path.write_text("address,host\n10.1.2.30,DESKTOP-7QK2\n")
    assert AddressBook.from_csv(path).host_of("10.1.2.30") == "DESKTOP-7QK2"


def host_finding(computer: str, time: datetime) -> Finding:
    tags = ("attack.defense-evasion", "attack.t1562.004")
    tactics, techniques = map_tags(tags)
    return Finding(
        rule_id="a35f5a72-f347-4e36-8895-9869b0d5fc6d",
        rule_title="Suspicious Program Location Whitelisted In Firewall Via Netsh.EXE",
        level="high",
        status="test",
        tags=tags,
        tactics=tactics,
        techniques=techniques,
        logsource="process_creation",
        time=time,
        computer=computer,
        channel="Microsoft-Windows-Sysmon/Operational",
        event_id=1,
        record_id=812,
        matched={"CommandLine": 'netsh firewall add allowedprogram "C:\\ProgramData\\System.exe"'},
        provenance=Provenance("host.evtx", 812, "evtx"),
    )


def test_njrat_session_and_host_finding_make_one_incident(tmp_path: Path) -> None:
    capture = Capture()
    rat = TcpSession(capture, "10.1.2.30", 49228, "203.0.113.77", 5552)
    time = rat.handshake(T0)
    rat.send(time, True, njrat_message(checkin()))
    network = NetworkScan()
    for _event in network.read(capture.write(tmp_path / "c.pcap"), ReadStats()):
        pass
    [session] = network.finish()
    assert session.time is not None

    book = AddressBook()
    book.learn(sysmon_3("DESKTOP-7QK2", "10.1.2.30", "203.0.113.77", when=session.time))
    assert attribute_hosts([session], book) == 1
    assert session.computer == "DESKTOP-7QK2"
    assert session.matched["host_address"] == "10.1.2.30"

    host = host_finding("DESKTOP-7QK2", session.time - timedelta(seconds=40))
    [incident] = build_incidents([host, session])
    assert incident.computer == "DESKTOP-7QK2"
    stages = dict(incident.stages)
    assert stages["command-and-control"] == [session]
    assert stages["installation"] == [host]


@pytest.mark.data
def test_book_from_real_sysmon_network_events(shared_data: Path) -> None:
    path = shared_data / "evtx" / "EVTX-ATTACK-SAMPLES" / "AutomatedTestingTools"
    book = AddressBook()
    for event in read_paths([path / "PanacheSysmon_vs_AtomicRedTeam01.evtx"], stats=ReadStats()):
        book.learn(event)
    assert book.host_of("10.0.2.15") == "MSEDGEWIN10"
