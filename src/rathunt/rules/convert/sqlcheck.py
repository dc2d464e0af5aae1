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
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from sigma.rule import SigmaRule

from rathunt.model import Event
from rathunt.rules.convert.spark_sql import register_spark_functions, spark_to_duckdb
from rathunt.rules.convert.targets import Target
from rathunt.rules.rule import Rule

log = logging.getLogger(__name__)

Key = tuple[str, int]
_META = ("_path", "_record", "_product", "_service", "_categories")
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
        register_spark_functions(self.db)

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
        rows = [_row(event) for event in batch]
        names = sorted({name for row in rows for name in row})
        frame = pl.DataFrame(
            {name: [row.get(name) for row in rows] for name in names},
            schema={name: pl.Int64 if name == "_record" else pl.String for name in names},
        )
        # DuckDB reads Parquet in bulk; row-by-row inserts are two orders of magnitude slower.
        with tempfile.TemporaryDirectory(prefix="rathunt-sqlcheck-") as directory:
            path = Path(directory) / "batch.parquet"
            frame.write_parquet(path)
            self.db.execute("INSERT INTO logs BY NAME SELECT * FROM read_parquet(?)", [str(path)])
        self.rows += len(rows)
        return len(rows)

    def hits(self, query: str, logsource: dict[str, str | None]) -> set[Key]:
        """(path, record) of every row the query selects within the rule's log source."""
        where = _logsource_filter(logsource)
        if not query.lstrip().upper().startswith("SELECT"):
            # A correlation's base rule converts to its condition only.
            query = f"SELECT * FROM logs WHERE {query}"
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


def _row(event: Event) -> dict[str, Any]:
    source = event.logsource
    row: dict[str, Any] = {
        "_path": event.provenance.path,
        "_record": event.provenance.record,
        "_product": source.product,
        "_service": source.service,
        "_categories": "|" + "|".join(source.categories) + "|",
    }
    for name, value in event.fields.items():
        if value is not None:
            row.setdefault(name.lower(), _text(value))
    return row


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


@dataclass(frozen=True, slots=True)
class Difference:
    """A rule whose SQL hits differ from the engine's matches over the same events."""

    rule: Rule
    query: str
    engine_only: frozenset[Key]
    sql_only: frozenset[Key]


def compare(
    rules: Sequence[Rule],
    event_paths: Sequence[str | Path],
    target: Target | None = None,
    batch_size: int = 2000,
) -> tuple[list[Difference], int, list[tuple[Rule, str]]]:
    """Engine matches against SQL hits, rule by rule, for the duckdb or spark-sql target.

    Returns the differences, how many rules were compared, and the rules whose converted SQL
    DuckDB rejects (with the first line of its error).

    Rules the engine rejects or the DuckDB target cannot convert are not compared (each side
    reports those on its own).
    """
    from rathunt.engine import Engine
    from rathunt.events import ReadStats, read_paths
    from rathunt.rules.convert.converter import convert_rules
    from rathunt.rules.convert.targets import get_target

    engine = Engine(rules)
    table = EventTable()
    engine_hits: dict[str, set[Key]] = {}
    batch: list[Event] = []
    for event in read_paths(event_paths, stats=ReadStats(), keep_duplicates=True):
        batch.append(event)
        if len(batch) >= batch_size:
            _match_and_load(engine, batch, engine_hits, table)
            batch = []
    _match_and_load(engine, batch, engine_hits, table)

    runnable = [r for r in rules if not r.is_correlation and r.support.status == "full"]
    target = target or get_target("duckdb")
    dialect = spark_to_duckdb if target.name == "spark-sql" else str
    report = convert_rules(runnable, target)
    differences = []
    errors: list[tuple[Rule, str]] = []
    compared = 0
    for result in report.results:
        if result.status != "converted":
            continue
        compared += 1
        sigma = result.rule.sigma
        if not isinstance(sigma, SigmaRule):
            continue
        source = sigma.logsource
        wanted = {"product": source.product, "service": source.service, "category": source.category}
        sql: set[Key] = set()
        try:
            for query in result.queries:
                sql |= table.hits(dialect(str(query)), wanted)
        except duckdb.Error as err:
            log.debug("rule %s: the converted SQL does not run: %s", result.rule.id, err)
            errors.append((result.rule, str(err).splitlines()[0]))
            continue
        mine = engine_hits.get(result.rule.id, set())
        if sql != mine:
            differences.append(
                Difference(
                    result.rule,
                    str(result.queries[0]),
                    frozenset(mine - sql),
                    frozenset(sql - mine),
                )
            )
    log.info("compared %d rules over %d events: %d differ", compared, table.rows, len(differences))
    return differences, compared, errors


def _match_and_load(
    engine: Any, batch: list[Event], hits: dict[str, set[Key]], table: EventTable
) -> None:
    for match in engine.match(batch):
        provenance = match.event.provenance
        hits.setdefault(match.rule.id, set()).add((provenance.path, provenance.record))
    table.add(batch)
