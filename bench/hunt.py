"""Benchmark: the `evtx` parser alone against the whole hunt, on a corpus of >= 1M records.

The corpus is the shared EVTX samples named again and again until it holds enough records (no
file is written). Each mode runs in its own child process, so each reports its own peak
resident memory:

  parse     evtx records_json() + orjson.loads, nothing else (the ceiling)
  hunt      rathunt.hunt.hunt with the SigmaHQ Windows rules (one process)
  parallel  rathunt.hunt.hunt with `workers=N` (files read and matched in N worker
            processes; compiling and pickling the engine for them is counted)
  engine    the engine alone over the unique sample events, already in memory and seen
            once (its own ceiling)

Rule loading is timed apart and not counted in records/s; `hunt` counts compiling. Records/s
is wall-clock; "per CPU-s" divides by the CPU time the mode used, which is steadier when other
work shares the machine.

    python bench/hunt.py                       # 1M records, 3 repeats
    python bench/hunt.py --records 100000 --repeats 1    # a quick look
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
SAMPLES = SHARED / "evtx" / "EVTX-ATTACK-SAMPLES"
SIGMA = SHARED / "sigma"
WINDOWS_RULES = ("rules/windows", "rules-emerging-threats", "rules-threat-hunting/windows")
MODES = ("parse", "hunt", "parallel", "engine")


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
    parser.add_argument("--workers", type=int, default=2, help="processes for `parallel`")
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
    runner = {"parse": _parse, "hunt": _hunt, "parallel": _parallel, "engine": _engine}
    result = runner[args.mode](corpus, args)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Linux reports kilobytes; workers each peak near the largest child's figure.
    workers = args.workers if args.mode == "parallel" else 0
    result["peak_mb"] = (own + workers * children) / 1024
    return result


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


def _hunt(corpus: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from rathunt.hunt import HuntOptions, hunt

    started = time.perf_counter()
    ruleset = _load_rules()
    loaded = time.perf_counter() - started
    options = HuntOptions(keep_duplicates=True)
    start, cpu = time.perf_counter(), time.process_time()
    result = hunt(corpus, options, ruleset=ruleset)
    return {
        **_timed(result.counts.records_read, start, cpu),
        "findings": len(result.findings),
        "rules": len(ruleset.rules),
        "load_seconds": loaded,
    }


def _parallel(corpus: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from rathunt.hunt import HuntOptions, hunt

    ruleset = _load_rules()
    options = HuntOptions(keep_duplicates=True, workers=args.workers)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start, cpu = time.perf_counter(), time.process_time()
    result = hunt(corpus, options, ruleset=ruleset)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed = _timed(result.counts.records_read, start, cpu)
    timed["cpu_seconds"] += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
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
        print(
            f"{mode:<10}{rates[mode]:>12,.0f}{share:>10}{per_cpu[mode]:>12,.0f}"
            f"{peaks[mode]:>10,.0f}"
        )
    if "hunt" in results:
        run = results["hunt"][0]
        print(
            f"\nhunt: {run['rules']} rules loaded and compiled in {run['load_seconds']:.1f} s "
            f"(not counted); {run['findings']:,} findings after folding"
        )


if __name__ == "__main__":
    main()
