"""Beaconing: one source connecting to one destination again and again at a steady interval.

An implant that polls or reconnects on a timer leaves a connection series whose gaps are
nearly equal; people and browsers do not. For each (source, destination, port) the detector
keeps the latest `BeaconOptions.max_times` start times and, at the end, takes the median gap
as the period and the median absolute deviation of the gaps as the jitter. A series is a
beacon when it has enough connections, a period within bounds and a jitter small against the
period. Memory is bounded by `max_pairs` series; observations of pairs beyond it are counted.
"""

from __future__ import annotations

import itertools
import statistics
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from rathunt.network.observations import Connection


@dataclass(slots=True)
class BeaconOptions:
    """When a connection series counts as a beacon."""

    min_connections: int = 8
    min_period: float = 1.0
    max_period: float = 6 * 3600.0
    max_jitter: float = 0.2
    max_times: int = 1024
    max_pairs: int = 100_000


@dataclass(slots=True)
class Beacon:
    """A steady series: who, to where, how often, how steadily, and how many attempts failed."""

    src: str
    dst: str
    port: int | None
    name: str | None
    connections: int
    failed: int
    period: float
    jitter: float
    first: datetime
    last: datetime

    @property
    def jitter_ratio(self) -> float:
        return self.jitter / self.period if self.period else 0.0


@dataclass(slots=True)
class _Series:
    times: deque[datetime]
    count: int = 0
    failed: int = 0
    name: str | None = None


@dataclass(slots=True)
class BeaconDetector:
    """Collects connections; `beacons()` says which series are steady."""

    options: BeaconOptions = field(default_factory=BeaconOptions)
    dropped: int = 0
    _series: dict[tuple[str, str, int | None], _Series] = field(default_factory=dict)

    def observe(self, connection: Connection) -> None:
        key = (connection.src, connection.dst, connection.port)
        series = self._series.get(key)
        if series is None:
            if len(self._series) >= self.options.max_pairs:
                self.dropped += 1
                return
            series = _Series(deque(maxlen=self.options.max_times), name=connection.name)
            self._series[key] = series
        series.times.append(connection.time)
        series.count += 1
        series.failed += connection.failed

    def beacons(self) -> Iterator[Beacon]:
        """The steady series, in no particular order."""
        for (src, dst, port), series in self._series.items():
            if series.count < self.options.min_connections:
                continue
            found = self._judge(series)
            if found is not None:
                period, jitter, first, last = found
                yield Beacon(
                    src,
                    dst,
                    port,
                    series.name,
                    series.count,
                    series.failed,
                    period,
                    jitter,
                    first,
                    last,
                )

    def _judge(self, series: _Series) -> tuple[float, float, datetime, datetime] | None:
        times = sorted(series.times)
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        if len(gaps) < self.options.min_connections - 1:
            return None
        period = statistics.median(gaps)
        if not self.options.min_period <= period <= self.options.max_period:
            return None
        jitter = statistics.median(abs(gap - period) for gap in gaps)
        if jitter > self.options.max_jitter * period:
            return None
        return period, jitter, times[0], times[-1]
