"""`rathunt network`: findings printed and written, hosts named, unreadable input an error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from tests.network.pcapgen import T0, Capture, TcpSession, checkin, njrat_message

from rathunt.cli import main


def capture_file(tmp_path: Path) -> Path:
    capture = Capture()
    capture.dns(T0, "10.1.2.30", "10.1.2.1", "njq8.hopto.org", ["203.0.113.77"])
    rat = TcpSession(capture, "10.1.2.30", 49228, "203.0.113.77", 1177)
    time = rat.handshake(T0 + 0.1)
    rat.send(time, True, njrat_message(checkin()))
    return capture.write(tmp_path / "rat.pcap")


def test_findings_printed_and_written_as_jsonl(tmp_path: Path) -> None:
    out, events = tmp_path / "findings.jsonl", tmp_path / "events.jsonl"
    hosts = tmp_path / "hosts.csv"
    hosts.write_text("10.1.2.30,DESKTOP-7QK2\n")
    result = CliRunner().invoke(
        main,
        [
            "network",
            str(capture_file(tmp_path)),
            "-o",
            str(out),
            "--events",
            str(events),
            "--host-map",
            str(hosts),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 network findings" in result.output
    assert "njRAT C2 session" in result.output
    [finding] = [json.loads(line) for line in out.read_text().splitlines()]
    assert finding["rule_id"] == "rathunt.network.njrat-protocol"
    assert finding["computer"] == "DESKTOP-7QK2"
    assert finding["matched"]["c2_name"] == "njq8.hopto.org"
    assert finding["matched"]["host_address"] == "10.1.2.30"
    kinds = [json.loads(line)["logsource"]["service"] for line in events.read_text().splitlines()]
    assert sorted(kinds) == ["conn", "dns"]


def test_csv_output_by_extension(tmp_path: Path) -> None:
    out = tmp_path / "findings.csv"
    result = CliRunner().invoke(
        main, ["-q", "network", str(capture_file(tmp_path)), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert "rathunt.network.njrat-protocol" in out.read_text()


def test_nothing_readable_exits_3(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01nothing")
    result = CliRunner().invoke(main, ["network", str(junk)])
    assert result.exit_code == 3
    assert "no input could be read" in result.output


def test_bad_suffix_file_is_a_usage_message(tmp_path: Path) -> None:
    suffixes = tmp_path / "s.txt"
    suffixes.write_text("not-a-suffix\n")
    result = CliRunner().invoke(
        main, ["network", str(capture_file(tmp_path)), "--suffixes", str(suffixes)]
    )
    assert result.exit_code == 3
    assert "line 1" in result.output and "bad entry" in result.output


def test_without_dpkt_the_command_names_the_extra(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['dpkt'] = None\n"
        "from rathunt.cli import main\n"
        f"main(['network', {str(tmp_path / 'x.pcap')!r}])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 3
    assert "needs dpkt; pip install 'rathunt[network]'" in result.stderr
