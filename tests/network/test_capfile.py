"""Capture file layouts: pcap in both byte orders and resolutions, pcapng, link types."""

from __future__ import annotations

import io
import struct

import dpkt
import pytest
from tests.network.pcapgen import T0, frame

from rathunt.network.capfile import CaptureDamage, iter_records
from rathunt.network.packets import TCP, UDP, DecodeCounts, decode

UDP_FRAME = frame("10.0.0.1", "10.0.0.2", dpkt.udp.UDP(sport=1, dport=2, data=b"hi"), 17)


def pcap(order: str, magic: int, linktype: int, records: list[tuple[int, int, bytes]]) -> bytes:
    data = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for seconds, fraction, payload in records:
        data += struct.pack(order + "IIII", seconds, fraction, len(payload), len(payload))
        data += payload
    return data


@pytest.mark.parametrize(
    ("order", "magic", "fraction", "expected"),
    [
        ("<", 0xA1B2C3D4, 250_000, 0.25),
        (">", 0xA1B2C3D4, 250_000, 0.25),
        ("<", 0xA1B23C4D, 250_000_000, 0.25),
    ],
)
def test_pcap_byte_orders_and_resolutions(
    order: str, magic: int, fraction: int, expected: float
) -> None:
    raw = pcap(order, magic, 1, [(1_700_000_000, fraction, UDP_FRAME)])
    [record] = list(iter_records(io.BytesIO(raw)))
    assert record.time == pytest.approx(1_700_000_000 + expected)
    assert (record.number, record.linktype, record.data) == (1, 1, UDP_FRAME)


def test_raw_ip_and_linux_cooked_frames_decode() -> None:
    ip_only = UDP_FRAME[14:]
    sll = b"\x00\x00\x00\x01\x00\x06" + b"\x00" * 8 + b"\x08\x00" + ip_only
    raw = pcap("<", 0xA1B2C3D4, 101, [(1, 0, ip_only)])
    counts = DecodeCounts()
    [record] = list(iter_records(io.BytesIO(raw)))
    packet = decode(record, counts)
    assert packet is not None and (packet.proto, packet.payload) == (UDP, b"hi")
    [cooked] = list(iter_records(io.BytesIO(pcap("<", 0xA1B2C3D4, 113, [(1, 0, sll)]))))
    assert decode(cooked, counts) is not None


def test_vlan_tagged_frame_decodes() -> None:
    tagged = UDP_FRAME[:12] + b"\x81\x00" + struct.pack(">H", 100) + UDP_FRAME[12:]
    [record] = list(iter_records(io.BytesIO(pcap("<", 0xA1B2C3D4, 1, [(1, 0, tagged)]))))
    packet = decode(record, DecodeCounts())
    assert packet is not None and (packet.src, packet.payload) == ("10.0.0.1", b"hi")


def test_unknown_link_type_is_counted() -> None:
    counts = DecodeCounts()
    [record] = list(iter_records(io.BytesIO(pcap("<", 0xA1B2C3D4, 147, [(1, 0, b"xx")]))))
    assert decode(record, counts) is None
    assert counts.linktypes == {147}


def pcapng_block(kind: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def test_pcapng_with_nanosecond_interface_and_two_sections() -> None:
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    option = struct.pack("<HHB", 9, 1, 9) + b"\x00" * 3 + struct.pack("<HH", 0, 0)
    idb = pcapng_block(1, struct.pack("<HHI", 1, 0, 65535) + option)
    stamp = int(T0 * 1e9)
    epb = pcapng_block(
        6,
        struct.pack("<IIIII", 0, stamp >> 32, stamp & 0xFFFFFFFF, len(UDP_FRAME), len(UDP_FRAME))
        + UDP_FRAME,
    )
    spb = pcapng_block(3, struct.pack("<I", len(UDP_FRAME)) + UDP_FRAME)
    records = list(iter_records(io.BytesIO(shb + idb + epb + shb + idb + epb + spb)))
    assert [r.number for r in records] == [1, 2, 3]
    assert records[0].time == pytest.approx(T0)
    assert records[1].data == UDP_FRAME
    # A simple packet block carries no time; it takes the one before.
    assert (records[2].time, records[2].data) == (records[1].time, UDP_FRAME)


def test_pcapng_packet_on_an_undescribed_interface() -> None:
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    epb = pcapng_block(6, struct.pack("<IIIII", 3, 0, 0, 2, 2) + b"hi")
    with pytest.raises(CaptureDamage, match="interface 3, never described"):
        list(iter_records(io.BytesIO(shb + epb)))


def test_tcp_packet_fields() -> None:
    segment = dpkt.tcp.TCP(sport=49228, dport=15145, seq=7, ack=9, flags=0x18, data=b"x")
    segment.off = 5
    raw = pcap("<", 0xA1B2C3D4, 1, [(1, 0, frame("10.0.0.1", "10.0.0.2", segment, 6))])
    [record] = list(iter_records(io.BytesIO(raw)))
    packet = decode(record, DecodeCounts())
    assert packet is not None
    assert (packet.proto, packet.sport, packet.dport, packet.seq, packet.flags) == (
        TCP,
        49228,
        15145,
        7,
        0x18,
    )
