"""Findings in time order without holding them all: sort in memory, or spill runs and merge.

A timeline lists findings by time, findings without a time last, ties in the order they
came. Up to `memory_limit` findings are sorted in memory. Past that, each full batch is
sorted and written to a temporary file (a run), and the runs are merged with
`heapq.merge`, which reads one line of each run at a time. With more runs than can be
open at once, groups of runs are first merged into longer runs.
"""

from __future__ import annotations

import heapq
import logging
import shutil
import tempfile
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from rathunt.errors import ConfigError
from rathunt.model import Finding
from rathunt.report.serialise import finding_to_dict

log = logging.getLogger(__name__)

# Findings sorted in memory before runs are spilled to disk (a finding dict is ~2 KB).
DEFAULT_MEMORY_LIMIT = 50_000

# Runs merged at once; well below the usual limit of open files.
MERGE_FAN_IN = 64

# A record with its arrival number, which keeps the sort stable across runs.
Numbered = tuple[int, dict[str, Any]]
SortKey = tuple[int, str, int]


def timeline(
    findings: Iterable[Finding],
    *,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
    spill_dir: str | Path | None = None,
) -> Iterator[dict[str, Any]]:
    """The findings as `finding_to_dict` records, in time order; see the module docstring."""
    records = (finding_to_dict(finding) for finding in findings)
    return sort_by_time(records, memory_limit=memory_limit, spill_dir=spill_dir)


def sort_by_time(
    records: Iterable[dict[str, Any]],
    *,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
    spill_dir: str | Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Records with an ISO `time` (or None) in time order, None last, ties in input order.

    Temporary runs go to a fresh directory under `spill_dir` (the system default when
    None), removed when the iteration ends or the iterator is closed.
    """
    if memory_limit < 1:
        raise ConfigError(f"the timeline memory limit must be at least 1, not {memory_limit}")
    return _sorted(records, memory_limit, spill_dir)


def _sorted(
    records: Iterable[dict[str, Any]], memory_limit: int, spill_dir: str | Path | None
) -> Iterator[dict[str, Any]]:
    batch: list[Numbered] = []
    runs: list[Path] = []
    workdir: Path | None = None
    try:
        for number, record in enumerate(records):
            batch.append((number, record))
            if len(batch) >= memory_limit:
                workdir = workdir or Path(tempfile.mkdtemp(prefix="rathunt-sort-", dir=spill_dir))
                runs.append(_write_run(workdir, len(runs), batch))
                batch = []

        if workdir is None:
            batch.sort(key=_key)
            yield from (record for _, record in batch)
            return

        if batch:
            runs.append(_write_run(workdir, len(runs), batch))
            batch = []
        log.debug("merging %d sorted runs in %s", len(runs), workdir)
        yield from (record for _, record in _merge_all(workdir, runs))
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _key(item: Numbered) -> SortKey:
    number, record = item
    moment = record.get("time")
    if moment is None:
        return (1, "", number)
    return (0, str(moment), number)


def _write_run(workdir: Path, index: int, batch: list[Numbered]) -> Path:
    """Sort one batch and write it as a run: one `[number, record]` JSON array a line."""
    batch.sort(key=_key)
    path = workdir / f"run-{index:06d}.jsonl"
    with path.open("wb") as run:
        for item in batch:
            run.write(orjson.dumps(item, option=orjson.OPT_APPEND_NEWLINE))
    log.debug("spilled %d findings to %s", len(batch), path)
    return path


def _read_run(path: Path) -> Generator[Numbered]:
    with path.open("rb") as run:
        for line in run:
            number, record = orjson.loads(line)
            yield number, record


def _merge_all(workdir: Path, runs: list[Path]) -> Iterator[Numbered]:
    """Merge runs, first folding groups into longer runs while too many are left."""
    generation = 0
    while len(runs) > MERGE_FAN_IN:
        generation += 1
        merged: list[Path] = []
        for start in range(0, len(runs), MERGE_FAN_IN):
            group = runs[start : start + MERGE_FAN_IN]
            merged.append(_merge_to_file(workdir, f"g{generation}-{start:06d}", group))
        runs = merged
    yield from _merge(runs)


def _merge(runs: list[Path]) -> Iterator[Numbered]:
    readers = [_read_run(path) for path in runs]
    try:
        yield from heapq.merge(*readers, key=_key)
    finally:
        for reader in readers:
            reader.close()


def _merge_to_file(workdir: Path, name: str, group: list[Path]) -> Path:
    path = workdir / f"run-{name}.jsonl"
    with path.open("wb") as run:
        for item in _merge(group):
            run.write(orjson.dumps(item, option=orjson.OPT_APPEND_NEWLINE))
    for used in group:
        used.unlink()
    return path
