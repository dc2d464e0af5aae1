"""Dropping exact repeats of a record without remembering every record.

A repeat is the same Computer, Channel, EventRecordID and event time, as when two
collections of one log overlap. Record ids of one log on one computer run up one by one, so
per (Computer, Channel) the ids seen are kept as a sorted list of disjoint runs
`[first, last]`, each with the earliest and latest event time in it. Reading a log in order
extends one run, so memory grows with the number of gaps, not of records.

A record whose id falls in a run is a repeat when its time lies within that run's times. Ids
restart after a log is cleared, but those later records carry later times and fall outside
the old run's times, so they are kept. A run only grows while times do not go backwards,
which keeps that test sound. Records without a Computer, Channel, id or time can never be
told apart from others and are always kept.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta

from rathunt.model import Event

# One run: [first id, last id, earliest time, latest time], times in epoch microseconds.
_Run = list[int]


class Deduplicator:
    """Remembers record ids seen as runs per (Computer, Channel); `seen` tests and records."""

    __slots__ = ("_logs",)

    def __init__(self) -> None:
        self._logs: dict[tuple[str, str], tuple[list[int], list[_Run]]] = {}

    def seen(self, event: Event) -> bool:
        """True when an equal record was seen before; otherwise remember this one."""
        fields = event.fields
        record_id = fields.get("EventRecordID")
        computer = fields.get("Computer")
        channel = fields.get("Channel")
        if type(record_id) is not int or event.time is None or not computer or not channel:
            return False
        moment = _micros(event)
        starts, runs = self._logs.setdefault((str(computer), str(channel)), ([], []))

        at = bisect_right(starts, record_id) - 1
        if at >= 0:
            run = runs[at]
            if record_id <= run[1]:
                # Same id at another time is another record (a cleared log's new numbering).
                return run[2] <= moment <= run[3]
        _insert(starts, runs, at, record_id, moment)
        return False

    def runs(self) -> int:
        """How many runs are held: the memory this costs, for tests and logs."""
        return sum(len(runs) for _, runs in self._logs.values())


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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(event: Event) -> int:
    assert event.time is not None
    return (event.time - _EPOCH) // _MICROSECOND
