"""Conformance of the correlator to the Sigma correlation specification, on event time.

Each test gives inline rules and matches with chosen times and states the exact findings:
window edges, out-of-order input, several groups, ordering, duplicates, chains.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from correlate_shapes import base_rule, by_name, load, match, process_event, run, summary

from rathunt.correlate import Correlator
from rathunt.model import Finding
from rathunt.rules.rule import Rule

RULES = base_rule("sysinfo") + "---" + base_rule("tasklist") + "---" + base_rule("ipconfig")


def correlation(body: str, title: str = "burst") -> str:
    return f"""
title: {title}
name: {title}
status: test
level: high
correlation:
{body}
"""


def setup(
    body: str, *, lateness: timedelta | None = timedelta(0)
) -> tuple[Correlator, dict[str, Rule]]:
    corrs, bases = load(RULES + "---" + correlation(body))
    return Correlator(corrs, bases, lateness=lateness), by_name(bases + corrs)


COUNT_3_IN_5M = """
  type: event_count
  rules: [sysinfo]
  group-by: [Computer]
  timespan: 5m
  condition: {gte: 3}
"""


class TestWindowEdges:
    def test_an_event_exactly_at_the_limit_is_inside(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M)
        found = run(correlator, [match(rules["sysinfo"], process_event(s)) for s in (0, 120, 300)])
        assert [row[2] for row in summary(found)] == [3.0]

    def test_one_second_past_the_limit_is_outside(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M)
        found = run(correlator, [match(rules["sysinfo"], process_event(s)) for s in (0, 120, 301)])
        assert found == []

    def test_a_long_stream_gives_one_finding_per_maximal_window(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M)
        # Windows from 0 (0-250: 4), 100 (100-350: 4), 200 (200-450: 4); the window from
        # 250 holds nothing the one from 200 lacks, so it is not tested again.
        times = (0, 100, 200, 250, 350, 450)
        found = run(correlator, [match(rules["sysinfo"], process_event(s)) for s in times])
        spans = [(row[3][11:19], row[4][11:19]) for row in summary(found)]
        assert spans == [
            ("09:15:00", "09:19:10"),
            ("09:16:40", "09:20:50"),
            ("09:18:20", "09:22:30"),
        ]
        assert [row[2] for row in summary(found)] == [4.0, 4.0, 4.0]


class TestInputOrder:
    def test_shuffled_input_gives_the_same_findings_as_sorted(self) -> None:
        times = [0, 30, 61, 200, 290, 500, 520, 530, 900, 1190, 1200, 1210]
        sorted_found = self._findings(times, None)
        shuffled = times[:]
        random.Random(7).shuffle(shuffled)
        assert summary(self._findings(shuffled, None)) == summary(sorted_found)
        # Windows from 0 (5 matches), 200 (3), 290 (4), 900 (3) and 1190 (3).
        assert [row[2] for row in summary(sorted_found)] == [5.0, 3.0, 4.0, 3.0, 3.0]

    def test_disorder_within_the_lateness_is_exact(self) -> None:
        times = [0, 30, 61, 200, 290, 500, 520, 530, 900, 1190, 1200, 1210]
        jittered = [times[i ^ 1] for i in range(len(times))]  # swap neighbours
        exact = summary(self._findings(times, None))
        assert summary(self._findings(jittered, timedelta(minutes=10))) == exact

    def test_a_match_later_than_the_lateness_is_counted_not_correlated(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M, lateness=timedelta(seconds=60))
        for s in (0, 10, 20, 1000):
            list(correlator.feed(match(rules["sysinfo"], process_event(s))))
        list(correlator.feed(match(rules["sysinfo"], process_event(30))))
        list(correlator.flush())
        assert correlator.stats.late == 1

    def _findings(self, times: list[int], lateness: timedelta | None) -> list[Finding]:
        correlator, rules = setup(COUNT_3_IN_5M, lateness=lateness)
        records = {s: 50_000 + i for i, s in enumerate(sorted(times))}
        return run(
            correlator,
            [match(rules["sysinfo"], process_event(s, record=records[s])) for s in times],
        )


class TestGroups:
    def test_groups_interleaved_count_separately(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M)
        matches = []
        for s in (0, 60, 120):
            matches.append(match(rules["sysinfo"], process_event(s, computer="WS1")))
            matches.append(match(rules["sysinfo"], process_event(s + 1, computer="WS2")))
        matches.append(match(rules["sysinfo"], process_event(2, computer="WS3")))
        found = summary(run(correlator, matches))
        assert [(row[1], row[2]) for row in found] == [
            ({"Computer": "WS1"}, 3.0),
            ({"Computer": "WS2"}, 3.0),
        ]

    def test_without_group_by_every_match_counts_together(self) -> None:
        body = COUNT_3_IN_5M.replace("  group-by: [Computer]\n", "")
        correlator, rules = setup(body)
        matches = [
            match(rules["sysinfo"], process_event(s, computer=f"WS{s}")) for s in (0, 10, 20)
        ]
        assert [(row[1], row[2]) for row in summary(run(correlator, matches))] == [({}, 3.0)]

    def test_a_match_without_the_group_field_is_counted_as_ungrouped(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M)
        run(correlator, [match(rules["sysinfo"], process_event(0, computer=None))])
        assert correlator.stats.ungrouped == 1


class TestOrdering:
    ORDERED = """
  type: temporal_ordered
  rules: [sysinfo, tasklist, ipconfig]
  group-by: [Computer]
  timespan: 2m
"""

    def test_in_order_within_the_timespan_fires(self) -> None:
        correlator, rules = setup(self.ORDERED)
        steps = [("sysinfo", 0), ("tasklist", 30), ("ipconfig", 120)]
        found = run(correlator, [match(rules[n], process_event(s)) for n, s in steps])
        assert [row[2] for row in summary(found)] == [3.0]

    def test_an_ordering_violation_does_not_fire(self) -> None:
        correlator, rules = setup(self.ORDERED)
        steps = [("sysinfo", 0), ("ipconfig", 30), ("tasklist", 60)]
        assert run(correlator, [match(rules[n], process_event(s)) for n, s in steps]) == []

    def test_the_same_instant_is_not_an_order(self) -> None:
        correlator, rules = setup(self.ORDERED)
        steps = [("sysinfo", 0), ("tasklist", 30), ("ipconfig", 30)]
        assert run(correlator, [match(rules[n], process_event(s)) for n, s in steps]) == []

    def test_a_late_first_step_is_found_when_fed_last(self) -> None:
        correlator, rules = setup(self.ORDERED, lateness=None)
        steps = [("tasklist", 30), ("ipconfig", 60), ("sysinfo", 0)]
        found = run(correlator, [match(rules[n], process_event(s)) for n, s in steps])
        assert len(found) == 1

    def test_unordered_temporal_accepts_any_order(self) -> None:
        correlator, rules = setup(self.ORDERED.replace("temporal_ordered", "temporal"))
        steps = [("ipconfig", 0), ("sysinfo", 30), ("tasklist", 60)]
        found = run(correlator, [match(rules[n], process_event(s)) for n, s in steps])
        assert [row[2] for row in summary(found)] == [3.0]

    def test_a_boolean_condition_with_not_needs_the_absence_within_the_timespan(self) -> None:
        body = """
  type: temporal
  rules: [sysinfo, tasklist]
  group-by: [Computer]
  timespan: 1m
  condition: sysinfo and not tasklist
"""
        correlator, rules = setup(body)
        matches = [
            match(rules["sysinfo"], process_event(0, computer="WS1")),
            match(rules["tasklist"], process_event(50, computer="WS1")),
            match(rules["sysinfo"], process_event(0, computer="WS2")),
            match(rules["tasklist"], process_event(61, computer="WS2")),
        ]
        assert [row[1] for row in summary(run(correlator, matches))] == [{"Computer": "WS2"}]


class TestDuplicates:
    @pytest.mark.parametrize("lateness", [timedelta(0), None])
    def test_the_same_event_fed_twice_counts_once(self, lateness: timedelta | None) -> None:
        correlator, rules = setup(COUNT_3_IN_5M, lateness=lateness)
        first, second = process_event(0, record=7), process_event(10, record=8)
        matches = [match(rules["sysinfo"], e) for e in (first, first, second)]
        assert run(correlator, matches) == []
        assert correlator.stats.duplicates == 1

    def test_a_copy_of_a_record_from_another_file_is_the_same_event(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M)
        events = [process_event(0, record=7), process_event(10, record=8)]
        events.append(process_event(0, record=7, path="copy-of-host1.evtx"))
        assert run(correlator, [match(rules["sysinfo"], e) for e in events]) == []

    def test_one_event_matching_two_rules_counts_once_for_event_count(self) -> None:
        body = COUNT_3_IN_5M.replace("[sysinfo]", "[sysinfo, tasklist]")
        correlator, rules = setup(body)
        events = [process_event(s) for s in (0, 10)]
        matches = [match(rules[n], e) for e in events for n in ("sysinfo", "tasklist")]
        assert run(correlator, matches) == []


class TestChains:
    def test_a_correlation_over_a_correlation(self) -> None:
        text = (
            RULES
            + "---"
            + correlation(COUNT_3_IN_5M, title="sysinfo_burst").replace("level: high", "")
            + "---"
            + correlation(
                """
  type: temporal_ordered
  rules: [sysinfo_burst, ipconfig]
  group-by: [Computer]
  timespan: 10m
""",
                title="burst_then_ipconfig",
            )
        )
        corrs, bases = load(text)
        correlator = Correlator(corrs, bases, lateness=timedelta(0))
        rules = by_name(bases + corrs)
        matches = [match(rules["sysinfo"], process_event(s)) for s in (0, 60, 120)]
        matches.append(match(rules["ipconfig"], process_event(400)))
        found = run(correlator, matches)
        assert [f.rule_title for f in found] == ["burst_then_ipconfig"]
        assert correlator.suppressed(rules["sysinfo_burst"])
        assert correlator.suppressed(rules["ipconfig"])
        assert found[0].extra["correlation"]["rules"] == ["ipconfig", "sysinfo_burst"]

    def test_generate_true_keeps_the_base_rules_alerting(self) -> None:
        correlator, rules = setup(COUNT_3_IN_5M + "  generate: true\n")
        assert not correlator.suppressed(rules["sysinfo"])
        correlator, rules = setup(COUNT_3_IN_5M)
        assert correlator.suppressed(rules["sysinfo"])
        assert not correlator.suppressed(rules["tasklist"])


@pytest.mark.parametrize(
    ("op", "count", "fires"),
    [
        ("gt", 2, [3.0]),
        ("gt", 3, []),
        ("gte", 3, [3.0]),
        ("lt", 3, [1.0]),
        ("lte", 1, [1.0]),
        ("eq", 3, [3.0]),
        ("eq", 2, []),
        ("neq", 3, [1.0]),
    ],
)
def test_every_comparison_operator(op: str, count: int, fires: list[float]) -> None:
    """A burst of three, then an isolated event: each window is tested as a whole."""
    body = COUNT_3_IN_5M.replace("{gte: 3}", f"{{{op}: {count}}}")
    correlator, rules = setup(body)
    times = (0, 60, 120, 1000)
    found = run(correlator, [match(rules["sysinfo"], process_event(s)) for s in times])
    assert [row[2] for row in summary(found)] == fires


def test_memory_stays_within_the_windows_on_a_long_ordered_stream() -> None:
    correlator, rules = setup(COUNT_3_IN_5M, lateness=timedelta(seconds=30))
    rule = rules["sysinfo"]
    for i in range(5_000):
        list(correlator.feed(match(rule, process_event(i * 10.0, record=i))))
    list(correlator.flush())
    # 5 minutes + 30 s of lateness at one match per 10 s, plus the one that closes them.
    assert correlator.stats.max_held <= 35
    assert correlator.stats.matches == 5_000


def test_findings_stream_out_as_windows_close() -> None:
    correlator, rules = setup(COUNT_3_IN_5M, lateness=timedelta(0))
    early = [list(correlator.feed(match(rules["sysinfo"], process_event(s)))) for s in (0, 60, 120)]
    assert early == [[], [], []]
    closing = list(correlator.feed(match(rules["sysinfo"], process_event(1000))))
    assert [f.extra["correlation"]["value"] for f in closing] == [3.0]
    assert list(correlator.flush()) == []


def test_a_group_past_its_cap_closes_its_oldest_windows_early() -> None:
    corrs, bases = load(RULES + "---" + correlation(COUNT_3_IN_5M))
    correlator = Correlator(corrs, bases, lateness=None, max_group_entries=10)
    rule = by_name(bases)["sysinfo"]
    found = [f for s in range(40) for f in correlator.feed(match(rule, process_event(s)))]
    assert correlator.stats.max_held == 11
    # Each window closed early holds the matches that had arrived: the cap, not the timespan.
    assert found and all(f.extra["correlation"]["value"] <= 11 for f in found)
    list(correlator.feed(match(rule, process_event(5))))
    assert correlator.stats.late == 1
