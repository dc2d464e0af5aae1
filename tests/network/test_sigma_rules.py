"""SigmaHQ's network rules run on the events the network readers make."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.network.pcapgen import T0, Capture
from tests.network.samples import PFIREWALL, SQUID, dns_row, zeek_tsv

from rathunt.engine import Engine
from rathunt.events import ReadStats
from rathunt.network import read_network_file
from rathunt.rules import load_rules

pytestmark = pytest.mark.data


def matches(shared_data: Path, rule: str, path: Path) -> list[tuple[str, dict[str, object]]]:
    ruleset = load_rules([shared_data / "sigma" / rule])
    assert ruleset.problems == []
    engine = Engine(ruleset.rules)
    events = list(read_network_file(path, ReadStats()))
    return [(m.rule.title, dict(m.matched)) for m in engine.match(events)]


def test_proxy_dyndns_download_rule_fires_on_squid(shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_text(SQUID)
    hits = matches(shared_data, "rules/web/proxy_generic/proxy_download_susp_dyndns.yml", path)
    assert [title for title, _ in hits] == ["Download from Suspicious Dyndns Hosts"]
    assert hits[0][1]["cs-host"] == "update.hopto.org"


def test_firewall_cleartext_rule_fires_on_windows_firewall(
    shared_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "pfirewall.log"
    path.write_text(PFIREWALL)
    hits = matches(shared_data, "rules/network/firewall/net_firewall_cleartext_protocols.yml", path)
    # The allowed FTP connection matches; the dropped RDP and the DNS lookup do not.
    assert [(title, fields.get("dst_port")) for title, fields in hits] == [
        ("Cleartext Protocol Usage", 21)
    ]


def test_zeek_dns_rule_fires_on_zeek_dns(shared_data: Path, tmp_path: Path) -> None:
    path = zeek_tsv(
        tmp_path / "dns.log",
        "dns",
        [
            dns_row(1707645600.0, "10.1.2.30", "abcdefgh.onion.ly", ["198.51.100.1"]),
            dns_row(1707645601.0, "10.1.2.30", "www.example.org", ["93.184.216.34"]),
        ],
    )
    hits = matches(shared_data, "rules/network/zeek/zeek_dns_torproxy.yml", path)
    assert [(title, fields["query"]) for title, fields in hits] == [
        ("DNS TOR Proxies", "abcdefgh.onion.ly")
    ]


def test_dns_category_rule_fires_on_a_capture(shared_data: Path, tmp_path: Path) -> None:
    capture = Capture()
    capture.dns(T0, "10.1.2.30", "10.1.2.1", "api.telegram.org", ["149.154.167.220"])
    capture.dns(T0 + 1, "10.1.2.30", "10.1.2.1", "www.example.org", ["93.184.216.34"], ident=9)
    path = capture.write(tmp_path / "dns.pcap")
    hits = matches(shared_data, "rules/network/dns/net_dns_susp_telegram_api.yml", path)
    assert [fields["query"] for _title, fields in hits] == ["api.telegram.org"]
