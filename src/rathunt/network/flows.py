"""TCP connections of a capture: who opened them, how they went, and their two byte streams.

A `FlowTable` keeps the live connections, at most `Limits.max_flows` of them. A connection
ends when it is reset or closed from both sides (once no early segment still waits), idle past
`Limits.idle_seconds`, pushed out by a newer one when the table is full (counted), or when
the capture ends; then its `Flow` goes to the `on_close` callback with its streams flushed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from rathunt.network.packets import ACK, FIN, RST, SYN, Packet
from rathunt.network.reassembly import Budget, Direction, Limits, ReassemblyCounts, Sink

FlowKey = tuple[str, int, str, int]

# Sweeping idle connections every this many packets keeps the sweep's cost negligible.
SWEEP_EVERY = 4096


@dataclass(slots=True)
class Flow:
    """One TCP connection from `client` to `server`, as the capture saw it."""

    client: str
    cport: int
    server: str
    sport: int
    first: float
    last: float
    packets: int = 0
    client_bytes: int = 0
    server_bytes: int = 0
    syn: bool = False
    syn_ack: bool = False
    reset: bool = False
    fins: int = 0
    streams: dict[bool, Direction] = field(default_factory=dict)
    inspector: object = None

    @property
    def established(self) -> bool:
        """The server answered: a SYN-ACK, or data came back."""
        return self.syn_ack or self.server_bytes > 0

    @property
    def failed(self) -> bool:
        """A connection attempt that never got through (refused or unanswered)."""
        return not self.established


SinkFactory = Callable[[Flow], tuple[Sink, Sink]]


class FlowTable:
    """Live TCP connections keyed by their endpoints, least recently active first."""

    def __init__(
        self,
        sinks: SinkFactory,
        on_close: Callable[[Flow], None],
        limits: Limits,
        counts: ReassemblyCounts,
    ) -> None:
        self._flows: OrderedDict[FlowKey, Flow] = OrderedDict()
        self._sinks = sinks
        self._on_close = on_close
        self._limits = limits
        self._counts = counts
        self._budget = Budget(limits.total_bytes)
        self._seen = 0

    def add(self, packet: Packet) -> None:
        """One TCP packet into its connection, opening one if needed.

        A packet with neither SYN nor data opens nothing: it is the tail of a connection
        already closed (a last ACK, a repeated FIN) or of one the capture never saw begin.
        """
        found = self._flow_of(packet)
        self._seen += 1
        if found is None:
            self._counts.stray_packets += 1
            return
        flow, from_client = found
        self._update(flow, packet, from_client)
        if (flow.reset or flow.fins >= 2) and not any(d.has_pending for d in flow.streams.values()):
            self._close(flow)
        if self._seen % SWEEP_EVERY == 0:
            self._sweep(packet.time)

    def close_all(self) -> None:
        """End of capture: every live connection is closed."""
        while self._flows:
            _key, flow = self._flows.popitem(last=False)
            self._finish(flow)

    def _close(self, flow: Flow) -> None:
        key = (flow.client, flow.cport, flow.server, flow.sport)
        if self._flows.pop(key, None) is not None:
            self._finish(flow)

    def _flow_of(self, packet: Packet) -> tuple[Flow, bool] | None:
        forward: FlowKey = (packet.src, packet.sport, packet.dst, packet.dport)
        backward: FlowKey = (packet.dst, packet.dport, packet.src, packet.sport)
        opening = packet.flags & SYN and not packet.flags & ACK
        for key, from_client in ((forward, True), (backward, False)):
            flow = self._flows.get(key)
            if flow is None:
                continue
            if opening and (flow.reset or flow.fins >= 2 or flow.client_bytes or not from_client):
                del self._flows[key]
                self._finish(flow)
                break
            self._flows.move_to_end(key)
            return flow, from_client
        if not packet.payload and not packet.flags & SYN:
            return None
        return self._open(packet, forward, backward)

    def _open(self, packet: Packet, forward: FlowKey, backward: FlowKey) -> tuple[Flow, bool]:
        from_client = _opened_by_sender(packet)
        key = forward if from_client else backward
        client, cport, server, sport = key
        flow = Flow(client, cport, server, sport, packet.time, packet.time)
        client_sink, server_sink = self._sinks(flow)
        limit = self._limits.direction_bytes
        flow.streams[True] = Direction(client_sink, self._budget, self._counts, limit)
        flow.streams[False] = Direction(server_sink, self._budget, self._counts, limit)
        if len(self._flows) >= self._limits.max_flows:
            _old_key, oldest = self._flows.popitem(last=False)
            self._counts.flows_evicted += 1
            self._finish(oldest)
        self._flows[key] = flow
        return flow, from_client

    def _update(self, flow: Flow, packet: Packet, from_client: bool) -> None:
        flow.last = max(flow.last, packet.time)
        flow.packets += 1
        flags = packet.flags
        direction = flow.streams[from_client]
        if flags & SYN:
            direction.syn(packet.seq)
            if from_client:
                flow.syn = True
            elif flags & ACK:
                flow.syn_ack = True
        if flags & RST:
            flow.reset = True
        if flags & FIN:
            flow.fins += 1
        if packet.payload:
            if from_client:
                flow.client_bytes += len(packet.payload)
            else:
                flow.server_bytes += len(packet.payload)
            direction.add(packet.seq, packet.payload, packet.time)

    def _sweep(self, now: float) -> None:
        idle = self._limits.idle_seconds
        while self._flows:
            key, flow = next(iter(self._flows.items()))
            if now - flow.last <= idle:
                return
            del self._flows[key]
            self._finish(flow)

    def _finish(self, flow: Flow) -> None:
        for direction in flow.streams.values():
            direction.close()
        self._on_close(flow)


def _opened_by_sender(packet: Packet) -> bool:
    """Whether the packet's sender is the connection's client, told from flags or ports."""
    if packet.flags & SYN:
        return not packet.flags & ACK
    return not packet.sport < 1024 <= packet.dport
