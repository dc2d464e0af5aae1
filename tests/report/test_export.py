"""JSONL and CSV exports: the timeline order, the layout, formula neutralisation, failures."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from report_samples import HOST, make_finding

from rathunt.errors import ConfigError
from rathunt.model import Finding, Incident
from rathunt.report import CSV_COLUMNS, write_findings, write_incidents


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_jsonl_is_a_timeline_with_untimed_last_and_ties_stable(
    tmp_path: Path, findings: list[Finding]
) -> None:
    untimed_a = make_finding(time=None, record_id=1)
    untimed_b = make_finding(time=None, record_id=2)
    tie = make_finding(time=findings[1].time, record_id=9)
    out = tmp_path / "findings.jsonl"

    written = write_findings(out, [untimed_a, *findings, untimed_b, tie])

    records = read_jsonl(out)
    assert written == len(records) == 6
    assert [r["record_id"] for r in records] == [4711, 9, 4714, 4730, 1, 2]
    assert records[0]["time"] == "2026-03-14T09:26:53.589000Z"
    assert records[-1]["time"] is None


def test_jsonl_layout_keeps_every_value(tmp_path: Path, findings: list[Finding]) -> None:
    out = tmp_path / "findings.jsonl"
    write_findings(out, findings)
    c2 = read_jsonl(out)[2]
    assert c2 == {
        "time": "2026-03-14T09:26:58.730000Z",
        "computer": HOST,
        "level": "medium",
        "rule_id": "b3d9e6a1-42c7-4f0e-a5d8-91c2e7f4b630",
        "rule_title": "Outbound Connection to the njRAT Default Port",
        "status": "experimental",
        "pack": "njrat",
        "tags": ["attack.command-and-control", "attack.t1571"],
        "tactics": [
            {"id": "TA0011", "name": "Command and Control", "shortname": "command-and-control"}
        ],
        "techniques": [{"id": "T1571", "name": "Non-Standard Port"}],
        "logsource": "network_connection",
        "channel": "Microsoft-Windows-Sysmon/Operational",
        "event_id": 3,
        "record_id": 4730,
        "count": 3,
        "matched": {
            "Image": "C:\\Users\\alice\\AppData\\Local\\Temp\\server.exe",
            "Initiated": "true",
            "DestinationIp": "10.13.37.5",
            "DestinationPort": 5552,
        },
        "provenance": {
            "path": "logs/WIN10-VICTIM/Microsoft-Windows-Sysmon%4Operational.evtx",
            "record": 4730,
            "kind": "evtx",
        },
        "extra": {},
    }


def test_times_become_utc_with_z_whatever_the_zone(tmp_path: Path) -> None:
    """+02:00 and naive (taken as UTC) both come out as the same UTC instant."""
    cest = timezone(timedelta(hours=2))
    out = tmp_path / "f.jsonl"
    write_findings(
        out,
        [
            make_finding(time=datetime(2026, 3, 14, 11, 0, 0, tzinfo=cest), record_id=1),
            make_finding(time=datetime(2026, 3, 14, 8, 59, 59), record_id=2),
        ],
    )
    assert [r["time"] for r in read_jsonl(out)] == [
        "2026-03-14T08:59:59.000000Z",
        "2026-03-14T09:00:00.000000Z",
    ]


def test_odd_field_values_become_faithful_json(tmp_path: Path) -> None:
    odd = make_finding(
        matched={
            "Data": ["first", 2, None],
            "Blob": b"\x00\xffMZ",
            "Huge": 2**70,
            "Ratio": float("nan"),
            "Broken": "half\ud800pair",
            "When": datetime(2026, 3, 14, 9, 0, tzinfo=UTC),
        }
    )
    out = tmp_path / "f.jsonl"
    write_findings(out, [odd])
    matched = read_jsonl(out)[0]["matched"]
    assert matched == {
        "Data": ["first", 2, None],
        "Blob": "AP9NWg==",
        "Huge": "1180591620717411303424",
        "Ratio": "nan",
        "Broken": "half\ufffdpair",
        "When": "2026-03-14T09:00:00.000000Z",
    }


def test_csv_has_fixed_columns_and_defused_formulas(tmp_path: Path) -> None:
    hostile = make_finding(
        computer='=HYPERLINK("http://evil.example")',
        rule_title="+cmd|' /C calc'!A0",
        matched={"CommandLine": "-exec bypass"},
        provenance=make_finding().provenance.__class__("@evil.evtx", 7, "evtx"),
        time=None,
    )
    out = tmp_path / "findings.csv"
    write_findings(out, [hostile, make_finding()], format="csv")

    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    header = {name: index for index, name in enumerate(rows[0])}
    normal, defused = rows[1], rows[2]
    assert normal[header["time"]] == "2026-03-14T09:26:53.589000Z"
    assert normal[header["tactics"]] == "defense-evasion"
    assert normal[header["techniques"]] == "T1562.004"
    assert json.loads(normal[header["matched"]])["Image"] == "C:\\Windows\\SysWOW64\\netsh.exe"
    assert defused[header["computer"]] == '\'=HYPERLINK("http://evil.example")'
    assert defused[header["rule_title"]] == "'+cmd|' /C calc'!A0"
    assert defused[header["source"]] == "'@evil.evtx"
    assert defused[header["time"]] == ""
    assert json.loads(defused[header["matched"]]) == {"CommandLine": "-exec bypass"}


def test_a_stream_is_written_as_is(findings: list[Finding]) -> None:
    stream = io.StringIO()
    assert write_findings(stream, findings, format="csv") == 3
    assert stream.getvalue().startswith("time,computer,level,rule_title,")
    assert stream.getvalue().count("\r\n") == 4


def test_incidents_jsonl_keeps_stages_in_order(tmp_path: Path, incident: Incident) -> None:
    out = tmp_path / "incidents.jsonl"
    assert write_incidents(out, [incident]) == 1
    (record,) = read_jsonl(out)
    assert [stage["stage"] for stage in record["stages"]] == [
        "defense-evasion",
        "persistence",
        "command-and-control",
    ]
    assert record["stages"][1]["findings"][0]["matched"]["Details"].endswith('server.exe" ..')
    assert (record["first"], record["confidence"], record["score"]) == (
        "2026-03-14T09:26:53.589000Z",
        "high",
        0.92,
    )


def test_unknown_format_names_the_choices(tmp_path: Path, findings: list[Finding]) -> None:
    with pytest.raises(ConfigError, match="unknown export format 'xml'; use 'jsonl' or 'csv'"):
        write_findings(tmp_path / "f.xml", findings, format="xml")


def test_an_unwritable_path_names_the_path(tmp_path: Path, findings: list[Finding]) -> None:
    target = tmp_path / "missing" / "f.jsonl"
    with pytest.raises(ConfigError, match=r"missing/f\.jsonl: cannot write the report.*writable"):
        write_findings(target, findings)


def test_a_failed_export_leaves_no_file_behind(tmp_path: Path, findings: list[Finding]) -> None:
    """The file appears under its name only when complete; an error removes the partial."""

    def broken() -> Iterator[Finding]:
        yield from findings
        raise RuntimeError("reader failed")

    out = tmp_path / "f.jsonl"
    with pytest.raises(RuntimeError, match="reader failed"):
        write_findings(out, broken())
    assert list(tmp_path.iterdir()) == []
