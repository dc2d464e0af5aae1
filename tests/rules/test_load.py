"""Loading rule sets: bad rules are reported with their place, the rest load."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.errors import ConfigError
from rathunt.rules import available_packs, load_pack, load_rules

GOOD = """\
title: Netsh allowedprogram
id: 6f1c2a4e-8b1d-4c7e-9d3a-2b5e7f9a1c01
name: netsh_allowedprogram
status: test
logsource: {category: process_creation, product: windows}
detection:
  selection:
    Image|endswith: '\\netsh.exe'
    CommandLine|contains|all: [firewall, allowedprogram]
  condition: selection
level: high
tags: [attack.defense-evasion, attack.t1562.004]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rules_are_reported_with_file_and_place_and_the_rest_loads(tmp_path: Path) -> None:
    write(tmp_path, "good.yml", GOOD)
    write(tmp_path, "bad_yaml.yml", "title: x\n  detection: [\n")
    write(tmp_path, "empty.yml", "")
    bad_modifier = GOOD.replace("Image|endswith", "Image|endswithh").replace(
        "2b5e7f9a1c01", "2b5e7f9a1c02"
    )
    write(tmp_path, "bad_modifier.yml", bad_modifier.replace("name: netsh_allowedprogram\n", ""))

    ruleset = load_rules([tmp_path, tmp_path / "missing.yml"])

    assert [rule.title for rule in ruleset.rules] == ["Netsh allowedprogram"]
    assert ruleset.files == 4
    assert ruleset.files_failed == 3  # bad YAML, empty file, missing path
    assert ruleset.rejected == 1
    messages = {Path(p.path or "").name: str(p) for p in ruleset.problems}
    assert "line 2, column 12" in messages["bad_yaml.yml"]
    assert "invalid YAML" in messages["bad_yaml.yml"]
    assert "empty file" in messages["empty.yml"]
    assert "endswithh" in messages["bad_modifier.yml"]
    written = (tmp_path / "bad_modifier.yml").read_text(encoding="utf-8")
    modifier_line = next(n for n, text in enumerate(written.splitlines(), 1) if "endswithh" in text)
    # Placed at the modifier itself, not at the rule's id.
    assert f"line {modifier_line}, rule " in messages["bad_modifier.yml"]
    assert "6f1c2a4e-8b1d-4c7e-9d3a-2b5e7f9a1c02" in messages["bad_modifier.yml"]
    assert "no such file" in messages["missing.yml"]


def test_invalid_yaml_names_where_the_broken_construct_starts(tmp_path: Path) -> None:
    # An unclosed quote: the parser gives up at the end of the file, the mistake is on line 8.
    broken = GOOD.replace("'\\netsh.exe'", "'\\netsh.exe")
    write(tmp_path, "unclosed.yml", broken)

    ruleset = load_rules([tmp_path])

    assert not ruleset.rules
    message = str(ruleset.problems[0])
    assert "invalid YAML" in message
    assert "while scanning a quoted scalar started at line 8, column 21" in message


def test_tests_folders_are_not_rules(tmp_path: Path) -> None:
    write(tmp_path, "pack/rule.yml", GOOD)
    write(tmp_path, "pack/tests/rule/positive.yml", "not: a rule\n")
    ruleset = load_rules([tmp_path / "pack"])
    assert len(ruleset.rules) == 1
    assert not ruleset.problems


def test_filters_apply_to_the_rules_they_name(tmp_path: Path) -> None:
    write(tmp_path, "rule.yml", GOOD)
    write(
        tmp_path,
        "filter.yml",
        """\
title: Known admin tooling
id: 0a7d7c55-51f6-4c1b-8d5e-6a7c3b2e9f10
logsource: {category: process_creation, product: windows}
filter:
  rules: [netsh_allowedprogram]
  selection:
    ParentImage|endswith: '\\admintool.exe'
  condition: not selection
""",
    )
    ruleset = load_rules([tmp_path])
    assert ruleset.filters == 1
    (rule,) = ruleset.rules
    condition = rule.sigma.detection.condition
    assert "admintool" in str(rule.sigma.detection.detections)
    assert len(condition) == 1 and "selection" in condition[0] and "not" in condition[0]


def test_correlation_with_unknown_base_rule_is_rejected_with_reason(tmp_path: Path) -> None:
    write(tmp_path, "rule.yml", GOOD)
    write(
        tmp_path,
        "corr.yml",
        """\
title: Repeated firewall exceptions
id: 3c1e4b8a-5d2f-4a6b-9c7e-1f0a2b3c4d5e
correlation:
  type: event_count
  rules: [does_not_exist]
  group-by: [Computer]
  timespan: 10m
  condition: {gte: 3}
level: high
""",
    )
    ruleset = load_rules([tmp_path])
    corr = next(rule for rule in ruleset.rules if rule.is_correlation)
    assert corr.support.status == "rejected"
    assert "does_not_exist" in corr.support.reasons[0]


def test_sigmahq_checkout_loads_its_rule_folders_only(tmp_path: Path) -> None:
    write(tmp_path, "sigma/rules/windows/a.yml", GOOD)
    write(tmp_path, "sigma/deprecated/old.yml", GOOD.replace("2b5e7f9a1c01", "2b5e7f9a1c09"))
    write(tmp_path, "sigma/regression_data/rules/x/info.yml", "id: 1\n")
    ruleset = load_rules([tmp_path / "sigma"])
    assert [Path(rule.path or "").name for rule in ruleset.rules] == ["a.yml"]


def test_packs_ship_and_unknown_pack_names_the_available_ones() -> None:
    assert "seed" in available_packs()
    seed = load_pack("seed")
    assert len(seed.rules) == 7 and not seed.problems
    assert {rule.pack for rule in seed.rules} == {"seed"}
    with pytest.raises(ConfigError, match=r"available packs: .*seed"):
        load_pack("nope")


@pytest.mark.data
def test_whole_sigmahq_rule_set_loads_without_problems(shared_data: Path) -> None:
    ruleset = load_rules([shared_data / "sigma"])
    assert ruleset.files >= 3700
    assert len(ruleset.rules) == ruleset.files
    assert not ruleset.problems
