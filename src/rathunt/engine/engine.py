"""The engine: compile rules once, then match batches of events against all of them.

Events are grouped by log source, so each event meets only the rules written for it. Per log
source a prefilter finds, in one multi-pattern pass per field, the rules an event could match;
only those evaluate their full condition. `match_reference` skips the prefilter and evaluates
every applicable rule on every event: it is the oracle the fast path is tested against.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from rathunt.collector import collector_paused
from rathunt.engine.compile import compile_rule
from rathunt.engine.nodes import Node
from rathunt.engine.prefilter import Prefilter, build_prefilter
from rathunt.errors import RathuntError, RuleError
from rathunt.model import Event, FieldValue, LogSource
from rathunt.rules.rule import Rule, Support

log = logging.getLogger(__name__)

# Evaluation errors kept with their place; the rest are only counted.
MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Match:
    """A rule that matched an event; `matched` holds the rule's fields the event carries."""

    rule: Rule
    event: Event
    matched: dict[str, FieldValue]


@dataclass(slots=True)
class EngineStats:
    """Counts a user might doubt: how many rules run fully, approximated, or not at all."""

    rules: int = 0
    full: int = 0
    degraded: int = 0
    rejected: int = 0
    correlations: int = 0
    unfiltered: int = 0  # rules the prefilter cannot narrow: evaluated on every event
    errors: int = 0  # (rule, event) evaluations that failed on an unexpected value
    problems: list[RuleError] = field(default_factory=list)  # the first few of those


@dataclass(frozen=True, slots=True)
class RuleRef:
    """What a worker's copy of the engine keeps of a rule: enough to name it in a problem."""

    id: str
    path: str | None


@dataclass(slots=True)
class _Compiled:
    rule: Rule | RuleRef
    index: int  # the rule's position in the list the engine was built from
    tree: Node
    fields: tuple[str, ...]
    product: str | None
    service: str | None
    category: str | None


class Engine:
    """Compiled Sigma rules, ready to match batches of events."""

    def __init__(
        self, rules: Iterable[Rule], placeholders: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.placeholders = dict(placeholders or {})
        self.stats = EngineStats()
        self._rules: list[_Compiled] = []
        self._by_source: dict[LogSource, tuple[list[_Compiled], Prefilter]] = {}
        with collector_paused():
            for index, rule in enumerate(rules):
                self._add(rule, index)
        log.info(
            "compiled %d rules: %d full, %d degraded, %d rejected; %d correlations left to "
            "correlate",
            self.stats.rules,
            self.stats.full,
            self.stats.degraded,
            self.stats.rejected,
            self.stats.correlations,
        )

    def _add(self, rule: Rule, index: int) -> None:
        self.stats.rules += 1
        if rule.is_correlation:
            self.stats.correlations += 1
            return
        compiled = self._compile(rule, index)
        status = rule.support.status
        setattr(self.stats, status, getattr(self.stats, status) + 1)
        if compiled is not None:
            self._rules.append(compiled)
            if not compiled.tree.necessary():
                self.stats.unfiltered += 1

    def _compile(self, rule: Rule, index: int) -> _Compiled | None:
        sigma = rule.sigma
        # The status is this compilation's: a rule compiled again (say, now with placeholder
        # values) must not keep an earlier verdict.
        rule.support = Support()
        if not isinstance(sigma, SigmaRule):
            rule.support.reject(f"not a detection rule ({type(sigma).__name__})")
            return None
        try:
            result = compile_rule(sigma, self.placeholders)
        except (RathuntError, SigmaError, re.error, ValueError, TypeError) as error:
            reason = getattr(error, "feature", None) or str(error)
            rule.support.reject(str(reason))
            log.debug("rule %s (%s) rejected: %s", rule.id, rule.path, reason)
            return None
        for feature in result.degraded:
            rule.support.degrade(feature)
        fields = tuple(dict.fromkeys(result.tree.field_names()))
        source = sigma.logsource
        return _Compiled(
            rule,
            index,
            result.tree,
            fields,
            _lower(source.product),
            _lower(source.service),
            _lower(source.category),
        )

    def match(self, batch: Sequence[Event]) -> Iterator[Match]:
        """Every (rule, event) match in the batch, events in order, rules in load order."""
        for _, compiled, event in self._matches(batch):
            yield _match(_rule_of(compiled), event, compiled.fields)

    def match_indexed(
        self, batch: Sequence[Event]
    ) -> Iterator[tuple[int, int, Event, dict[str, FieldValue]]]:
        """The matches as (position in the batch, index of the rule in the list the engine
        was built from, event, matched fields): what a worker sends back."""
        for position, compiled, event in self._matches(batch):
            fields = event.fields
            matched = {name: fields[name] for name in compiled.fields if name in fields}
            yield position, compiled.index, event, matched

    def for_workers(self) -> Engine:
        """A copy to pickle for worker processes: the compiled trees without the pySigma
        rules behind them, which would cost seconds to unpickle in each worker. The copy
        matches with `match_indexed` only."""
        copy = Engine.__new__(Engine)
        copy.placeholders = self.placeholders
        copy.stats = EngineStats()
        copy._by_source = {}
        copy._rules = [
            _Compiled(
                RuleRef(c.rule.id, c.rule.path),
                c.index,
                c.tree,
                c.fields,
                c.product,
                c.service,
                c.category,
            )
            for c in self._rules
        ]
        return copy

    def _matches(self, batch: Sequence[Event]) -> Iterator[tuple[int, _Compiled, Event]]:
        found: list[list[_Compiled]] = [[] for _ in batch]
        for logsource, positions in _by_logsource(batch).items():
            rules, prefilter = self._source(logsource)
            if not rules:
                continue
            group = [batch[position] for position in positions]
            candidates = prefilter.candidates([event.fields for event in group])
            for position, event, admitted in zip(positions, group, candidates, strict=True):
                for index in admitted:
                    if self._evaluate(rules[index], event):
                        found[position].append(rules[index])
        for position, matched in enumerate(found):
            if matched:
                event = batch[position]
                for compiled in matched:
                    yield position, compiled, event

    def match_reference(self, batch: Sequence[Event]) -> Iterator[Match]:
        """The same matches, by evaluating every applicable rule on every event (slow)."""
        for event in batch:
            for compiled in self._source(event.logsource)[0]:
                if self._evaluate(compiled, event):
                    yield _match(_rule_of(compiled), event, compiled.fields)

    def _evaluate(self, compiled: _Compiled, event: Event) -> bool:
        """One rule on one event; a value no test foresaw is counted, not fatal."""
        try:
            return compiled.tree.evaluate(event.fields)
        except (TypeError, ValueError, OverflowError, AttributeError) as error:
            self._problem(compiled.rule, event, error)
            return False

    def _problem(self, rule: Rule | RuleRef, event: Event, error: Exception) -> None:
        self.stats.errors += 1
        if len(self.stats.problems) >= MAX_PROBLEMS:
            return
        problem = RuleError(
            f"evaluation failed on {event.provenance}: {type(error).__name__}: {error}",
            path=rule.path,
            rule_id=rule.id,
            hint="the event was treated as not matching; please report the record",
        )
        self.stats.problems.append(problem)
        log.warning("%s", problem)

    def rules_for(self, logsource: LogSource) -> list[Rule]:
        """The compiled rules that apply to events of this log source."""
        return [_rule_of(compiled) for compiled in self._source(logsource)[0]]

    def _source(self, logsource: LogSource) -> tuple[list[_Compiled], Prefilter]:
        cached = self._by_source.get(logsource)
        if cached is None:
            rules = [compiled for compiled in self._rules if _applies(compiled, logsource)]
            prefilter = build_prefilter([compiled.tree.necessary() for compiled in rules])
            cached = self._by_source[logsource] = (rules, prefilter)
            log.debug("log source %s: %d rules", logsource, len(rules))
        return cached


def _by_logsource(batch: Sequence[Event]) -> dict[LogSource, list[int]]:
    groups: dict[LogSource, list[int]] = {}
    for position, event in enumerate(batch):
        groups.setdefault(event.logsource, []).append(position)
    return groups


def _match(rule: Rule, event: Event, names: tuple[str, ...]) -> Match:
    fields = event.fields
    return Match(rule, event, {name: fields[name] for name in names if name in fields})


def _rule_of(compiled: _Compiled) -> Rule:
    if not isinstance(compiled.rule, Rule):
        raise TypeError("a worker's copy of the engine matches by index only (match_indexed)")
    return compiled.rule


def _applies(compiled: _Compiled, logsource: LogSource) -> bool:
    """Each log source attribute the rule gives must match the event's."""
    if compiled.product is not None and compiled.product != _lower(logsource.product):
        return False
    if compiled.service is not None and compiled.service != _lower(logsource.service):
        return False
    if compiled.category is not None:
        return compiled.category in (category.lower() for category in logsource.categories)
    return True


def _lower(text: str | None) -> str | None:
    return text.lower() if text else None
