"""The timeline sort: in memory below the limit, spilled runs merged above it, same answer."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from report_samples import make_finding

from rathunt.errors import ConfigError
from rathunt.model import Finding
from rathunt.report import timeline, write_findings
from rathunt.report.timesort import sort_by_time

START = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def shuffled_findings(count: int, seed: int = 7) -> list[Finding]:
    """Findings in random time order, with repeated times and some without a time."""
    rng = random.Random(seed)
    findings = []
    for number in range(count):
        moment = None if number % 17 == 0 else START + timedelta(seconds=rng.randrange(200))
        findings.append(make_finding(time=moment, record_id=number))
    return findings


def expected_order(findings: list[Finding]) -> list[int]:
    """Python's stable sort on (no time, time): the order every path must give."""
    ranked = sorted(findings, key=lambda f: (f.time is None, f.time or START))
    return [f.record_id for f in ranked if f.record_id is not None]


def test_in_memory_sort_orders_by_time_stably() -> None:
    findings = shuffled_findings(300)
    order = [record["record_id"] for record in timeline(findings)]
    assert order == expected_order(findings)


def test_spilled_sort_gives_the_same_order_and_holds_one_run(tmp_path: Path) -> None:
    """With a limit of 50, 1,000 findings make 20 runs on disk, merged to the same timeline."""
    findings = shuffled_findings(1_000)
    records = timeline(iter(findings), memory_limit=50, spill_dir=tmp_path)

    first = next(records)
    (workdir,) = tmp_path.iterdir()
    runs = sorted(workdir.iterdir())
    assert len(runs) == 20
    assert all(len(run.read_bytes().splitlines()) == 50 for run in runs)

    order = [first["record_id"], *(record["record_id"] for record in records)]
    assert order == expected_order(findings)
    assert list(tmp_path.iterdir()) == []


def test_many_runs_merge_in_generations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More runs than may be open at once are first merged into longer runs."""
    monkeypatch.setattr("rathunt.report.timesort.MERGE_FAN_IN", 3)
    findings = shuffled_findings(230)
    records = list(timeline(findings, memory_limit=10, spill_dir=tmp_path))
    assert [record["record_id"] for record in records] == expected_order(findings)
    assert list(tmp_path.iterdir()) == []


def test_a_partial_last_run_is_kept(tmp_path: Path) -> None:
    findings = shuffled_findings(105)
    order = [r["record_id"] for r in timeline(findings, memory_limit=25, spill_dir=tmp_path)]
    assert len(order) == 105
    assert order == expected_order(findings)


def test_export_through_the_spill_equals_the_in_memory_export(tmp_path: Path) -> None:
    findings = shuffled_findings(400)
    small, large = tmp_path / "spilled.jsonl", tmp_path / "memory.jsonl"
    write_findings(small, findings, memory_limit=16, spill_dir=tmp_path)
    write_findings(large, findings)
    assert small.read_bytes() == large.read_bytes()
    assert len(small.read_text().splitlines()) == 400
    assert json.loads(small.read_text().splitlines()[-1])["time"] is None


def test_closing_early_removes_the_runs(tmp_path: Path) -> None:
    records = timeline(shuffled_findings(100), memory_limit=10, spill_dir=tmp_path)
    next(records)
    records.close()  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == []


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="memory limit must be at least 1, not 0"):
        sort_by_time([], memory_limit=0)
