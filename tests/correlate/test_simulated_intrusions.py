"""The proof on simulated telemetry: one high incident per infected host, benign noise low.

The simulator writes njRAT intrusions (the default build) among benign workstation and
server noise; `hunt` reads them back with the njRAT pack, correlates and builds incidents.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rathunt.hunt import HuntOptions, hunt
from rathunt.simulate import SimOptions, write_simulation


def _simulate(
    out: Path, intrusions: list[list[str]], seed: str, hosts: int = 6, days: float = 1.0
) -> set[str]:
    options = SimOptions(hosts=hosts, days=days, seed=seed, intrusions=intrusions)
    write_simulation(options, out)
    manifest = json.loads((out / "simulation.json").read_text(encoding="utf-8"))
    return {item["host"] for item in manifest["intrusions"]}


@pytest.mark.slow
def test_default_intrusions_are_one_high_incident_per_infected_host(tmp_path: Path) -> None:
    infected = _simulate(tmp_path, [["default"], ["default"]], seed="proof")
    result = hunt([tmp_path / "telemetry"], HuntOptions(packs=["njrat"]))

    high = [i for i in result.incidents if i.confidence == "high"]
    assert sorted(i.computer for i in high) == sorted(infected)
    others = [i for i in result.incidents if i.computer not in infected]
    assert all(i.confidence == "low" for i in others), [(i.computer, i.explanation) for i in others]
    for incident in high:
        fired = {f.rule_title for _, group in incident.stages for f in group}
        assert "Install Sequence of a Remote-Access Trojan From One Image" in fired
        assert incident.stages[0][0] == "delivery"


@pytest.mark.slow
def test_benign_noise_gives_no_incident_above_low(tmp_path: Path) -> None:
    _simulate(tmp_path, [], seed="2", hosts=20, days=2.0)
    result = hunt([tmp_path / "telemetry"], HuntOptions(packs=["njrat"]))
    above_low = [(i.computer, i.explanation) for i in result.incidents if i.confidence != "low"]
    assert not above_low
    # The noise does raise findings (admins' discovery bursts on servers): they stay low.
    assert result.incidents
