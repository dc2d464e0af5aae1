"""What a baseline learned: sizes, the most common and the rarest entries, and thresholds.

Threshold suggestions come from the history itself. How many keys a host shows for the
first time on its n-th day of history falls as the baseline fills; the day it falls to a
tenth of the first day's count is a fair `min_host_days`, and the rate over the last days is
what scoring will raise per host per day on ordinary work, before fleet rarity thins it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from rathunt.baseline import schema
from rathunt.baseline.config import BaselineConfig
from rathunt.baseline.learn import check_version
from rathunt.errors import ConfigError


@dataclass(slots=True)
class ProfileSummary:
    """One profile: its rows, distinct keys, top and rarest keys and its novelty curve."""

    name: str
    table: str
    rows: int
    keys: int
    single_host_keys: int
    top: list[dict[str, Any]]
    rarest: list[dict[str, Any]]
    new_per_host_day: list[float]
    tail_rate: float


@dataclass(slots=True)
class Summary:
    """The whole baseline: window, hosts, runs, per-profile summaries and suggested config."""

    path: Path
    hosts: int
    days: int
    first_day: date | None
    last_day: date | None
    events: int
    runs: list[dict[str, Any]]
    profiles: list[ProfileSummary] = field(default_factory=list)
    suggested: BaselineConfig = field(default_factory=BaselineConfig)
    notes: list[str] = field(default_factory=list)


def summarise(
    path: str | os.PathLike[str], *, top: int = 10, config: BaselineConfig | None = None
) -> Summary:
    """Read a baseline file and summarise it; `config` is the starting point of suggestions."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("no baseline file here", path=str(path))
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:  # some other file: a text file, a log, a capture
        raise ConfigError(f"not a baseline file: {err}", path=str(path)) from err
    try:
        try:
            check_version(con, path)
        except duckdb.Error as err:  # a DuckDB file without the baseline tables
            raise ConfigError(f"not a baseline file: {err}", path=str(path)) from err
        summary = _overview(con, path)
        for profile in schema.PROFILES.values():
            summary.profiles.append(_profile(con, profile, top))
        summary.suggested, summary.notes = suggest(summary, config or BaselineConfig())
    finally:
        con.close()
    return summary


def _overview(con: duckdb.DuckDBPyConnection, path: Path) -> Summary:
    row = con.execute(
        "SELECT count(DISTINCT host), count(DISTINCT day), min(day), max(day), "
        "coalesce(sum(events), 0) FROM host_days"
    ).fetchone()
    assert row is not None
    cursor = con.execute("SELECT * FROM runs ORDER BY run")
    names = [column[0] for column in cursor.description or ()]
    runs = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return Summary(path, int(row[0]), int(row[1]), row[2], row[3], int(row[4]), runs)


def _profile(con: duckdb.DuckDBPyConnection, profile: schema.Profile, top: int) -> ProfileSummary:
    keys = ", ".join(profile.keys)
    counts = con.execute(
        f"SELECT (SELECT count(*) FROM {profile.table}), count(*), "
        f"count(*) FILTER (WHERE hosts = 1) FROM {profile.prevalence}"
    ).fetchone()
    assert counts is not None
    common = _records(
        con,
        f"SELECT {keys}, hosts, count FROM {profile.prevalence} "
        f"ORDER BY count DESC, hosts DESC, {keys} LIMIT ?",
        top,
    )
    rarest = _records(
        con,
        f"SELECT {keys}, hosts, count FROM {profile.prevalence} "
        f"ORDER BY hosts, count, {keys} LIMIT ?",
        top,
    )
    curve = novelty_curve(con, profile)
    tail = curve[-3:] if len(curve) > 3 else curve[1:]
    tail_rate = round(sum(tail) / len(tail), 3) if tail else 0.0
    return ProfileSummary(
        profile.name,
        profile.table,
        int(counts[0]),
        int(counts[1]),
        int(counts[2]),
        common,
        rarest,
        curve,
        tail_rate,
    )


def _records(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def novelty_curve(con: duckdb.DuckDBPyConnection, profile: schema.Profile) -> list[float]:
    """Keys first seen on a host on its n-th day of history, per host with an n-th day."""
    keys = ", ".join(profile.keys)
    rows = con.execute(
        "WITH starts AS (SELECT host, min(day) AS start FROM host_days GROUP BY host), "
        f"firsts AS (SELECT host, min(first_seen)::DATE AS day FROM {profile.table} "
        f"GROUP BY host, {keys}), "
        "fresh AS (SELECT datediff('day', s.start, f.day) AS n, count(*) AS keys "
        "FROM firsts AS f JOIN starts AS s USING (host) GROUP BY n), "
        "present AS (SELECT datediff('day', s.start, d.day) AS n, count(*) AS hosts "
        "FROM host_days AS d JOIN starts AS s USING (host) GROUP BY n) "
        "SELECT p.n, coalesce(f.keys, 0), p.hosts FROM present AS p "
        "LEFT JOIN fresh AS f USING (n) ORDER BY p.n"
    ).fetchall()
    return [round(keys / hosts, 3) if hosts else 0.0 for _, keys, hosts in rows]


def suggest(summary: Summary, config: BaselineConfig) -> tuple[BaselineConfig, list[str]]:
    """Thresholds that fit the learned distribution, with a note on each choice."""
    notes: list[str] = []
    settle = 1
    for profile in summary.profiles:
        curve = profile.new_per_host_day
        if len(curve) < 2 or curve[0] == 0:
            continue
        floor = max(curve[0] / 10, profile.tail_rate)
        last = len(curve) - 1
        day = next(n for n, rate in enumerate(curve) if (n >= 1 and rate <= floor) or n == last)
        if profile.tail_rate > curve[0] / 10:
            notes.append(
                f"{profile.name}: still {profile.tail_rate} new keys per host a day at the end "
                f"of the history, more than a tenth of the first day's {curve[0]}; a longer "
                "history would settle it"
            )
        settle = max(settle, day)
    rare_hosts = 0 if summary.hosts < 10 else max(1, round(summary.hosts * 0.05))
    notes.append(
        f"min_host_days = {settle}: by then every profile's daily new keys per host fell to a "
        "tenth of the first day's, or to its level at the end of the history"
    )
    notes.append(
        f"rare_hosts = {rare_hosts}: "
        + (
            "with fewer than 10 hosts only keys no other host showed are rare"
            if summary.hosts < 10
            else f"5% of {summary.hosts} hosts"
        )
    )
    if summary.days < config.min_days:
        notes.append(
            f"the baseline covers {summary.days} days, fewer than min_days = {config.min_days}: "
            "scoring refuses it until more history is learned"
        )
    for profile in summary.profiles:
        notes.append(
            f"{profile.name}: about {profile.tail_rate} keys new to a host per host per day "
            "over the last days (an upper bound on findings before fleet rarity)"
        )
    suggested = replace(config, min_host_days=settle, rare_hosts=rare_hosts)
    return suggested, notes
