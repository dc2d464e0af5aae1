"""Reading speed and memory on a large crafted capture: `python -m tests.network.bench_capture`.

Writes a capture of many hosts' ordinary traffic (DNS, HTTP, TLS-like bulk transfers, some of
it out of order) with one njRAT session inside, then times `rathunt.network.NetworkScan` over
it and reports the peak memory of the read. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.network.pcapgen import PSH, T0, Capture, TcpSession, checkin, njrat_message

from rathunt.events import ReadStats
from rathunt.network import NetworkScan


def build(path: Path, hosts: int, flows_per_host: int, bulk: int) -> int:
    rng = random.Random(1)
    capture = Capture()
    clock = T0
    for host in range(hosts):
        client = f"10.20.{host // 250}.{host % 250 + 1}"
        for index in range(flows_per_host):
            clock += rng.uniform(0.001, 0.05)
            server = f"198.51.{rng.randint(0, 99)}.{rng.randint(1, 254)}"
            capture.dns(
                clock,
                client,
                "10.20.0.1",
                f"cdn{index}.example.net",
                [server],
                ident=index,
                port=40000 + index,
            )
            session = TcpSession(capture, client, 20000 + index, server, 443 if index % 2 else 80)
            moment = session.handshake(clock)
            if index % 2 == 0:
                request = f"GET /a/{index}.js HTTP/1.1\r\nHost: cdn{index}.example.net\r\n\r\n"
                moment = session.send(moment, True, request.encode())
            pieces = session.pieces(False, rng.randbytes(bulk), 1400)
            if index % 5 == 0:
                pieces.reverse()
            for seq, chunk in pieces:
                session.segment(moment, False, PSH | 0x10, chunk, seq=seq)
            session.close(moment + 0.1)
    rat = TcpSession(capture, "10.20.0.7", 49228, "203.0.113.77", 5552)
    moment = rat.handshake(clock + 1)
    rat.send(moment, True, njrat_message(checkin()))
    capture.write(path)
    return len(capture.frames)


def _peak_kib() -> int:
    """This process's peak resident memory; unlike ru_maxrss it starts afresh at exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def read(path: Path) -> None:
    size = path.stat().st_size
    start = time.perf_counter()
    network = NetworkScan()
    stats = ReadStats()
    events = sum(1 for _ in network.read(path, stats))
    findings = network.finish()
    seconds = time.perf_counter() - start
    peak = _peak_kib()
    print(
        f"{size / 1e6:.1f} MB read in {seconds:.2f} s ({size / 1e6 / seconds:.1f} MB/s); "
        f"{events} events, {len(findings)} findings "
        f"({', '.join(sorted({f.rule_id for f in findings}))}); "
        f"max RSS of the reading process {peak / 1024:.0f} MB; {len(stats.problems)} problems"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--flows", type=int, default=50)
    parser.add_argument("--bulk", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.pcap"
        frames = build(path, args.hosts, args.flows, args.bulk)
        print(f"wrote {frames} frames")
        # A fresh process, so the peak memory is the read's alone.
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from tests.network.bench_capture import read, Path; read(Path({str(path)!r}))",
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
