"""Sliding windows over event time for one group of one correlation.

A window is a maximal set of a group's events that fits in the timespan: it starts at an
event, holds every event up to `timespan` later (inclusive), and is not contained in the
window of the event before it. The condition is tested on each window once no later input
can change it. For `gte`/`gt` this finds every stretch where enough happened; for `lt`,
`lte`, `eq` and `neq` it tests each burst as a whole instead of its every sub-slice.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any

from rathunt.correlate.plan import Plan
from rathunt.model import Provenance


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a contributing match leaves behind: enough to cite it, not the whole event."""

    rule_id: str
    time: datetime
    provenance: Provenance
    computer: str | None
    record_id: int | None
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class Entry:
    """One contributing match inside a group's buffer."""

    time: float
    seq: int
    position: int  # which referenced rule it matched
    key: Hashable  # the event's identity, for duplicates
    value: Any
    evidence: Evidence


@dataclass(slots=True)
class Window:
    """A window whose condition held: its entries and the value the condition saw."""

    entries: list[Entry]
    value: float


@dataclass(slots=True)
class Group:
    """The buffered entries of one group, in event-time order, and how far it has closed."""

    entries: list[Entry] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    keys: set[Hashable] = field(default_factory=set)
    max_time: float = float("-inf")
    closed_until: float = float("-inf")
    last_window_end: tuple[float, int] = (float("-inf"), -1)

    def add(self, entry: Entry) -> bool:
        """Insert in time order; False for a duplicate of an entry already held."""
        if entry.key in self.keys:
            return False
        self.keys.add(entry.key)
        at = bisect.bisect_right(self.times, entry.time)
        self.times.insert(at, entry.time)
        self.entries.insert(at, entry)
        self.max_time = max(self.max_time, entry.time)
        return True

    def close(self, plan: Plan, watermark: float, cap: float = float("-inf")) -> Iterator[Window]:
        """Test every window that ends before `watermark` (or starts before `cap`, closing
        early), then drop what no later window needs."""
        start = 0
        span = plan.timespan
        times = self.times
        while start < len(times) and (times[start] + span < watermark or times[start] < cap):
            end = bisect.bisect_right(self.times, self.times[start] + span)
            last = self.entries[end - 1]
            if (last.time, last.seq) > self.last_window_end:
                self.last_window_end = (last.time, last.seq)
                window = self.entries[start:end]
                value = evaluate(plan, window)
                if value is not None:
                    yield Window(window, value)
            start += 1
        if start:
            for entry in self.entries[:start]:
                self.keys.discard(entry.key)
            del self.entries[:start]
            del self.times[:start]
        self.closed_until = max(self.closed_until, watermark, cap)


def evaluate(plan: Plan, window: Sequence[Entry]) -> float | None:
    """The value the condition reads on `window`, or None when the condition fails."""
    if plan.kind == "temporal_ordered":
        return _ordered(plan, window)
    if plan.kind == "temporal":
        present = frozenset(entry.position for entry in window)
        if plan.expression is not None:
            return float(len(present)) if plan.expression(present) else None
        value = float(len(present))
    elif plan.kind == "event_count":
        value = float(len({entry.key for entry in window}))
    elif plan.kind == "value_count":
        value = float(len({entry.value for entry in window if entry.value is not None}))
    else:
        value = _aggregate(plan, [float(entry.value) for entry in window])
    return value if plan.test(value) else None


def _aggregate(plan: Plan, values: list[float]) -> float:
    if plan.kind == "value_sum":
        return float(sum(values))
    if plan.kind == "value_avg":
        return float(statistics.fmean(values))
    if plan.kind == "value_median":
        return float(statistics.median(values))
    return percentile(values, plan.percentile or 0.0)


def percentile(values: list[float], rank: float) -> float:
    """Linear interpolation between closest ranks (the common spreadsheet definition)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * rank / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ordered(plan: Plan, window: Sequence[Entry]) -> float | None:
    if plan.expression is None:
        value = float(longest_chain(window, len(plan.refs)))
        return value if plan.test(value) else None
    positions = sorted({entry.position for entry in window})
    for size in range(1, len(positions) + 1):
        for subset in combinations(positions, size):
            chosen = frozenset(subset)
            if plan.expression(chosen) and has_chain(window, subset):
                return float(size)
    return None


def longest_chain(window: Sequence[Entry], rules: int) -> int:
    """The most referenced rules whose events occur in list order, each strictly later."""
    best = [0] * rules
    index = 0
    while index < len(window):
        moment = window[index].time
        updates: list[tuple[int, int]] = []
        while index < len(window) and window[index].time == moment:
            position = window[index].position
            before = max(best[:position], default=0)
            updates.append((position, before + 1))
            index += 1
        for position, length in updates:
            best[position] = max(best[position], length)
    return max(best, default=0)


def has_chain(window: Sequence[Entry], positions: Sequence[int]) -> bool:
    """Whether events of `positions` (ascending) occur in that order, each strictly later."""
    wanted = 0
    previous = float("-inf")
    for entry in window:
        if entry.position == positions[wanted] and entry.time > previous:
            previous = entry.time
            wanted += 1
            if wanted == len(positions):
                return True
    return False
