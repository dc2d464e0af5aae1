"""Baseline throughput: events per second for learning and scoring, file size per M events.

    python bench/baseline.py [--hosts 20] [--days 14] [--seed 3]

The simulator's benign noise (normalised in memory, as the readers would) is learned in two
halves, so the growth of the file from the first half to the whole shows that its size
follows distinct profiles rather than events; then the next day, with one njRAT intrusion,
is scored. Generation and normalisation are timed on their own and taken out of the
learning figure. Prints a Markdown table for docs/baseline.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from rathunt.baseline import Baseline, learn
from rathunt.events import normalise
from rathunt.model import Event, Provenance
from rathunt.simulate import SimOptions, simulate
from rathunt.simulate.stream import DEFAULT_START
from rathunt.simulate.writers import to_evtx_json


def events(options: SimOptions) -> Iterator[Event]:
    for sim in simulate(options):
        provenance = Provenance(f"{sim.host.short}/{sim.channel}", sim.record_id, "evtx")
        yield normalise(to_evtx_json(sim), provenance)[0]


def timed_source(options: SimOptions) -> tuple[int, float]:
    start = time.perf_counter()
    count = sum(1 for _ in events(options))
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    half = args.days // 2
    first = SimOptions(hosts=args.hosts, days=half, seed=args.seed, intrusions=[])
    second = SimOptions(
        hosts=args.hosts,
        days=args.days - half,
        seed=args.seed,
        intrusions=[],
        start=DEFAULT_START + timedelta(days=half),
    )
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "bench.duckdb"
        learned = 0
        learn_seconds = source_seconds = 0.0
        sizes = []
        for options in (first, second):
            count, source = timed_source(options)
            start = time.perf_counter()
            result = learn(events(options), out)
            learn_seconds += time.perf_counter() - start
            source_seconds += source
            learned += result.events_learned
            assert result.events_learned == count
            sizes.append((learned, out.stat().st_size))

        day = SimOptions(
            hosts=args.hosts,
            days=1,
            seed=args.seed,
            intrusions=[["default"]],
            start=DEFAULT_START + timedelta(days=args.days),
        )
        scored = list(events(day))
        with Baseline.open(out) as baseline:
            start = time.perf_counter()
            findings = list(baseline.score(scored))
            score_seconds = time.perf_counter() - start

    baseline_seconds = learn_seconds - source_seconds
    rows += [
        ("history", f"{args.hosts} hosts x {args.days} days, {learned:,} events"),
        (
            "learn, end to end (simulate + normalise + learn)",
            f"{learned / learn_seconds:,.0f} events/s ({learn_seconds:.1f} s)",
        ),
        (
            "learn, baseline work only",
            f"{learned / baseline_seconds:,.0f} events/s ({baseline_seconds:.1f} s)",
        ),
        (
            "score one day (events in memory)",
            f"{len(scored) / score_seconds:,.0f} events/s ({len(scored):,} events, "
            f"{len(findings)} findings, {score_seconds:.2f} s)",
        ),
    ]
    for events_so_far, size in sizes:
        # Bytes per event is the same number as MB per million events.
        rows.append(
            (
                f"file after {events_so_far:,} events",
                f"{size / 1e6:.1f} MB, {size / events_so_far:.1f} MB per million events",
            )
        )
    print("| Measure | Value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
