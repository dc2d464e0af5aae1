"""The labels file: one line per malicious event, read back, bad lines named."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.errors import InputError
from rathunt.simulate import STAGES, STEPS, read_labels


def test_labels_read_back_with_stage_technique_and_variant(simulation: Path) -> None:
    records = list(read_labels(simulation / "labels.jsonl"))
    assert records
    for record in records:
        assert record.label.stage in STAGES
        assert record.label.step in STEPS
        assert record.label.technique.startswith("T1")
        assert record.label.intrusion.startswith("intrusion-")
    assert len({r.key for r in records}) == len(records)


def test_labels_stay_outside_the_events(simulation: Path) -> None:
    for path in (simulation / "telemetry").rglob("*.jsonl"):
        text = path.read_text()
        assert '"stage"' not in text and "intrusion-" not in text


def test_a_bad_label_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(
        '{"host":"a","channel":"Security","record_id":1,"stage":"x",'
        '"technique":"T1"}\n{"host": "b"}\n'
    )
    with pytest.raises(InputError, match=r"labels\.jsonl \(line 2\): bad label"):
        list(read_labels(path))
