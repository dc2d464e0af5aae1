"""Differential check: DuckDB SQL of each rule against the engine, over the same events.

    python bench/convert_check.py njrat            # the njrat pack over its test events
    python bench/convert_check.py sigmahq          # SigmaHQ Windows rules over ../shared/data/evtx
    ... --upstream                                 # the backend as installed, uncorrected
    ... --spark                                    # the spark-sql target, rewritten for DuckDB

Prints every rule whose SQL hits differ from the engine's matches, with the events only the
engine matched and only SQL matched, and the field values of those events that the rule uses.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from rathunt.rules import load_pack, load_rules
from rathunt.rules.convert import get_target
from rathunt.rules.convert.sqlcheck import compare

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PACKS = Path(__file__).resolve().parents[1] / "src" / "rathunt" / "packs"


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "njrat"
    target = get_target("duckdb")
    if "--spark" in sys.argv:
        target = get_target("spark-sql")
    if "--upstream" in sys.argv:
        upstream = {
            "duckdb": "sigma_backend_duckdb:DuckDBBackend",
            "spark-sql": "sigma.backends.databricks:DatabricksBackend",
        }
        target = replace(target, backend=upstream[target.name])
    if which == "njrat":
        rules, paths = load_pack("njrat").rules, [PACKS / "njrat" / "tests"]
    else:
        rules = load_rules([SHARED / "sigma" / "rules" / "windows"]).rules
        paths = [SHARED / "evtx"]
    start = time.perf_counter()
    differences, compared, errors = compare(rules, paths, target)
    print(
        f"{len(rules)} rules, {compared} compared, {len(differences)} differ "
        f"({time.perf_counter() - start:.1f} s)"
    )
    for rule, error in errors:
        print(f"SQL does not run: {rule.id} {rule.path}: {error}")
    for diff in differences:
        print(f"\n{diff.rule.id} {diff.rule.path}")
        print(f"  engine only: {sorted(diff.engine_only)[:5]}")
        print(f"  sql only:    {sorted(diff.sql_only)[:5]}")
        print(f"  query: {diff.query[:400]}")


if __name__ == "__main__":
    main()
