"""Exact repeats count once; memory is runs of ids, not records."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rathunt.events import Deduplicator, ReadStats, read_file, read_paths
from rathunt.model import Event, LogSource, Provenance

from .samples import evtx_dump_records, shape_path, write_jsonl

START = datetime(2024, 1, 1, tzinfo=UTC)


def _event(
    record_id: int, seconds: float, computer: str = "ws1", channel: str = "Security"
) -> Event:
    fields = {"EventRecordID": record_id, "Computer": computer, "Channel": channel}
    return Event(
        fields,
        LogSource("windows"),
        Provenance("x", record_id, "evtx"),
        START + timedelta(seconds=seconds),
    )


def test_in_order_log_is_one_run() -> None:
    dedup = Deduplicator(recent_size=1000)
    assert not any(dedup.seen(_event(i, i)) for i in range(1, 50_001))
    assert dedup.runs() == 1
    assert dedup.exact_ids() == 1000
    assert all(dedup.seen(_event(i, i)) for i in range(1, 50_001, 97))


def test_runs_merge_when_gaps_fill() -> None:
    dedup = Deduplicator()
    for record_id in [*range(100, 200), *range(300, 400), *range(200, 300)]:
        assert not dedup.seen(_event(record_id, record_id))
    assert dedup.runs() == 1


def test_reverse_order_extends_runs_downwards() -> None:
    dedup = Deduplicator()
    for record_id in range(1000, 0, -1):
        assert not dedup.seen(_event(record_id, record_id))
    assert dedup.runs() == 1
    assert dedup.seen(_event(500, 500))


def test_cleared_log_reuses_ids_at_later_times() -> None:
    dedup = Deduplicator(recent_size=10)
    for record_id in range(1, 101):
        dedup.seen(_event(record_id, record_id))
    # After a clear, ids restart: same ids, later times, other records.
    assert not any(dedup.seen(_event(i, 10_000 + i)) for i in range(1, 50))


def test_same_id_on_other_computer_or_channel_is_no_repeat() -> None:
    dedup = Deduplicator()
    dedup.seen(_event(7, 7))
    assert not dedup.seen(_event(7, 7, computer="ws2"))
    assert not dedup.seen(_event(7, 7, channel="System"))
    assert dedup.seen(_event(7, 7))


def test_recent_ids_are_told_exactly() -> None:
    """Two clones of one machine: same name, same ids, interleaved times."""
    dedup = Deduplicator()
    for record_id in range(1, 101):
        dedup.seen(_event(record_id, record_id))
    assert not dedup.seen(_event(50, 50.5))
    assert dedup.seen(_event(50, 50))


def test_beyond_the_recent_table_the_time_range_decides() -> None:
    dedup = Deduplicator(recent_size=10)
    for record_id in range(1, 101):
        dedup.seen(_event(record_id, record_id))
    assert dedup.seen(_event(5, 5))
    assert not dedup.seen(_event(5, 500))


def test_records_without_identity_are_kept() -> None:
    dedup = Deduplicator()
    event = _event(1, 1)
    event.fields["Computer"] = None
    assert not dedup.seen(event) and not dedup.seen(event)
    flat = _event(2, 2)
    flat.fields["EventRecordID"] = "2"
    assert not dedup.seen(flat) and not dedup.seen(flat)


@pytest.mark.data
def test_same_file_twice_counts_once(shared_data: Path, tmp_path: Path) -> None:
    source = shape_path(shared_data, "sysmon")
    copy = tmp_path / "copy.evtx"
    shutil.copyfile(source, copy)
    alone = sum(1 for _ in read_file(str(source), ReadStats()))

    stats = ReadStats()
    events = list(read_paths([source, copy], stats=stats))
    assert len(events) == alone
    assert stats.duplicates == alone
    assert stats.records_read == 2 * alone

    kept = ReadStats()
    assert sum(1 for _ in read_paths([source, copy], stats=kept, keep_duplicates=True)) == 2 * alone
    assert kept.duplicates == 0


@pytest.mark.data
def test_overlapping_exports_across_formats(shared_data: Path, tmp_path: Path) -> None:
    """An EVTX and a JSON Lines export of its second half: the overlap counts once."""
    source = shape_path(shared_data, "security_4688_5156")
    records = evtx_dump_records(source)
    half = write_jsonl(records[len(records) // 2 :], tmp_path / "later.jsonl")

    stats = ReadStats()
    events = list(read_paths([source, half], stats=stats))
    assert len(events) == len(records)
    assert stats.duplicates == len(records) - len(records) // 2
