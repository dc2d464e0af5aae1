"""The library's entry point: one streaming run from telemetry to findings and incidents.

`hunt()` is what the command line calls, so a script gets exactly what `rathunt hunt` prints.
Events stream through in batches and are never all held; findings (far fewer) are collected,
repeats of a rule on a host folded, and handed to correlation and incident building.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from rathunt.engine import Match
from rathunt.errors import ConfigError, RathuntError
from rathunt.fold import Folder
from rathunt.model import Event, Finding, Incident, RunCounts, Tactic, Technique
from rathunt.rules import Rule, RuleSet, available_packs, load_pack, load_rules
from rathunt.rules.attack import map_tags
from rathunt.scan import (
    Keys,
    batched,
    chunk,
    open_baseline,
    scan_all,
    unguarded_main,
    warm_workers,
    worker_count,
)

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]


@dataclass(slots=True)
class HuntOptions:
    """What to run and how. With neither `rules` nor `packs`, every bundled pack but `seed`
    runs (the seed pack is kept to show what weak rules miss, not to hunt with)."""

    rules: Sequence[str | Path] = ()
    packs: Sequence[str] = ()
    keep_duplicates: bool = False
    placeholders: str | Path | None = None
    batch_size: int = 4096
    workers: int = 0  # 0: one per core (an input of one chunk runs in this process)
    baseline: str | Path | None = None
    baseline_config: str | Path | None = None
    incident_window: timedelta = timedelta(hours=24)
    fold_window: timedelta = timedelta(hours=1)
    # None: correlation windows close at the end of input, exact for any file order. A
    # duration: each group closes windows once its events pass them by that much, which
    # bounds memory by what the windows hold; for inputs in (roughly) time order.
    correlation_lateness: timedelta | None = None
    min_level: str | None = None
    progress: ProgressCallback | None = None


@dataclass(slots=True)
class HuntResult:
    """Everything a run produced, with the counts that say how complete it was."""

    findings: list[Finding] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    counts: RunCounts = field(default_factory=RunCounts)
    rules: list[Rule] = field(default_factory=list)
    problems: list[RathuntError] = field(default_factory=list)
    suppressed: list[dict[str, Any]] = field(default_factory=list)


LEVELS = ("informational", "low", "medium", "high", "critical")


def default_packs() -> list[str]:
    return [name for name in available_packs() if name != "seed"]


def load_hunt_rules(options: HuntOptions) -> RuleSet:
    """The rule set a hunt runs: the given rule paths and packs, or the default packs."""
    ruleset = RuleSet()
    packs = list(options.packs) or ([] if options.rules else default_packs())
    for name in packs:
        ruleset.extend(load_pack(name))
    if options.rules:
        ruleset.extend(load_rules(options.rules))
    if not ruleset.rules and not ruleset.problems:
        raise ConfigError("no rules to run", hint="give --rules PATH or --pack NAME")
    return ruleset


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What every finding of a rule repeats, worked out once per rule rather than per match."""

    rule_id: str
    title: str
    level: str
    status: str | None
    tags: tuple[str, ...]
    tactics: tuple[Tactic, ...]
    techniques: tuple[Technique, ...]
    pack: str | None

    @classmethod
    def of(cls, rule: Rule) -> RuleFacts:
        tags = tuple(rule.tags)
        tactics, techniques = _attack_of_tags(tags)
        return cls(
            rule.id, rule.title, rule.level, rule.status, tags, tactics, techniques, rule.pack
        )


def to_finding(
    rule: Rule, event: Event, matched: dict[str, Any], facts: RuleFacts | None = None
) -> Finding:
    """A finding for a rule that matched an event, with ATT&CK names from the rule's tags."""
    facts = facts or RuleFacts.of(rule)
    return Finding(
        rule_id=facts.rule_id,
        rule_title=facts.title,
        level=facts.level,
        status=facts.status,
        tags=facts.tags,
        tactics=facts.tactics,
        techniques=facts.techniques,
        logsource=event.logsource.name(),
        time=event.time,
        computer=event.computer,
        channel=event.channel,
        event_id=event.event_id,
        record_id=event.record_id,
        matched=matched,
        provenance=event.provenance,
        pack=facts.pack,
    )


@cache
def _attack_of_tags(tags: tuple[str, ...]) -> tuple[tuple[Tactic, ...], tuple[Technique, ...]]:
    # Keyed by the tags themselves: a cache keyed by rule identity could hand a new rule an
    # old one's techniques once the old one is freed and its id reused.
    return map_tags(tags)


def hunt(
    paths: Sequence[str | Path], options: HuntOptions | None = None, ruleset: RuleSet | None = None
) -> HuntResult:
    """Read `paths`, run the rules, fold, correlate and build incidents.

    Files are read and matched one at a time, in worker processes when `options.workers`
    asks for them; duplicates, correlation and folding are then settled here, in file order,
    so a run gives the same answer whatever the number of workers.
    """
    from rathunt.engine import Engine
    from rathunt.events import Deduplicator, ReadStats
    from rathunt.events.reader import sources

    options = options or HuntOptions()
    stats = ReadStats()
    files = list(sources(list(paths), stats))
    network_files, files = _split_network(files)
    chunks = chunk(files)
    workers = worker_count(options.workers, len(chunks))
    if workers > 1 and unguarded_main():
        log.warning(
            "hunt runs in one process: it was called from the top level of the script %s, "
            "which each worker process would run again; put the call under "
            '`if __name__ == "__main__":` to use %d workers, or pass workers=1',
            sys.modules["__main__"].__file__,
            workers,
        )
        workers = 1
    if workers > 1:
        warm_workers()  # the server imports rathunt while the rules load and compile

    ruleset = ruleset if ruleset is not None else load_hunt_rules(options)
    if not ruleset.rules and ruleset.problems:
        # Reading every file with no rule to run would only waste the user's time.
        more = len(ruleset.problems) - 1
        raise ConfigError(
            f"no rule could be loaded: {ruleset.problems[0]}"
            + (f" (and {more} more problems)" if more else "")
        )
    placeholders = _load_placeholders(options.placeholders)
    engine = Engine(ruleset.rules, placeholders=placeholders)
    correlator = correlator_for(ruleset.rules, options.correlation_lateness)
    for problem in _rule_problems(ruleset):  # the summary shows only the first few
        log.warning("%s", problem)
    result = HuntResult(rules=ruleset.rules, problems=list(ruleset.problems))

    dedup = None if options.keep_duplicates else Deduplicator()
    folder = Folder(options.fold_window)
    records = evaluation_errors = 0
    evaluation_problems: list[RathuntError] = []
    known: dict[int, RuleFacts] = {}  # by rule index, for this run
    book = _address_book() if network_files else None
    state = {
        "engine": engine,
        "whole_events": _correlated(ruleset.rules, correlator),
        "batch_size": options.batch_size,
        "baseline": (options.baseline, options.baseline_config) if options.baseline else None,
        "addresses": book is not None,
        "dedupe": dedup is not None,
    }
    for parts in scan_all(chunks, state, workers):
        for part in parts:
            if part.stats is not None:
                stats.merge(part.stats)
                evaluation_errors += part.evaluation_errors
                evaluation_problems.extend(part.evaluation_problems)
                if book is not None and part.addresses is not None:
                    book.merge(part.addresses)
                continue
            repeats = _repeats(part.keys, dedup)
            stats.duplicates += len(repeats)
            if options.correlation_lateness is not None:
                part.matches.sort(key=_match_time)
            for ordinal, rule_index, event, matched in part.matches:
                if ordinal in repeats:
                    continue
                rule = ruleset.rules[rule_index]
                facts = known.get(rule_index)
                if facts is None:
                    facts = known[rule_index] = RuleFacts.of(rule)
                if correlator is not None:
                    for finding in correlator.feed(Match(rule, event, matched)):
                        folder.add(finding)
                    if correlator.suppressed(rule):
                        continue
                if not folder.repeat(facts.rule_id, event.computer, event.time, event.provenance):
                    folder.add(to_finding(rule, event, matched, facts))
            for ordinal, finding in part.departures:
                if ordinal not in repeats:
                    folder.add(finding)
            records += part.records
            if options.progress:
                options.progress(records)
    if network_files:
        for finding in _scan_network(network_files, engine, ruleset.rules, stats, book):
            folder.add(finding)
    if correlator is not None:
        for finding in correlator.flush():
            folder.add(finding)
    findings = folder.findings()
    if options.baseline:
        findings = _suppress_known_good(findings, options, result)
    result.findings = _filter_level(findings, options.min_level)
    result.incidents = _incidents(result.findings, options)
    result.problems.extend([*stats.problems, *evaluation_problems])
    result.counts = _counts(ruleset, stats)
    result.counts.evaluation_errors = evaluation_errors
    result.counts.problems.extend(str(p) for p in evaluation_problems)
    log.info(
        "hunt: %d records, %d findings, %d incidents",
        stats.records_read,
        len(result.findings),
        len(result.incidents),
    )
    return result


def _split_network(
    files: list[tuple[str, bool]],
) -> tuple[list[str], list[tuple[str, bool]]]:
    """Packet captures and network logs apart from host telemetry (when the network extra is
    installed): they are read in this process, by one scan that sees every flow."""
    try:
        from rathunt.network import detect_network_format
    except ModuleNotFoundError:
        return [], files
    network = [path for path, _ in files if detect_network_format(path) is not None]
    if not network:
        return [], files
    chosen = set(network)
    return network, [source for source in files if source[0] not in chosen]


def _address_book() -> Any:
    from rathunt.network import AddressBook

    return AddressBook()


def _scan_network(
    paths: list[str], engine: Any, rules: list[Rule], stats: Any, book: Any
) -> list[Finding]:
    """Network files through Sigma rules and the network detectors (njRAT protocol, beacons,
    DNS retry loops, dynamic-DNS names); network findings get host names from the book."""
    from rathunt.network import NetworkScan, attribute_hosts

    scan = NetworkScan()
    findings: list[Finding] = []
    for path in paths:
        for batch in batched(scan.read(path, stats), 4096):
            findings.extend(to_finding(m.rule, m.event, m.matched) for m in engine.match(batch))
    detected = scan.finish()
    attribute_hosts(detected, book)
    return findings + detected


def _repeats(keys: Keys, dedup: Any) -> set[int]:
    """Ordinals of the records in one batch that repeat a record read before."""
    if dedup is None:
        return set()
    return {ordinal for ordinal, key in enumerate(keys) if key is not None and dedup.seen_key(*key)}


def _suppress_known_good(
    findings: list[Finding], options: HuntOptions, result: HuntResult
) -> list[Finding]:
    """Downgrade rule findings whose exact shape is common in the baseline; each one is
    reported in `result.suppressed` with its evidence, never dropped."""
    assert options.baseline is not None
    with open_baseline(options.baseline, options.baseline_config) as baseline:
        kept, suppressed = baseline.suppress(findings)
    result.suppressed = [entry.as_dict() for entry in suppressed]
    return list(kept)


def _filter_level(findings: list[Finding], min_level: str | None) -> list[Finding]:
    if not min_level:
        return findings
    if min_level not in LEVELS:
        raise ConfigError(f"unknown level {min_level!r}", hint=f"use one of {', '.join(LEVELS)}")
    floor = LEVELS.index(min_level)
    return [f for f in findings if LEVELS.index(f.level) >= floor]


def _load_placeholders(path: str | Path | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    from rathunt.engine import load_placeholders

    return load_placeholders(path)


def _match_time(match: tuple[int, int, Event, dict[str, Any]]) -> tuple[int, Any]:
    moment = match[2].time
    return (0, moment) if moment is not None else (1, 0)


def _correlated(rules: list[Rule], correlator: Any) -> frozenset[int]:
    """Indices of the rules whose matches feed a correlation."""
    if correlator is None:
        return frozenset()
    return frozenset(i for i, rule in enumerate(rules) if correlator.routes(rule))


def correlator_for(rules: list[Rule], lateness: timedelta | None = None) -> Any:
    """A correlator for the rule set's correlation rules (None when it has none); building it
    validates them, so a bad one is rejected with its reason before any event is read."""
    correlations = [rule for rule in rules if rule.is_correlation]
    if not correlations:
        return None
    from rathunt.correlate import Correlator

    base = [rule for rule in rules if not rule.is_correlation]
    return Correlator(correlations, base, lateness=lateness)


def _incidents(findings: list[Finding], options: HuntOptions) -> list[Incident]:
    from rathunt.correlate import IncidentOptions, build_incidents

    return list(build_incidents(findings, IncidentOptions(window=options.incident_window)))


def _counts(ruleset: RuleSet, stats: Any) -> RunCounts:
    counts = RunCounts(
        files=stats.files,
        files_failed=stats.files_failed,
        files_ignored=stats.files_ignored,
        records_read=stats.records_read,
        records_skipped=stats.records_skipped,
        duplicates=stats.duplicates,
        rule_files_failed=ruleset.files_failed,
    )
    counts.rules_loaded = len(ruleset.rules) + ruleset.rejected
    counts.rules_full = sum(1 for r in ruleset.rules if r.support.status == "full")
    counts.rules_degraded = sum(1 for r in ruleset.rules if r.support.status == "degraded")
    counts.rules_rejected = ruleset.rejected + sum(
        1 for r in ruleset.rules if r.support.status == "rejected"
    )
    counts.problems = _rule_problems(ruleset) + [str(p) for p in stats.problems]
    return counts


def _rule_problems(ruleset: RuleSet) -> list[str]:
    """Rule files that did not load and rules that never match (the engine or the correlator
    rejected them), each named: a count alone would not say which rule to fix."""
    problems = [str(problem) for problem in ruleset.problems]
    problems += [
        f"{rule.path or rule.id}: rule {rule.id} rejected: {'; '.join(rule.support.reasons)}"
        for rule in ruleset.rules
        if rule.support.status == "rejected"
    ]
    return problems
