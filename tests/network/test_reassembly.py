"""TCP reassembly and njRAT framing at the byte level: order, overlap, wrap-around, splits."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from tests.network.pcapgen import checkin, njrat_message

from rathunt.network.framing import Framer
from rathunt.network.reassembly import Budget, Direction, ReassemblyCounts


@dataclass
class Recorder:
    data: bytearray = field(default_factory=bytearray)
    gaps: list[int] = field(default_factory=list)
    done: bool = False

    def feed(self, data: bytes, time: float) -> None:
        self.data += data

    def gap(self, size: int) -> None:
        self.gaps.append(size)


def direction(limit: int = 1 << 20) -> tuple[Direction, Recorder, ReassemblyCounts]:
    sink, counts = Recorder(), ReassemblyCounts()
    return Direction(sink, Budget(1 << 24), counts, limit), sink, counts


def test_in_order_out_of_order_and_overlap() -> None:
    stream, sink, counts = direction()
    stream.syn(99)
    stream.add(106, b"world", 0.0)
    stream.add(100, b"hello", 0.0)
    stream.add(103, b"lo wo", 0.0)
    stream.add(100, b"hello worl", 0.0)
    stream.add(111, b"!", 0.0)
    assert bytes(sink.data) == b"hello world!"
    assert counts.retransmitted_bytes == 2 + 2 + 10


def test_sequence_numbers_wrap_around() -> None:
    stream, sink, _ = direction()
    stream.syn(0xFFFFFFFD)
    stream.add(0xFFFFFFFE, b"ab", 0.0)
    stream.add(1, b"de", 0.0)
    stream.add(0, b"c", 0.0)
    assert bytes(sink.data) == b"abcde"


def test_missing_bytes_at_close_become_a_gap() -> None:
    stream, sink, counts = direction()
    stream.syn(0)
    stream.add(1, b"abc", 0.0)
    stream.add(10, b"xyz", 0.0)
    stream.close()
    assert (bytes(sink.data), sink.gaps) == (b"abcxyz", [6])
    assert (counts.gaps, counts.gap_bytes) == (1, 6)


def test_buffer_limit_gives_up_the_hole() -> None:
    stream, sink, counts = direction(limit=8)
    stream.syn(0)
    stream.add(11, b"12345", 0.0)
    stream.add(16, b"6789", 0.0)
    assert sink.gaps == [10]
    assert bytes(sink.data) == b"123456789"
    assert counts.buffer_overflows == 1


def test_done_sink_is_not_buffered() -> None:
    stream, sink, counts = direction()
    sink.done = True
    stream.syn(0)
    stream.add(50, b"x" * 100, 0.0)
    assert counts.ignored_bytes == 100 and sink.data == bytearray()


@pytest.mark.parametrize("seed", range(5))
def test_framer_gives_the_same_messages_however_bytes_are_split(seed: int) -> None:
    stream = (
        njrat_message(checkin())
        + njrat_message(b"")
        + njrat_message("act|'|'|VGl0bGU=")
        + njrat_message(b"CAP|'|'|\xff\xd8\xff\xe0" + bytes(9000))
    )
    whole = Framer()
    whole.feed(stream, 0.0)
    pieces = Framer()
    rng = random.Random(seed)
    position = 0
    while position < len(stream):
        step = rng.randint(1, 50)
        pieces.feed(stream[position : position + step], 0.0)
        position += step
    assert [(m.length, m.data) for m in pieces.messages] == [
        (m.length, m.data) for m in whole.messages
    ]
    assert [m.length for m in whole.messages] == [len(checkin()), 0, 16, 9012]
    assert len(whole.messages[-1].data) == 4096


def test_framer_gives_up_on_a_foreign_stream() -> None:
    framer = Framer()
    for _ in range(100):
        framer.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 40, 0.0)
        if framer.done:
            break
    assert framer.done and framer.messages == []


def test_framer_resyncs_after_a_gap() -> None:
    framer = Framer()
    framer.feed(njrat_message(checkin())[:50], 0.0)
    framer.gap(500)
    framer.feed(b"junk" + njrat_message("act|'|'|VGl0bGU="), 1.0)
    assert [m.data[:3] for m in framer.messages] == [b"ll|", b"act"]
    assert framer.messages[0].complete is False
    assert framer.anomalies == ["500 bytes missing from the capture at byte 50"]
