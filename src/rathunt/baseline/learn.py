"""Learning: history in, profile tables out, in batches that never hold all events.

Each batch of events is observed, grouped by profile key and day, and upserted into a
staging file beside the baseline. Only when the input is exhausted is the window known (the
last N days of what was read, or a given start and end), so the staged days inside it are
then folded into the baseline in one transaction: a learn that fails leaves the file as it
was. Host-days learned by an earlier run are not counted twice unless asked.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from rathunt.baseline import schema
from rathunt.baseline.lookup import ArrowStream
from rathunt.baseline.observe import observe
from rathunt.errors import ConfigError
from rathunt.model import Event

log = logging.getLogger(__name__)

Source = Iterable[Event] | Iterable[str | os.PathLike[str]] | str | os.PathLike[str]


@dataclass(slots=True)
class LearnResult:
    """What one learn run read, used and left out, with the window it chose."""

    path: Path
    run: int
    window_start: date | None
    window_end: date | None
    events_read: int = 0
    events_learned: int = 0
    events_outside_window: int = 0
    events_already_learned: int = 0
    events_undated: int = 0
    events_without_host: int = 0
    host_days: int = 0
    read_stats: Any = None
    problems: list[str] = field(default_factory=list)


def resolve_window(
    days: int | None, start: date | None, end: date | None, first: date, last: date
) -> tuple[date, date]:
    """The inclusive UTC-day window from the options and the days present in the input."""
    if days is not None and days < 1:
        raise ConfigError(f"--days must be at least 1, not {days}")
    if days is not None and start is not None and end is not None:
        raise ConfigError("give --days with --start or --end, or --start with --end, not all")
    if days is not None:
        if start is not None:
            return start, start + timedelta(days=days - 1)
        end = end or last
        return end - timedelta(days=days - 1), end
    window = (start or first, end or last)
    if window[0] > window[1]:
        raise ConfigError(f"the window starts ({window[0]}) after it ends ({window[1]})")
    return window


def learn(
    source: Source,
    out: str | os.PathLike[str],
    *,
    days: int | None = None,
    start: date | None = None,
    end: date | None = None,
    allow_overlap: bool = False,
    batch_size: int = 20_000,
) -> LearnResult:
    """Learn profiles from events (or telemetry paths) into the DuckDB file `out`.

    An existing file is extended: counts add up, first and last seen widen. The window is
    whole UTC days: `days` alone means the last `days` days present in the input.
    """
    path = Path(out)
    stage_path = path.with_name(f".{path.name}.{os.getpid()}.staging")
    _remove(stage_path)
    con = _connect(path)
    result = LearnResult(path, run=0, window_start=None, window_end=None)
    try:
        con.execute(f"ATTACH '{_quote(stage_path)}' AS stage")
        _create_stage(con)
        events, sources, result.read_stats = _events_of(source)
        _stage_batches(con, events, batch_size, result)
        _commit(con, result, sources, days, start, end, allow_overlap)
    finally:
        con.close()
        _remove(stage_path)
    if _free_share(path) > 0.0:
        compact(path)
    _log_result(result)
    return result


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as err:
        raise ConfigError(
            f"cannot open the baseline file: {err}",
            path=str(path),
            hint="give --out a new file or one written by `rathunt baseline learn`",
        ) from err
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if tables and "meta" not in tables:
        con.close()
        raise ConfigError(
            "a DuckDB file that is no baseline; it is left untouched",
            path=str(path),
            hint="give --out a new file or one written by `rathunt baseline learn`",
        )
    schema.create_all(con)
    check_version(con, path)
    return con


def check_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse files of another schema version instead of misreading them."""
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or row[0] != schema.SCHEMA_VERSION:
        found = "none" if row is None else row[0]
        raise ConfigError(
            f"baseline schema version {found}, this rathunt reads {schema.SCHEMA_VERSION}",
            path=str(path),
            hint="learn a new baseline from the same history",
        )


def _create_stage(con: duckdb.DuckDBPyConnection) -> None:
    for profile in schema.PROFILES.values():
        schema.create_profile_table(con, profile, f"stage.{profile.table}", day=True)
    con.execute(
        "CREATE TABLE stage.host_days (host VARCHAR NOT NULL, day DATE NOT NULL, "
        "events BIGINT NOT NULL, PRIMARY KEY (host, day))"
    )


def _events_of(source: Source) -> tuple[Iterator[Event], list[str], Any]:
    """Events from an event iterable, or read from paths by `rathunt.events`."""
    if isinstance(source, str | os.PathLike):
        source = [source]
    iterator = iter(source)
    first = next(iterator, None)
    if first is None:
        return iter(()), [], None
    if not isinstance(first, str | os.PathLike):
        return _chain(first, iterator), ["events"], None  # type: ignore[arg-type]
    events = importlib.import_module("rathunt.events")
    paths = [os.fspath(first), *(os.fspath(item) for item in iterator)]  # type: ignore[arg-type]
    stats = events.ReadStats()
    return iter(events.read_paths(paths, stats=stats)), paths, stats


def _chain(first: Event, rest: Iterator[Event]) -> Iterator[Event]:
    yield first
    yield from rest


def _stage_batches(
    con: duckdb.DuckDBPyConnection, events: Iterator[Event], size: int, result: LearnResult
) -> None:
    batch: list[Event] = []
    for event in events:
        batch.append(event)
        if len(batch) >= size:
            _stage(con, batch, result)
            batch = []
    if batch:
        _stage(con, batch, result)


def _stage(con: duckdb.DuckDBPyConnection, batch: list[Event], result: LearnResult) -> None:
    observations = observe(batch)
    result.events_read += len(batch)
    result.events_undated += observations.undated
    result.events_without_host += observations.without_host
    for name, frame in observations.frames.items():
        if frame.is_empty():
            continue
        profile = schema.PROFILES[name]
        columns = [*profile.row_keys, *profile.attributes, "day", "time", "hour"]
        con.register("batch_rows", ArrowStream(frame.select(columns)))
        con.execute(schema.merge_sql(profile, f"stage.{profile.table}", "batch_rows", day=True))
        con.unregister("batch_rows")
    if not observations.host_days.is_empty():
        con.register("batch_days", ArrowStream(observations.host_days))
        con.execute(
            "INSERT INTO stage.host_days BY NAME SELECT host, day, events FROM batch_days "
            "ON CONFLICT DO UPDATE SET events = events + EXCLUDED.events"
        )
        con.unregister("batch_days")


def _commit(
    con: duckdb.DuckDBPyConnection,
    result: LearnResult,
    sources: list[str],
    days: int | None,
    start: date | None,
    end: date | None,
    allow_overlap: bool,
) -> None:
    span = con.execute("SELECT min(day), max(day) FROM stage.host_days").fetchone()
    if span is None or span[0] is None:
        result.problems.append("no event with both a time and a host: nothing learned")
        _record_run(con, result, sources)
        return
    result.window_start, result.window_end = resolve_window(days, start, end, span[0], span[1])
    keep = _keep_clause(allow_overlap)
    window = [result.window_start, result.window_end]
    _count_left_out(con, result, window, allow_overlap)

    con.execute("BEGIN TRANSACTION")
    try:
        for profile in schema.PROFILES.values():
            source = f"stage.{profile.table} AS s WHERE {keep}"
            con.execute(schema.merge_sql(profile, profile.table, source, day=False), window)
        result.host_days, result.events_learned = _merge_host_days(con, keep, window)
        for profile in schema.PROFILES.values():
            con.execute(schema.prevalence_sql(profile))
        _record_run(con, result, sources)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _keep_clause(allow_overlap: bool) -> str:
    clause = "s.day >= ? AND s.day <= ?"
    if not allow_overlap:
        clause += (
            " AND NOT EXISTS (SELECT 1 FROM host_days AS h WHERE h.host = s.host AND h.day = s.day)"
        )
    return clause


def _count_left_out(
    con: duckdb.DuckDBPyConnection, result: LearnResult, window: list[date], allow_overlap: bool
) -> None:
    row = con.execute(
        "SELECT coalesce(sum(events) FILTER (WHERE day < ? OR day > ?), 0) FROM stage.host_days",
        window,
    ).fetchone()
    result.events_outside_window = int(row[0]) if row else 0
    if allow_overlap:
        return
    overlap = con.execute(
        "SELECT s.host, s.day, s.events FROM stage.host_days AS s JOIN host_days AS h "
        "USING (host, day) WHERE s.day >= ? AND s.day <= ? ORDER BY s.host, s.day",
        window,
    ).fetchall()
    result.events_already_learned = sum(int(events) for _, _, events in overlap)
    if overlap:
        shown = ", ".join(f"{host} {day}" for host, day, _ in overlap[:5])
        more = f" and {len(overlap) - 5} more" if len(overlap) > 5 else ""
        result.problems.append(
            f"{len(overlap)} host-days were learned before and are left out ({shown}{more}); "
            "learn with --allow-overlap to count them again"
        )


def _merge_host_days(
    con: duckdb.DuckDBPyConnection, keep: str, window: list[date]
) -> tuple[int, int]:
    row = con.execute(
        f"SELECT count(*), coalesce(sum(events), 0) FROM stage.host_days AS s WHERE {keep}",
        window,
    ).fetchone()
    con.execute(
        f"INSERT INTO host_days BY NAME SELECT host, day, events FROM stage.host_days AS s "
        f"WHERE {keep} ON CONFLICT DO UPDATE SET events = events + EXCLUDED.events",
        window,
    )
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _record_run(con: duckdb.DuckDBPyConnection, result: LearnResult, sources: list[str]) -> None:
    row = con.execute("SELECT coalesce(max(run), 0) + 1 FROM runs").fetchone()
    result.run = int(row[0]) if row else 1
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.run,
            result.window_start,
            result.window_end,
            result.events_read,
            result.events_learned,
            result.events_outside_window,
            result.events_already_learned,
            result.events_undated,
            result.events_without_host,
            "\n".join(sources),
        ],
    )


def _log_result(result: LearnResult) -> None:
    log.info(
        "learned %d of %d events (%d host-days, %s to %s) into %s",
        result.events_learned,
        result.events_read,
        result.host_days,
        result.window_start,
        result.window_end,
        result.path,
    )
    left_out = {
        "outside the window": result.events_outside_window,
        "on host-days learned before": result.events_already_learned,
        "without a time": result.events_undated,
        "without a host": result.events_without_host,
    }
    for reason, count in left_out.items():
        if count:
            log.warning("%d events left out %s", count, reason)
    for problem in result.problems:
        log.warning("%s", problem)


def _free_share(path: Path) -> float:
    """The share of the file's blocks that earlier runs freed and nothing uses."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute("SELECT free_blocks, total_blocks FROM pragma_database_size()").fetchone()
    finally:
        con.close()
    return float(row[0]) / float(row[1]) if row and row[1] else 0.0


def compact(path: Path) -> None:
    """Rewrite the file without the blocks earlier runs freed: DuckDB never shrinks a file."""
    fresh = path.with_name(f".{path.name}.{os.getpid()}.compact")
    _remove(fresh)
    try:
        con = duckdb.connect(str(fresh))
        try:
            row = con.execute("SELECT current_database()").fetchone()
            catalog = str(row[0]).replace('"', '""') if row else "main"
            con.execute(f"ATTACH '{_quote(path)}' AS previous (READ_ONLY)")
            con.execute(f'COPY FROM DATABASE previous TO "{catalog}"')
            con.execute("DETACH previous")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(fresh, path)
    finally:
        _remove(fresh)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        if candidate.exists():
            candidate.unlink()
