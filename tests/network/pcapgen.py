"""Crafting captures for the tests with dpkt: TCP sessions, DNS, HTTP, written as pcap or pcapng.

A `Capture` collects frames in the order given; `TcpSession` hands out segments with correct
sequence numbers, so a test can split, reorder or repeat them the way networks do.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

import dpkt

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
T0 = 1_700_000_000.0


def njrat_message(text: str | bytes) -> bytes:
    """An njRAT 0.7d message: decimal length, NUL, payload."""
    payload = text.encode() if isinstance(text, str) else text
    return str(len(payload)).encode() + b"\x00" + payload


def frame(src: str, dst: str, segment: dpkt.Packet, proto: int) -> bytes:
    family = socket.AF_INET6 if ":" in src else socket.AF_INET
    if family == socket.AF_INET6:
        ip: dpkt.Packet = dpkt.ip6.IP6(
            src=socket.inet_pton(family, src),
            dst=socket.inet_pton(family, dst),
            nxt=proto,
            hlim=64,
            data=segment,
            plen=len(bytes(segment)),
        )
        eth_type = dpkt.ethernet.ETH_TYPE_IP6
    else:
        ip = dpkt.ip.IP(
            src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=proto, ttl=64, data=segment
        )
        ip.len = len(bytes(ip))
        eth_type = dpkt.ethernet.ETH_TYPE_IP
    eth = dpkt.ethernet.Ethernet(
        src=b"\x00\x0c\x29\x01\x02\x03", dst=b"\x00\x50\x56\x04\x05\x06", type=eth_type, data=ip
    )
    return bytes(eth)


@dataclass
class Capture:
    """Frames with times, written out as pcap or pcapng."""

    frames: list[tuple[float, bytes]] = field(default_factory=list)

    def add(self, time: float, data: bytes) -> None:
        self.frames.append((time, data))

    def udp(self, time: float, src: str, sport: int, dst: str, dport: int, data: bytes) -> None:
        segment = dpkt.udp.UDP(sport=sport, dport=dport, data=data)
        segment.ulen = len(bytes(segment))
        self.add(time, frame(src, dst, segment, dpkt.ip.IP_PROTO_UDP))

    def dns(
        self,
        time: float,
        client: str,
        server: str,
        name: str,
        answers: list[str] | None,
        *,
        rcode: int = 0,
        ident: int = 4660,
        port: int = 53000,
    ) -> None:
        """A query, and its response 20 ms later unless `answers` is None."""
        query = dpkt.dns.DNS(id=ident, qd=[dpkt.dns.DNS.Q(name=name, type=1, cls=1)])
        query.op = dpkt.dns.DNS_RD
        self.udp(time, client, port, server, 53, bytes(query))
        if answers is None:
            return
        response = dpkt.dns.DNS(id=ident, qd=[dpkt.dns.DNS.Q(name=name, type=1, cls=1)])
        response.qr = dpkt.dns.DNS_R
        response.rcode = rcode
        response.an = [
            dpkt.dns.DNS.RR(name=name, type=1, cls=1, ttl=60, rdata=socket.inet_aton(a))
            for a in answers
        ]
        self.udp(time + 0.02, server, 53, client, port, bytes(response))

    def write(self, path: Path, form: str = "pcap") -> Path:
        with open(path, "wb") as stream:
            writer = dpkt.pcapng.Writer(stream) if form == "pcapng" else dpkt.pcap.Writer(stream)
            for time, data in self.frames:
                writer.writepkt(data, ts=time)
        return path


@dataclass
class TcpSession:
    """One TCP connection; methods append its frames to a capture."""

    capture: Capture
    client: str
    cport: int
    server: str
    sport: int
    cseq: int = 1000
    sseq: int = 500_000

    def segment(
        self, time: float, from_client: bool, flags: int, data: bytes = b"", seq: int | None = None
    ) -> None:
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sport, dport = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        own = self.cseq if from_client else self.sseq
        other = self.sseq if from_client else self.cseq
        segment = dpkt.tcp.TCP(
            sport=sport,
            dport=dport,
            seq=(own if seq is None else seq) % (1 << 32),
            ack=other % (1 << 32),
            flags=flags,
            win=65535,
            data=data,
        )
        segment.off = 5
        self.capture.add(time, frame(src, dst, segment, dpkt.ip.IP_PROTO_TCP))

    def handshake(self, time: float) -> float:
        self.segment(time, True, SYN)
        self.cseq += 1
        self.segment(time + 0.01, False, SYN | ACK)
        self.sseq += 1
        self.segment(time + 0.02, True, ACK)
        return time + 0.03

    def send(self, time: float, from_client: bool, data: bytes, *, size: int = 1460) -> float:
        """Send `data` in segments of `size` bytes, in order."""
        for start in range(0, len(data), size):
            chunk = data[start : start + size]
            self.segment(time, from_client, PSH | ACK, chunk)
            if from_client:
                self.cseq += len(chunk)
            else:
                self.sseq += len(chunk)
            time += 0.001
        return time

    def pieces(self, from_client: bool, data: bytes, size: int) -> list[tuple[int, bytes]]:
        """(seq, chunk) pieces of `data` without sending them, advancing the sequence."""
        base = self.cseq if from_client else self.sseq
        out = [(base + i, data[i : i + size]) for i in range(0, len(data), size)]
        if from_client:
            self.cseq += len(data)
        else:
            self.sseq += len(data)
        return out

    def close(self, time: float) -> None:
        self.segment(time, True, FIN | ACK)
        self.cseq += 1
        self.segment(time + 0.01, False, FIN | ACK)
        self.sseq += 1
        self.segment(time + 0.02, True, ACK)


CHECKIN = (
    "ll|'|'|{victim}|'|'|DESKTOP-7QK2|'|'|jsmith|'|'|24-02-11|'|'||'|'|"
    "Win 10 Pro SP0 x64|'|'|Yes|'|'|0.7d|'|'|..|'|'|{title}|'|'|"
)


def checkin(victim: str = "SGFjS2VkXzlFNzAxNDNB", title: str = "SW5ib3ggLSBPdXRsb29r") -> str:
    """A 0.7d check-in; the default victim id is base64 of HacKed_9E70143A, the title of
    `Inbox - Outlook`."""
    return CHECKIN.format(victim=victim, title=title)
