"""Scoring raises what the fleet never did, at the profile's level, with its rarity."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from rathunt.baseline import Baseline, BaselineConfig, ProfileConfig, learn
from rathunt.errors import ConfigError
from rathunt.model import Event

from .fleet import START, Recorder, history, intrusion, ordinary_day, process

HOSTS, DAYS = 6, 14


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two weeks of six workstations; ws06 also ran Notepad++ from Explorer once."""
    out = tmp_path_factory.mktemp("baseline") / "fleet.duckdb"
    rec = Recorder()
    extra = process(
        rec,
        "ws06",
        START + timedelta(days=3, hours=9),
        "C:\\Windows\\explorer.exe",
        "C:\\Program Files\\Notepad++\\notepad++.exe",
        "notepad++.exe",
        "corp\\u06",
    )
    learn([*history(HOSTS, DAYS), extra], out)
    return out


def next_day(host: str = "ws02", seed: int = 99) -> list[Event]:
    return list(ordinary_day(Recorder(), host, DAYS, random.Random(seed)))


def test_an_intrusion_yields_its_new_pairs_shape_run_value_and_destination(fleet: Path) -> None:
    rec = Recorder()
    events = next_day() + intrusion(rec, "ws02", START + timedelta(days=DAYS, hours=10))
    with Baseline.open(fleet) as baseline:
        findings = list(baseline.score(events))
    found = {(f.rule_id, f.level) for f in findings}
    assert sorted(f.rule_id for f in findings) == [
        "baseline.autorun",
        "baseline.dns",
        "baseline.lolbin_shape",
        "baseline.network",
        "baseline.process_pair",
        "baseline.process_pair",
        "baseline.process_pair",
    ]
    assert found == {
        ("baseline.autorun", "medium"),
        ("baseline.dns", "low"),
        ("baseline.lolbin_shape", "medium"),
        ("baseline.network", "low"),
        ("baseline.process_pair", "medium"),
    }
    run = next(f for f in findings if f.rule_id == "baseline.autorun")
    assert run.logsource == "baseline"
    assert run.computer == "ws02.corp.example"
    assert run.matched["Details"].endswith('server.exe" ..')
    assert [t.id for t in run.techniques] == ["T1547.001"]
    assert [t.shortname for t in run.tactics] == ["persistence"]
    evidence = run.extra["baseline"]
    assert evidence["key"]["name"] == "ecc7c8c51c0850c1ec247c7fd3602f20"
    assert (evidence["hosts_seen"], evidence["hosts_total"], evidence["rarity"]) == (0, 6, 1.0)
    assert evidence["reason"] == "never seen on any of 6 hosts over 14 days"
    netsh = next(f for f in findings if f.rule_id == "baseline.lolbin_shape")
    assert netsh.extra["baseline"]["key"]["shape"].startswith("netsh.exe firewall add allowed")
    assert netsh.provenance.record == events[-4].provenance.record


def test_an_ordinary_next_day_yields_nothing(fleet: Path) -> None:
    events = [e for n in range(1, HOSTS + 1) for e in next_day(f"ws0{n}", seed=n)]
    with Baseline.open(fleet) as baseline:
        assert list(baseline.score(events)) == []
        assert baseline.stats.events == len(events)
        # Chrome reached more than 50 addresses in the history: its new ones are ordinary.
        assert baseline.stats.varied_skipped > 0


def test_varied_destinations_are_scored_when_the_threshold_allows(fleet: Path) -> None:
    config = BaselineConfig(varied_destinations=1_000_000)
    with Baseline.open(fleet, config) as baseline:
        findings = list(baseline.score(next_day(seed=5)))
    assert findings
    assert {f.rule_id for f in findings} == {"baseline.network"}
    assert all(f.matched["Image"].endswith("chrome.exe") for f in findings)


def test_a_key_seen_on_one_other_host_is_rare_not_new(fleet: Path) -> None:
    rec = Recorder()
    event = process(
        rec,
        "ws03",
        START + timedelta(days=DAYS, hours=9),
        "C:\\Windows\\explorer.exe",
        "C:\\Program Files\\Notepad++\\notepad++.exe",
        "notepad++.exe",
        "corp\\u03",
    )
    with Baseline.open(fleet) as baseline:
        (finding,) = baseline.score([event])
    assert finding.level == "low"
    assert finding.extra["baseline"]["hosts_seen"] == 1
    assert finding.extra["baseline"]["rarity"] == round(1 - 1 / 6, 4)
    assert finding.extra["baseline"]["reason"] == (
        "never on this host; seen on 1 of 6 hosts over 14 days"
    )
    with Baseline.open(fleet, BaselineConfig(rare_hosts=0)) as baseline:
        assert list(baseline.score([event])) == []


def test_a_host_without_history_raises_only_what_no_host_did(fleet: Path) -> None:
    rec = Recorder()
    newcomer = next_day("ws77") + intrusion(rec, "ws77", START + timedelta(days=DAYS, hours=11))
    with Baseline.open(fleet) as baseline:
        findings = list(baseline.score(newcomer))
    assert len(findings) == 7
    assert all(f.extra["baseline"]["hosts_seen"] == 0 for f in findings)


def test_repeats_fold_into_one_finding_across_batches(fleet: Path) -> None:
    rec = Recorder()
    first = intrusion(rec, "ws02", START + timedelta(days=DAYS, hours=10))
    again = intrusion(rec, "ws02", START + timedelta(days=DAYS, hours=12))
    with Baseline.open(fleet, BaselineConfig(batch_size=4)) as baseline:
        findings = list(baseline.score(first + again))
        assert baseline.stats.repeats == 7
    assert len(findings) == 7
    assert {f.count for f in findings} == {2}
    dns = next(f for f in findings if f.rule_id == "baseline.dns")
    assert dns.extra["baseline"]["last_time"].startswith(
        f"{(START + timedelta(days=DAYS)).date()}T12"
    )


def test_disabled_profiles_and_levels_come_from_the_config(fleet: Path) -> None:
    profiles = dict(BaselineConfig().profiles)
    profiles["process_pair"] = ProfileConfig(enabled=False)
    profiles["autorun"] = ProfileConfig(level_new="high")
    config = replace(BaselineConfig(), profiles=profiles)
    rec = Recorder()
    with Baseline.open(fleet, config) as baseline:
        findings = list(baseline.score(intrusion(rec, "ws02", START + timedelta(days=DAYS))))
    assert "baseline.process_pair" not in {f.rule_id for f in findings}
    assert next(f for f in findings if f.rule_id == "baseline.autorun").level == "high"


def test_too_short_a_baseline_is_refused(tmp_path: Path) -> None:
    short = tmp_path / "short.duckdb"
    learn(history(2, 3), short)
    with pytest.raises(ConfigError, match="covers 3 days, scoring needs 7"):
        Baseline.open(short)
    with Baseline.open(short, BaselineConfig(min_days=3)) as baseline:
        assert baseline.days == 3


def test_files_that_are_no_baseline_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no baseline file here"):
        Baseline.open(tmp_path / "missing.duckdb")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(ConfigError, match="not a baseline file"):
        Baseline.open(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ConfigError, match="not a baseline file"):
        Baseline.open(text)
