"""The library's entry point: one streaming run from telemetry to findings and incidents.

`hunt()` is what the command line calls, so a script gets exactly what `rathunt hunt` prints.
Events stream through in batches and are never all held; findings (far fewer) are collected,
repeats of a rule on a host folded, and handed to correlation and incident building.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from rathunt.errors import ConfigError, RathuntError
from rathunt.model import Event, Finding, Incident, RunCounts
from rathunt.rules import Rule, RuleSet, available_packs, load_pack, load_rules
from rathunt.rules.attack import map_tags

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
    workers: int = 1
    baseline: str | Path | None = None
    incident_window: timedelta = timedelta(hours=24)
    fold_window: timedelta = timedelta(hours=1)
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


def to_finding(rule: Rule, event: Event, matched: dict[str, Any]) -> Finding:
    """A finding for a rule that matched an event, with ATT&CK names from the rule's tags."""
    tactics, techniques = _attack_of(rule)
    return Finding(
        rule_id=rule.id,
        rule_title=rule.title,
        level=rule.level,
        status=rule.status,
        tags=tuple(rule.tags),
        tactics=tactics,
        techniques=techniques,
        logsource=event.logsource.name(),
        time=event.time,
        computer=event.computer,
        channel=event.channel,
        event_id=event.event_id,
        record_id=event.record_id,
        matched=matched,
        provenance=event.provenance,
        pack=rule.pack,
    )


_ATTACK_CACHE: dict[int, tuple[Any, Any]] = {}


def _attack_of(rule: Rule) -> tuple[Any, Any]:
    key = id(rule)
    if key not in _ATTACK_CACHE:
        _ATTACK_CACHE[key] = map_tags(rule.tags)
    return _ATTACK_CACHE[key]


def batched(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    batch: list[Event] = []
    for event in events:
        batch.append(event)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def hunt(
    paths: Sequence[str | Path], options: HuntOptions | None = None, ruleset: RuleSet | None = None
) -> HuntResult:
    """Read `paths`, run the rules, fold, correlate and build incidents."""
    from rathunt.engine import Engine
    from rathunt.events import ReadStats, read_paths

    options = options or HuntOptions()
    ruleset = ruleset if ruleset is not None else load_hunt_rules(options)
    placeholders = _load_placeholders(options.placeholders)
    engine = Engine(ruleset.rules, placeholders=placeholders)
    correlator = _correlator(ruleset.rules)
    result = HuntResult(rules=ruleset.rules, problems=list(ruleset.problems))

    stats = ReadStats()
    events = read_paths(list(paths), stats=stats, keep_duplicates=options.keep_duplicates)
    raw: list[Finding] = []
    seen = 0
    for batch in batched(events, options.batch_size):
        for match in engine.match(batch):
            finding = to_finding(match.rule, match.event, match.matched)
            if correlator is not None:
                raw.extend(correlator.feed(match))
                if correlator.suppressed(match.rule):
                    continue
            raw.append(finding)
        seen += len(batch)
        if options.progress:
            options.progress(seen)
    if correlator is not None:
        raw.extend(correlator.flush())

    raw = _filter_level(raw, options.min_level)
    result.findings = fold_repeats(raw, options.fold_window)
    result.incidents = _incidents(result.findings, options)
    result.problems.extend(stats.problems)
    result.counts = _counts(ruleset, stats)
    log.info(
        "hunt: %d records, %d findings, %d incidents",
        stats.records_read,
        len(result.findings),
        len(result.incidents),
    )
    return result


def _filter_level(findings: list[Finding], min_level: str | None) -> list[Finding]:
    if not min_level:
        return findings
    if min_level not in LEVELS:
        raise ConfigError(f"unknown level {min_level!r}", hint=f"use one of {', '.join(LEVELS)}")
    floor = LEVELS.index(min_level)
    return [f for f in findings if LEVELS.index(f.level) >= floor]


def fold_repeats(findings: list[Finding], window: timedelta) -> list[Finding]:
    """Fold repeats of one rule on one host within `window` of the first into one finding.

    The first occurrence stays as the evidence; `count` says how many were folded and
    `extra["last_time"]` when the last one happened.
    """
    ordered = sorted(findings, key=_time_key)
    open_folds: dict[tuple[str, str | None], Finding] = {}
    folded: list[Finding] = []
    for finding in ordered:
        key = (finding.rule_id, finding.computer)
        head = open_folds.get(key)
        if (
            head is not None
            and head.time is not None
            and finding.time is not None
            and finding.time - head.time <= window
        ):
            head.count += finding.count
            head.extra["last_time"] = finding.time
            continue
        open_folds[key] = finding
        folded.append(finding)
    return folded


def _time_key(finding: Finding) -> tuple[int, Any, str, int]:
    missing = finding.time is None
    return (
        1 if missing else 0,
        finding.time if not missing else 0,
        finding.provenance.path,
        finding.provenance.record,
    )


def _load_placeholders(path: str | Path | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    from rathunt.engine import load_placeholders

    return load_placeholders(path)


def _correlator(rules: list[Rule]) -> Any:
    correlations = [rule for rule in rules if rule.is_correlation]
    if not correlations:
        return None
    try:
        from rathunt.correlate import Correlator
    except ImportError:
        for rule in correlations:
            rule.support.reject("correlation rules are not supported by this build")
        return None
    base = [rule for rule in rules if not rule.is_correlation]
    return Correlator(correlations, base)


def _incidents(findings: list[Finding], options: HuntOptions) -> list[Incident]:
    try:
        from rathunt.correlate import IncidentOptions, build_incidents
    except ImportError:
        return []
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
    counts.problems = [str(p) for p in [*ruleset.problems, *stats.problems]]
    return counts
