"""TCP stream reassembly with bounded buffers.

Each direction of a connection hands its bytes, in sequence order, to a `Sink`. Segments that
arrive early wait in a per-direction buffer; retransmitted and overlapping bytes are trimmed
so a sink sees each byte once. Nothing here grows with the capture: a direction holds at
most `Limits.direction_bytes` of early segments, all directions together at most
`Limits.total_bytes`, and when either is full the missing bytes are given up as a gap, which
the sink is told about and the counts record. A sink that has seen enough says so and the
direction stops buffering for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SEQ_MOD = 1 << 32
HALF = 1 << 31


class Sink(Protocol):
    """Where one direction's bytes go, in order."""

    def feed(self, data: bytes, time: float) -> None: ...

    def gap(self, size: int) -> None: ...

    @property
    def done(self) -> bool: ...


@dataclass(slots=True)
class Limits:
    """Caps on reassembly; the defaults hold a few hundred MB of capture per second of work."""

    direction_bytes: int = 256 * 1024
    total_bytes: int = 64 * 1024 * 1024
    max_flows: int = 20_000
    idle_seconds: float = 300.0


@dataclass(slots=True)
class ReassemblyCounts:
    """Bytes the reassembly dropped or skipped, so a user knows what was not inspected."""

    retransmitted_bytes: int = 0
    gaps: int = 0
    gap_bytes: int = 0
    ignored_bytes: int = 0
    flows_evicted: int = 0
    buffer_overflows: int = 0
    stray_packets: int = 0


class Budget:
    """Early-segment bytes held by all directions together."""

    __slots__ = ("held", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0


class Direction:
    """One direction of a TCP connection: the next expected sequence number and early data."""

    __slots__ = ("_budget", "_counts", "_limit", "_pending", "_pending_bytes", "next_seq", "sink")

    def __init__(self, sink: Sink, budget: Budget, counts: ReassemblyCounts, limit: int) -> None:
        self.sink = sink
        self.next_seq: int | None = None
        self._pending: dict[int, tuple[bytes, float]] = {}
        self._pending_bytes = 0
        self._budget = budget
        self._counts = counts
        self._limit = limit

    @property
    def has_pending(self) -> bool:
        """Early segments still wait for the bytes before them."""
        return bool(self._pending)

    def syn(self, seq: int) -> None:
        """A SYN fixes where the data starts."""
        if self.next_seq is None:
            self.next_seq = (seq + 1) % SEQ_MOD

    def add(self, seq: int, payload: bytes, time: float) -> None:
        """A segment's payload: delivered when in order, kept when early, trimmed when old."""
        if not payload:
            return
        if self.sink.done:
            self._counts.ignored_bytes += len(payload)
            self._release()
            return
        if self.next_seq is None:
            self.next_seq = seq
        offset = self._offset(seq)
        if offset > 0:
            self._keep(seq, payload, time)
            return
        self._deliver(payload[-offset:], len(payload) - len(payload[-offset:]), time)
        self._drain()

    def close(self) -> None:
        """The stream ended: give up any missing bytes and deliver what waited behind them."""
        while self._pending and not self.sink.done:
            self._skip_gap()
            self._drain()
        self._release()

    def _offset(self, seq: int) -> int:
        assert self.next_seq is not None
        offset = (seq - self.next_seq) % SEQ_MOD
        return offset - SEQ_MOD if offset >= HALF else offset

    def _deliver(self, data: bytes, repeated: int, time: float) -> None:
        self._counts.retransmitted_bytes += repeated
        if not data:
            return
        assert self.next_seq is not None
        self.next_seq = (self.next_seq + len(data)) % SEQ_MOD
        self.sink.feed(data, time)

    def _keep(self, seq: int, payload: bytes, time: float) -> None:
        held = self._pending.get(seq)
        if held is not None and len(held[0]) >= len(payload):
            self._counts.retransmitted_bytes += len(payload)
            return
        self._unhold(seq)
        self._pending[seq] = (payload, time)
        self._pending_bytes += len(payload)
        self._budget.held += len(payload)
        while self._pending and (
            self._pending_bytes > self._limit or self._budget.held > self._budget.limit
        ):
            self._counts.buffer_overflows += 1
            self._skip_gap()
            self._drain()

    def _drain(self) -> None:
        while self._pending:
            seq = min(self._pending, key=self._offset)
            offset = self._offset(seq)
            if offset > 0:
                return
            payload, time = self._unhold(seq)
            self._deliver(payload[-offset:], len(payload) - len(payload[-offset:]), time)

    def _skip_gap(self) -> None:
        seq = min(self._pending, key=self._offset)
        size = self._offset(seq)
        self._counts.gaps += 1
        self._counts.gap_bytes += size
        self.next_seq = seq
        self.sink.gap(size)

    def _unhold(self, seq: int) -> tuple[bytes, float]:
        held = self._pending.pop(seq, (b"", 0.0))
        self._pending_bytes -= len(held[0])
        self._budget.held -= len(held[0])
        return held

    def _release(self) -> None:
        for seq in list(self._pending):
            self._counts.ignored_bytes += len(self._unhold(seq)[0])
