"""Dropping exact repeats of a record without remembering every record.

A repeat is the same Computer, Channel, EventRecordID and event time, as when two
collections of one log overlap. Record ids of one log on one computer run up one by one, so
per (Computer, Channel) the ids seen are kept as a sorted list of disjoint runs
`[first, last]`, each with the earliest and latest event time in it. Reading a log in order
extends one run, so memory grows with the number of gaps, not of records.

When an id falls in a run, its time decides. The exact times of the most recent
`RECENT_IDS` ids read are kept in a bounded table, so a repeat among them is told exactly:
overlapping exports of one log overlap at the newer end of the older one, which is what the
table holds. Further back only the run's time range is known, and a record counts as a
repeat when its time lies within it. That keeps a cleared log's new numbering (later times)
apart, and a run grows only while times do not go backwards; but two machines cloned from
one image, with one name and interleaved times, can be told apart only within the table.
Records without a Computer, Channel, id or time cannot be told apart and are always kept.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from rathunt.model import Event

# One run: [first id, last id, earliest time, latest time], times in epoch microseconds.
_Run = list[int]

# Exact (log, id) -> time entries kept: about 16 MB at most, whatever the input's size.
RECENT_IDS = 1 << 16


class Deduplicator:
    """Remembers record ids seen as runs per (Computer, Channel); `seen` tests and records."""

    __slots__ = ("_logs", "_numbers", "_recent", "_recent_size")

    def __init__(self, recent_size: int = RECENT_IDS) -> None:
        self._logs: dict[tuple[str, str], tuple[list[int], list[_Run]]] = {}
        self._numbers: dict[tuple[str, str], int] = {}
        self._recent: OrderedDict[tuple[int, int], int] = OrderedDict()
        self._recent_size = recent_size

    def seen(self, event: Event) -> bool:
        """True when an equal record was seen before; otherwise remember this one."""
        key = record_key(event)
        return False if key is None else self.seen_key(*key)

    def seen_key(self, computer: str, channel: str, record_id: int, moment: int) -> bool:
        """`seen` for a record known by its key (see `record_key`), as worker processes send."""
        log = (computer, channel)
        starts, runs = self._logs.setdefault(log, ([], []))
        recent_key = (self._numbers.setdefault(log, len(self._numbers)), record_id)

        at = bisect_right(starts, record_id) - 1
        if at >= 0:
            run = runs[at]
            if record_id <= run[1]:
                known = self._recent.get(recent_key)
                if known is not None:
                    return known == moment
                # Same id at another time is another record (a cleared log's new numbering).
                return run[2] <= moment <= run[3]
        _insert(starts, runs, at, record_id, moment)
        self._remember(recent_key, moment)
        return False

    def _remember(self, key: tuple[int, int], moment: int) -> None:
        self._recent[key] = moment
        if len(self._recent) > self._recent_size:
            self._recent.popitem(last=False)

    def runs(self) -> int:
        """How many runs are held: the memory this costs, for tests and logs."""
        return sum(len(runs) for _, runs in self._logs.values())

    def exact_ids(self) -> int:
        """How many ids' exact times are held (never more than `recent_size`)."""
        return len(self._recent)


def _insert(starts: list[int], runs: list[_Run], at: int, record_id: int, moment: int) -> None:
    """Add an id not in any run, extending the run before or after it when it touches."""
    before = runs[at] if at >= 0 else None
    after = runs[at + 1] if at + 1 < len(runs) else None

    if before is not None and before[1] == record_id - 1 and moment >= before[3]:
        before[1] = record_id
        before[3] = moment
        if after is not None and after[0] == record_id + 1 and after[2] >= moment:
            before[1] = after[1]
            before[3] = after[3]
            del starts[at + 1], runs[at + 1]
        return
    if after is not None and after[0] == record_id + 1 and moment <= after[2]:
        after[0] = record_id
        after[2] = moment
        starts[at + 1] = record_id
        return
    starts.insert(at + 1, record_id)
    runs.insert(at + 1, [record_id, record_id, moment, moment])


def record_key(event: Event) -> tuple[str, str, int, int] | None:
    """(Computer, Channel, EventRecordID, time in epoch microseconds), or None for a record
    that lacks one of them and so can never be told a repeat."""
    fields = event.fields
    record_id = fields.get("EventRecordID")
    computer = fields.get("Computer")
    channel = fields.get("Channel")
    if type(record_id) is not int or event.time is None or not computer or not channel:
        return None
    return str(computer), str(channel), record_id, _micros(event)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(event: Event) -> int:
    assert event.time is not None
    return (event.time - _EPOCH) // _MICROSECOND
