"""Golden conversions: one rule in, the exact query out, for every target."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.rules import load_rules
from rathunt.rules.convert import TARGETS, convert_rules

GOLDEN = Path(__file__).with_name("golden")


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_rule_converts_to_the_golden_query(target: str) -> None:
    """The query for each target is exactly the reviewed one in tests/rules/golden."""
    ruleset = load_rules([GOLDEN / "rule.yml"])
    report = convert_rules(ruleset.rules, TARGETS[target])
    [result] = report.results
    assert result.status == "converted", result.reason
    expected = (GOLDEN / f"{target}.txt").read_text(encoding="utf-8")
    assert "\n".join(map(str, result.queries)) + "\n" == expected
