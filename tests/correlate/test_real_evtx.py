"""Correlation over real third-party EVTX: the same findings whatever the file order.

The EVTX-ATTACK-SAMPLES files (277 files, many hosts, 2019-2021) are read one file at a time,
as `hunt` reads them, and matched with the njRAT pack. Three correlations over those rules
then run on the matches in file order, in reverse file order, and sorted by time with no
lateness at all; the findings must be identical, and there must be some.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from correlate_shapes import summary
from sigma.collection import SigmaCollection

from rathunt.correlate import Correlator
from rathunt.engine import Engine, Match
from rathunt.events import ReadStats, read_paths
from rathunt.rules import load_pack
from rathunt.rules.rule import Rule

CORRELATIONS = """
title: Repeated LSASS reads
name: real_lsass_reads
correlation:
  type: event_count
  rules: [njrat_proc_access_win_lsass_read_by_uncommon_process]
  group-by: [Computer]
  timespan: 10m
  condition: {gte: 2}
---
title: Executable dropped then a Run value set
name: real_drop_then_run
correlation:
  type: temporal_ordered
  rules:
    - njrat_step_file_event_win_executable_user_writable
    - njrat_step_registry_set_win_run_value
  group-by: [Computer]
  timespan: 1h
---
title: Several images behind drops and Run values in a day
name: real_images
correlation:
  type: value_count
  rules:
    - njrat_step_file_event_win_executable_user_writable
    - njrat_step_registry_set_win_run_value
  group-by: [Computer]
  timespan: 1d
  condition: {gte: 2, field: Image}
"""


@pytest.fixture(scope="module")
def setup(shared_data: Path) -> tuple[list[Rule], list[Rule], list[list[Match]]]:
    files = sorted((shared_data / "evtx" / "EVTX-ATTACK-SAMPLES").rglob("*.evtx"))
    assert len(files) > 200
    bases = [r for r in load_pack("njrat").rules if not r.is_correlation]
    engine = Engine(bases)
    per_file = [list(engine.match(list(read_paths([str(f)], stats=ReadStats())))) for f in files]
    collection = SigmaCollection.from_yaml(CORRELATIONS, resolve_references=False)
    return [Rule(sigma=item) for item in collection.rules], bases, per_file


def _run(
    correlations: list[Rule], bases: list[Rule], matches: list[Match], lateness: timedelta | None
) -> tuple[list[tuple[str, dict[str, Any], float, str, str]], Correlator]:
    correlator = Correlator(correlations, bases, lateness=lateness)
    found = [f for m in matches for f in correlator.feed(m)]
    found.extend(correlator.flush())
    return summary(found), correlator


@pytest.mark.data
def test_file_order_does_not_change_the_findings(
    setup: tuple[list[Rule], list[Rule], list[list[Match]]],
) -> None:
    correlations, bases, per_file = setup
    in_order = [m for matches in per_file for m in matches]
    reverse = [m for matches in reversed(per_file) for m in matches]
    by_time = sorted(in_order, key=lambda m: m.event.time.timestamp())  # type: ignore[union-attr]

    expected, _ = _run(correlations, bases, in_order, None)
    assert _run(correlations, bases, reverse, None)[0] == expected
    streamed, correlator = _run(correlations, bases, by_time, timedelta(0))
    assert streamed == expected
    assert correlator.stats.late == 0

    titles = sorted({row[0] for row in expected})
    assert titles == [
        "Executable dropped then a Run value set",
        "Repeated LSASS reads",
        "Several images behind drops and Run values in a day",
    ]
    lsass = {row[1]["Computer"]: row[2] for row in expected if row[0] == "Repeated LSASS reads"}
    assert lsass["alice.insecurebank.local"] == 8.0
