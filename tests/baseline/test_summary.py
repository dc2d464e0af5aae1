"""The summary lists the most common and rarest keys and suggests thresholds from history."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rathunt.baseline import BaselineConfig, learn
from rathunt.baseline.summary import summarise
from rathunt.errors import ConfigError

from .fleet import history


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("baseline") / "fleet.duckdb"
    learn(history(3, 8), out)
    return out


def test_overview_and_entries(fleet: Path) -> None:
    summary = summarise(fleet, top=2)
    assert (summary.hosts, summary.days, summary.events) == (3, 8, 3 * 8 * 122)
    assert [run["run"] for run in summary.runs] == [1]
    pairs = next(p for p in summary.profiles if p.name == "process_pair")
    assert pairs.keys == 4 and pairs.rows == 12 and pairs.single_host_keys == 0
    assert pairs.top[0]["child_image"].endswith("chrome.exe")
    assert pairs.top[0]["count"] == 3 * 8 * 32
    assert pairs.rarest[0]["child_image"] == "c:\\windows\\system32\\rundll32.exe"
    network = next(p for p in summary.profiles if p.name == "network")
    assert network.rarest[0]["hosts"] == 1


def test_novelty_curve_settles_and_drives_the_suggestion(fleet: Path) -> None:
    summary = summarise(fleet)
    pairs = next(p for p in summary.profiles if p.name == "process_pair")
    # Every pair shows on a host's first day; none later.
    assert pairs.new_per_host_day == [4.0, 0, 0, 0, 0, 0, 0, 0]
    network = next(p for p in summary.profiles if p.name == "network")
    assert network.new_per_host_day[0] > network.new_per_host_day[-1] > 0
    assert summary.suggested.rare_hosts == 0
    assert summary.suggested.min_host_days >= 1
    assert any(note.startswith("min_host_days = ") for note in summary.notes)
    assert BaselineConfig.from_dict({}) == BaselineConfig()


def test_a_short_history_is_flagged(tmp_path: Path) -> None:
    out = tmp_path / "short.duckdb"
    learn(history(2, 2), out)
    summary = summarise(out)
    assert any("fewer than min_days = 7" in note for note in summary.notes)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no baseline file here"):
        summarise(tmp_path / "none.duckdb")


def test_a_file_that_is_no_baseline_is_an_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.evtx"
    text.write_text("this is not a baseline\n")
    with pytest.raises(ConfigError, match="not a baseline file"):
        summarise(text)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(ConfigError, match="not a baseline file"):
        summarise(other)
