"""Frames to TCP and UDP packets, decoded with dpkt.

Only what the detectors use is kept: addresses, ports, TCP flags and numbers, the payload.
Frames that are not IPv4 or IPv6 TCP or UDP (ARP, LLC, ICMP) are counted and passed over;
frames dpkt cannot decode are counted as damaged, never raised.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from struct import error as struct_error

import dpkt

from rathunt.network.capfile import Record

TCP, UDP = 6, 17

FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10

LINK_ETHERNET, LINK_NULL, LINK_LOOP = 1, 0, 108
LINK_RAW = (12, 14, 101)
LINK_IPV4, LINK_IPV6, LINK_SLL, LINK_SLL2 = 228, 229, 113, 276


@dataclass(frozen=True, slots=True)
class Packet:
    """A TCP or UDP packet: the frame's number and time, both endpoints, and its payload."""

    number: int
    time: float
    proto: int
    src: str
    sport: int
    dst: str
    dport: int
    payload: bytes
    flags: int = 0
    seq: int = 0
    ack: int = 0


@dataclass(slots=True)
class DecodeCounts:
    """What the decoder saw that was not a TCP or UDP packet."""

    other: int = 0
    damaged: int = 0
    fragments: int = 0
    linktypes: set[int] = field(default_factory=set)


def decode(record: Record, counts: DecodeCounts) -> Packet | None:
    """The TCP or UDP packet in a frame, or None (counted) for anything else."""
    try:
        ip = _network_layer(record)
    except (dpkt.UnpackError, ValueError, IndexError, struct_error):
        counts.damaged += 1
        return None
    if ip is None:
        counts.other += 1
        if record.linktype not in _KNOWN_LINKS:
            counts.linktypes.add(record.linktype)
        return None
    return _transport(record, ip, counts)


def _network_layer(record: Record) -> dpkt.ip.IP | dpkt.ip6.IP6 | None:
    link = record.linktype
    data = record.data
    if link == LINK_ETHERNET:
        frame: object = dpkt.ethernet.Ethernet(data).data
    elif link in LINK_RAW or link in (LINK_IPV4, LINK_IPV6):
        frame = _raw_ip(data)
    elif link in (LINK_NULL, LINK_LOOP):
        frame = dpkt.loopback.Loopback(data).data
    elif link == LINK_SLL:
        frame = dpkt.sll.SLL(data).data
    elif link == LINK_SLL2:
        frame = dpkt.sll2.SLL2(data).data
    else:
        return None
    if isinstance(frame, dpkt.ip.IP | dpkt.ip6.IP6):
        return frame
    return None


def _raw_ip(data: bytes) -> object:
    if not data:
        return None
    version = data[0] >> 4
    if version == 4:
        return dpkt.ip.IP(data)
    if version == 6:
        return dpkt.ip6.IP6(data)
    return None


def _transport(
    record: Record, ip: dpkt.ip.IP | dpkt.ip6.IP6, counts: DecodeCounts
) -> Packet | None:
    if isinstance(ip, dpkt.ip.IP):
        if ip.mf or ip.offset:
            counts.fragments += 1
            return None
        family = socket.AF_INET
    else:
        family = socket.AF_INET6
    segment = ip.data
    if not isinstance(segment, dpkt.tcp.TCP | dpkt.udp.UDP):
        counts.other += 1
        return None
    src = socket.inet_ntop(family, ip.src)
    dst = socket.inet_ntop(family, ip.dst)
    payload = bytes(segment.data)
    if isinstance(segment, dpkt.tcp.TCP):
        return Packet(
            record.number,
            record.time,
            TCP,
            src,
            segment.sport,
            dst,
            segment.dport,
            payload,
            segment.flags,
            segment.seq,
            segment.ack,
        )
    return Packet(record.number, record.time, UDP, src, segment.sport, dst, segment.dport, payload)


_KNOWN_LINKS = {LINK_ETHERNET, LINK_NULL, LINK_LOOP, LINK_IPV4, LINK_IPV6, LINK_SLL, LINK_SLL2}
_KNOWN_LINKS.update(LINK_RAW)
