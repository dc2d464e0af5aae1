"""Validation over a real, labelled sample: a SigmaHQ regression EVTX and its rule."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from rathunt.validate import ValidateOptions, source_from_path, validate

CASE = "rules/windows/process_creation/proc_creation_win_reg_add_run_key"
RULE = "rules/windows/process_creation/proc_creation_win_reg_add_run_key.yml"


def write_labels(path: Path, record_ids: list[int]) -> Path:
    rows = [
        {
            "host": "ar-win-1",
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "record_id": record,
            "event_id": 1,
            "stage": "persistence",
            "technique": "T1547.001",
            "step": "run-key",
            "variant": "real-sample",
        }
        for record in record_ids
    ]
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


@pytest.mark.data
def test_labelled_real_record_is_a_true_positive(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "sigma" / "regression_data" / CASE
    labels = write_labels(tmp_path / "labels.jsonl", [256890])
    result = validate(
        [source_from_path(sample, labels)],
        ValidateOptions(packs=[], rules=[shared_data / "sigma" / RULE]),
    )
    (rule,) = result.scores.rules.values()
    assert (rule.tp, rule.fp, rule.fn) == (1, 0, 0)
    assert result.scores.stage_status("real-sample", "persistence") == "detected"


@pytest.mark.data
def test_unlabelled_real_record_is_a_false_positive(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "sigma" / "regression_data" / CASE
    labels = write_labels(tmp_path / "labels.jsonl", [])
    result = validate(
        [source_from_path(sample, labels)],
        ValidateOptions(packs=[], rules=[shared_data / "sigma" / RULE]),
    )
    (rule,) = result.scores.rules.values()
    assert (rule.tp, rule.fp) == (0, 1)
    assert result.scores.benign_at_or_above("medium") == 1


@pytest.mark.data
def test_telemetry_without_labels_is_scored_with_a_warning(
    shared_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sample = shared_data / "sigma" / "regression_data" / CASE
    with caplog.at_level("WARNING", logger="rathunt.validate"):
        result = validate(
            [source_from_path(sample)],
            ValidateOptions(packs=[], rules=[shared_data / "sigma" / RULE]),
        )
    (rule,) = result.scores.rules.values()
    assert rule.fp == 1
    assert "no labels for" in caplog.text and "false positive" in caplog.text
