"""Loading correlation rules: references, aliases, value aggregations, and rejections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from correlate_shapes import base_rule, by_name, load, match, process_event, run, summary

from rathunt.correlate import Correlator
from rathunt.rules.rule import Rule

BASES = base_rule("sysinfo") + "---" + base_rule("tasklist")


def correlator_for(body: str, extra: str = "") -> tuple[Correlator, dict[str, Rule]]:
    corrs, bases = load(BASES + extra + "---\ntitle: corr\nname: corr\ncorrelation:\n" + body)
    return Correlator(corrs, bases, lateness=timedelta(0)), by_name(bases + corrs)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "  type: event_count\n  rules: [nosuch]\n  timespan: 5m\n  condition: {gte: 2}\n",
            "refers to rule 'nosuch', which is not loaded",
        ),
        (
            "  type: temporal\n  rules: [sysinfo, tasklist]\n  group-by: [host]\n  timespan: 5m\n"
            "  aliases:\n    host: {sysinfo: Computer}\n",
            "alias 'host' has no field for rule 'tasklist'",
        ),
        (
            "  type: temporal_ordered\n  rules: [sysinfo, tasklist]\n  timespan: 5m\n"
            "  condition: sysinfo and not tasklist\n",
            "temporal_ordered condition with `not` has no defined order",
        ),
        (
            "  type: value_percentile\n  rules: [sysinfo]\n  timespan: 5m\n"
            "  condition: {gte: 2, field: ProcessId}\n",
            "value_percentile needs `percentile` between 0 and 100",
        ),
        (
            "  type: event_count\n  rules: [sysinfo]\n  condition: {gte: 2}\n",
            "without timespan",
        ),
        (
            "  type: event_count\n  rules: [sysinfo, sysinfo]\n  timespan: 5m\n"
            "  condition: {gte: 2}\n",
            "listed twice",
        ),
    ],
)
def test_a_broken_correlation_is_rejected_with_its_reason(body: str, reason: str) -> None:
    correlator, rules = correlator_for(body)
    support = rules["corr"].support
    assert support.status == "rejected"
    assert any(reason in text for text in support.reasons), support.reasons
    # A rejected correlation neither runs nor silences the rules it names.
    assert not correlator.suppressed(rules["sysinfo"])
    assert correlator.plans == []


def test_a_reference_cycle_rejects_every_correlation_in_it() -> None:
    text = (
        BASES + "---\ntitle: a\nname: a\ncorrelation:\n  type: event_count\n  rules: [b]\n"
        "  timespan: 5m\n  condition: {gte: 1}\n"
        + "---\ntitle: b\nname: b\ncorrelation:\n  type: event_count\n  rules: [a]\n"
        "  timespan: 5m\n  condition: {gte: 1}\n"
    )
    corrs, bases = load(text)
    Correlator(corrs, bases)
    assert [r.support.reasons for r in corrs] == [["correlation references form a cycle"]] * 2


def test_rules_are_found_by_id_as_well_as_by_name() -> None:
    extra = "---\ntitle: by id\nid: 5638f7c0-ac70-491d-8465-2a65075e0d86\nstatus: test\n"
    extra += "logsource: {category: process_creation, product: windows}\n"
    extra += "detection: {sel: {Image|endswith: '\\\\x.exe'}, condition: sel}\n"
    body = "  type: event_count\n  rules: [5638f7c0-ac70-491d-8465-2a65075e0d86]\n"
    body += "  timespan: 5m\n  condition: {gte: 2}\n"
    correlator, rules = correlator_for(body, extra)
    assert rules["corr"].support.status == "full"
    assert correlator.suppressed(rules["by id"])


def test_aliases_group_events_whose_fields_differ() -> None:
    body = """  type: temporal_ordered
  rules: [sysinfo, tasklist]
  group-by: [Computer, process]
  timespan: 5m
  aliases:
    process:
      sysinfo: ProcessGuid
      tasklist: ParentProcessGuid
"""
    correlator, rules = correlator_for(body)
    parent = "747F3D96-06EC-6437-4A7E-143D564C39D6"
    matches = [
        match(rules["sysinfo"], process_event(0, ProcessGuid=parent)),
        match(rules["tasklist"], process_event(30, ProcessGuid="X", ParentProcessGuid="Y")),
        match(rules["tasklist"], process_event(40, ProcessGuid="Z", ParentProcessGuid=parent)),
    ]
    found = summary(run(correlator, matches))
    assert [row[1]["process"] for row in found] == [parent]


@pytest.mark.parametrize(
    ("kind", "condition", "value"),
    [
        ("value_count", "{gte: 3, field: Image}", 3.0),
        ("value_count", "{gte: 4, field: Image}", None),
        ("value_sum", "{gt: 5999, field: ProcessId}", 6000.0),
        ("value_avg", "{eq: 1500, field: ProcessId}", 1500.0),
        ("value_median", "{eq: 1100, field: ProcessId}", 1100.0),
        ("value_percentile", "{gte: 2500, field: ProcessId, percentile: 95}", 2560.0),
        ("value_percentile", "{lte: 1000, field: ProcessId, percentile: 0}", 1000.0),
    ],
)
def test_value_aggregations(kind: str, condition: str, value: float | None) -> None:
    body = f"  type: {kind}\n  rules: [sysinfo]\n  group-by: [Computer]\n  timespan: 5m\n"
    body += f"  condition: {condition}\n"
    correlator, rules = correlator_for(body)
    images = ["a.exe", "b.exe", "c.exe", "a.exe"]
    pids = [1000, 1000, 1200, 2800]
    matches = [
        match(rules["sysinfo"], process_event(i * 10, image=f"C:\\T\\{img}", ProcessId=pid))
        for i, (img, pid) in enumerate(zip(images, pids, strict=True))
    ]
    if kind != "value_count":
        matches.append(match(rules["sysinfo"], process_event(35, ProcessId="not a number")))
    found = summary(run(correlator, matches))
    if value is None:
        assert found == []
    else:
        assert [row[2] for row in found] == [pytest.approx(value)]
    if kind != "value_count":
        assert correlator.stats.unusable == 1


def test_a_correlation_over_a_cycle_is_rejected_too() -> None:
    cycle = (
        "---\ntitle: a\nname: a\ncorrelation:\n  type: event_count\n  rules: [b]\n"
        "  timespan: 5m\n  condition: {gte: 1}\n"
        "---\ntitle: b\nname: b\ncorrelation:\n  type: event_count\n  rules: [a]\n"
        "  timespan: 5m\n  condition: {gte: 1}\n"
    )
    body = "  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 1}\n"
    correlator, rules = correlator_for(body, cycle)
    assert rules["corr"].support.reasons == ["refers to correlation a, which cannot run"]
    assert correlator.plans == []


def test_a_field_on_event_count_is_ignored_and_said() -> None:
    body = "  type: event_count\n  rules: [sysinfo]\n  timespan: 5m\n"
    body += "  condition: {gte: 2, field: Image}\n"
    correlator, rules = correlator_for(body)
    assert rules["corr"].support.status == "degraded"
    assert rules["corr"].support.reasons == ["`field` is ignored by event_count"]
    matches = [match(rules["sysinfo"], process_event(s)) for s in (0, 10)]
    assert [row[2] for row in summary(run(correlator, matches))] == [2.0]
