"""Beaconing, the DNS retry loop and dynamic-DNS names, over logs and captures."""

from __future__ import annotations

import json
import random
from pathlib import Path

import jsonschema
from tests.network.pcapgen import RST, SYN, T0, Capture, TcpSession, checkin, njrat_message
from tests.network.samples import conn_row, dns_row, zeek_tsv

from rathunt.events import ReadStats
from rathunt.model import Finding
from rathunt.network import NetworkScan, SuffixList, load_suffixes
from rathunt.report import finding_to_dict

HOST, C2 = "10.1.2.30", "203.0.113.77"


def scan(*paths: Path, network: NetworkScan | None = None) -> list[Finding]:
    network = network or NetworkScan()
    stats = ReadStats()
    for path in paths:
        for _event in network.read(path, stats):
            pass
    return network.finish()


def by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in findings:
        out.setdefault(finding.rule_id, []).append(finding)
    return out


def test_regular_connections_are_a_beacon_with_period_and_jitter(tmp_path: Path) -> None:
    jitter = random.Random(7)
    rows = [
        conn_row(T0 + 60 * i + jitter.uniform(-1.5, 1.5), HOST, 50000 + i, C2, 8443, "SF")
        for i in range(30)
    ]
    human = random.Random(3)
    clock = T0
    for i in range(30):
        clock += human.expovariate(1 / 90)
        rows.append(conn_row(clock, HOST, 51000 + i, "93.184.216.34", 443, "SF"))
    rows.sort(key=lambda row: float(row[0]))
    findings = scan(zeek_tsv(tmp_path / "conn.log", "conn", rows))
    [beacon] = by_rule(findings)["rathunt.network.beaconing"]
    matched = beacon.matched
    assert (beacon.computer, matched["dst_ip"], matched["dst_port"]) == (HOST, C2, 8443)
    assert matched["connections"] == 30
    assert 59.0 <= matched["period_seconds"] <= 61.0
    assert 0.0 < matched["jitter_seconds"] < 1.5
    assert beacon.level == "medium" and beacon.count == 30
    assert len(findings) == 1


def test_retry_loop_while_the_c2_refuses(tmp_path: Path) -> None:
    dns = [dns_row(T0 + 4 * i, HOST, "njq8.zapto.org", [C2]) for i in range(15)]
    conn = [conn_row(T0 + 4 * i + 0.05, HOST, 50100 + i, C2, 1177, "REJ") for i in range(15)]
    dns_log = zeek_tsv(tmp_path / "dns.log", "dns", dns)
    findings = by_rule(scan(dns_log, zeek_tsv(tmp_path / "conn.log", "conn", conn)))
    [loop] = findings["rathunt.network.dns-retry-loop"]
    assert loop.matched["query"] == "njq8.zapto.org"
    assert (loop.matched["lookups"], loop.matched["failed_connections"]) == (15, 15)
    assert loop.matched["established_connections"] == 0
    assert loop.matched["period_seconds"] == 4.0
    [name] = findings["rathunt.network.dynamic-dns"]
    assert (name.matched["provider"], name.matched["requests"]) == ("no-ip", 15)
    # Fifteen refused connections four seconds apart are also a steady series.
    [beacon] = findings["rathunt.network.beaconing"]
    assert beacon.matched["failed_connections"] == 15


def test_lookups_that_succeed_are_no_retry_loop(tmp_path: Path) -> None:
    dns = [dns_row(T0 + 30 * i, HOST, "outlook.office365.com", ["52.96.1.1"]) for i in range(20)]
    conn = [conn_row(T0 + 30 * i + 0.1, HOST, 50300 + i, "52.96.1.1", 443, "SF") for i in range(20)]
    findings = scan(
        zeek_tsv(tmp_path / "dns.log", "dns", dns), zeek_tsv(tmp_path / "conn.log", "conn", conn)
    )
    assert "rathunt.network.dns-retry-loop" not in by_rule(findings)


def test_retry_loop_in_a_capture_with_nxdomain(tmp_path: Path) -> None:
    capture = Capture()
    for i in range(8):
        capture.dns(T0 + 3 * i, HOST, "10.1.2.1", "gone.duckdns.org", [], rcode=3, ident=100 + i)
    findings = by_rule(scan(capture.write(tmp_path / "nx.pcap")))
    [loop] = findings["rathunt.network.dns-retry-loop"]
    assert (loop.matched["lookups"], loop.matched["failed_lookups"]) == (8, 8)
    assert loop.provenance.record == 1


def test_capture_of_a_dead_c2_refusing_connections(tmp_path: Path) -> None:
    capture = Capture()
    for i in range(10):
        capture.dns(T0 + 5 * i, HOST, "10.1.2.1", "njq8.ddns.net", [C2], ident=200 + i)
        session = TcpSession(capture, HOST, 49800 + i, C2, 5552)
        session.segment(T0 + 5 * i + 0.1, True, SYN)
        session.segment(T0 + 5 * i + 0.15, False, RST | 0x10)
    findings = by_rule(scan(capture.write(tmp_path / "dead.pcap")))
    [loop] = findings["rathunt.network.dns-retry-loop"]
    assert loop.matched["failed_connections"] == 10
    assert loop.matched["answer"] == [C2]


def test_names_seen_in_an_njrat_session_fold_into_it(tmp_path: Path) -> None:
    capture = Capture()
    for i in range(10):
        capture.dns(T0 + 2 * i, HOST, "10.1.2.1", "njq8.duckdns.org", [C2], ident=300 + i)
        session = TcpSession(capture, HOST, 49900 + i, C2, 1177)
        session.segment(T0 + 2 * i + 0.1, True, SYN)
    rat = TcpSession(capture, HOST, 49950, C2, 1177)
    time = rat.handshake(T0 + 30)
    rat.send(time, True, njrat_message(checkin()))
    findings = scan(capture.write(tmp_path / "fold.pcap"))
    [finding] = findings
    assert finding.rule_id == "rathunt.network.njrat-protocol"
    assert finding.matched["c2_lookups"] == 10
    assert finding.matched["c2_service"] == "duckdns (dyndns)"


def test_suffix_list_matches_subdomains_only_and_extends(tmp_path: Path) -> None:
    suffixes = SuffixList.builtin()
    assert suffixes.match("x.tcp.eu.ngrok.io").provider == "ngrok"  # type: ignore[union-attr]
    assert suffixes.match("HOME.DuckDNS.org.").kind == "dyndns"  # type: ignore[union-attr]
    assert suffixes.match("duckdns.org") is None
    assert suffixes.match("www.duckdns.org") is None
    assert suffixes.match("noduckdns.org") is None
    extra = tmp_path / "suffixes.txt"
    extra.write_text("# ours\nexample-dyn.net\ncorp-tunnel.io tunnel\n")
    loaded = load_suffixes(extra)
    assert loaded.match("a.corp-tunnel.io").kind == "tunnel"  # type: ignore[union-attr]
    assert loaded.match("b.example-dyn.net").kind == "dyndns"  # type: ignore[union-attr]
    assert len(loaded) == len(suffixes) + 2


def test_findings_fit_the_findings_schema(tmp_path: Path) -> None:
    schema_path = Path(__file__).parents[2] / "src" / "rathunt" / "schemas" / "finding.schema.json"
    schema = json.loads(schema_path.read_text())
    dns = [dns_row(T0 + 4 * i, HOST, "njq8.zapto.org", [C2]) for i in range(8)]
    conn = [conn_row(T0 + 4 * i + 0.05, HOST, 50100 + i, C2, 1177, "REJ") for i in range(8)]
    dns_log = zeek_tsv(tmp_path / "dns.log", "dns", dns)
    findings = scan(dns_log, zeek_tsv(tmp_path / "conn.log", "conn", conn))
    assert len({f.rule_id for f in findings}) == 3
    for finding in findings:
        record = json.loads(json.dumps(finding_to_dict(finding), default=str))
        jsonschema.validate(record, schema)
