"""Run Sigma correlation rules over the engine's matches, in any input order.

Lifecycle: build a `Correlator` from the correlation rules and the base rules they refer to
(bad correlations are rejected on `rule.support` with the reason); `feed` it every match, in
file order; it yields correlation findings as their windows close; `flush` at the end of
input closes the rest. `suppressed(rule)` tells the caller which base rules only feed
correlations (`generate: false`) and should not alert on their own.

Order and memory: by default (`lateness=None`) windows close at `flush`, which is exact for
any input order and holds every match of a correlated rule (only those, and only what a
finding needs of them). With a `lateness`, each group keeps its own watermark, the latest
event time it has seen minus `lateness`; a window closes once the watermark passes its end
and its entries are dropped, so a group holds `timespan + lateness` of matches. A group that
grows past `max_group_entries` closes its oldest windows early. Either way a match older than
its group's closed windows is late: counted in `stats.late`, logged, and not correlated.
Correlations over correlations close at `flush`.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from rathunt.correlate.findings import correlation_finding
from rathunt.correlate.plan import Plan, PlanError, compile_plan, index_rules
from rathunt.correlate.window import Entry, Evidence, Group, Window
from rathunt.model import Event, Finding
from rathunt.rules.rule import Rule

log = logging.getLogger(__name__)

DEFAULT_LATENESS: timedelta | None = None
# About 40 MB of held matches per group, measured; beyond it the oldest windows close early.
MAX_GROUP_ENTRIES = 100_000


class MatchLike(Protocol):
    """What the engine yields: a rule, the event it matched, and the fields it named."""

    @property
    def rule(self) -> Rule: ...
    @property
    def event(self) -> Event: ...
    @property
    def matched(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class CorrelatorStats:
    """Counts a user might doubt about what correlation saw and set aside."""

    matches: int = 0  # matches of rules some correlation refers to
    late: int = 0  # older than their group's closed windows: not correlated
    duplicates: int = 0  # the same event fed twice for the same rule
    ungrouped: int = 0  # lacking a group-by field: no group to count them in
    untimed: int = 0  # events without a time
    unusable: int = 0  # value_* correlations: the field missing or not a number
    findings: int = 0
    held: int = 0
    max_held: int = 0


class Correlator:
    """Correlation rules compiled against their base rules, with per-group windows."""

    def __init__(
        self,
        correlation_rules: Iterable[Rule],
        base_rules: Iterable[Rule],
        *,
        lateness: timedelta | None = DEFAULT_LATENESS,
        max_evidence: int = 20,
        max_group_entries: int = MAX_GROUP_ENTRIES,
    ) -> None:
        self.lateness = None if lateness is None else lateness.total_seconds()
        self.max_group_entries = max_group_entries
        self.max_evidence = max_evidence
        self.stats = CorrelatorStats()
        self.rules = list(correlation_rules)
        self.plans: list[Plan] = []
        self._routes: dict[int, list[tuple[Plan, int]]] = {}
        self._groups: dict[int, dict[Hashable, Group]] = {}
        self._suppressed: set[int] = set()
        self._seq = 0
        self._warned: set[Hashable] = set()
        self._described: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._build(list(base_rules))

    # -- building -------------------------------------------------------------------------

    def _build(self, base_rules: list[Rule]) -> None:
        index = index_rules([*base_rules, *self.rules])
        plans: dict[int, Plan] = {}
        for rule in self.rules:
            if rule.support.status == "rejected":
                continue  # already rejected at load, with its reason
            try:
                plans[id(rule)] = compile_plan(rule, index)
            except PlanError as err:
                rule.support.reject(str(err))
        self._reject_broken_chains(plans)
        self.plans = _topological(list(plans.values()))

        generating: set[int] = set()
        for plan in self.plans:
            self._groups[id(plan)] = {}
            for position, ref in enumerate(plan.refs):
                if ref.is_correlation:
                    plans[id(ref)].uppers.append((plan, position))
                else:
                    self._routes.setdefault(id(ref), []).append((plan, position))
                    if ref.support.status == "rejected":
                        plan.rule.support.degrade(
                            f"referenced rule {ref.id} is rejected by the engine and never matches"
                        )
                self._suppressed.add(id(ref))
                if plan.rule.sigma.generate:  # type: ignore[union-attr]
                    generating.add(id(ref))
        self._suppressed -= generating
        log.info(
            "correlation: %d rules ready, %d rejected",
            len(self.plans),
            len(self.rules) - len(self.plans),
        )

    def _reject_broken_chains(self, plans: dict[int, Plan]) -> None:
        """A correlation over a rejected correlation, or in a reference cycle, cannot run."""
        for plan in _cyclic(list(plans.values())):
            plan.rule.support.reject("correlation references form a cycle")
            del plans[id(plan.rule)]
        changed = True
        while changed:
            changed = False
            for key, plan in list(plans.items()):
                for ref in plan.refs:
                    if ref.is_correlation and id(ref) not in plans:
                        plan.rule.support.reject(
                            f"refers to correlation {ref.id}, which cannot run"
                        )
                        del plans[key]
                        changed = True
                        break

    # -- the public surface -------------------------------------------------------------

    def routes(self, rule: Rule) -> bool:
        """True for a rule whose matches some correlation takes in."""
        return id(rule) in self._routes

    def suppressed(self, rule: Rule) -> bool:
        """True for a rule that only feeds correlations: its matches are not findings."""
        return id(rule) in self._suppressed

    def feed(self, match: MatchLike) -> Iterator[Finding]:
        """Take one match; yield the correlation findings whose windows it closed."""
        routes = self._routes.get(id(match.rule))
        if not routes:
            return
        event = match.event
        if event.time is None:
            self.stats.untimed += 1
            return
        self.stats.matches += 1
        evidence, identity = self._evidence(match.rule, event)
        for plan, position in routes:
            entry = self._entry(plan, position, event, evidence, identity)
            if entry is None:
                continue
            group_key = self._group_key(plan, position, event.fields)
            if group_key is None:
                self.stats.ungrouped += 1
                continue
            group = self._add(plan, group_key, entry)
            if group is not None and not plan.deferred:
                watermark, cap = self._limits(plan, group)
                if group.times[0] + plan.timespan < watermark or group.times[0] < cap:
                    yield from self._close(plan, group_key, group, watermark, cap)

    def flush(self) -> Iterator[Finding]:
        """End of input: close every window, lower correlations before the ones above."""
        for plan in self.plans:
            groups = self._groups[id(plan)]
            for group_key, group in list(groups.items()):
                yield from self._close(plan, group_key, group, float("inf"))
        log.info(
            "correlated %d matches into %d findings (%d late, %d duplicates, %d without their "
            "group-by fields, %d unusable values, at most %d held at once)",
            self.stats.matches,
            self.stats.findings,
            self.stats.late,
            self.stats.duplicates,
            self.stats.ungrouped,
            self.stats.unusable,
            self.stats.max_held,
        )

    # -- inside -----------------------------------------------------------------------------

    def _evidence(self, rule: Rule, event: Event) -> tuple[Evidence, Hashable]:
        """What every entry of this match cites, and the event's identity."""
        described = self._described.get(id(rule))
        if described is None:
            described = self._described[id(rule)] = (rule.id, tuple(rule.tags))
        assert event.time is not None
        record_id = event.record_id
        computer = event.computer
        if record_id is not None:
            identity: Hashable = (computer, event.channel, record_id, event.time.timestamp())
        else:
            source = event.provenance
            identity = (source.path, source.kind, source.record)
        evidence = Evidence(
            described[0], event.time, event.provenance, computer, record_id, described[1]
        )
        return evidence, identity

    def _entry(
        self, plan: Plan, position: int, event: Event, evidence: Evidence, identity: Hashable
    ) -> Entry | None:
        value: Any = None
        if plan.value_fields:
            value = _value(plan, event.fields)
            if value is None:
                self.stats.unusable += 1
                return None
        key = (identity, position) if plan.kind in ("temporal", "temporal_ordered") else identity
        self._seq += 1
        return Entry(evidence.time.timestamp(), self._seq, position, key, value, evidence)

    def _group_key(
        self, plan: Plan, position: int, fields: dict[str, Any]
    ) -> tuple[Hashable, ...] | None:
        values: list[Hashable] = []
        for name in plan.fields[position]:
            value = fields.get(name)
            if value is None or value == "":
                return None
            values.append(tuple(value) if isinstance(value, list) else value)
        return tuple(values)

    def _add(self, plan: Plan, group_key: Hashable, entry: Entry) -> Group | None:
        groups = self._groups[id(plan)]
        group = groups.get(group_key)
        if group is None:
            group = groups[group_key] = Group()
        if entry.time < group.closed_until:
            self._late(plan, entry)
            return None
        if not group.add(entry):
            self.stats.duplicates += 1
            return None
        self.stats.held += 1
        self.stats.max_held = max(self.stats.max_held, self.stats.held)
        return group

    def _limits(self, plan: Plan, group: Group) -> tuple[float, float]:
        """(watermark, cap): windows ending before the watermark are complete; windows
        starting before the cap close early because the group holds too many matches."""
        watermark = float("-inf") if self.lateness is None else group.max_time - self.lateness
        cap = float("-inf")
        excess = len(group.entries) - self.max_group_entries
        if excess > 0:
            cap = group.times[excess]
            if ("cap", id(plan)) not in self._warned:
                self._warned.add(("cap", id(plan)))
                log.warning(
                    "correlation %s: a group holds over %d matches; its oldest windows close "
                    "early and matches older than %s count as late",
                    plan.rule.id,
                    self.max_group_entries,
                    group.entries[excess].evidence.time,
                )
        return watermark, cap

    def _late(self, plan: Plan, entry: Entry) -> None:
        self.stats.late += 1
        if ("late", id(plan)) not in self._warned:
            self._warned.add(("late", id(plan)))
            log.warning(
                "correlation %s: %s arrived after its window closed and is not correlated; "
                "feed matches in time order or raise the lateness (now %ss)",
                plan.rule.id,
                entry.evidence.provenance,
                self.lateness,
            )

    def _close(
        self,
        plan: Plan,
        group_key: Hashable,
        group: Group,
        watermark: float,
        cap: float = float("-inf"),
    ) -> Iterator[Finding]:
        before = len(group.entries)
        windows = list(group.close(plan, watermark, cap))
        self.stats.held -= before - len(group.entries)
        # A group stays after its windows close, to keep recognising late matches.
        if watermark == float("inf"):
            del self._groups[id(plan)][group_key]
        for window in windows:
            yield from self._emit(plan, group_key, window)

    def _emit(self, plan: Plan, group_key: Hashable, window: Window) -> Iterator[Finding]:
        values = dict(zip(plan.group_by, group_key, strict=True))  # type: ignore[call-overload]
        finding = correlation_finding(plan, values, window, self.max_evidence)
        self.stats.findings += 1
        for upper, position in plan.uppers:
            self._feed_upper(upper, position, finding, window, values)
        if id(plan.rule) not in self._suppressed:
            yield finding

    def _feed_upper(
        self,
        upper: Plan,
        position: int,
        finding: Finding,
        window: Window,
        values: dict[str, Any],
    ) -> None:
        """A correlation result enters the correlation above at the time of its last event."""
        last = window.entries[-1]
        group_key = self._group_key(upper, position, values)
        if group_key is None:
            self.stats.ungrouped += 1
            return
        self._seq += 1
        identity = ("correlation", finding.rule_id, tuple(values.items()), window.entries[0].seq)
        key = (identity, position) if upper.kind in ("temporal", "temporal_ordered") else identity
        value = _value(upper, values) if upper.value_fields else None
        if upper.value_fields and value is None:
            self.stats.unusable += 1
            return
        evidence = Evidence(
            finding.rule_id,
            last.evidence.time,
            finding.provenance,
            finding.computer,
            None,
            finding.tags,
        )
        self._add(upper, group_key, Entry(last.time, self._seq, position, key, value, evidence))


def _value(plan: Plan, fields: dict[str, Any]) -> Any:
    """The value a value_* correlation reads from an event, or None if it has none."""
    values = [fields.get(name) for name in plan.value_fields]
    if any(value is None or value == "" for value in values):
        return None
    if plan.kind == "value_count":
        found = tuple(tuple(v) if isinstance(v, list) else v for v in values)
        return found[0] if len(found) == 1 else found
    number: Any = values[0]
    try:
        return float(number)
    except (TypeError, ValueError):
        return None


def _topological(plans: list[Plan]) -> list[Plan]:
    """Plans ordered so a correlation comes after every correlation it refers to."""
    by_rule = {id(plan.rule): plan for plan in plans}
    ordered: list[Plan] = []
    done: set[int] = set()

    def visit(plan: Plan) -> None:
        if id(plan) in done:
            return
        done.add(id(plan))
        for ref in plan.refs:
            if ref.is_correlation and id(ref) in by_rule:
                visit(by_rule[id(ref)])
        ordered.append(plan)

    for plan in plans:
        visit(plan)
    return ordered


def _cyclic(plans: list[Plan]) -> list[Plan]:
    """Plans that reach themselves through correlation references."""
    by_rule = {id(plan.rule): plan for plan in plans}

    def reaches(start: Plan) -> bool:
        stack = [ref for ref in start.refs if ref.is_correlation]
        seen: set[int] = set()
        while stack:
            ref = stack.pop()
            if ref is start.rule:
                return True
            if id(ref) in seen or id(ref) not in by_rule:
                continue
            seen.add(id(ref))
            stack.extend(r for r in by_rule[id(ref)].refs if r.is_correlation)
        return False

    return [plan for plan in plans if reaches(plan)]
