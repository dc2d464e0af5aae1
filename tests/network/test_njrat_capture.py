"""njRAT sessions found in captures: the real trace, and crafted ones the way networks deliver."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from tests.network.pcapgen import T0, Capture, TcpSession, checkin, njrat_message

from rathunt.engine import Engine
from rathunt.events import ReadStats
from rathunt.model import Finding
from rathunt.network import CaptureOptions, NetworkOptions, NetworkScan, read_network_file
from rathunt.rules import load_pack, load_rules

VICTIM, C2 = "10.1.2.30", "203.0.113.77"


def scan(path: Path) -> tuple[list[Finding], ReadStats, NetworkScan]:
    stats = ReadStats()
    network = NetworkScan()
    for _event in network.read(path, stats):
        pass
    return network.finish(), stats, network


def only_njrat(findings: list[Finding]) -> Finding:
    assert [f.rule_id for f in findings] == ["rathunt.network.njrat-protocol"]
    return findings[0]


@pytest.mark.data
class TestRealCapture:
    """The public njRAT trace: one session to an ngrok C2, decoded exactly, nothing else."""

    def test_session_and_checkin_fields(self, shared_data: Path) -> None:
        findings, stats, _ = scan(shared_data / "pcap" / "njrat-zeek-detector.pcap")
        finding = only_njrat(findings)
        assert finding.level == "critical"
        assert finding.computer == "192.168.100.204"
        matched = finding.matched
        assert (matched["victim_ip"], matched["victim_port"]) == ("192.168.100.204", 49228)
        assert (matched["c2_ip"], matched["c2_port"]) == ("3.68.56.232", 15145)
        assert matched["c2_name"] == "7.tcp.eu.ngrok.io"
        assert matched["c2_service"] == "ngrok (tunnel)"
        assert matched["checkin"] == {
            "victim_id": "HacKed_C4BA3647",
            "victim_name": "HacKed",
            "volume_serial": "C4BA3647",
            "machine_name": "USER-PC",
            "user_name": "admin",
            "install_date": "23-04-19",
            "reserved": "",
            "os": "Win 7 Professional SP1 x86",
            "camera": "No",
            "version": "im523",
            "launch_argument": "..",
            "window_title": "Program Manager",
            "plugins": [],
        }
        assert stats.problems == []

    def test_config_commands_and_span(self, shared_data: Path) -> None:
        findings, _, network = scan(shared_data / "pcap" / "njrat-zeek-detector.pcap")
        matched = only_njrat(findings).matched
        config = matched["config"]
        assert (config["campaign"], config["c2_host"], config["c2_port"]) == (
            "HacKed",
            "7.tcp.eu.ngrok.io",
            15145,
        )
        assert (config["install_dir"], config["install_name"]) == ("AllUsersProfile", "System.exe")
        assert matched["victim_messages"] == {"ll": 1, "inf": 1, "act": 1, "CAP": 1}
        assert matched["c2_commands"] == {"CAP": 1}
        assert matched["start"] == "2023-04-19T16:20:15.277831Z"
        assert matched["end"] == "2023-04-19T16:20:56.234496Z"
        # The trace lacks 8,153 bytes the C2 sent; that is told, not hidden.
        assert matched["anomalies"] == ["C2: 8153 bytes missing from the capture at byte 20"]
        assert network.events == 2

    def test_sigmahq_network_rules_and_the_njrat_pack_stay_quiet(self, shared_data: Path) -> None:
        sigma = shared_data / "sigma" / "rules"
        ruleset = load_rules([sigma / "network", sigma / "web"])
        ruleset.extend(load_pack("njrat"))
        assert ruleset.problems == [] and len(ruleset.rules) > 100
        path = shared_data / "pcap" / "njrat-zeek-detector.pcap"
        events = list(read_network_file(path, ReadStats()))
        assert [e.logsource.service for e in events] == ["dns", "conn"]
        assert list(Engine(ruleset.rules).match(events)) == []


def write_session(tmp_path: Path, port: int, client_data: bytes, **kwargs: object) -> Path:
    capture = Capture()
    session = TcpSession(capture, VICTIM, 49500, C2, port)
    time = session.handshake(T0)
    time = session.send(time, True, client_data, **kwargs)  # type: ignore[arg-type]
    session.send(time + 1, False, njrat_message("CAP|'|'|35|'|'|23"))
    session.close(time + 2)
    return capture.write(tmp_path / "s.pcap")


@pytest.mark.parametrize("port", [1177, 5552, 443, 80, 8080])
def test_protocol_found_on_any_port(tmp_path: Path, port: int) -> None:
    path = write_session(tmp_path, port, njrat_message(checkin()))
    finding = only_njrat(scan(path)[0])
    assert finding.matched["c2_port"] == port
    assert finding.matched["checkin"]["victim_name"] == "HacKed"
    assert finding.matched["checkin"]["volume_serial"] == "9E70143A"
    assert finding.matched["checkin"]["window_title"] == "Inbox - Outlook"


def test_message_split_into_one_byte_segments(tmp_path: Path) -> None:
    path = write_session(tmp_path, 5552, njrat_message(checkin()), size=1)
    finding = only_njrat(scan(path)[0])
    assert finding.matched["checkin"]["machine_name"] == "DESKTOP-7QK2"
    assert finding.matched["checkin"]["os"] == "Win 10 Pro SP0 x64"


def test_out_of_order_and_retransmitted_segments(tmp_path: Path) -> None:
    capture = Capture()
    session = TcpSession(capture, VICTIM, 49501, C2, 1177)
    time = session.handshake(T0)
    data = njrat_message(checkin()) + njrat_message("act|'|'|" + b64("Payroll.xlsx - Excel"))
    pieces = session.pieces(True, data, 40)
    # Last piece first, every piece twice, one overlapping re-send of two pieces at once.
    order = [pieces[-1], *pieces[:3], (pieces[3][0], pieces[3][1] + pieces[4][1]), *pieces[3:]]
    for seq, chunk in order + pieces:
        session.segment(time, True, 0x18, chunk, seq=seq)
        time += 0.001
    session.close(time)
    findings, _stats, _ = scan(capture.write(tmp_path / "o.pcap"))
    matched = only_njrat(findings).matched
    assert matched["checkin"]["user_name"] == "jsmith"
    assert matched["victim_messages"] == {"ll": 1, "act": 1}
    assert matched["window_titles"] == ["Payroll.xlsx - Excel"]
    assert "anomalies" not in matched


def test_mixed_with_ordinary_http_and_dns_only_njrat_is_reported(tmp_path: Path) -> None:
    capture = Capture()
    capture.dns(T0, VICTIM, "10.1.2.1", "www.example.org", ["93.184.216.34"])
    web = TcpSession(capture, VICTIM, 50100, "93.184.216.34", 80)
    time = web.handshake(T0 + 0.1)
    request = (
        b"GET /index.html HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: Mozilla/5.0\r\n\r\n"
    )
    time = web.send(time, True, request)
    time = web.send(time, False, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    web.close(time)
    capture.dns(T0 + 1, VICTIM, "10.1.2.1", "njq8.duckdns.org", [C2], ident=7)
    rat = TcpSession(capture, VICTIM, 50101, C2, 1177)
    time = rat.handshake(T0 + 1.1)
    time = rat.send(time, True, njrat_message(checkin()))
    rat.send(time + 5, False, njrat_message(b""))
    rat.send(time + 5.1, True, njrat_message(b""))
    stats = ReadStats()
    network = NetworkScan()
    events = list(network.read(capture.write(tmp_path / "mixed.pcapng", "pcapng"), stats))
    findings = network.finish()
    matched = only_njrat(findings).matched
    assert matched["c2_name"] == "njq8.duckdns.org"
    assert matched["c2_service"] == "duckdns (dyndns)"
    assert matched["keepalives"] == 2
    http = [e for e in events if e.logsource.service == "http"]
    assert [(e.fields["cs-method"], e.fields["c-uri"], e.fields["cs-host"]) for e in http] == [
        ("GET", "/index.html", "www.example.org")
    ]
    assert http[0].fields["c-useragent"] == "Mozilla/5.0"
    assert http[0].fields["sc-status"] == 200
    queries = sorted(e.fields["query"] for e in events if e.logsource.service == "dns")
    assert queries == ["njq8.duckdns.org", "www.example.org"]


def test_legacy_lv_form_with_endof(tmp_path: Path) -> None:
    legacy = (
        "lv|'|'|" + b64("Victim_1A2B3C4D") + "|'|'|OLDPC|'|'|bob|'|'|13-05-02|'|'|US|'|'|"
        "Win XP SP3 x86|'|'|No|'|'|0.5.0E|'|'|..|'|'|" + b64("Start") + "|'|'|[endof]"
    ).encode() + b"P[endof]"
    path = write_session(tmp_path, 1604, legacy)
    matched = only_njrat(scan(path)[0]).matched
    assert matched["framing"] == ["legacy [endof]", "length-prefixed"]
    assert matched["checkin"]["victim_name"] == "Victim"
    assert matched["checkin"]["version"] == "0.5.0E"
    assert matched["keepalives"] == 1


def test_ordinary_traffic_alone_raises_nothing(tmp_path: Path) -> None:
    capture = Capture()
    tls = TcpSession(capture, VICTIM, 50200, "198.51.100.9", 443)
    time = tls.handshake(T0)
    time = tls.send(time, True, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(500))
    time = tls.send(time, False, b"\x16\x03\x03" + bytes(3000))
    tls.close(time)
    smtp = TcpSession(capture, VICTIM, 50201, "198.51.100.10", 25)
    time = smtp.handshake(T0 + 1)
    time = smtp.send(time, False, b"220 mail.example.org ESMTP ready\r\n")
    smtp.send(time, True, b"EHLO client\r\n")
    findings, stats, network = scan(capture.write(tmp_path / "plain.pcap"))
    assert findings == []
    assert stats.problems == []
    assert network.events == 2


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_custom_separator_and_ipv6(tmp_path: Path) -> None:
    capture = Capture()
    session = TcpSession(capture, "fd00::30", 49600, "2001:db8::77", 7777)
    time = session.handshake(T0)
    session.send(time, True, njrat_message(checkin().replace("|'|'|", "@!#&^%$")))
    stats = ReadStats()
    options = NetworkOptions(capture=CaptureOptions(separators=("|'|'|", "@!#&^%$")))
    network = NetworkScan(options)
    for _event in network.read(capture.write(tmp_path / "v6.pcap"), stats):
        pass
    finding = only_njrat(network.finish())
    assert (finding.computer, finding.matched["c2_ip"]) == ("fd00::30", "2001:db8::77")
    assert finding.matched["separator"] == "@!#&^%$"
    assert finding.matched["checkin"]["user_name"] == "jsmith"
    # Without the separator given, the same session is not recognised.
    assert scan(capture.write(tmp_path / "v6b.pcap"))[0] == []


def test_long_session_is_counted_in_full(tmp_path: Path) -> None:
    capture = Capture()
    session = TcpSession(capture, VICTIM, 49700, C2, 5552)
    time = session.handshake(T0)
    time = session.send(time, True, njrat_message(checkin()))
    for index in range(1000):
        time = session.send(time + 8, True, njrat_message("act|'|'|" + b64(f"Window {index}")))
        time = session.send(time, False, njrat_message(b""))
    finding = only_njrat(scan(capture.write(tmp_path / "long.pcap"))[0])
    assert finding.matched["victim_messages"] == {"ll": 1, "act": 1000}
    assert finding.matched["keepalives"] == 1000
    assert len(finding.matched["window_titles"]) == 20
    assert finding.matched["duration_seconds"] > 8000


def test_keep_alive_requests_pair_with_their_statuses(tmp_path: Path) -> None:
    capture = Capture()
    web = TcpSession(capture, VICTIM, 50300, "93.184.216.34", 8080)
    time = web.handshake(T0)
    for path, status in (("/a", 200), ("/b.exe", 404), ("/c", 302)):
        request = f"GET {path} HTTP/1.1\r\nHost: proxy.example.org:8080\r\n\r\n".encode()
        time = web.send(time, True, request)
        body = b"x" * 3000
        head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        time = web.send(time, False, head + body)
    web.close(time)
    stats = ReadStats()
    events = list(read_network_file(capture.write(tmp_path / "ka.pcap"), stats))
    http = [e.fields for e in events if e.logsource.service == "http"]
    assert [(f["c-uri"], f["sc-status"], f["cs-host"]) for f in http] == [
        ("/a", 200, "proxy.example.org"),
        ("/b.exe", 404, "proxy.example.org"),
        ("/c", 302, "proxy.example.org"),
    ]
    assert http[1]["c-uri-extension"] == "exe"


def test_capture_begun_mid_session_still_tells_the_victim(tmp_path: Path) -> None:
    capture = Capture()
    session = TcpSession(capture, C2, 1177, VICTIM, 49800)
    # No handshake: the first packet seen is the C2 asking for a screen capture.
    time = session.send(T0, True, b"|'|'|23" + njrat_message("CAP|'|'|35|'|'|23"))
    time = session.send(time, False, njrat_message("act|'|'|" + b64("Remote Desktop")))
    session.send(time, False, njrat_message(b"CAP|'|'|\xff\xd8\xff\xe0" + bytes(2000)))
    finding = only_njrat(scan(capture.write(tmp_path / "mid.pcap"))[0])
    assert finding.level == "high"
    assert finding.rule_title == "njRAT C2 commands on the wire (no check-in seen)"
    assert finding.computer == VICTIM
    matched = finding.matched
    assert (matched["victim_ip"], matched["c2_ip"], matched["c2_port"]) == (VICTIM, C2, 1177)
    assert matched["victim_messages"] == {"act": 1, "CAP": 1}
    assert matched["c2_commands"] == {"CAP": 1}
    assert matched["window_titles"] == ["Remote Desktop"]
    assert matched["anomalies"] == ["C2: no message header at byte 0"]
