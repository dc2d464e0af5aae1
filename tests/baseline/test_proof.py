"""The proof on the simulator: two weeks of benign noise on 20 hosts, then a day with njRAT.

The simulator's events go through the same normaliser the file readers use, in memory, so
this measures the baseline on exactly the shapes `rathunt hunt` would read from disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from rathunt.baseline import Baseline, learn
from rathunt.events import normalise
from rathunt.model import Event, Finding, Provenance
from rathunt.simulate import Label, SimOptions, simulate
from rathunt.simulate.stream import DEFAULT_START
from rathunt.simulate.writers import to_evtx_json

pytestmark = pytest.mark.slow

HOSTS, DAYS, SEED = 20, 14, 3
NEXT_DAY = DEFAULT_START + timedelta(days=DAYS)


def sim_events(
    options: SimOptions, labels: dict[tuple[str, int], Label] | None = None
) -> Iterator[Event]:
    for sim in simulate(options):
        provenance = Provenance(f"{sim.host.short}/{sim.channel}", sim.record_id, "evtx")
        event, _ = normalise(to_evtx_json(sim), provenance)
        if labels is not None and sim.label is not None:
            labels[(provenance.path, provenance.record)] = sim.label
        yield event


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("proof") / "fleet.duckdb"
    history = SimOptions(hosts=HOSTS, days=DAYS, seed=SEED, intrusions=[])
    result = learn(sim_events(history), out)
    assert result.host_days == HOSTS * DAYS
    return out


def score_day(
    fleet: Path, intrusions: list[list[str]]
) -> tuple[list[Finding], dict[tuple[str, int], Label]]:
    labels: dict[tuple[str, int], Label] = {}
    options = SimOptions(hosts=HOSTS, days=1, seed=SEED, intrusions=intrusions, start=NEXT_DAY)
    with Baseline.open(fleet) as baseline:
        findings = list(baseline.score(sim_events(options, labels)))
    return findings, labels


def label_of(finding: Finding, labels: dict[tuple[str, int], Label]) -> str | None:
    label = labels.get((finding.provenance.path, finding.provenance.record))
    return None if label is None else label.step


def test_the_intrusion_comes_out_as_baseline_findings(fleet: Path) -> None:
    findings, labels = score_day(fleet, [["default"]])
    steps = {(f.rule_id, label_of(f, labels)) for f in findings}
    for expected in [
        ("baseline.process_pair", "netsh-allow"),
        ("baseline.lolbin_shape", "netsh-allow"),
        ("baseline.autorun", "run-key"),
        ("baseline.network", "c2-connect"),
    ]:
        assert expected in steps, sorted(steps, key=str)
    netsh = next(
        f
        for f in findings
        if f.rule_id == "baseline.lolbin_shape" and label_of(f, labels) == "netsh-allow"
    )
    assert netsh.extra["baseline"]["key"]["shape"].startswith(
        'netsh.exe firewall add allowedprogram "c:\\users\\<user>\\'
    )
    assert netsh.extra["baseline"]["rarity"] == 1.0
    run = next(f for f in findings if f.rule_id == "baseline.autorun" and label_of(f, labels))
    assert run.extra["baseline"]["key"]["target"].endswith('" ..')
    # Nearly every finding of the intrusion day points at a malicious event.
    unlabelled = [f for f in findings if label_of(f, labels) is None]
    assert len(unlabelled) <= 2, [(f.rule_id, f.extra["baseline"]["key"]) for f in unlabelled]


def test_a_benign_next_day_yields_few_findings(fleet: Path) -> None:
    findings, labels = score_day(fleet, [])
    assert labels == {}
    rate = len(findings) / HOSTS
    # Measured: 0 findings on 20 hosts (0.0 per host per day) with seed 3; see docs/baseline.md.
    assert rate <= 0.25, [(f.computer, f.rule_id, f.extra["baseline"]["key"]) for f in findings]
