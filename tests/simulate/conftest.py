"""One small simulation of every variant, shared by the simulator tests (about a second)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from rathunt.simulate import VARIANTS, SimOptions, write_simulation


def every_variant(days: float = 1.0, seed: str = "t") -> SimOptions:
    builds = [[name] for name in sorted(VARIANTS)]
    return SimOptions(hosts=len(builds) + 3, days=days, seed=seed, intrusions=builds)


@pytest.fixture(scope="session")
def variant_options():
    """`every_variant(days, seed)`: options with one intrusion per variant."""
    return every_variant


@pytest.fixture(scope="session")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "all"
    write_simulation(every_variant(), out)
    return out


def records(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.fixture(scope="session")
def events(simulation: Path) -> list[dict]:
    """Every record of the shared simulation, flattened: System values plus EventData."""
    rows = []
    for path in sorted((simulation / "telemetry").rglob("*.jsonl")):
        for record in records(path):
            system = record["Event"]["System"]
            event_id = system["EventID"]
            rows.append(
                {
                    "_file": path.name,
                    "_host": system["Computer"],
                    "_channel": system["Channel"],
                    "_id": event_id["#text"] if isinstance(event_id, dict) else event_id,
                    "_record": system["EventRecordID"],
                    "_time": system["TimeCreated"]["#attributes"]["SystemTime"],
                    **record["Event"]["EventData"],
                }
            )
    return rows


@pytest.fixture(scope="session")
def labels(simulation: Path) -> list[dict]:
    return records(simulation / "labels.jsonl")
