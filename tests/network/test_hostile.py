"""Hostile and broken captures: reported with their place, never a crash, memory bounded."""

from __future__ import annotations

import random
import struct
import tracemalloc
from pathlib import Path

from tests.network.pcapgen import ACK, PSH, T0, Capture, TcpSession, checkin, njrat_message

from rathunt.events import ReadStats
from rathunt.network import CaptureOptions, NetworkOptions, NetworkScan
from rathunt.network.reassembly import Limits

VICTIM, C2 = "10.9.8.7", "198.51.100.200"


def run(path: Path, options: NetworkOptions | None = None) -> tuple[list, ReadStats, NetworkScan]:  # type: ignore[type-arg]
    stats = ReadStats()
    network = NetworkScan(options)
    for _event in network.read(path, stats):
        pass
    return network.finish(), stats, network


def session_capture(client_data: bytes) -> Capture:
    capture = Capture()
    session = TcpSession(capture, VICTIM, 49999, C2, 5552)
    time = session.handshake(T0)
    session.send(time, True, client_data)
    return capture


def test_absurd_length_is_reported_and_the_checkin_still_read(tmp_path: Path) -> None:
    data = b"99999999999999\x00" + checkin().encode()
    findings, _stats, _ = run(session_capture(data).write(tmp_path / "a.pcap"))
    assert len(findings) == 1
    matched = findings[0].matched
    assert matched["anomalies"][0] == "victim: absurd message length 99999999999999 at byte 0"
    assert matched["checkin"]["machine_name"] == "DESKTOP-7QK2"


def test_huge_claimed_length_does_not_buffer_the_stream(tmp_path: Path) -> None:
    data = njrat_message(checkin()) + b"60000000\x00CAP|'|'|" + bytes(200_000)
    capture = session_capture(data)
    tracemalloc.start()
    findings, _, _ = run(capture.write(tmp_path / "big.pcap"))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert findings[0].matched["victim_messages"] == {"ll": 1, "CAP": 1}
    assert peak < 8 * 1024 * 1024


def test_garbage_after_the_separator(tmp_path: Path) -> None:
    garbage = b"ll|'|'|\xff\xfe\x00\x01<script>|'|'|" + bytes(range(256)) + b"|'|'|=|'|'|"
    data = njrat_message(garbage) + njrat_message(b"inf|'|'|%%%not-base64%%%")
    findings, _stats, _ = run(session_capture(data).write(tmp_path / "g.pcap"))
    matched = findings[0].matched
    assert findings[0].level == "critical"
    assert any("check-in victim id is not base64" in a for a in matched["anomalies"])
    assert any("inf config is not base64" in a for a in matched["anomalies"])
    # Decoded text carries no control characters, whatever was sent.
    assert all(ord(c) >= 32 for v in matched["checkin"].values() if isinstance(v, str) for c in v)


def test_truncated_capture_is_read_up_to_the_break(tmp_path: Path) -> None:
    capture = session_capture(njrat_message(checkin()))
    capture.add(T0 + 5, capture.frames[-1][1])
    path = capture.write(tmp_path / "t.pcap")
    path.write_bytes(path.read_bytes()[:-30])
    findings, stats, _ = run(path)
    assert len(findings) == 1
    [problem] = stats.problems
    assert "capture breaks after 4 frames: file ends inside record 5" in str(problem)
    assert str(problem).startswith(str(path))


def test_record_claiming_gigabytes(tmp_path: Path) -> None:
    path = session_capture(njrat_message(checkin())).write(tmp_path / "h.pcap")
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 24 + 8, 0xFFFFFFF0)
    path.write_bytes(bytes(data))
    findings, stats, _ = run(path)
    assert findings == []
    assert "record claims 4294967280 bytes" in str(stats.problems[0])


def test_pcapng_block_of_impossible_length(tmp_path: Path) -> None:
    path = session_capture(njrat_message(checkin())).write(tmp_path / "n.pcapng", "pcapng")
    data = path.read_bytes() + struct.pack("<II", 6, 0x7FFFFFF0)
    path.write_bytes(data)
    findings, stats, _ = run(path)
    assert len(findings) == 1
    assert "block of impossible length" in str(stats.problems[0])


def test_not_a_capture_at_all(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 7)
    findings, stats, _ = run(path)
    assert findings == []
    assert "file ends inside the file header" in str(stats.problems[0])


def test_flow_cap_evicts_and_counts(tmp_path: Path) -> None:
    capture = Capture()
    for index in range(40):
        session = TcpSession(capture, VICTIM, 40000 + index, C2, 8000 + index)
        session.segment(T0 + index, True, 0x02)
    options = NetworkOptions(capture=CaptureOptions(limits=Limits(max_flows=16)))
    findings, stats, network = run(capture.write(tmp_path / "many.pcap"), options)
    assert findings == []
    assert "24 connections closed early" in str(stats.problems[0])
    assert network.events == 40


def test_early_segments_beyond_the_buffer_become_a_counted_gap(tmp_path: Path) -> None:
    capture = Capture()
    session = TcpSession(capture, VICTIM, 49000, C2, 1177)
    time = session.handshake(T0)
    lost = session.pieces(True, b"x" * 100, 100)
    kept = session.pieces(True, njrat_message(checkin()) * 40, 1000)
    del lost
    for seq, chunk in kept:
        session.segment(time, True, PSH | ACK, chunk, seq=seq)
    options = NetworkOptions(capture=CaptureOptions(limits=Limits(direction_bytes=4096)))
    findings, stats, _ = run(capture.write(tmp_path / "gap.pcap"), options)
    assert "buffer overflows" in str(stats.problems[0])
    matched = findings[0].matched
    assert matched["anomalies"][0] == "victim: 100 bytes missing from the capture at byte 0"
    assert matched["victim_messages"]["ll"] >= 30


def test_many_bytes_of_noise_stay_in_bounded_memory(tmp_path: Path) -> None:
    capture = Capture()
    for index in range(120):
        session = TcpSession(capture, VICTIM, 30000 + index, C2, 443)
        # Irregular starts: a steady series would rightly be reported as a beacon.
        time = session.handshake(T0 + index * 3 + (index * index) % 7)
        chunks = session.pieces(True, bytes([index % 251]) * 20_000, 1400)
        # Every stream arrives backwards, so all of it waits as early segments.
        for seq, chunk in reversed(chunks):
            session.segment(time, True, PSH | ACK, chunk, seq=seq)
    path = capture.write(tmp_path / "noise.pcap")
    options = NetworkOptions(
        capture=CaptureOptions(limits=Limits(direction_bytes=64 * 1024, total_bytes=1 << 20))
    )
    tracemalloc.start()
    findings, _stats, _ = run(path, options)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert findings == []
    assert peak < 16 * 1024 * 1024


def test_mutated_captures_never_crash_the_reader(tmp_path: Path) -> None:
    capture = session_capture(njrat_message(checkin()) + njrat_message("act|'|'|VGl0bGU="))
    capture.dns(T0 + 1, VICTIM, "10.9.8.1", "njq8.duckdns.org", [C2], ident=3)
    http = TcpSession(capture, VICTIM, 50000, C2, 80)
    time = http.handshake(T0 + 2)
    http.send(time, True, b"GET /a.exe?x=1 HTTP/1.1\r\nHost: h.hopto.org\r\nUser-Agent: u\r\n\r\n")
    original = capture.write(tmp_path / "m.pcap").read_bytes()
    rng = random.Random(11)
    outcomes = set()
    for round_ in range(40):
        data = bytearray(original)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(24, len(data))] = rng.randrange(256)
        if round_ % 4 == 0:
            data = data[: rng.randrange(24, len(data))]
        path = tmp_path / f"m{round_}.pcap"
        path.write_bytes(bytes(data))
        findings, stats, _ = run(path)
        outcomes.add((len(findings), bool(stats.problems)))
    # Some mutations still show the session, some break the file; none raised.
    assert (1, False) in outcomes or (1, True) in outcomes
    assert any(problems for _count, problems in outcomes)
