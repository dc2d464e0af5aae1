"""Known-good suppression downgrades rule findings whose shape the whole fleet shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rathunt.baseline import Baseline, BaselineConfig, SuppressConfig, learn
from rathunt.model import Finding, Provenance

from .fleet import RUN_KEY, START, USER_SID, history

WHEN = START + timedelta(days=8, hours=9)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("baseline") / "fleet.duckdb"
    learn(history(4, 8), out)
    return out


def rule_finding(
    logsource: str,
    matched: dict[str, Any],
    *,
    level: str = "medium",
    host: str = "ws02",
    event_id: int = 1,
) -> Finding:
    return Finding(
        rule_id="5c01669c-e1cc-4acc-95b6-8b5e4a92c970",
        rule_title="A rule",
        level=level,
        status="test",
        tags=("attack.execution",),
        tactics=(),
        techniques=(),
        logsource=logsource,
        time=WHEN,
        computer=f"{host}.corp.example",
        channel="Microsoft-Windows-Sysmon/Operational",
        event_id=event_id,
        record_id=7,
        matched=matched,
        provenance=Provenance(f"{host}.evtx", 7, "evtx"),
    )


ORDINARY_CMD = {
    "Image": "C:\\Windows\\System32\\cmd.exe",
    "CommandLine": '"C:\\Windows\\system32\\cmd.exe" /c dir C:\\Users\\u02\\Documents',
}
NETSH = {
    "CommandLine": 'netsh firewall add allowedprogram "C:\\Users\\u02\\AppData\\Local\\'
    'Temp\\server.exe" "server.exe" ENABLE'
}
ONEDRIVE = {
    "TargetObject": RUN_KEY.format(sid=USER_SID, name="OneDrive"),
    "Details": '"C:\\Users\\u02\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background',
}


def test_a_common_shape_is_downgraded_with_its_evidence(fleet: Path) -> None:
    common = rule_finding("process_creation", ORDINARY_CMD)
    rare = rule_finding("process_creation", NETSH)
    with Baseline.open(fleet) as baseline:
        kept, suppressed = baseline.suppress([common, rare])
    assert kept == [rare]
    (only,) = suppressed
    assert (only.original_level, only.finding.level, only.profile) == (
        "medium",
        "informational",
        "lolbin_shape",
    )
    assert only.evidence["key"] == {
        "lolbin": "cmd.exe",
        "shape": "cmd.exe /c dir c:\\users\\<user>\\documents",
    }
    assert (only.evidence["hosts_seen"], only.evidence["host_count"]) == (4, 64)
    assert only.finding.extra["baseline_suppressed"] == only.evidence
    record = only.as_dict()
    assert record["rule_id"] == common.rule_id
    assert record["time"] == WHEN.isoformat().replace("+00:00", "Z")
    assert "seen on 4 of 4 hosts" in record["reason"]
    assert common.level == "medium"


def test_the_command_line_alone_is_enough_to_know_the_binary(fleet: Path) -> None:
    only_command = rule_finding("process_creation", {"CommandLine": ORDINARY_CMD["CommandLine"]})
    with Baseline.open(fleet) as baseline:
        kept, suppressed = baseline.suppress([only_command])
    assert kept == [] and len(suppressed) == 1


def test_common_autoruns_are_known_good(fleet: Path) -> None:
    onedrive = rule_finding("registry_set", ONEDRIVE, event_id=13)
    with Baseline.open(fleet) as baseline:
        _, suppressed = baseline.suppress([onedrive])
    assert [s.profile for s in suppressed] == ["autorun"]


def test_a_shape_never_seen_on_this_host_is_kept(fleet: Path) -> None:
    elsewhere = rule_finding("process_creation", ORDINARY_CMD, host="ws09")
    with Baseline.open(fleet) as baseline:
        kept, suppressed = baseline.suppress([elsewhere])
    assert (kept, suppressed) == ([elsewhere], [])
    config = replace(BaselineConfig(), suppress=SuppressConfig(min_host_count=0))
    with Baseline.open(fleet, config) as baseline:
        assert len(baseline.suppress([elsewhere])[1]) == 1


@pytest.mark.parametrize(
    ("level", "suppressed"), [("low", 1), ("high", 1), ("critical", 0), ("informational", 0)]
)
def test_levels_above_the_ceiling_or_already_lowest_are_kept(
    fleet: Path, level: str, suppressed: int
) -> None:
    finding = rule_finding("process_creation", ORDINARY_CMD, level=level)
    with Baseline.open(fleet) as baseline:
        assert len(baseline.suppress([finding])[1]) == suppressed


def test_suppression_can_be_turned_off(fleet: Path) -> None:
    finding = rule_finding("process_creation", ORDINARY_CMD)
    config = replace(BaselineConfig(), suppress=SuppressConfig(enabled=False))
    with Baseline.open(fleet, config) as baseline:
        assert baseline.suppress([finding]) == ([finding], [])


def test_a_partial_key_is_not_an_exact_shape(fleet: Path) -> None:
    query_only = rule_finding("dns_query", {"QueryName": "www.google.com"}, event_id=22)
    with Baseline.open(fleet) as baseline:
        assert baseline.suppress([query_only]) == ([query_only], [])
