"""`rathunt simulate njrat`: options, output layout and usage errors."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from rathunt.cli import main


def test_simulate_writes_telemetry_labels_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "njrat",
            "--hosts",
            "3",
            "--days",
            "0.3",
            "--variant",
            "renamed",
            "--variant",
            "ngrok",
            "--seed",
            "7",
            "--format",
            "ecs",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = orjson.loads((out / "simulation.json").read_bytes())
    assert manifest["intrusions"][0]["variant"] == "renamed+ngrok"
    assert manifest["format"] == "ecs" and manifest["seed"] == "7"
    assert sorted(p.name for p in (out / "telemetry").iterdir()) == [
        "WS-0001",
        "WS-0002",
        "WS-0003",
    ]
    assert any(p.suffix == ".ndjson" for p in (out / "telemetry").rglob("*"))
    assert (out / "labels.jsonl").stat().st_size > 0


def test_each_variant_places_one_intrusion_per_variant(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "njrat",
            "--hosts",
            "4",
            "--days",
            "0.2",
            "--each-variant",
            "--variant",
            "usb",
            "--variant",
            "green+no-startup",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = orjson.loads((out / "simulation.json").read_bytes())
    assert [i["variant"] for i in manifest["intrusions"]] == ["usb", "green+no-startup"]


def test_unknown_variant_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["simulate", "njrat", "--variant", "nope", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "unknown variant 'nope'" in result.output


def test_refuses_to_mix_into_earlier_telemetry(tmp_path: Path) -> None:
    args = ["simulate", "njrat", "--hosts", "1", "--days", "0.05", "--out", str(tmp_path)]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 3 and "output already holds telemetry" in again.output


def test_quiet_prints_nothing_and_still_writes(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    args = ["-q", "simulate", "njrat", "--hosts", "1", "--days", "0.05", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert (out / "simulation.json").is_file()
