"""SigmaHQ's own regression suite: each case names a rule, an EVTX sample and a match count.

The EVTX goes through `rathunt.events` and the rule through `rathunt.rules`, as in a hunt. The
known failures are listed here and in docs/engine.md with their reasons; the test fails when a
case starts failing and when a listed one starts passing, so the list stays true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from rathunt.engine import Engine
from rathunt.rules import Rule, load_rules

pytestmark = [pytest.mark.data, pytest.mark.slow]

RULE_DIRS = ("rules", "rules-emerging-threats", "rules-threat-hunting")

# Rule id -> why the case fails (also in docs/engine.md, "SigmaHQ regression suite").
KNOWN_FAILURES: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Case:
    rule_id: str
    sample: Path
    expected: int


def _cases(sigma: Path) -> list[Case]:
    cases = []
    for info in sorted((sigma / "regression_data").rglob("info.yml")):
        document = yaml.safe_load(info.read_text(encoding="utf-8"))
        rule_id = str(document["rule_metadata"][0]["id"])
        for test in document.get("regression_tests_info") or []:
            if test.get("type") == "evtx":
                # A case without a match_count expects the one event it was recorded for.
                cases.append(Case(rule_id, sigma / test["path"], int(test.get("match_count", 1))))
    return cases


@pytest.fixture(scope="module")
def sigma(shared_data: Path) -> Path:
    return shared_data / "sigma"


@pytest.fixture(scope="module")
def rules_by_id(sigma: Path) -> dict[str, Rule]:
    ruleset = load_rules([sigma / name for name in RULE_DIRS])
    return {rule.id: rule for rule in ruleset.rules}


def _match_count(rule: Rule, sample: Path) -> int:
    from rathunt.events import ReadStats, read_paths

    stats = ReadStats()
    events = list(read_paths([str(sample)], stats=stats, keep_duplicates=True))
    assert stats.records_skipped == 0, stats.problems
    return sum(1 for _ in Engine([rule]).match(events))


def test_regression_suite(sigma: Path, rules_by_id: dict[str, Rule]) -> None:
    cases = _cases(sigma)
    assert len(cases) >= 170, "the SigmaHQ regression data looks incomplete"

    failures: dict[str, str] = {}
    for case in cases:
        rule = rules_by_id.get(case.rule_id)
        if rule is None:
            failures[case.rule_id] = "rule not loaded"
            continue
        got = _match_count(rule, case.sample)
        if got != case.expected:
            failures[case.rule_id] = f"{got} matches, expected {case.expected}"

    new = {rule_id: why for rule_id, why in failures.items() if rule_id not in KNOWN_FAILURES}
    fixed = sorted(set(KNOWN_FAILURES) - set(failures))
    assert not new and not fixed, f"new failures: {new}; now passing: {fixed}"
    assert len(failures) <= 0.02 * len(cases)
