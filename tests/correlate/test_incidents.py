"""Incidents: per-host grouping, kill-chain stages, and a confidence explained in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rathunt.correlate import IncidentOptions, build_incidents, stage_of
from rathunt.model import Finding, Provenance
from rathunt.rules.attack import map_tags

T0 = datetime(2026, 11, 2, 9, 9, 33, tzinfo=UTC)
HOST = "WS-0001.corp.example.com"

# (title, level, tags) of rules whose findings make up one njRAT intrusion, in install order.
DELIVERY = ("Office Document From a Temp Path Spawns a Shell", "high", ("attack.initial-access",))
EXECUTION = ("Executable Started With a Double-Dot Argument", "high", ("attack.execution",))
NETSH = (
    "Legacy Netsh Firewall Allowed Program",
    "high",
    ("attack.defense-evasion", "attack.t1562.004"),
)
RUN_KEY = ("Run Key Value With a Double-Dot Argument", "critical", ("attack.persistence",))
DNS = ("Dynamic DNS Lookup by a User-Writable Image", "high", ("attack.command-and-control",))
KEYLOG = ("Keystroke Buffer Stored in the Registry", "critical", ("attack.collection",))
TEAMS = ("Run Key Value Pointing Into a User-Writable Folder", "medium", ("attack.persistence",))
ADMIN = ("Administrative Share Accessed Over the Network", "medium", ("attack.lateral-movement",))
FIREWALL = ("New Firewall Rule Added Via Netsh", "medium", ("attack.defense-evasion",))


def finding(
    rule: tuple[str, str, tuple[str, ...]],
    minutes: float | None,
    host: str | None = HOST,
    **extra: Any,
) -> Finding:
    title, level, tags = rule
    tactics, techniques = map_tags(tags)
    record = int((minutes or 0) * 10) + 1000
    return Finding(
        rule_id=title.lower().replace(" ", "-"),
        rule_title=title,
        level=level,
        status="experimental",
        tags=tags,
        tactics=tactics,
        techniques=techniques,
        logsource="correlation" if "correlation" in extra else "process_creation",
        time=None if minutes is None else T0 + timedelta(minutes=minutes),
        computer=host,
        channel="Microsoft-Windows-Sysmon/Operational",
        event_id=1,
        record_id=record,
        matched={},
        provenance=Provenance(f"{host}/Sysmon.jsonl", record, "jsonl-line"),
        extra=extra,
    )


def intrusion(host: str = HOST, start: float = 0) -> list[Finding]:
    install = {"correlation": {"type": "temporal_ordered"}}
    return [
        finding(DELIVERY, start + 0, host),
        finding(EXECUTION, start + 1, host),
        finding(NETSH, start + 1.2, host),
        finding(RUN_KEY, start + 1.3, host, **install),
        finding(DNS, start + 2, host),
        finding(KEYLOG, start + 5, host),
    ]


def test_a_finding_sits_in_the_stage_of_its_first_tactic() -> None:
    assert stage_of(finding(NETSH, 0)) == "installation"
    assert stage_of(finding(KEYLOG, 0)) == "actions"
    assert stage_of(finding(("No tags", "low", ()), 0)) == "unmapped"


def test_an_intrusion_is_one_high_incident_told_in_kill_chain_order() -> None:
    [incident] = build_incidents(intrusion())
    assert incident.confidence == "high"
    assert incident.computer == HOST
    assert [name for name, _ in incident.stages] == [
        "delivery",
        "execution",
        "installation",
        "command-and-control",
        "actions",
    ]
    assert [f.rule_title for f in incident.stages[2][1]] == [NETSH[0], RUN_KEY[0]]
    assert incident.first == T0 and incident.last == T0 + timedelta(minutes=5)
    assert "t1562.004" in [t.id.lower() for t in incident.techniques]
    assert incident.explanation == [
        "5 distinct stage(s): delivery, execution, installation, command-and-control, actions:"
        " +4.00",
        "stages in kill-chain order: 100% of stage pairs: +1.00",
        f"highest rule level critical ({RUN_KEY[0]}): +1.50",
        f"1 correlation rule(s) fired ({RUN_KEY[0]}): +0.75",
        "score 7.25 >= 4 with 5 stages mostly in order: high",
    ]
    assert incident.score == 7.25


def test_a_lone_signal_is_low_whatever_its_level() -> None:
    [incident] = build_incidents([finding(KEYLOG, 0)])
    assert incident.confidence == "low"
    assert incident.explanation[-1] == "only 1 rule, below medium (2 from 2 rules): low"


def test_a_decoded_c2_session_alone_is_at_least_medium() -> None:
    wire = finding(("njRAT C2 session on the wire", "critical", ("attack.command-and-control",)), 0)
    wire.rule_id = "rathunt.network.njrat-protocol"
    [incident] = build_incidents([wire])
    assert incident.confidence == "medium"
    assert incident.explanation[-2:] == [
        "only 1 rule, below medium (2 from 2 rules): low",
        "conclusive evidence (rathunt.network.njrat-protocol): at least medium",
    ]
    [plain] = build_incidents([wire], IncidentOptions(conclusive_rules=frozenset()))
    assert plain.confidence == "low"


def test_benign_noise_in_one_stage_stays_low() -> None:
    noise = [finding(TEAMS, m) for m in (0, 60, 120)] + [finding(FIREWALL, 30)]
    [incident] = build_incidents(noise)
    assert incident.confidence == "low"
    assert incident.score < IncidentOptions().medium_at


def test_two_stages_in_order_are_medium() -> None:
    [incident] = build_incidents([finding(TEAMS, 0), finding(ADMIN, 30)])
    assert (incident.confidence, incident.score) == ("medium", 2.5)


def test_stages_seen_only_in_reverse_order_cannot_be_high() -> None:
    reverse = [
        finding(KEYLOG, 0),
        finding(DNS, 1),
        finding(RUN_KEY, 2),
        finding(EXECUTION, 3),
    ]
    [incident] = build_incidents(reverse)
    assert incident.confidence == "medium"
    assert "actions only before execution" in incident.explanation[1]
    assert "too few in kill-chain order for high" in incident.explanation[-2]


def test_findings_group_per_host_and_split_on_a_quiet_gap() -> None:
    findings = intrusion("WS-0001") + intrusion("WS-0002", start=3)
    findings.append(finding(TEAMS, 60 * 30, "WS-0001"))  # 30 hours later
    incidents = build_incidents(findings, IncidentOptions(window=timedelta(hours=24)))
    assert [(i.computer, i.confidence) for i in incidents] == [
        ("WS-0001", "high"),
        ("WS-0002", "high"),
        ("WS-0001", "low"),
    ]


def test_a_beaconing_implant_stays_one_incident_across_days() -> None:
    beacons = [finding(DNS, m) for m in range(10, 60 * 48, 60 * 6)]
    incidents = build_incidents(intrusion() + beacons, IncidentOptions(window=timedelta(hours=24)))
    assert len(incidents) == 1


def test_nothing_is_left_out_untimed_and_hostless_findings_included() -> None:
    findings = [*intrusion(), finding(NETSH, None), finding(DNS, 1, host=None)]
    incidents = build_incidents(findings)
    assert sorted(i.computer for i in incidents) == ["(unknown host)", HOST]
    hosted = next(i for i in incidents if i.computer == HOST)
    assert sum(len(group) for _, group in hosted.stages) == 7
    assert hosted.explanation[-1] == "1 finding(s) have no time"


def test_a_folded_finding_extends_the_incident_to_its_last_repeat() -> None:
    repeated = finding(KEYLOG, 5, last_time=T0 + timedelta(hours=3))
    repeated.count = 40
    [incident] = build_incidents([*intrusion()[:-1], repeated])
    assert incident.last == T0 + timedelta(hours=3)


def test_baseline_rarity_adds_to_the_score() -> None:
    plain = build_incidents([finding(TEAMS, 0), finding(ADMIN, 1)])[0]
    rare = build_incidents([finding(TEAMS, 0, rarity=0.9), finding(ADMIN, 1)])[0]
    assert rare.score == pytest.approx(plain.score + 0.9)
    assert "baseline rarity up to 0.90: +0.90" in rare.explanation


def test_the_scoring_is_configurable() -> None:
    strict = IncidentOptions(high_at=100.0, stage_points=0.5)
    [incident] = build_incidents(intrusion(), strict)
    assert incident.confidence == "medium"
    assert incident.explanation[0].endswith(": +2.00")
