"""Records of pcap and pcapng files, read with bounded lengths.

A capture's record headers are attacker-reachable input: a crafted or damaged file can claim a
4 GiB packet. The framing here checks every length against a cap before reading, so a bad
header costs one problem message, never the memory it claims. Decoding the packets themselves
is dpkt's job (`rathunt.network.packets`); this module only cuts the file into
`(time, link type, bytes)` records and says where and why it stopped.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

log = logging.getLogger(__name__)

# Largest packet record read; bigger claims are damage (snaplen is 262144 in libpcap).
MAX_RECORD = 262_144
# Largest pcapng block (a packet block carries options besides the packet).
MAX_BLOCK = MAX_RECORD + 65_536

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"

SHB, IDB, PB, SPB, EPB = 0x0A0D0D0A, 1, 2, 3, 6


@dataclass(frozen=True, slots=True)
class Record:
    """One captured frame: when, on which link type, its bytes, and its number (1-based)."""

    number: int
    time: float
    linktype: int
    data: bytes


class CaptureDamage(Exception):
    """The file stops making sense at `offset`; records before it were read."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(message)


def is_capture(head: bytes) -> str | None:
    """`pcap` or `pcapng` when `head` starts like one, else None."""
    if head[:4] in PCAP_MAGICS:
        return "pcap"
    if head[:4] == PCAPNG_MAGIC:
        return "pcapng"
    return None


def iter_records(stream: BinaryIO) -> Iterator[Record]:
    """Records of a pcap or pcapng stream; raises `CaptureDamage` where the file breaks."""
    head = stream.read(4)
    if head in PCAP_MAGICS:
        yield from _pcap(stream, head)
    elif head == PCAPNG_MAGIC:
        yield from _pcapng(stream, head)
    else:
        raise CaptureDamage("not a pcap or pcapng file", 0)


def _read_exact(stream: BinaryIO, size: int, offset: int, what: str) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise CaptureDamage(f"file ends inside {what} ({len(data)} of {size} bytes)", offset)
    return data


def _pcap(stream: BinaryIO, magic: bytes) -> Iterator[Record]:
    order, unit = PCAP_MAGICS[magic]
    header = _read_exact(stream, 20, 4, "the file header")
    _major, _minor, _zone, _sigfigs, _snaplen, linktype = struct.unpack(order + "HHiIII", header)
    offset, number = 24, 0
    while True:
        raw = stream.read(16)
        if not raw:
            return
        if len(raw) < 16:
            raise CaptureDamage("file ends inside a record header", offset)
        seconds, fraction, caplen, _origlen = struct.unpack(order + "IIII", raw)
        if caplen > MAX_RECORD:
            raise CaptureDamage(f"record claims {caplen} bytes (more than {MAX_RECORD})", offset)
        number += 1
        data = _read_exact(stream, caplen, offset, f"record {number}")
        yield Record(number, seconds + fraction * unit, linktype & 0x0FFFFFFF, data)
        offset += 16 + caplen


def _pcapng(stream: BinaryIO, magic: bytes) -> Iterator[Record]:
    order = "<"
    interfaces: list[tuple[int, float]] = []
    offset, number, last_time = 0, 0, 0.0
    raw = magic + stream.read(4)
    while raw:
        if len(raw) < 8:
            raise CaptureDamage("file ends inside a block header", offset)
        if raw[:4] == PCAPNG_MAGIC:
            order = _byte_order(stream, offset)
            kind, length, skip = SHB, struct.unpack(order + "I", raw[4:])[0], 12
        else:
            kind, length = struct.unpack(order + "II", raw)
            skip = 8
        if length < 12 or length % 4 or length > MAX_BLOCK:
            raise CaptureDamage(f"block of impossible length {length}", offset)
        body = _read_exact(stream, length - skip, offset, "a block")
        if kind == SHB:
            interfaces = []
        elif kind == IDB:
            interfaces.append(_interface(body, order))
        elif kind in (EPB, PB, SPB):
            record = _packet(kind, body, order, interfaces, number + 1, offset)
            if record is not None:
                number += 1
                if kind == SPB:
                    # A simple packet block has no time: it takes the one before it.
                    record = Record(record.number, last_time, record.linktype, record.data)
                last_time = record.time
                yield record
        offset += length
        raw = stream.read(8)


def _byte_order(stream: BinaryIO, offset: int) -> str:
    """Reads the byte-order magic that follows a section header's length."""
    bom = _read_exact(stream, 4, offset + 8, "a section header")
    if bom == b"\x4d\x3c\x2b\x1a":
        return "<"
    if bom == b"\x1a\x2b\x3c\x4d":
        return ">"
    raise CaptureDamage("section header with an unknown byte order", offset)


def _interface(body: bytes, order: str) -> tuple[int, float]:
    """Link type and time unit of an interface description block."""
    if len(body) < 12:
        return (1, 1e-6)
    linktype = struct.unpack(order + "H", body[:2])[0]
    unit = 1e-6
    position = 8
    while position + 4 <= len(body) - 4:
        code, size = struct.unpack(order + "HH", body[position : position + 4])
        if code == 0:
            break
        value = body[position + 4 : position + 4 + size]
        if code == 9 and value:
            unit = 2.0 ** -(value[0] & 0x7F) if value[0] & 0x80 else 10.0 ** -value[0]
        position += 4 + size + (-size % 4)
    return (linktype, unit)


def _packet(
    kind: int,
    body: bytes,
    order: str,
    interfaces: list[tuple[int, float]],
    number: int,
    offset: int,
) -> Record | None:
    if kind == SPB:
        if len(body) < 8 or not interfaces:
            return None
        linktype, _unit = interfaces[0]
        origlen = struct.unpack(order + "I", body[:4])[0]
        return Record(number, 0.0, linktype, body[4 : 4 + min(origlen, len(body) - 8)])
    if len(body) < 24:
        raise CaptureDamage("packet block too short", offset)
    interface, high, low, caplen, _origlen = struct.unpack(order + "IIIII", body[:20])
    if kind == PB:
        interface &= 0xFFFF
    if interface >= len(interfaces):
        raise CaptureDamage(f"packet names interface {interface}, never described", offset)
    if caplen > len(body) - 24:
        raise CaptureDamage(f"packet claims {caplen} bytes, block holds fewer", offset)
    linktype, unit = interfaces[interface]
    return Record(number, ((high << 32) | low) * unit, linktype, body[20 : 20 + caplen])
