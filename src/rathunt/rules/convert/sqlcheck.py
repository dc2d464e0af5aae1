"""Check conversions by running them: normalised events in DuckDB, converted SQL over them.

The engine and the SQL target should mean the same thing by a rule. This module loads
events into a DuckDB table `logs` (one column per field, as the DuckDB and Spark SQL targets
expect), runs a converted query, and returns the hit set as (path, record) keys, so the
caller can compare them with the engine's matches. Events stream in by batch; only the table
holds them (DuckDB spills to disk when it must).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import duckdb

from rathunt.model import Event

log = logging.getLogger(__name__)

Key = tuple[str, int]
_META = ("_path", "_record", "_product", "_service", "_categories")
_INT = re.compile(r"^-?\d{1,18}$")
_MISSING_COLUMN = re.compile(r'Referenced column "?([^"\s]+)"? not found')


class EventTable:
    """A DuckDB table of events with the log-source columns the engine matches on."""

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self.db = connection or duckdb.connect()
        # DuckDB column names ignore case: ProcessID (System) and ProcessId (Sysmon) share one.
        self.columns: set[str] = set(_META)
        self.rows = 0
        self.db.execute(
            "CREATE TABLE logs (_path VARCHAR, _record BIGINT, _product VARCHAR, "
            "_service VARCHAR, _categories VARCHAR)"
        )

    def add(self, events: Iterable[Event], batch_size: int = 2000) -> int:
        """Insert events; new field names become new columns. Returns how many were added."""
        batch: list[Event] = []
        added = 0
        for event in events:
            batch.append(event)
            if len(batch) >= batch_size:
                added += self._insert(batch)
                batch = []
        if batch:
            added += self._insert(batch)
        return added

    def _insert(self, batch: list[Event]) -> int:
        for name in {name.lower() for event in batch for name in event.fields} - self.columns:
            self.db.execute(f"ALTER TABLE logs ADD COLUMN {_quote(name)} VARCHAR")
            self.columns.add(name)
        order = sorted(self.columns - set(_META))
        names = ", ".join(_quote(name) for name in (*_META, *order))
        marks = ", ".join("?" for _ in range(len(_META) + len(order)))
        rows = [_row(event, order) for event in batch]
        self.db.executemany(f"INSERT INTO logs ({names}) VALUES ({marks})", rows)
        self.rows += len(rows)
        return len(rows)

    def finish(self) -> None:
        """Type the columns whose every value is an integer, so `EventID=1` compares as SQL."""
        for name in sorted(self.columns - set(_META)):
            column = _quote(name)
            values = self.db.execute(
                f"SELECT count(*) FILTER (WHERE {column} IS NOT NULL), "
                f"count(*) FILTER (WHERE regexp_full_match({column}, '-?[0-9]{{1,18}}')) "
                "FROM logs"
            ).fetchone()
            if values and values[0] and values[0] == values[1]:
                self.db.execute(f"ALTER TABLE logs ALTER {column} TYPE BIGINT")

    def hits(self, query: str, logsource: dict[str, str | None]) -> set[Key]:
        """(path, record) of every row the query selects within the rule's log source."""
        where = _logsource_filter(logsource)
        sql = f"SELECT _path, _record FROM ({query}) AS converted WHERE {where}"
        for _ in range(64):
            try:
                return {(str(p), int(r)) for p, r in self.db.execute(sql).fetchall()}
            except duckdb.BinderException as err:
                # A field no event carries: the column exists but is empty, as in a SIEM.
                missing = _MISSING_COLUMN.search(str(err))
                name = missing.group(1).lower() if missing else ""
                if not name or name in self.columns:
                    raise
                self.db.execute(f"ALTER TABLE logs ADD COLUMN {_quote(name)} VARCHAR")
                self.columns.add(name)
        raise RuntimeError(f"query names too many fields no event carries: {query[:200]}")


def _row(event: Event, order: list[str]) -> tuple[Any, ...]:
    source = event.logsource
    categories = "|" + "|".join(source.categories) + "|"
    meta = (event.provenance.path, event.provenance.record, source.product, source.service,
            categories)  # fmt: skip
    folded: dict[str, object] = {}
    for name, value in event.fields.items():
        if value is not None:
            folded.setdefault(name.lower(), value)
    return meta + tuple(_text(folded.get(name)) for name in order)


def _text(value: object) -> str | None:
    """Field values as text; a list (an unnamed Data list) joins with newlines."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _logsource_filter(logsource: dict[str, str | None]) -> str:
    """The engine's rule: each given attribute of the rule's log source must match."""
    parts = ["TRUE"]
    if logsource.get("product"):
        parts.append(f"lower(_product) = {_literal(str(logsource['product']).lower())}")
    if logsource.get("service"):
        parts.append(f"lower(_service) = {_literal(str(logsource['service']).lower())}")
    if logsource.get("category"):
        parts.append(f"_categories LIKE {_literal('%|' + str(logsource['category']) + '|%')}")
    return " AND ".join(parts)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
