"""Name-based detections: the DNS retry loop, and names under dynamic-DNS or tunnel services.

njRAT resolves its C2 on every connection attempt and retries every few seconds, so while the
C2 is down a host asks for one name over and over and either gets no address or cannot
connect to the one it gets. `RetryDetector` keeps, per (client, name), the lookups and the
fate of the connections that followed to the addresses returned. `NameDetector` keeps, per
(client, name) under a listed suffix, the first and last request and how many there were.
Both are bounded by a number of keys; what falls beyond is counted.
"""

from __future__ import annotations

import itertools
import statistics
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from rathunt.network.dyndns import Service, SuffixList
from rathunt.network.observations import Connection, Lookup


@dataclass(slots=True)
class RetryOptions:
    """When repeated lookups count as a retry loop."""

    min_lookups: int = 6
    max_period: float = 120.0
    max_keys: int = 100_000


@dataclass(slots=True)
class RetryLoop:
    client: str
    name: str
    lookups: int
    failed_lookups: int
    addresses: list[str]
    failed_connections: int
    established: int
    period: float
    first: datetime
    last: datetime


@dataclass(slots=True)
class _Names:
    times: deque[datetime]
    lookups: int = 0
    failed: int = 0
    addresses: set[str] = field(default_factory=set)


@dataclass(slots=True)
class RetryDetector:
    """Lookups and connection outcomes; `loops()` says which names were retried in vain."""

    options: RetryOptions = field(default_factory=RetryOptions)
    dropped: int = 0
    _names: dict[tuple[str, str], _Names] = field(default_factory=dict)
    _outcomes: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def observe_lookup(self, lookup: Lookup) -> None:
        if "." not in lookup.name:
            return
        key = (lookup.client, lookup.name)
        entry = self._names.get(key)
        if entry is None:
            if len(self._names) >= self.options.max_keys:
                self.dropped += 1
                return
            entry = self._names[key] = _Names(deque(maxlen=256))
        entry.times.append(lookup.time)
        entry.lookups += 1
        entry.failed += lookup.failed
        if len(entry.addresses) < 16:
            entry.addresses.update(lookup.addresses[: 16 - len(entry.addresses)])

    def observe_connection(self, connection: Connection) -> None:
        key = (connection.src, connection.dst)
        outcome = self._outcomes.get(key)
        if outcome is None:
            if len(self._outcomes) >= self.options.max_keys:
                self.dropped += 1
                return
            outcome = self._outcomes[key] = [0, 0]
        outcome[0 if connection.failed else 1] += 1

    def loops(self) -> Iterator[RetryLoop]:
        for (client, name), entry in self._names.items():
            if entry.lookups < self.options.min_lookups:
                continue
            failed_connections = established = 0
            for address in entry.addresses:
                failed, good = self._outcomes.get((client, address), (0, 0))
                failed_connections += failed
                established += good
            in_vain = entry.failed * 2 >= entry.lookups or (
                failed_connections > 0 and established * 4 <= failed_connections
            )
            if not in_vain:
                continue
            times = sorted(entry.times)
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
            period = statistics.median(gaps) if gaps else 0.0
            if period > self.options.max_period:
                continue
            yield RetryLoop(
                client,
                name,
                entry.lookups,
                entry.failed,
                sorted(entry.addresses),
                failed_connections,
                established,
                period,
                times[0],
                times[-1],
            )


@dataclass(slots=True)
class NameHit:
    client: str
    name: str
    service: Service
    count: int
    first: datetime
    last: datetime
    addresses: set[str] = field(default_factory=set)
    seen_in: set[str] = field(default_factory=set)


@dataclass(slots=True)
class NameDetector:
    """Requests for names under dynamic-DNS or tunnel suffixes, one entry per client and name."""

    suffixes: SuffixList = field(default_factory=SuffixList.builtin)
    max_keys: int = 50_000
    dropped: int = 0
    hits: dict[tuple[str, str], NameHit] = field(default_factory=dict)

    def observe(
        self, client: str, name: str, time: datetime, source: str, addresses: tuple[str, ...] = ()
    ) -> None:
        service = self.suffixes.match(name)
        if service is None:
            return
        key = (client, name)
        hit = self.hits.get(key)
        if hit is None:
            if len(self.hits) >= self.max_keys:
                self.dropped += 1
                return
            hit = self.hits[key] = NameHit(client, name, service, 0, time, time)
        hit.count += 1
        hit.first = min(hit.first, time)
        hit.last = max(hit.last, time)
        hit.seen_in.add(source)
        if len(hit.addresses) < 16:
            hit.addresses.update(addresses[: 16 - len(hit.addresses)])
