"""Differential check: DuckDB SQL of each rule against the engine, over the same events.

    python bench/convert_check.py njrat            # the njrat pack over its test events
    python bench/convert_check.py sigmahq          # SigmaHQ rules over ../shared/data/evtx

Prints every rule whose SQL hits differ from the engine's matches, with the counts of
events only the engine matched and only SQL matched.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rathunt.engine import Engine
from rathunt.events import ReadStats, read_paths
from rathunt.rules import Rule, load_pack, load_rules
from rathunt.rules.convert import convert_rules, get_target
from rathunt.rules.convert.sqlcheck import EventTable, Key

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PACKS = Path(__file__).resolve().parents[1] / "src" / "rathunt" / "packs"


def compare(rules: list[Rule], event_paths: list[Path]) -> list[tuple[Rule, set[Key], set[Key]]]:
    """(rule, only the engine, only SQL) for every rule whose hit sets differ."""
    engine = Engine(rules)
    table = EventTable()
    engine_hits: dict[str, set[Key]] = {}
    stats = ReadStats()
    batch = []
    for event in read_paths(event_paths, stats=stats, keep_duplicates=True):
        batch.append(event)
        if len(batch) >= 2000:
            _collect(engine, batch, engine_hits, table)
            batch = []
    _collect(engine, batch, engine_hits, table)
    table.finish()

    report = convert_rules([r for r in rules if r.support.status != "rejected"],
                           get_target("duckdb"))  # fmt: skip
    differences = []
    for result in report.results:
        if result.status != "converted":
            continue
        source = result.rule.sigma.logsource
        wanted = {"product": source.product, "service": source.service,
                  "category": source.category}  # fmt: skip
        sql = set().union(*(table.hits(q, wanted) for q in result.queries))
        mine = engine_hits.get(result.rule.id, set())
        if sql != mine:
            differences.append((result.rule, mine - sql, sql - mine))
    return differences


def _collect(engine: Engine, batch: list, hits: dict[str, set[Key]], table: EventTable) -> None:
    for match in engine.match(batch):
        provenance = match.event.provenance
        hits.setdefault(match.rule.id, set()).add((provenance.path, provenance.record))
    table.add(batch)


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "njrat"
    if which == "njrat":
        rules, paths = load_pack("njrat").rules, [PACKS / "njrat" / "tests"]
    else:
        rules = load_rules([SHARED / "sigma" / "rules" / "windows"]).rules
        paths = [SHARED / "evtx"]
    differences = compare(rules, paths)
    print(f"{len(rules)} rules, {len(differences)} differ")
    for rule, engine_only, sql_only in differences:
        print(f"{rule.id} {rule.path}: engine only {len(engine_only)}, sql only {len(sql_only)}")


if __name__ == "__main__":
    main()
