"""The baseline file's tables: one per profile, its prevalence table, and the bookkeeping.

A profile says what counts as "the same behaviour": its key columns. Every profile table
holds one row per host and key (and user, where users are profiled) with how often, when
first and last, and at which hours of the day it was seen. Each merge is a sum, a min, a
max or a bitwise or, so learning in parts gives the same rows as learning at once.
Column names here are constants of the code, never user input, so SQL is built from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

SCHEMA_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Profile:
    """One kind of learned behaviour and how it is stored and scored."""

    name: str
    table: str
    title: str
    keys: tuple[str, ...]
    host_keys: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def row_keys(self) -> tuple[str, ...]:
        """The primary key of a profile row: host, then per-host detail, then the key."""
        return ("host", *self.host_keys, *self.keys)

    @property
    def prevalence(self) -> str:
        return f"{self.table}_prevalence"


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            "process_pair",
            "process_pairs",
            "Process relationship new to the baseline",
            keys=("parent_image", "child_image"),
            host_keys=("user_name",),
            tags=("attack.execution",),
        ),
        Profile(
            "lolbin_shape",
            "lolbin_shapes",
            "LOLBin command-line shape new to the baseline",
            keys=("lolbin", "shape"),
            host_keys=("user_name",),
            attributes=("example",),
            tags=("attack.execution", "attack.defense-evasion", "attack.t1218"),
        ),
        Profile(
            "network",
            "network_destinations",
            "Outbound destination new to the baseline",
            keys=("image", "destination", "port", "protocol"),
            attributes=("scope",),
            tags=("attack.command-and-control",),
        ),
        Profile(
            "dns",
            "dns_queries",
            "DNS domain new to the baseline",
            keys=("image", "domain"),
            tags=("attack.command-and-control",),
        ),
        Profile(
            "autorun",
            "autoruns",
            "Autorun entry new to the baseline",
            keys=("kind", "location", "name", "target"),
            attributes=("writer",),
            tags=("attack.persistence",),
        ),
    )
}

# ATT&CK technique per autorun kind, as Sigma tags spell it.
AUTORUN_TECHNIQUES = {
    "run": "attack.t1547.001",
    "startup": "attack.t1547.001",
    "service": "attack.t1543.003",
    "task": "attack.t1053.005",
}

_INTEGER_COLUMNS = frozenset({"port"})


def _type(column: str) -> str:
    return "INTEGER" if column in _INTEGER_COLUMNS else "VARCHAR"


def _columns(profile: Profile, *, day: bool) -> str:
    key_columns = [f"{name} {_type(name)} NOT NULL" for name in profile.row_keys]
    if day:
        key_columns.append("day DATE NOT NULL")
    attribute_columns = [f"{name} VARCHAR" for name in profile.attributes]
    measures = [
        "count BIGINT NOT NULL",
        "first_seen TIMESTAMP NOT NULL",
        "last_seen TIMESTAMP NOT NULL",
        "hours INTEGER NOT NULL",
    ]
    primary = ", ".join([*profile.row_keys, *(["day"] if day else [])])
    return ", ".join([*key_columns, *attribute_columns, *measures, f"PRIMARY KEY ({primary})"])


def create_profile_table(
    con: duckdb.DuckDBPyConnection, profile: Profile, name: str, *, day: bool
) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({_columns(profile, day=day)})")


def merge_sql(profile: Profile, target: str, source: str, *, day: bool, where: str = "") -> str:
    """INSERT ... ON CONFLICT that folds grouped `source` rows into `target` rows.

    `source` has the key columns, `time` and `hour` (raw rows) when `day` is set on a staging
    merge from a batch; otherwise it is a table of the same shape as `target` plus `day`.
    """
    keys = [*profile.row_keys, *(["day"] if day else [])]
    attributes = [f"min({name}) AS {name}" for name in profile.attributes]
    if day:
        measures = [
            "count(*) AS count",
            "min(time) AS first_seen",
            "max(time) AS last_seen",
            "bit_or(1 << hour)::INTEGER AS hours",
        ]
    else:
        measures = [
            "sum(count)::BIGINT AS count",
            "min(first_seen) AS first_seen",
            "max(last_seen) AS last_seen",
            "bit_or(hours) AS hours",
        ]
    select = ", ".join([*keys, *attributes, *measures])
    updates = [f"{name} = least({name}, EXCLUDED.{name})" for name in profile.attributes] + [
        "count = count + EXCLUDED.count",
        "first_seen = least(first_seen, EXCLUDED.first_seen)",
        "last_seen = greatest(last_seen, EXCLUDED.last_seen)",
        "hours = hours | EXCLUDED.hours",
    ]
    return (
        f"INSERT INTO {target} BY NAME SELECT {select} FROM {source} {where} GROUP BY ALL "
        f"ON CONFLICT DO UPDATE SET {', '.join(updates)}"
    )


def prevalence_sql(profile: Profile) -> str:
    """The stacking table: per key, on how many hosts (and by how many users) it was seen."""
    keys = ", ".join(profile.keys)
    users = ", count(DISTINCT user_name) AS users" if "user_name" in profile.host_keys else ""
    return (
        f"CREATE OR REPLACE TABLE {profile.prevalence} AS "
        f"SELECT {keys}, count(DISTINCT host) AS hosts{users}, sum(count)::BIGINT AS count, "
        f"min(first_seen) AS first_seen, max(last_seen) AS last_seen, "
        f"bit_or(hours) AS hours FROM {profile.table} GROUP BY {keys} ORDER BY {keys}"
    )


BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE TABLE IF NOT EXISTS host_days (host VARCHAR NOT NULL, day DATE NOT NULL, "
    "events BIGINT NOT NULL, PRIMARY KEY (host, day))",
    "CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY, window_start DATE, "
    "window_end DATE, events_read BIGINT, events_learned BIGINT, events_outside_window BIGINT, "
    "events_already_learned BIGINT, events_undated BIGINT, events_without_host BIGINT, "
    "sources VARCHAR)",
)


def create_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every table of a baseline file, created where missing; the schema version recorded."""
    for statement in BOOKKEEPING:
        con.execute(statement)
    for profile in PROFILES.values():
        create_profile_table(con, profile, profile.table, day=False)
        con.execute(prevalence_sql(profile))
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [SCHEMA_VERSION]
    )
