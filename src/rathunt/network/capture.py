"""One pass over a packet capture: DNS, HTTP and connection events out, njRAT sessions kept.

`CaptureReader.events()` streams Sigma-shaped events as the capture is read: a `dns` event
per query (paired with its response), a `proxy` event per HTTP request head, a connection
event per TCP connection when it ends. Alongside, every TCP connection's reassembled bytes go
through the njRAT framer; connections that speak the protocol end up in `sessions`. Memory
is bounded by the reassembly limits and the caps below, whatever the capture's size; what a
cap dropped is counted in `CaptureCounts`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dpkt

from rathunt.model import Event, Finding, LogSource, Provenance
from rathunt.network.capfile import CaptureDamage, iter_records
from rathunt.network.flows import Flow, FlowTable
from rathunt.network.framing import Framer
from rathunt.network.njrat import SEPARATORS, Session, SessionDecoder
from rathunt.network.packets import TCP, UDP, DecodeCounts, Packet, decode
from rathunt.network.reassembly import Limits, ReassemblyCounts, Sink
from rathunt.network.wire import HttpSniffer, HttpStatus, dns_fields, parse_dns

log = logging.getLogger(__name__)

DNS_PORT = 53
MAX_PENDING_DNS = 10_000
DNS_TIMEOUT = 30.0
MAX_NAMES = 65_536
MAX_SESSIONS = 1_000

DNS_SOURCE = LogSource(product="pcap", service="dns", categories=("dns",))
HTTP_SOURCE = LogSource(product="pcap", service="http", categories=("proxy",))
CONN_SOURCE = LogSource(product="pcap", service="conn")


@dataclass(slots=True)
class CaptureOptions:
    """Caps and protocol settings for reading captures."""

    limits: Limits = field(default_factory=Limits)
    separators: tuple[str, ...] = SEPARATORS


@dataclass(slots=True)
class CaptureCounts:
    """Everything a capture read saw or dropped."""

    frames: int = 0
    tcp: int = 0
    udp: int = 0
    flows: int = 0
    dns_queries: int = 0
    dns_unanswered: int = 0
    http_requests: int = 0
    sessions_dropped: int = 0
    decode: DecodeCounts = field(default_factory=DecodeCounts)
    reassembly: ReassemblyCounts = field(default_factory=ReassemblyCounts)


@dataclass(slots=True)
class NjratSession:
    """A connection that spoke njRAT: its endpoints and times, what was decoded, and the C2's
    name when the capture resolved it."""

    path: str
    frame: int
    victim: str
    victim_port: int
    c2: str
    c2_port: int
    first: float
    last: float
    session: Session
    c2_name: str | None = None
    victim_bytes: int = 0
    c2_bytes: int = 0
    finding: Finding | None = None


class _Tee:
    """One stream into two sinks: the njRAT framer and an HTTP parser."""

    __slots__ = ("first", "second")

    def __init__(self, first: Sink, second: Sink) -> None:
        self.first = first
        self.second = second

    @property
    def done(self) -> bool:
        return self.first.done and self.second.done

    def feed(self, data: bytes, time: float) -> None:
        if not self.first.done:
            self.first.feed(data, time)
        if not self.second.done:
            self.second.feed(data, time)

    def gap(self, size: int) -> None:
        self.first.gap(size)
        self.second.gap(size)


@dataclass(slots=True)
class _Inspect:
    client: Framer
    server: Framer
    http: HttpSniffer
    status: HttpStatus
    decoder: SessionDecoder
    first_frame: int


class CaptureReader:
    """Reads one pcap or pcapng file; see the module docstring."""

    def __init__(self, path: str, options: CaptureOptions | None = None) -> None:
        self.path = path
        self.options = options or CaptureOptions()
        self.counts = CaptureCounts()
        self.sessions: list[NjratSession] = []
        self.damage: CaptureDamage | None = None
        self._out: list[Event] = []
        self._pending: OrderedDict[tuple[str, int, str, int], tuple[dpkt.dns.DNS, Packet]] = (
            OrderedDict()
        )
        self._names: OrderedDict[str, str] = OrderedDict()
        self._frame = 0
        self._table = FlowTable(
            self._sinks, self._closed, self.options.limits, self.counts.reassembly
        )

    def events(self) -> Iterator[Event]:
        """Events in capture order; a break in the file ends the read with `damage` set."""
        with open(self.path, "rb") as stream:
            try:
                for record in iter_records(stream):
                    self.counts.frames += 1
                    self._frame = record.number
                    packet = decode(record, self.counts.decode)
                    if packet is not None:
                        self._packet(packet)
                    if self._out:
                        yield from self._drain()
            except CaptureDamage as err:
                self.damage = err
        self._table.close_all()
        for key in list(self._pending):
            self._answer(key, None)
        yield from self._drain()

    def _drain(self) -> Iterator[Event]:
        out, self._out = self._out, []
        yield from out

    def _packet(self, packet: Packet) -> None:
        if packet.proto == TCP:
            self.counts.tcp += 1
            self._table.add(packet)
        elif packet.proto == UDP:
            self.counts.udp += 1
            if DNS_PORT in (packet.sport, packet.dport):
                self._dns(packet)

    def _dns(self, packet: Packet) -> None:
        message = parse_dns(packet.payload)
        if message is None:
            return
        if message.qr == dpkt.dns.DNS_Q:
            key = (packet.src, packet.sport, packet.dst, message.id)
            self.counts.dns_queries += 1
            self._pending[key] = (message, packet)
            self._expire(packet.time)
            return
        key = (packet.dst, packet.dport, packet.src, message.id)
        if key in self._pending:
            self._answer(key, message)

    def _expire(self, now: float) -> None:
        while self._pending:
            key, (_query, packet) = next(iter(self._pending.items()))
            if len(self._pending) <= MAX_PENDING_DNS and now - packet.time <= DNS_TIMEOUT:
                return
            self._answer(key, None)

    def _answer(self, key: tuple[str, int, str, int], response: dpkt.dns.DNS | None) -> None:
        query, packet = self._pending.pop(key)
        fields = dns_fields(query, response)
        if response is None:
            self.counts.dns_unanswered += 1
        for address in fields["answer"]:
            self._remember(address, fields["query"])
        fields.update(_endpoints(packet.src, packet.sport, packet.dst, packet.dport, "udp"))
        self._out.append(self._event(fields, DNS_SOURCE, packet.number, packet.time))

    def _remember(self, address: str, name: str) -> None:
        self._names[address] = name
        self._names.move_to_end(address)
        if len(self._names) > MAX_NAMES:
            self._names.popitem(last=False)

    def _sinks(self, flow: Flow) -> tuple[Sink, Sink]:
        decoder = SessionDecoder(self.options.separators)
        client = Framer(on_message=decoder.client)
        server = Framer(on_message=decoder.server)
        inspect = _Inspect(client, server, HttpSniffer(), HttpStatus(), decoder, self._frame)
        flow.inspector = inspect
        return _Tee(inspect.client, inspect.http), _Tee(inspect.server, inspect.status)

    def _closed(self, flow: Flow) -> None:
        self.counts.flows += 1
        inspect = flow.inspector
        assert isinstance(inspect, _Inspect)
        inspect.client.close()
        inspect.server.close()
        self._out.append(self._conn_event(flow, inspect.first_frame))
        statuses = inspect.status.statuses
        for index, request in enumerate(inspect.http.requests):
            self.counts.http_requests += 1
            request["sc-status"] = statuses[index] if index < len(statuses) else None
            time = request.pop("_time")
            request.update(_endpoints(flow.client, flow.cport, flow.server, flow.sport, "tcp"))
            self._out.append(self._event(request, HTTP_SOURCE, inspect.first_frame, time))
        session = inspect.decoder.finish(inspect.client, inspect.server)
        if session.is_njrat:
            self._session(flow, session, inspect.first_frame)

    def _session(self, flow: Flow, session: Session, frame: int) -> None:
        if len(self.sessions) >= MAX_SESSIONS:
            self.counts.sessions_dropped += 1
            return
        victim, vport, c2, cport = flow.client, flow.cport, flow.server, flow.sport
        victim_bytes, c2_bytes = flow.client_bytes, flow.server_bytes
        if session.victim_is_server:
            victim, vport, c2, cport = c2, cport, victim, vport
            victim_bytes, c2_bytes = c2_bytes, victim_bytes
        record = NjratSession(
            self.path,
            frame,
            victim,
            vport,
            c2,
            cport,
            flow.first,
            flow.last,
            session,
            self._names.get(c2),
            victim_bytes,
            c2_bytes,
        )
        self.sessions.append(record)

    def _conn_event(self, flow: Flow, frame: int) -> Event:
        state = "established" if flow.established else "refused" if flow.reset else "failed"
        fields: dict[str, Any] = _endpoints(flow.client, flow.cport, flow.server, flow.sport, "tcp")
        fields.update(
            state=state,
            reset=flow.reset,
            duration=round(flow.last - flow.first, 6),
            orig_bytes=flow.client_bytes,
            resp_bytes=flow.server_bytes,
            packets=flow.packets,
        )
        return self._event(fields, CONN_SOURCE, frame, flow.first)

    def _event(self, fields: dict[str, Any], source: LogSource, frame: int, time: float) -> Event:
        fields["Computer"] = fields.get("src_ip")
        when = to_datetime(time)
        return Event(fields, source, Provenance(self.path, frame, "pcap-frame"), when)


def _endpoints(src: str, sport: int, dst: str, dport: int, proto: str) -> dict[str, Any]:
    return {"src_ip": src, "src_port": sport, "dst_ip": dst, "dst_port": dport, "proto": proto}


def to_datetime(seconds: float) -> datetime | None:
    """An aware UTC time from epoch seconds; None for values no clock can show."""
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
