"""Looking keys up: how often a host showed each key, and on how many hosts it was seen.

Scoring and suppression ask the same question of a batch of distinct keys; one query per
profile answers it from the profile table (this host) and its prevalence table (the fleet).
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from rathunt.baseline.schema import Profile


class ArrowStream:
    """A polars frame seen by DuckDB through the Arrow stream interface (no pyarrow needed)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)


def key_figures(
    con: duckdb.DuckDBPyConnection, profile: Profile, keys: pl.DataFrame
) -> pl.DataFrame:
    """`keys` (host plus the profile's key columns, distinct) with what the baseline knows.

    Adds `host_count` (times on this host), `hosts_seen` (hosts that showed the key),
    `fleet_count`, `first_seen` and `last_seen` (over every host; null when unseen).
    """
    names = profile.keys
    columns = ", ".join(names)
    key_match = " AND ".join(f"t.{name} = k.{name}" for name in ("host", *names))
    con.register("lookup_keys", ArrowStream(keys))
    try:
        rows = con.execute(
            f"SELECT k.host, {', '.join('k.' + n for n in names)}, "
            "coalesce(h.count, 0), coalesce(p.hosts, 0), coalesce(p.count, 0), "
            "p.first_seen, p.last_seen "
            "FROM lookup_keys AS k "
            f"LEFT JOIN (SELECT t.host, {', '.join('t.' + n for n in names)}, "
            f"sum(t.count) AS count FROM {profile.table} AS t JOIN lookup_keys AS k "
            f"ON {key_match} GROUP BY ALL) AS h USING (host, {columns}) "
            f"LEFT JOIN {profile.prevalence} AS p USING ({columns})"
        ).fetchall()
    finally:
        con.unregister("lookup_keys")
    schema: list[tuple[str, Any]] = [
        *keys.schema.items(),
        ("host_count", pl.Int64),
        ("hosts_seen", pl.Int64),
        ("fleet_count", pl.Int64),
        ("first_seen", pl.Datetime("us")),
        ("last_seen", pl.Datetime("us")),
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")
