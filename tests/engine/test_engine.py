"""The engine as a whole: log sources, support statuses, matched fields, placeholders config."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_shapes import rule_from_yaml, security_process, sysmon_process
from sigma.collection import SigmaCollection

from rathunt.engine import Engine, load_placeholders
from rathunt.engine.values import TextTest
from rathunt.errors import ConfigError
from rathunt.model import Event, LogSource
from rathunt.rules.rule import Rule

TASKMGR = "    selection:\n        Image|endswith: '\\taskmgr.exe'\n    condition: selection"


def _logon(**fields: object) -> Event:
    event = security_process(EventID=4624, LogonType=3, TargetUserName="bouss", **fields)
    event.logsource = LogSource("windows", "security", ())
    return event


def test_category_rule_skips_other_log_sources() -> None:
    engine = Engine([rule_from_yaml(TASKMGR)])
    assert len(list(engine.match([sysmon_process(), security_process()]))) == 2
    assert list(engine.match([_logon()])) == []


def test_service_rule_applies_to_its_service_only() -> None:
    detection = (
        "    selection:\n        EventID: 4624\n        LogonType: 3\n    condition: selection"
    )
    rule = rule_from_yaml(detection, logsource="service: security")
    engine = Engine([rule])
    matched = list(engine.match([_logon(), sysmon_process(EventID=4624, LogonType=3)]))
    assert [m.event.logsource.service for m in matched] == ["security"]


def test_event_in_several_categories_meets_each_categorys_rules() -> None:
    detection = "    selection:\n        TargetObject|contains: '\\Run\\'\n    condition: selection"
    rule_set = rule_from_yaml(detection, logsource="category: registry_set")
    rule_event = rule_from_yaml(detection, logsource="category: registry_event")
    event = sysmon_process(EventID=13, TargetObject="HKU\\S\\Software\\Microsoft\\Run\\x")
    event.logsource = LogSource("windows", "sysmon", ("registry_set", "registry_event"))
    assert {m.rule.title for m in Engine([rule_set, rule_event]).match([event])} == {
        "Engine test rule"
    }
    assert len(list(Engine([rule_set, rule_event]).match([event]))) == 2


def test_matched_holds_the_named_fields_the_event_carries() -> None:
    detection = """
    selection:
        Image|endswith: '\\taskmgr.exe'
        ParentImage|fieldref|endswith: Missing
    other:
        OriginalFileName: 'Taskmgr.exe'
    condition: selection or other"""
    (match,) = Engine([rule_from_yaml(detection)]).match([sysmon_process()])
    assert match.matched == {
        "Image": "C:\\Windows\\System32\\Taskmgr.exe",
        "ParentImage": "C:\\Users\\bouss\\Downloads\\Akagi_64.exe",
        "OriginalFileName": "Taskmgr.exe",
    }


def test_matches_come_in_event_order_for_many_rules() -> None:
    rules = [rule_from_yaml(TASKMGR) for _ in range(70)]
    events = [sysmon_process(EventRecordID=n) for n in range(3)]
    order = [m.event.record_id for m in Engine(rules).match(events)]
    assert order == [0] * 70 + [1] * 70 + [2] * 70


def test_stats_count_every_status_and_correlations_are_left_alone() -> None:
    collection = SigmaCollection.from_yaml(
        """
title: Base
name: base_rule
id: 11111111-1111-4111-8111-111111111111
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\\taskmgr.exe'
    condition: selection
---
title: Many
id: 22222222-2222-4222-8222-222222222222
correlation:
    type: event_count
    rules: [base_rule]
    group-by: [Computer]
    timespan: 5m
    condition: {gte: 3}
"""
    )
    rules = [Rule(item) for item in collection.rules]
    rules.append(rule_from_yaml("    s:\n        Computer|expand: '%Unset%'\n    condition: s"))
    rules.append(rule_from_yaml("    s:\n        CommandLine|re: 'a(?!b)'\n    condition: s"))
    engine = Engine(rules)
    stats = engine.stats
    assert (stats.rules, stats.full, stats.degraded, stats.rejected, stats.correlations) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert [m.rule.title for m in engine.match([sysmon_process()])] == ["Base", "Engine test rule"]
    assert rules[1].support.status == "full"


def test_unfiltered_rules_are_counted() -> None:
    negated = rule_from_yaml("    f:\n        Image|endswith: '\\x.exe'\n    condition: not f")
    engine = Engine([negated, rule_from_yaml(TASKMGR)])
    assert engine.stats.unfiltered == 1
    assert len(list(engine.match([sysmon_process()]))) == 2


def test_rules_for_a_log_source() -> None:
    engine = Engine([rule_from_yaml(TASKMGR)])
    assert len(engine.rules_for(sysmon_process().logsource)) == 1
    assert engine.rules_for(LogSource("linux", None, ("process_creation",))) == []


def test_load_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "placeholders.yml"
    path.write_text("placeholders:\n  Admins: [ws1, ws2]\n  Port: 4444\n", encoding="utf-8")
    assert load_placeholders(path) == {"Admins": ["ws1", "ws2"], "Port": ["4444"]}
    path.write_text("Admins: ws1\n", encoding="utf-8")
    assert load_placeholders(path) == {"Admins": ["ws1"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Admins: []\n", "placeholder 'Admins' needs a string or a non-empty list"),
        ("- a\n- b\n", "expected a mapping"),
        ("Admins: [a, {b: c}]\n", "placeholder 'Admins'"),
        ("Admins: [a\n", "not valid YAML"),
    ],
)
def test_load_placeholders_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as raised:
        load_placeholders(path)
    assert str(path) in str(raised.value)


def test_load_placeholders_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read placeholders"):
        load_placeholders(tmp_path / "absent.yml")


def test_a_failing_evaluation_is_counted_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = TextTest.__call__

    def fragile(self: TextTest, value: object, fields: dict[str, object]) -> bool:
        if fields.get("EventRecordID") == 7:
            raise TypeError("unforeseen value")
        return original(self, value, fields)

    monkeypatch.setattr(TextTest, "__call__", fragile)
    engine = Engine([rule_from_yaml(TASKMGR)])
    events = [sysmon_process(EventRecordID=n) for n in (6, 7, 8)]
    assert [m.event.record_id for m in engine.match(events)] == [6, 8]
    assert engine.stats.errors == 1
    (problem,) = engine.stats.problems
    assert "sample.evtx (record 7)" in str(problem) and "TypeError" in str(problem)
    assert "rule 5d7e3c2a-0000-4000-8000-000000000001" in str(problem)


def test_a_value_without_text_form_does_not_match_text() -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise ValueError("no text form")

    engine = Engine([rule_from_yaml(TASKMGR)])
    assert list(engine.match([sysmon_process(Image=Unprintable())])) == []
    assert engine.stats.errors == 0
