"""Benchmark: the `evtx` parser alone against the whole hunt, on a corpus of >= 1M records.

The corpus is the shared EVTX samples named again and again until it holds enough records (no
file is written). Each mode runs in its own child process, so each reports its own peak
resident memory:

  parse     evtx records_json() + orjson.loads, nothing else (the ceiling; one core)
  hunt      rathunt.hunt.hunt with the SigmaHQ Windows rules and its default options, as
            `rathunt hunt` runs: one worker process per core (`--workers` sets how many;
            compiling the rules and sending them to the workers is counted)
  serial    the same in this one process (`workers=1`)
  engine    the engine alone over the unique sample events, already in memory and seen
            once (its own ceiling)

Rule loading is timed apart and not counted in records/s; `hunt` and `serial` count
compiling. Records/s is wall-clock; "per CPU-s" divides by the CPU time the mode used, which
is steadier when other work shares the machine (not shown for `hunt`, whose workers' time
this process cannot read). Peak MB is the largest sampled sum over the whole process tree.

    python bench/hunt.py                       # 1M records, 3 repeats
    python bench/hunt.py --records 100000 --repeats 1    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
SAMPLES = SHARED / "evtx" / "EVTX-ATTACK-SAMPLES"
SIGMA = SHARED / "sigma"
WINDOWS_RULES = ("rules/windows", "rules-emerging-threats", "rules-threat-hunting/windows")
MODES = ("parse", "hunt", "serial", "engine")


def main() -> None:
    args = _arguments()
    if args.mode:
        print(json.dumps(_run_mode(args)))
        return

    corpus, records = _corpus(args.records)
    print(f"corpus: {len(corpus)} file reads, {records:,} records; repeats: {args.repeats}")
    results: dict[str, list[dict[str, Any]]] = {}
    for mode in args.modes:
        for _ in range(args.repeats):
            results.setdefault(mode, []).append(_child(mode, args))
    _print(results, records)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="corpus size (records)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per mode; medians shown")
    parser.add_argument(
        "--workers", type=int, default=0, help="processes for `hunt` (0: a core each)"
    )
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    return parser.parse_args()


def _corpus(wanted: int) -> tuple[list[str], int]:
    """The sample files, named again and again until they hold `wanted` records."""
    import evtx

    files = sorted(str(path) for path in SAMPLES.rglob("*.evtx"))
    counts = [sum(1 for _ in evtx.PyEvtxParser(path).records_json()) for path in files]
    corpus: list[str] = []
    total = 0
    while total < wanted:
        for path, count in zip(files, counts, strict=True):
            corpus.append(path)
            total += count
            if total >= wanted:
                break
    return corpus, total


def _child(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--mode", mode, "--records", str(args.records)]
    command += ["--workers", str(args.workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  {mode}: {result['records'] / result['seconds']:>10,.0f} records/s, "
        f"peak {result['peak_mb']:,.0f} MB"
    )
    return result


def _run_mode(args: argparse.Namespace) -> dict[str, Any]:
    corpus, _ = _corpus(args.records)
    runner = {"parse": _parse, "hunt": _hunt, "serial": _serial, "engine": _engine}
    sampler = _TreeMemory()
    sampler.start()
    result = runner[args.mode](corpus, args)
    sampler.stop()
    # This process's own peak (kilobytes on Linux), or the sampled peak of the whole process
    # tree (workers and their server included), whichever is larger.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["peak_mb"] = max(own, sampler.peak) / (1 << 20)
    return result


class _TreeMemory(threading.Thread):
    """Samples the resident memory of this process and all its descendants, 5 times a
    second, and keeps the largest sum (workers are grandchildren: rusage misses them)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak = max(self.peak, _tree_rss(os.getpid()))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree_rss(root: int) -> int:
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip() or 0)
        sizes[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += sizes.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def _parse(corpus: list[str], args: argparse.Namespace) -> dict[str, Any]:
    import evtx
    import orjson

    start, cpu = time.perf_counter(), time.process_time()
    records = 0
    for path in corpus:
        for record in evtx.PyEvtxParser(path).records_json():
            orjson.loads(cast(dict[str, Any], record)["data"])
            records += 1
    return _timed(records, start, cpu)


def _load_rules() -> Any:
    from rathunt.rules import load_rules

    return load_rules([SIGMA / name for name in WINDOWS_RULES])


def _serial(corpus: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from rathunt.hunt import HuntOptions, hunt

    started = time.perf_counter()
    ruleset = _load_rules()
    loaded = time.perf_counter() - started
    options = HuntOptions(keep_duplicates=True, workers=1)
    start, cpu = time.perf_counter(), time.process_time()
    result = hunt(corpus, options, ruleset=ruleset)
    return {
        **_timed(result.counts.records_read, start, cpu),
        "findings": len(result.findings),
        "rules": len(ruleset.rules),
        "load_seconds": loaded,
    }


def _hunt(corpus: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from rathunt.hunt import HuntOptions, hunt

    ruleset = _load_rules()
    options = HuntOptions(keep_duplicates=True, workers=args.workers)
    start, cpu = time.perf_counter(), time.process_time()
    result = hunt(corpus, options, ruleset=ruleset)
    timed = _timed(result.counts.records_read, start, cpu)
    return {**timed, "findings": len(result.findings)}


def _engine(corpus: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from rathunt.engine import Engine
    from rathunt.events import ReadStats, read_paths

    engine = Engine(_load_rules().rules)
    unique = sorted(set(corpus))
    events = list(read_paths(unique, stats=ReadStats(), keep_duplicates=True))
    # A first pass builds each log source's prefilter, as the start of any long hunt does.
    sum(1 for _ in engine.match(events))
    start, cpu = time.perf_counter(), time.process_time()
    matches = 0
    for offset in range(0, len(events), 4096):
        matches += sum(1 for _ in engine.match(events[offset : offset + 4096]))
    return {**_timed(len(events), start, cpu), "matches": matches}


def _timed(records: int, start: float, cpu: float) -> dict[str, Any]:
    return {
        "records": records,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
    }


def _print(results: dict[str, list[dict[str, Any]]], records: int) -> None:
    rates = {
        mode: statistics.median(run["records"] / run["seconds"] for run in runs)
        for mode, runs in results.items()
    }
    per_cpu = {
        mode: statistics.median(run["records"] / run["cpu_seconds"] for run in runs)
        for mode, runs in results.items()
    }
    peaks = {mode: max(run["peak_mb"] for run in runs) for mode, runs in results.items()}
    print(f"\n{'mode':<10}{'records/s':>12}{'of parse':>10}{'per CPU-s':>12}{'peak MB':>10}")
    for mode in results:
        share = f"{rates[mode] / rates['parse']:.0%}" if "parse" in rates else "-"
        # The workers' CPU time is not this process's to read: no per-CPU figure for hunt.
        cpu = "-" if mode == "hunt" else f"{per_cpu[mode]:,.0f}"
        print(f"{mode:<10}{rates[mode]:>12,.0f}{share:>10}{cpu:>12}{peaks[mode]:>10,.0f}")
    if "serial" in results:
        run = results["serial"][0]
        print(
            f"\nhunt: {run['rules']} rules loaded and compiled in {run['load_seconds']:.1f} s "
            f"(not counted); {run['findings']:,} findings after folding"
        )


if __name__ == "__main__":
    main()
