"""Folding repeats: the same answer whatever order findings arrive in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from rathunt.fold import Folder
from rathunt.model import Finding, Provenance

START = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def finding(rule: str, host: str, minutes: float, record: int, **extra: object) -> Finding:
    return Finding(
        rule_id=rule, rule_title=rule, level="high", status="test", tags=(), tactics=(),
        techniques=(), logsource="process_creation", time=START + timedelta(minutes=minutes),
        computer=host, channel="Microsoft-Windows-Sysmon/Operational", event_id=1,
        record_id=record, matched={}, provenance=Provenance("a.evtx", record, "evtx"),
        extra=dict(extra),
    )  # fmt: skip


def folded(findings: list[Finding], window: timedelta) -> list[tuple[str, str, int, int]]:
    folder = Folder(window)
    for item in findings:
        folder.add(item)
    return [(f.rule_id, f.computer or "", f.record_id or 0, f.count) for f in folder.findings()]


def make_items() -> list[Finding]:
    # Folding mutates the evidence finding, so each ordering gets fresh findings.
    items = [finding("netsh", "ws1", m, i) for i, m in enumerate([1, 5, 59, 61, 62])]
    return [*items, finding("netsh", "ws2", 2, 10), finding("run-key", "ws1", 3, 11)]


def test_repeats_fold_per_rule_host_and_window_in_any_order() -> None:
    expected = [
        ("netsh", "ws1", 0, 3),  # 09:01, 09:05, 09:59 in the 09:00 window; evidence 09:01
        ("netsh", "ws2", 10, 1),
        ("run-key", "ws1", 11, 1),
        ("netsh", "ws1", 3, 2),  # 10:01 and 10:02
    ]
    window = timedelta(hours=1)
    assert folded(make_items(), window) == expected
    for seed in range(5):
        items = make_items()
        random.Random(seed).shuffle(items)
        assert folded(items, window) == expected


def test_last_time_and_zero_window() -> None:
    folder = Folder(timedelta(hours=1))
    for minutes, record in [(30, 2), (10, 1), (50, 3)]:
        folder.add(finding("c2", "ws1", minutes, record))
    (head,) = folder.findings()
    assert head.record_id == 1 and head.count == 3
    assert head.extra["last_time"] == START + timedelta(minutes=50)
    assert len(folded([finding("c2", "ws1", m, m) for m in (1, 2)], timedelta(0))) == 2


def test_baseline_departures_of_different_shapes_stay_apart() -> None:
    items = [
        finding("baseline.process_pair", "ws1", 1, 1, baseline={"key": {"child": "netsh.exe"}}),
        finding("baseline.process_pair", "ws1", 2, 2, baseline={"key": {"child": "cmd.exe"}}),
        finding("baseline.process_pair", "ws1", 3, 3, baseline={"key": {"child": "cmd.exe"}}),
    ]
    assert [count for *_, count in folded(items, timedelta(hours=1))] == [1, 2]


def test_repeat_folds_exactly_as_adding_the_finding_would() -> None:
    """The hunt folds most matches with `repeat` (no finding built); in any arrival order
    that must leave the same folds, counts and last times as `add` for every finding."""
    chooser = random.Random(7)
    for _ in range(200):
        items = [
            (rule, host, minutes, record)
            for record, (rule, host, minutes) in enumerate(
                (
                    chooser.choice(["netsh", "run-key"]),
                    chooser.choice(["ws1", "ws2"]),
                    chooser.choice([0, 1, 1, 30, 59, 61, 125]),
                )
                for _ in range(12)
            )
        ]
        plain, fast = Folder(timedelta(hours=1)), Folder(timedelta(hours=1))
        for rule, host, minutes, record in items:
            plain.add(finding(rule, host, minutes, record))
            moment = START + timedelta(minutes=minutes)
            place = Provenance("a.evtx", record, "evtx")
            if not fast.repeat(rule, host, moment, place):
                fast.add(finding(rule, host, minutes, record))

        def summary(folder: Folder) -> list[tuple[object, ...]]:
            return [
                (f.rule_id, f.computer, f.record_id, f.count, f.extra.get("last_time"))
                for f in folder.findings()
            ]

        assert summary(fast) == summary(plain), items
