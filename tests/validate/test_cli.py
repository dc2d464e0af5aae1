"""`rathunt validate`: tables, JSON, and exit codes for passing and failing gates."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from rathunt.cli import main
from rathunt.simulate import SimOptions, write_simulation


@pytest.fixture(scope="module")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "two"
    write_simulation(
        SimOptions(hosts=4, days=0.5, seed="cli", intrusions=[["default"], ["seed-naive"]]), out
    )
    return out


def test_passing_gates_exit_zero_and_write_json(simulation: Path, tmp_path: Path) -> None:
    report = tmp_path / "result.json"
    result = CliRunner().invoke(
        main,
        [
            "validate",
            str(simulation),
            "--pack",
            "njrat",
            "--json",
            str(report),
            "--fail-under",
            "variant-stages=2",
            "--max-benign-fp",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Evasion matrix" in result.output and "Stages by variant" in result.output
    body = orjson.loads(report.read_bytes())
    assert body["passed"] is True
    assert set(body["variants"]) == {"default", "seed-naive"}
    assert body["counts"]["records_skipped"] == 0


def test_a_failing_gate_exits_one_and_says_why(simulation: Path) -> None:
    result = CliRunner().invoke(
        main, ["validate", str(simulation), "--pack", "njrat", "--fail-under", "delivery=1.0"]
    )
    assert result.exit_code == 1
    assert "FAIL" in result.output and "missed in seed-naive" in result.output


def test_simulate_on_the_fly(tmp_path: Path) -> None:
    keep = tmp_path / "kept"
    result = CliRunner().invoke(
        main,
        [
            "validate",
            "--simulate",
            "--variant",
            "ngrok",
            "--days",
            "0.3",
            "--keep",
            str(keep),
            "--pack",
            "njrat",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (keep / "labels.jsonl").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a simulation directory"),
        (["--simulate", "--fail-under", "stage"], "write NAME=VALUE"),
        (["--simulate", "--fail-under", "bogus=3"], "unknown --fail-under gate 'bogus'"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["validate", *args])
    assert result.exit_code == 2 and message in result.output
