"""Learning builds exact profile tables, honours the window, and merges like a sum."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from rathunt.baseline import PROFILES, learn
from rathunt.baseline.learn import resolve_window
from rathunt.errors import ConfigError
from rathunt.model import Event

from .fleet import history

TABLES = [
    *(profile.table for profile in PROFILES.values()),
    *(profile.prevalence for profile in PROFILES.values()),
    "host_days",
]


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for table in TABLES
        }
    finally:
        con.close()


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_profiles_count_each_pair_per_host_and_user(tmp_path: Path) -> None:
    out = tmp_path / "b.duckdb"
    result = learn(history(3, 4), out)
    # 122 events per workstation-day: see fleet.ordinary_day.
    assert (result.events_read, result.events_learned, result.host_days) == (1464, 1464, 12)
    rows = query(
        out,
        "SELECT host, user_name, count, hours, first_seen::DATE, last_seen::DATE "
        "FROM process_pairs WHERE child_image = 'c:\\windows\\system32\\cmd.exe' "
        "ORDER BY host",
    )
    assert rows == [
        (f"ws0{n}.corp.example", f"corp\\u0{n}", 8 * 4, 0xFF00, date(2026, 3, 2), date(2026, 3, 5))
        for n in (1, 2, 3)
    ]
    stacked = query(
        out,
        "SELECT hosts, users, count FROM process_pairs_prevalence "
        "WHERE child_image = 'c:\\windows\\system32\\cmd.exe'",
    )
    assert stacked == [(3, 3, 96)]
    example = query(out, "SELECT example FROM lolbin_shapes WHERE lolbin = 'cmd.exe' LIMIT 1")
    assert example[0][0].startswith('"C:\\Windows\\system32\\cmd.exe" /c dir C:\\Users\\u0')


def test_the_window_keeps_whole_days_and_counts_the_rest(tmp_path: Path) -> None:
    everything = list(history(2, 5))
    out = tmp_path / "b.duckdb"
    result = learn(everything, out, days=2)
    assert (result.window_start, result.window_end) == (date(2026, 3, 5), date(2026, 3, 6))
    assert result.events_outside_window == len(everything) * 3 // 5
    assert result.events_learned == len(everything) * 2 // 5
    days = query(out, "SELECT DISTINCT day FROM host_days ORDER BY day")
    assert [row[0] for row in days] == [date(2026, 3, 5), date(2026, 3, 6)]

    other = tmp_path / "c.duckdb"
    result = learn(everything, other, start=date(2026, 3, 3), end=date(2026, 3, 3))
    assert result.events_learned == len(everything) // 5


@pytest.mark.parametrize(
    ("days", "start", "end", "window"),
    [
        (None, None, None, (date(2026, 3, 1), date(2026, 3, 31))),
        (7, None, None, (date(2026, 3, 25), date(2026, 3, 31))),
        (7, date(2026, 3, 2), None, (date(2026, 3, 2), date(2026, 3, 8))),
        (7, None, date(2026, 3, 10), (date(2026, 3, 4), date(2026, 3, 10))),
        (None, date(2026, 3, 5), date(2026, 3, 6), (date(2026, 3, 5), date(2026, 3, 6))),
    ],
)
def test_resolve_window(
    days: int | None, start: date | None, end: date | None, window: tuple[date, date]
) -> None:
    assert resolve_window(days, start, end, date(2026, 3, 1), date(2026, 3, 31)) == window


def test_resolve_window_refuses_contradictions() -> None:
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    with pytest.raises(ConfigError, match="not all"):
        resolve_window(3, first, last, first, last)
    with pytest.raises(ConfigError, match="at least 1"):
        resolve_window(0, None, None, first, last)
    with pytest.raises(ConfigError, match="after it ends"):
        resolve_window(None, last, first, first, last)


def test_learning_twice_gives_identical_tables(tmp_path: Path) -> None:
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    learn(history(3, 3), one)
    learn(history(3, 3), two, batch_size=97)
    assert dump(one) == dump(two)
    assert dump(one)["process_pairs"]


def test_learning_in_two_halves_equals_learning_at_once(tmp_path: Path) -> None:
    whole, halves = tmp_path / "whole.duckdb", tmp_path / "halves.duckdb"
    learn(history(3, 6), whole)
    events = list(history(3, 6))
    first = learn(events, halves, end=date(2026, 3, 4))
    second = learn(events, halves, start=date(2026, 3, 5))
    assert (first.run, second.run) == (1, 2)
    assert dump(whole) == dump(halves)


def test_extending_keeps_the_file_compact(tmp_path: Path) -> None:
    out = tmp_path / "b.duckdb"
    for day in range(4):
        learn(history(2, 1, first_day=day), out)
    free, total = query(out, "SELECT free_blocks, total_blocks FROM pragma_database_size()")[0]
    assert free == 0 and total > 0
    assert query(out, "SELECT count(*) FROM runs")[0][0] == 4
    assert query(out, "SELECT count(DISTINCT day) FROM host_days")[0][0] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.duckdb"]


def test_relearning_the_same_days_does_not_count_them_twice(tmp_path: Path) -> None:
    out = tmp_path / "b.duckdb"
    learn(history(2, 2), out)
    before = dump(out)
    single = query(out, "SELECT sum(count) FROM process_pairs")[0][0]
    again = learn(history(2, 2), out)
    assert again.events_learned == 0
    assert again.events_already_learned == again.events_read
    assert "learned before" in again.problems[0]
    assert dump(out) == before

    counted = learn(history(2, 2), out, allow_overlap=True)
    assert counted.events_learned == counted.events_read
    doubled = query(out, "SELECT sum(count) FROM process_pairs")[0][0]
    assert doubled == 2 * single


def test_a_failed_learn_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "b.duckdb"
    learn(history(2, 2), out)
    before = dump(out)

    def broken() -> Iterator[Event]:
        yield from history(2, 2, first_day=2)
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        learn(broken(), out, batch_size=50)
    assert dump(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["b.duckdb"]


def test_nothing_to_learn_is_reported(tmp_path: Path) -> None:
    result = learn([], tmp_path / "b.duckdb")
    assert result.events_learned == 0
    assert result.problems == ["no event with both a time and a host: nothing learned"]


def test_paths_with_quotes_are_safe(tmp_path: Path) -> None:
    out = tmp_path / "o'brien's \"fleet\".duckdb"
    learn(history(2, 1), out)
    learn(history(2, 1, first_day=1), out)
    assert query(out, "SELECT count(*) FROM host_days")[0][0] == 4


def test_a_foreign_duckdb_file_is_left_untouched(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE notes (text VARCHAR)")
    con.close()
    with pytest.raises(ConfigError, match="no baseline; it is left untouched"):
        learn(history(1, 1), other)
    assert query(other, "SELECT table_name FROM duckdb_tables()") == [("notes",)]
