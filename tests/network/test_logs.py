"""Zeek, proxy and firewall logs: detected by content, read into Sigma fields, bad lines counted."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.network.samples import (
    FIREWALL_CSV,
    PFIREWALL,
    SQUID,
    W3C_PROXY,
    conn_row,
    dns_row,
    zeek_tsv,
)

from rathunt.events import ReadStats
from rathunt.model import Event
from rathunt.network import detect_network_format, read_network_file


def read(path: Path) -> tuple[list[Event], ReadStats]:
    stats = ReadStats()
    return list(read_network_file(path, stats)), stats


def test_zeek_conn_tsv(tmp_path: Path) -> None:
    path = zeek_tsv(
        tmp_path / "conn.log",
        "conn",
        [
            conn_row(1707645600.5, "10.1.2.30", 49712, "203.0.113.77", 1177, "S0"),
            conn_row(1707645601.5, "10.1.2.30", 49713, "93.184.216.34", 443, "SF"),
        ],
    )
    assert detect_network_format(path) == "zeek-tsv"
    events, stats = read(path)
    assert stats.records_read == 2 and stats.problems == []
    first = events[0]
    assert (first.logsource.product, first.logsource.service) == ("zeek", "conn")
    assert first.fields["id.resp_p"] == 1177
    assert (first.fields["dst_ip"], first.fields["dst_port"]) == ("203.0.113.77", 1177)
    assert first.fields["conn_state"] == "S0"
    assert first.fields["local_orig"] is True
    assert first.fields["tunnel_parents"] == []
    assert first.fields["service"] is None
    assert first.time == datetime(2024, 2, 11, 10, 0, 0, 500000, tzinfo=UTC)
    assert first.computer == "10.1.2.30"


def test_zeek_dns_tsv_gains_sigma_dns_names(tmp_path: Path) -> None:
    path = zeek_tsv(
        tmp_path / "dns.log",
        "dns",
        [
            dns_row(1707645600.0, "10.1.2.30", "njq8.zapto.org", ["203.0.113.77", "203.0.113.78"]),
            dns_row(1707645604.0, "10.1.2.30", "gone.duckdns.org", [], "NXDOMAIN"),
        ],
    )
    events, _ = read(path)
    dns = events[0]
    assert dns.logsource.categories == ("dns",)
    assert dns.fields["query"] == "njq8.zapto.org"
    assert dns.fields["answers"] == ["203.0.113.77", "203.0.113.78"]
    assert dns.fields["answer"] == dns.fields["answers"]
    assert dns.fields["record_type"] == "A"
    assert events[1].fields["answer"] == []
    assert events[1].fields["rcode_name"] == "NXDOMAIN"


def test_zeek_http_json_gains_proxy_names(tmp_path: Path) -> None:
    path = tmp_path / "http.log"
    path.write_text(
        '{"ts":1707645600.25,"uid":"CxH1","id.orig_h":"10.1.2.30","id.orig_p":50000,'
        '"id.resp_h":"203.0.113.50","id.resp_p":80,"trans_depth":1,"method":"GET",'
        '"host":"update.hopto.org:8080","uri":"/files/setup.exe?id=7","version":"1.1",'
        '"user_agent":"Mozilla/4.0 (compatible; MSIE 6.0)","status_code":200}\n'
        "not json\n"
    )
    assert detect_network_format(path) == "zeek-json"
    events, stats = read(path)
    assert stats.records_skipped == 1
    assert "line 2" in str(stats.problems[0])
    fields = events[0].fields
    assert events[0].logsource.service == "http" and events[0].logsource.categories == ("proxy",)
    assert fields["c-uri"] == "/files/setup.exe?id=7"
    assert fields["c-uri-stem"] == "/files/setup.exe"
    assert fields["c-uri-query"] == "id=7"
    assert fields["c-uri-extension"] == "exe"
    assert fields["cs-host"] == "update.hopto.org"
    assert fields["c-useragent"] == "Mozilla/4.0 (compatible; MSIE 6.0)"


def test_squid_native(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_text(SQUID + "garbage line\n")
    assert detect_network_format(path) == "squid"
    events, stats = read(path)
    assert stats.records_read == 3 and stats.records_skipped == 1
    download, tunnel, missing = (e.fields for e in events)
    assert events[0].logsource.categories == ("proxy",)
    assert download["c-uri"] == "http://update.hopto.org/files/setup.exe"
    assert (download["cs-host"], download["c-uri-extension"]) == ("update.hopto.org", "exe")
    assert (download["sc-status"], download["s-action"]) == (200, "TCP_MISS")
    assert download["dst_ip"] == "203.0.113.50"
    assert (tunnel["cs-method"], tunnel["cs-host"]) == ("CONNECT", "www.example.org")
    assert (missing["c-uri-query"], missing["cs-username"]) == ("q=1", "alice")


def test_w3c_proxy_builds_the_uri(tmp_path: Path) -> None:
    path = tmp_path / "proxysg.log"
    path.write_text(W3C_PROXY)
    assert detect_network_format(path) == "w3c-proxy"
    [event], _ = read(path)
    fields = event.fields
    assert fields["c-uri"] == "http://files.example.net/dl/tool.ps1?x=1"
    assert fields["c-uri-extension"] == "ps1"
    assert fields["c-useragent"].endswith("WindowsPowerShell/5.1.19041.3031")
    assert fields["cs-referrer"] is None
    assert event.time == datetime(2024, 2, 11, 10, 0, 1, tzinfo=UTC)


def test_windows_firewall_log(tmp_path: Path) -> None:
    path = tmp_path / "pfirewall.log"
    path.write_text(PFIREWALL)
    assert detect_network_format(path) == "pfirewall"
    events, stats = read(path)
    assert stats.problems == []
    allowed, dropped, udp = (e.fields for e in events)
    assert events[0].logsource.categories == ("firewall",)
    assert (allowed["action"], allowed["blocked"], allowed["dst_port"]) == ("allow", "false", 21)
    assert (dropped["action"], dropped["blocked"], dropped["src_ip"]) == (
        "drop",
        "true",
        "198.51.100.3",
    )
    assert (udp["protocol"], udp["direction"], udp["pid"]) == ("udp", "SEND", "2044")


def test_firewall_csv_keeps_formulas_as_text(tmp_path: Path) -> None:
    path = tmp_path / "fw.csv"
    path.write_text(FIREWALL_CSV)
    assert detect_network_format(path) == "firewall-csv"
    events, _ = read(path)
    assert [e.fields["blocked"] for e in events] == ["true", "false"]
    assert events[1].fields["application"] == '=HYPERLINK("x")'
    assert events[0].provenance.record == 2


def test_firewall_json_array_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "fw.json.gz"
    path.write_bytes(
        gzip.compress(
            b'[{"time":"2024-02-11T10:20:00Z","source_ip":"10.1.2.30","destination_ip":"203.0.113.7",'
            b'"destination_port":"8443","action":"ACCEPT"}]'
        )
    )
    assert detect_network_format(path) == "firewall-json"
    [event], _ = read(path)
    assert (event.fields["dst_ip"], event.fields["dst_port"]) == ("203.0.113.7", 8443)
    assert event.fields["blocked"] == "false"


@pytest.mark.parametrize(
    "content",
    [
        b'{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "action": "x",'
        b' "dst_port": 1}\n',
        b"just some text\nwith lines\n",
        b"\x00\x01\x02binary",
        b"",
    ],
)
def test_other_files_are_not_claimed(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "other.log"
    path.write_bytes(content)
    assert detect_network_format(path) is None
    events, stats = read(path)
    assert events == [] and stats.files_failed == 1
    assert "not a network format rathunt reads" in str(stats.problems[0])


def test_a_named_pipe_is_not_claimed_and_not_opened(tmp_path: Path) -> None:
    path = tmp_path / "conn.log"
    os.mkfifo(path)  # nobody writes to it: opening it to sniff the format would block
    assert detect_network_format(path) is None


def test_zeek_tsv_row_of_the_wrong_width(tmp_path: Path) -> None:
    path = zeek_tsv(
        tmp_path / "conn.log",
        "conn",
        [
            conn_row(1707645600.5, "10.1.2.30", 49712, "203.0.113.77", 1177, "S0"),
        ],
    )
    path.write_text(path.read_text().replace("#close", "1707645601.0\tCbroken\n#close"))
    events, stats = read(path)
    assert len(events) == 1 and stats.records_skipped == 1
    assert "line 10" in str(stats.problems[0]) and "2 columns" in str(stats.problems[0])


@pytest.mark.data
def test_no_windows_telemetry_file_is_claimed(shared_data: Path) -> None:
    """The hunt asks the network detection first; it must decline every EVTX and JSON sample."""
    roots = [shared_data / "evtx", shared_data / "sigma" / "regression_data"]
    files = [path for root in roots for path in sorted(root.rglob("*")) if path.is_file()]
    claimed = [(str(path), detect_network_format(path)) for path in files]
    assert len(files) > 500
    assert [item for item in claimed if item[1] is not None] == []
