"""Reading speed: rathunt.events against the evtx parser alone, on the shared EVTX corpus.

    python bench/read.py [--rounds 5] [--data ../shared/data]

Each round reads every corpus file twice, once with the bare parser (`records_json` and
`orjson.loads`, the floor any Python reader pays) and once through `read_file` (parse,
normalise, log source, twins); the best round of each is reported, with their ratio. A JSON
Lines copy of the corpus is timed too.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import evtx
import orjson

from rathunt.events import ReadStats, read_file

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def bare(files: list[str]) -> int:
    count = 0
    for path in files:
        for record in evtx.PyEvtxParser(path, number_of_threads=1).records_json():
            orjson.loads(record["data"])  # type: ignore[index]
            count += 1
    return count


def ours(files: list[str]) -> int:
    stats = ReadStats()
    count = 0
    for path in files:
        for _ in read_file(path, stats):
            count += 1
    return count


def timed(run: Callable[[list[str]], int], files: list[str]) -> tuple[int, float]:
    start = time.perf_counter()
    count = run(files)
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    files = sorted(str(p) for p in (args.data / "evtx").rglob("*.evtx"))
    best_bare = best_ours = 0.0
    for _ in range(args.rounds):
        count, seconds = timed(bare, files)
        best_bare = max(best_bare, count / seconds)
        count, seconds = timed(ours, files)
        best_ours = max(best_ours, count / seconds)
    print(f"{len(files)} EVTX files, {count} records, best of {args.rounds} rounds")
    print(f"evtx parser + orjson: {best_bare:10,.0f} records/s")
    print(f"rathunt.events:       {best_ours:10,.0f} records/s  ({best_ours / best_bare:.2f}x)")

    with tempfile.TemporaryDirectory() as tmp:
        lines = Path(tmp) / "corpus.jsonl"
        with lines.open("wb") as out:
            for path in files:
                for record in evtx.PyEvtxParser(path).records_json():
                    if record is not None:
                        out.write(record["data"].encode() + b"\n")
        best_lines = max(
            count / seconds
            for count, seconds in (timed(ours, [str(lines)]) for _ in range(args.rounds))
        )
    print(f"rathunt.events JSONL: {best_lines:10,.0f} records/s")


if __name__ == "__main__":
    main()
