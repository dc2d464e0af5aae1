"""One pass over the findings that gathers what every summary shows.

The terminal summary and the HTML report both show findings by level, by tactic, by host
and by rule. A `Digest` counts these in one pass, holding only counters (one entry per
host and per rule) and, for the HTML table, the earliest few findings, never them all.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rathunt.model import Finding
from rathunt.report.order import LEVELS, NO_HOST, finding_tactics, level_rank, tactic_key
from rathunt.report.serialise import iso_time


@dataclass(slots=True)
class HostDigest:
    """What fired on one host: counts by level and rule, and when."""

    name: str
    findings: int = 0
    events: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    first: str | None = None
    last: str | None = None

    @property
    def worst(self) -> str:
        """The most severe level seen on the host."""
        return min(self.levels, key=level_rank) if self.levels else "informational"


@dataclass(slots=True)
class RuleDigest:
    """How often one rule fired, and on how many hosts."""

    rule_id: str
    title: str
    level: str
    tactics: list[str]
    findings: int = 0
    events: int = 0
    hosts: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Digest:
    """Counts of findings by level, tactic, host and rule; see the module docstring."""

    findings: int = 0
    events: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    tactics: Counter[str] = field(default_factory=Counter)
    tactic_rules: dict[str, Counter[str]] = field(default_factory=dict)
    hosts: dict[str, HostDigest] = field(default_factory=dict)
    rules: dict[str, RuleDigest] = field(default_factory=dict)
    first: str | None = None
    last: str | None = None
    earliest: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> str | None:
        """Count one finding (a folded one counts its repeats as events); return its time."""
        events = max(finding.count, 1)
        moment = iso_time(finding.time)
        self.findings += 1
        self.events += events
        self.levels[finding.level] += 1
        self.first, self.last = _span(self.first, self.last, moment)

        for tactic in finding_tactics(finding):
            self.tactics[tactic] += 1
            self.tactic_rules.setdefault(tactic, Counter())[finding.rule_id] += 1

        host_name = finding.computer or NO_HOST
        host = self.hosts.get(host_name) or self.hosts.setdefault(host_name, HostDigest(host_name))
        host.findings += 1
        host.events += events
        host.levels[finding.level] += 1
        host.rules[finding.rule_id] += 1
        host.first, host.last = _span(host.first, host.last, moment)

        rule = self.rules.get(finding.rule_id)
        if rule is None:
            rule = RuleDigest(
                finding.rule_id, finding.rule_title, finding.level, finding_tactics(finding)
            )
            self.rules[finding.rule_id] = rule
        rule.findings += 1
        rule.events += events
        rule.hosts.add(host_name)
        return moment

    def levels_in_order(self) -> list[tuple[str, int]]:
        """Every Sigma level, most severe first, then any other level seen."""
        others = sorted(level for level in self.levels if level not in LEVELS)
        return [(level, self.levels[level]) for level in (*LEVELS, *others)]

    def tactics_in_order(self) -> list[tuple[str, int]]:
        """Tactics seen, in kill-chain order, findings without a tactic last."""
        return [(tactic, self.tactics[tactic]) for tactic in sorted(self.tactics, key=tactic_key)]

    def top_hosts(self, top: int | None = None) -> list[HostDigest]:
        """Hosts by worst level, then by number of findings."""
        hosts = sorted(
            self.hosts.values(),
            key=lambda host: (level_rank(host.worst), -host.findings, host.name),
        )
        return hosts if top is None else hosts[:top]

    def top_rules(self, top: int | None = None) -> list[RuleDigest]:
        """Rules by number of findings, then by level."""
        rules = sorted(
            self.rules.values(),
            key=lambda rule: (-rule.findings, level_rank(rule.level), rule.title),
        )
        return rules if top is None else rules[:top]


def digest(findings: Iterable[Finding], *, keep: int = 0) -> Digest:
    """Count the findings in one pass; keep the `keep` earliest for a table."""
    result = Digest()
    counted = _counting(result, findings)
    if keep <= 0:
        for _ in counted:
            pass
        return result

    earliest = heapq.nsmallest(keep, counted, key=lambda item: item[0])
    result.earliest = [finding for _, finding in earliest]
    return result


def _counting(
    result: Digest, findings: Iterable[Finding]
) -> Iterator[tuple[tuple[int, str, int], Finding]]:
    """Each finding with its timeline key, counted into `result` on the way."""
    for number, finding in enumerate(findings):
        moment = result.add(finding)
        key = (1, "", number) if moment is None else (0, moment, number)
        yield key, finding


def _span(first: str | None, last: str | None, moment: str | None) -> tuple[str | None, str | None]:
    if moment is None:
        return first, last
    return (
        moment if first is None or moment < first else first,
        moment if last is None or moment > last else last,
    )
