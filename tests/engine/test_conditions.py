"""Every condition form: boolean operators, parentheses, selectors, lists of maps."""

from __future__ import annotations

import pytest
from engine_shapes import matches, rule_from_yaml, security_process, sysmon_process

SELECTIONS = """
    sel_image:
        Image|endswith: '\\taskmgr.exe'
    sel_parent:
        ParentImage|endswith: '\\Akagi_64.exe'
    sel_other:
        Image|endswith: '\\cmd.exe'
    filter_system:
        CommandLine|contains: 'system32'
    filter_none:
        CommandLine|contains: 'never-there'
"""

# (case id, condition, expected on the stock process-creation event)
CONDITIONS: list[tuple[str, str, bool]] = [
    ("identifier", "sel_image", True),
    ("and", "sel_image and sel_parent", True),
    ("and false", "sel_image and sel_other", False),
    ("or", "sel_other or sel_parent", True),
    ("or false", "sel_other or filter_none", False),
    ("not", "not sel_other", True),
    ("and not", "sel_image and not filter_system", False),
    ("and not passes", "sel_image and not filter_none", True),
    ("parentheses", "(sel_other or sel_image) and not filter_none", True),
    ("precedence: and binds tighter", "sel_other and sel_image or sel_parent", True),
    ("precedence with parentheses", "sel_other and (sel_image or sel_parent)", False),
    ("not binds tightest", "not sel_other and sel_image", True),
    ("double not", "not not sel_image", True),
    ("1 of pattern", "1 of sel_*", True),
    ("any of pattern", "any of sel_*", True),
    ("all of pattern", "all of sel_*", False),
    ("all of pattern true", "all of sel_i* and all of sel_p*", True),
    ("not 1 of filters", "sel_image and not 1 of filter_*", False),
    ("not all of filters", "sel_image and not all of filter_*", True),
    ("1 of them", "1 of them", True),
    ("all of them", "all of them", False),
]


@pytest.mark.parametrize(
    ("condition", "expected"), [c[1:] for c in CONDITIONS], ids=[c[0] for c in CONDITIONS]
)
def test_condition(condition: str, expected: bool) -> None:
    rule = rule_from_yaml(f"{SELECTIONS}    condition: {condition}")
    assert matches(rule, sysmon_process()) is expected
    assert matches(rule, security_process()) is expected


def test_fields_of_one_selection_are_anded() -> None:
    detection = """
    selection:
        Image|endswith: '\\taskmgr.exe'
        CommandLine|contains: '/8'
    condition: selection"""
    rule = rule_from_yaml(detection)
    assert not matches(rule, sysmon_process())
    assert matches(rule, sysmon_process(CommandLine="taskmgr.exe /8"))


def test_list_of_maps_is_or() -> None:
    detection = """
    selection:
        - Image|endswith: '\\cmd.exe'
          CommandLine|contains: '/c'
        - Image|endswith: '\\taskmgr.exe'
          CommandLine|contains: '/7'
    condition: selection"""
    rule = rule_from_yaml(detection)
    assert matches(rule, sysmon_process())
    assert matches(rule, security_process(Image="C:\\Windows\\cmd.exe", CommandLine="cmd /c x"))
    assert not matches(rule, security_process(Image="C:\\Windows\\cmd.exe"))


def test_several_conditions_are_or() -> None:
    detection = f"{SELECTIONS}    condition:\n        - sel_other\n        - sel_parent"
    rule = rule_from_yaml(detection)
    assert matches(rule, sysmon_process())
    assert not matches(rule, sysmon_process(ParentImage="C:\\Windows\\explorer.exe"))


def test_keywords_and_fields_combine() -> None:
    detection = """
    keywords:
        - 'akagi'
    filter:
        EventID: 4688
    condition: keywords and not filter"""
    rule = rule_from_yaml(detection)
    assert matches(rule, sysmon_process())
    assert not matches(rule, security_process())


def test_negated_selection_alone_matches_events_without_the_value() -> None:
    detection = """
    filter:
        Image|endswith: '\\taskmgr.exe'
    condition: not filter"""
    rule = rule_from_yaml(detection)
    assert not matches(rule, sysmon_process())
    assert matches(rule, sysmon_process(Image=None))
