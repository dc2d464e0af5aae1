"""Throughput and memory of the simulator: events per second and peak resident memory.

    python bench/simulate.py --events 1000000
    python bench/simulate.py --events 10000000 --hosts 400 --days 30 --format xml

Events are encoded in the chosen shape but not written (give --out to write them), so the
figure is the generator's own; peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time

from rathunt.simulate import FORMATS, VARIANTS, SimOptions, simulate, write_simulation
from rathunt.simulate.writers import encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--format", choices=FORMATS, default="evtx-jsonl")
    parser.add_argument("--out", help="write the simulation here instead of only encoding it")
    args = parser.parse_args()

    builds = [[name] for name in sorted(VARIANTS)]
    options = SimOptions(hosts=args.hosts, days=args.days, seed="bench", intrusions=builds)
    start = time.perf_counter()
    if args.out:
        count = write_simulation(options, args.out, args.format).events
    else:
        count = 0
        size = 0
        for event in itertools.islice(simulate(options), args.events):
            size += len(encode(event, args.format))
            count += 1
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{count} events in {elapsed:.1f} s: {count / elapsed:,.0f} events/s, "
        f"peak RSS {peak_mb:.0f} MB ({args.format})"
    )
    if not args.out:
        print(f"{size / count:.0f} bytes per encoded event on average")


if __name__ == "__main__":
    sys.exit(main())
