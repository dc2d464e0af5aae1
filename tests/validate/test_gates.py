"""Gates: parsed from `--fail-under` and `--max-benign-fp`, each verdict explained."""

from __future__ import annotations

import pytest

from rathunt.errors import ConfigError
from rathunt.validate import check, parse_gate, score


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("stage", "write NAME=VALUE"),
        ("stage=high", "give a number"),
        ("nonsense=1", "unknown --fail-under gate 'nonsense'"),
        ("persistence=2", r"must lie in \[0, 1\]"),
    ],
)
def test_bad_gates_are_named(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_gate(spec)


def test_stage_gate_names_the_stage_and_the_variants_that_missed_it(
    make_finding, labels_table, rules_list
) -> None:
    scores = score(
        [
            make_finding("run", "WS-1.corp", 10),
            make_finding("netsh", "WS-1.corp", 11, event_id=1),
            make_finding("netsh", "WS-2.corp", 21, event_id=1),
        ],
        labels_table,
        rules_list,
    )
    (every, one, pairs) = check(
        scores,
        [parse_gate("stage=1.0"), parse_gate("defense-evasion=1"), parse_gate("variant-stages=2")],
        None,
    )
    assert not every.passed and every.detail == "persistence 0.50 (missed in allusers)"
    assert one.passed
    assert not pairs.passed and pairs.detail == "allusers: 1"


def test_benign_gate_counts_findings_at_or_above_the_level(
    make_finding, labels_table, rules_list
) -> None:
    scores = score(
        [
            make_finding("run", "WS-9.corp", 1, level="low"),
            make_finding("run", "WS-9.corp", 2, level="high"),
        ],
        labels_table,
        rules_list,
    )
    (medium,) = check(scores, [], 0)
    assert not medium.passed and medium.detail.startswith("1 findings at medium or above")
    (high,) = check(scores, [], 1, fp_level="high")
    assert high.passed
