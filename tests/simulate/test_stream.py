"""The stream: deterministic bytes, record ids per channel, time order, consistent processes."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from rathunt.simulate import SimOptions, simulate, write_simulation

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_writes_the_same_bytes(tmp_path: Path, variant_options) -> None:
    write_simulation(variant_options(days=0.5, seed="det"), tmp_path / "a", "xml")
    write_simulation(variant_options(days=0.5, seed="det"), tmp_path / "b", "xml")
    first, second = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert first == second
    assert "labels.jsonl" in first and len(first) > 10


def test_another_seed_writes_other_bytes(tmp_path: Path) -> None:
    write_simulation(SimOptions(hosts=2, days=0.3, seed="1"), tmp_path / "a")
    write_simulation(SimOptions(hosts=2, days=0.3, seed="2"), tmp_path / "b")
    assert digest(tmp_path / "a")["labels.jsonl"] != digest(tmp_path / "b")["labels.jsonl"]


def test_record_ids_increase_by_one_per_channel_per_host(events) -> None:
    last: dict[tuple[str, str], int] = {}
    for event in events:
        key = (event["_host"], event["_channel"])
        if key in last:
            assert event["_record"] == last[key] + 1, key
        last[key] = event["_record"]
    assert len(last) >= 20


def test_events_are_in_time_order_within_a_channel(events) -> None:
    """Allowing for the few milliseconds between an action and its record."""
    previous: dict[tuple[str, str], datetime] = {}
    for event in events:
        key = (event["_host"], event["_channel"])
        now = datetime.fromisoformat(event["_time"].replace("Z", "+00:00"))
        if key in previous:
            assert (now - previous[key]).total_seconds() > -0.01, key
        previous[key] = max(now, previous.get(key, now))


def test_utc_time_trails_system_time_by_milliseconds(events) -> None:
    for event in events:
        if event["_channel"] != SYSMON:
            continue
        system = datetime.fromisoformat(event["_time"].replace("Z", "+00:00"))
        action = datetime.fromisoformat(event["UtcTime"] + "+00:00")
        assert 0 <= (system - action).total_seconds() < 0.01


def test_a_process_guid_always_names_the_same_process(events) -> None:
    """Every event that names a ProcessGuid agrees with its Sysmon 1 on id and image."""
    started = {}
    for event in events:
        if event["_channel"] == SYSMON and event["_id"] == 1:
            started[(event["_host"], event["ProcessGuid"])] = (event["ProcessId"], event["Image"])
    checked = 0
    for event in events:
        key = (event["_host"], event.get("ProcessGuid"))
        if event["_channel"] == SYSMON and key in started and event["_id"] != 1:
            assert (event["ProcessId"], event["Image"]) == started[key], event
            checked += 1
    assert checked > 1000


def test_children_name_their_parent_process(events) -> None:
    """A child's Parent* fields repeat what its parent's Sysmon 1 said."""
    started = {}
    for event in events:
        if event["_channel"] == SYSMON and event["_id"] == 1:
            started[(event["_host"], event["ProcessGuid"])] = event
    linked = 0
    for event in started.values():
        parent = started.get((event["_host"], event["ParentProcessGuid"]))
        if parent is None:
            continue
        assert event["ParentProcessId"] == parent["ProcessId"]
        assert event["ParentImage"] == parent["Image"]
        assert event["ParentCommandLine"] == parent["CommandLine"]
        linked += 1
    assert linked > 100


def test_processes_of_one_logon_share_its_logon_id(events) -> None:
    by_guid = defaultdict(set)
    for event in events:
        if event["_channel"] == SYSMON and event["_id"] == 1:
            by_guid[(event["_host"], event["LogonGuid"])].add(event["LogonId"])
    assert by_guid and all(len(ids) == 1 for ids in by_guid.values())


def test_streaming_holds_memory_flat_as_the_run_grows() -> None:
    """Peak traced memory of a four-times longer run stays within a small factor."""
    import tracemalloc

    def peak(days: float) -> tuple[int, int]:
        tracemalloc.start()
        count = sum(1 for _ in simulate(SimOptions(hosts=3, days=days, seed="m")))
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return count, result

    small_events, small_peak = peak(1.0)
    large_events, large_peak = peak(4.0)
    assert large_events > 3 * small_events
    assert large_peak < 1.6 * small_peak + 256 * 1024
