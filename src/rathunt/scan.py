"""Units of work for a hunt: files read and matched in chunks, here or in worker processes.

A chunk is a run of consecutive files (about `CHUNK_BYTES`), read in batches of events; each
batch becomes a `Part`: its matches by record ordinal and rule index, the duplicate key of
each record, and baseline departures. Scanned in this process, parts stream one batch at a
time, so memory holds one batch. A worker process sends a chunk's parts back together, with
the keys packed in arrays (a few bytes a record). The last part of a chunk carries the chunk's
read counts, evaluation problems and the address book of its hosts.
"""

from __future__ import annotations

import ast
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import sys
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from logging.handlers import QueueHandler, QueueListener
from pathlib import Path
from types import FrameType
from typing import Any

from rathunt.collector import collector_paused
from rathunt.errors import RathuntError, WorkerError
from rathunt.model import Event, Finding

Source = tuple[str, bool]  # a path, and whether a directory walk found it
Key = tuple[str, str, int, int]  # computer, channel, record id, time in epoch microseconds

CHUNK_BYTES = 32 << 20
CHUNK_FILES = 512


class Keys:
    """Record keys in read order, packed: a log table and three integer arrays."""

    __slots__ = ("_ids", "_index", "_logs", "_moments", "_numbers")

    def __init__(self) -> None:
        self._logs: list[tuple[str, str]] = []
        self._numbers: dict[tuple[str, str], int] = {}
        self._index = array("l")
        self._ids = array("q")
        self._moments = array("q")

    def add(self, key: Key | None) -> None:
        if key is None:
            self._index.append(-1)
            self._ids.append(0)
            self._moments.append(0)
            return
        log = (key[0], key[1])
        number = self._numbers.get(log)
        if number is None:
            number = self._numbers[log] = len(self._logs)
            self._logs.append(log)
        self._index.append(number)
        self._ids.append(key[2])
        self._moments.append(key[3])

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[Key | None]:
        logs = self._logs
        for number, record_id, moment in zip(self._index, self._ids, self._moments, strict=True):
            if number < 0:
                yield None
            else:
                computer, channel = logs[number]
                yield computer, channel, record_id, moment


@dataclass(slots=True)
class Part:
    """One batch's outcome; the last part of a chunk also carries the chunk's counts."""

    records: int = 0
    matches: list[tuple[int, int, Event, dict[str, Any]]] = field(default_factory=list)
    keys: Keys = field(default_factory=Keys)
    departures: list[tuple[int, Finding]] = field(default_factory=list)
    stats: Any = None  # events.ReadStats, on the last part
    evaluation_errors: int = 0
    evaluation_problems: list[RathuntError] = field(default_factory=list)
    addresses: Any = None  # network.AddressBook of the chunk's hosts, when asked for


# The compiled engine and settings each scan needs: set in this process by `scan_all`, and
# in each worker process by `_init_worker` from a pickled copy.
_STATE: dict[str, Any] = {}


def worker_count(asked: int, chunks: int) -> int:
    """Processes a scan of `chunks` chunks uses: `asked` (0: one per core), at most one per
    core and one per chunk; 1 means this process alone."""
    cores = os.cpu_count() or 1
    return max(1, min(asked if asked > 0 else cores, cores, chunks))


def unguarded_main() -> bool:
    """True when this call comes from the top level of a script run as `__main__` outside an
    `if __name__ == "__main__":` block. Each worker imports the main script: it would run the
    call again, fail to start processes of its own, and the pool would restart it forever."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return False  # an interactive session or `python -c`: workers import nothing
    frame: FrameType | None = sys._getframe()
    outer = None
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is vars(main):
            outer = frame
        frame = frame.f_back
    if outer is None:
        return False
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return False
    line = outer.f_lineno
    return not any(
        isinstance(node, ast.If)
        and _is_main_test(node.test)
        and node.lineno <= line <= (node.end_lineno or node.lineno)
        for node in ast.walk(tree)
    )


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    sides = [test.left, *test.comparators]
    names = [side.id for side in sides if isinstance(side, ast.Name)]
    texts = [side.value for side in sides if isinstance(side, ast.Constant)]
    return isinstance(test.ops[0], ast.Eq) and names == ["__name__"] and texts == ["__main__"]


def warm_workers() -> None:
    """Start the workers' server process now, so that it imports rathunt while this process
    loads and compiles the rules."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def _context() -> Any:
    # Workers start from a clean server process, not a fork of this one: a fork inherits
    # the locks of DuckDB's and polars' threads and can hang.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["rathunt.scan", "rathunt.engine", "rathunt.events"])
    return context


def scan_all(
    chunks: list[list[Source]], state: dict[str, Any], workers: int
) -> Iterator[Iterable[Part]]:
    """Each chunk's parts, in file order, from `workers` processes (see `worker_count`).

    `state` holds the compiled `engine`, `whole_events` (indices of the rules whose
    matches must carry the whole event), `batch_size`, `dedupe`, `addresses` and
    `baseline` (path and config, or None).
    """
    if workers <= 1:
        _init_worker(state)
        try:
            for sources_of_chunk in chunks:
                yield scan_chunk(sources_of_chunk)
        finally:
            close_baseline()
            gc.unfreeze()
        return
    # Workers get the compiled engine pickled, which costs far less than loading the rules
    # again. As with any Python multiprocessing, a script that calls this must guard its
    # top level with `if __name__ == "__main__":` (workers import the main module).
    context = _context()
    lean = {**state, "engine": state["engine"].for_workers()}
    payload = pickle.dumps(lean, protocol=pickle.HIGHEST_PROTOCOL)
    # Workers log through a queue into this process's handlers: one format, and `-v` shows
    # their files too.
    logs = context.Queue()
    listener = QueueListener(logs, _Relay())
    listener.start()
    level = logging.getLogger().getEffectiveLevel()
    # An executor, not a Pool: a worker that dies (killed, out of memory) breaks it with an
    # error, where a Pool would start another and wait for the lost chunk for ever.
    try:
        executor = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(payload, logs, level)
        )
    except BaseException:
        listener.stop()
        raise
    try:
        yield from executor.map(_scan_chunk_whole, chunks)
    except (BrokenProcessPool, BrokenPipeError, EOFError, ConnectionResetError) as error:
        # A worker, or the server that starts them, went away mid-run.
        raise WorkerError(
            "a worker process stopped before finishing its files (killed, or out of memory)",
            hint="rerun with --workers 1 to see which file it was on",
        ) from error
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        listener.stop()


class _Relay(logging.Handler):
    """Hands a worker's log record to this process's logger of the same name."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def chunk(sources: list[Source]) -> list[list[Source]]:
    """Consecutive files grouped into units of about CHUNK_BYTES, so that small files share
    batches (the engine's per-batch work is paid once for many) and a large file stands
    alone."""
    chunks: list[list[Source]] = []
    size = 0
    for source in sources:
        try:
            length = os.path.getsize(source[0])
        except OSError:
            length = 0
        if not chunks or size + length > CHUNK_BYTES or len(chunks[-1]) >= CHUNK_FILES:
            chunks.append([])
            size = 0
        chunks[-1].append(source)
        size += length
    return chunks


def scan_chunk(sources: list[Source]) -> Iterator[Part]:
    """Read and match a run of files, one part per batch of events."""
    from rathunt.events import ReadStats, read_file
    from rathunt.events.dedup import record_key

    engine = _STATE["engine"]
    baseline = _baseline()
    dedupe = _STATE["dedupe"]
    stats = ReadStats()
    addresses = _address_book() if _STATE.get("addresses") else None
    errors, known = engine.stats.errors, len(engine.stats.problems)

    events = (event for path, walked in sources for event in read_file(path, stats, walked=walked))
    for batch in batched(events, _STATE["batch_size"]):
        part = Part(records=len(batch))
        if addresses is not None:
            for event in batch:
                addresses.learn(event)
        if dedupe:
            for event in batch:
                part.keys.add(record_key(event))
        part.matches.extend(engine.match_indexed(batch))
        if baseline is not None:
            places = {(e.provenance.path, e.provenance.record): i for i, e in enumerate(batch)}
            for finding in baseline.score(batch):
                place = (finding.provenance.path, finding.provenance.record)
                part.departures.append((places[place], finding))
        yield part

    yield Part(
        stats=stats,
        evaluation_errors=engine.stats.errors - errors,
        evaluation_problems=list(engine.stats.problems[known:]),
        addresses=addresses,
    )


def _scan_chunk_whole(sources: list[Source]) -> list[Part]:
    """A worker's answer: every part of the chunk, sent back together. A match's event goes
    back whole only for rules that feed correlations (they group by any field); for the
    rest a finding needs only the event's head, which is far cheaper to send."""
    parts = list(scan_chunk(sources))
    whole = _STATE.get("whole_events") or frozenset()
    for part in parts:
        heads: dict[int, Event] = {}
        for n, (position, rule_index, event, matched) in enumerate(part.matches):
            if rule_index in whole:
                continue
            head = heads.get(position)
            if head is None:
                head = heads[position] = _head(event)
            part.matches[n] = (position, rule_index, head, matched)
    return parts


HEAD_FIELDS = ("Computer", "Channel", "EventID", "EventRecordID")


def _head(event: Event) -> Event:
    fields = event.fields
    head = {name: fields[name] for name in HEAD_FIELDS if name in fields}
    return Event(head, event.logsource, event.provenance, event.time)


def batched(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    batch: list[Event] = []
    for event in events:
        batch.append(event)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _init_worker(
    state: dict[str, Any] | bytes, logs: Any = None, level: int = logging.WARNING
) -> None:
    if logs is not None:  # a worker process: its records go to the parent, Ctrl-C too
        # Ctrl-C reaches every process of the group; only the parent acts on it (and stops
        # the workers), or a worker would die mid-chunk.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        root = logging.getLogger()
        root.handlers = [QueueHandler(logs)]
        root.setLevel(level)
    if isinstance(state, bytes):
        with collector_paused():
            state = pickle.loads(state)
    assert isinstance(state, dict)
    _STATE.clear()
    _STATE.update(state)
    # The compiled rules live as long as the scan and hold no garbage: kept out of the
    # collector's view, they no longer make each full collection walk a million objects.
    gc.freeze()
    _STATE["opened"] = None


def _address_book() -> Any:
    from rathunt.network import AddressBook

    return AddressBook()


def _baseline() -> Any:
    """This process's own read-only connection to the baseline file, opened on first use."""
    settings = _STATE.get("baseline")
    if settings is None:
        return None
    if _STATE["opened"] is None:
        _STATE["opened"] = open_baseline(*settings)
    return _STATE["opened"]


def close_baseline() -> None:
    if _STATE.get("opened") is not None:
        _STATE["opened"].close()
        _STATE["opened"] = None


def open_baseline(path: str | Path, config: str | Path | None) -> Any:
    from rathunt.baseline import Baseline, BaselineConfig

    return Baseline.open(path, BaselineConfig.load(config) if config else BaselineConfig())
