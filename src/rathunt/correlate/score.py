"""Incident confidence: a score from plain facts, and the words that explain it.

Confidence, to an analyst:
    low     a lone signal, or several that tell no story yet: worth a glance;
    medium  several signals that fit an intrusion (at least two rules, several points), or
            one finding that proves an implant by itself (a decoded C2 session);
    high    an intrusion told by several stages of the kill chain, mostly in order.

The score adds, each with a configurable weight: the distinct stages beyond the first, how
much of the stage order follows the kill chain, the highest rule level, the correlation
rules that fired, and baseline rarity (findings carrying `extra["rarity"]` in 0..1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rathunt.correlate.stages import KILL_CHAIN, UNMAPPED, Stages, stage_rank
from rathunt.model import Finding

LEVEL_POINTS = {"informational": 0.0, "low": 0.25, "medium": 0.5, "high": 1.0, "critical": 1.5}


@dataclass(slots=True)
class IncidentOptions:
    """How findings group into incidents and how incidents are scored."""

    window: timedelta = timedelta(hours=24)  # the longest quiet gap inside one incident
    stages: Stages = KILL_CHAIN
    stage_points: float = 1.0  # per distinct stage beyond the first
    order_points: float = 1.0  # times the share of stage pairs in kill-chain order
    level_points: dict[str, float] = field(default_factory=lambda: dict(LEVEL_POINTS))
    correlation_points: float = 0.75  # per distinct correlation rule that fired
    correlation_cap: int = 2  # correlation rules counted at most
    rarity_points: float = 1.0  # times the highest baseline rarity (0..1)
    medium_at: float = 2.0
    high_at: float = 4.0
    medium_min_rules: int = 2
    high_min_stages: int = 3
    high_min_order: float = 0.6
    # Rules whose finding alone proves an implant is active (a decoded C2 check-in on the
    # wire, not a behaviour that admins share): an incident holding one is at least medium.
    conclusive_rules: frozenset[str] = frozenset({"rathunt.network.njrat-protocol"})


@dataclass(slots=True)
class Score:
    confidence: str
    score: float
    explanation: list[str]


def score_incident(stages: Sequence[tuple[str, list[Finding]]], options: IncidentOptions) -> Score:
    """Score an incident whose `stages` are in kill-chain order, each with its findings."""
    lines: list[str] = []
    findings = [finding for _, group in stages for finding in group]
    reached = [(name, group) for name, group in stages if name != UNMAPPED]

    total = _stage_part(reached, options, lines)
    order = _order_share(reached, options)
    if order is not None:
        total += options.order_points * order
        lines.append(
            f"stages in kill-chain order: {order:.0%} of stage pairs"
            f"{_disorder(reached, options)}: +{options.order_points * order:.2f}"
        )
    total += _level_part(findings, options, lines)
    total += _correlation_part(findings, options, lines)
    total += _rarity_part(findings, options, lines)

    rules = {finding.rule_id for finding in findings}
    confidence = _grade(total, len(reached), order, len(rules), options, lines)
    conclusive = sorted(rules & options.conclusive_rules)
    if confidence == "low" and conclusive:
        confidence = "medium"
        lines.append(f"conclusive evidence ({', '.join(conclusive)}): at least medium")
    return Score(confidence, round(total, 2), lines)


def _stage_part(
    reached: Sequence[tuple[str, list[Finding]]], options: IncidentOptions, lines: list[str]
) -> float:
    names = [name for name, _ in reached]
    points = options.stage_points * max(0, len(names) - 1)
    if names:
        lines.append(f"{len(names)} distinct stage(s): {', '.join(names)}: +{points:.2f}")
    else:
        lines.append("no finding maps to a kill-chain stage: +0.00")
    return points


def _spans(reached: Sequence[tuple[str, list[Finding]]]) -> list[tuple[str, float, float]]:
    """(stage, first time, last time) per stage with a timed finding, in kill-chain order."""
    spans = []
    for name, group in reached:
        firsts = [f.time.timestamp() for f in group if f.time is not None]
        lasts = [t.timestamp() for t in (last_time(f) for f in group) if t is not None]
        if firsts:
            spans.append((name, min(firsts), max(lasts)))
    return spans


def _stage_pairs(
    reached: Sequence[tuple[str, list[Finding]]],
) -> list[tuple[str, str, bool]]:
    """Every (earlier stage, later stage) pair, and whether the earlier one came first.

    A pair is in order when some finding of the earlier stage precedes some finding of the
    later one: stages recur (a relaunch is execution again, days later), so only a later
    stage seen entirely before an earlier one counts against the order.
    """
    spans = _spans(reached)
    return [
        (early[0], late[0], early[1] <= late[2])
        for i, early in enumerate(spans)
        for late in spans[i + 1 :]
    ]


def _order_share(
    reached: Sequence[tuple[str, list[Finding]]], options: IncidentOptions
) -> float | None:
    """Share of stage pairs in kill-chain order; None with fewer than two timed stages."""
    pairs = _stage_pairs(reached)
    if not pairs:
        return None
    return sum(1 for _, _, in_order in pairs if in_order) / len(pairs)


def _disorder(reached: Sequence[tuple[str, list[Finding]]], options: IncidentOptions) -> str:
    late = [f"{b} only before {a}" for a, b, in_order in _stage_pairs(reached) if not in_order]
    return f" ({'; '.join(late[:3])})" if late else ""


def last_time(finding: Finding) -> datetime | None:
    """When a folded or correlation finding's last event happened; its time otherwise."""
    last = finding.extra.get("last_time")
    return last if isinstance(last, datetime) else finding.time


def _level_part(findings: list[Finding], options: IncidentOptions, lines: list[str]) -> float:
    if not findings:
        return 0.0
    top = max(findings, key=lambda f: options.level_points.get(f.level, 0.0))
    points = options.level_points.get(top.level, 0.0)
    lines.append(f"highest rule level {top.level} ({top.rule_title}): +{points:.2f}")
    return points


def _correlation_part(findings: list[Finding], options: IncidentOptions, lines: list[str]) -> float:
    titles = sorted({f.rule_title for f in findings if is_correlation(f)})
    if not titles:
        return 0.0
    counted = min(len(titles), options.correlation_cap)
    points = options.correlation_points * counted
    lines.append(f"{len(titles)} correlation rule(s) fired ({'; '.join(titles)}): +{points:.2f}")
    return points


def _rarity_part(findings: list[Finding], options: IncidentOptions, lines: list[str]) -> float:
    rarities = [float(f.extra["rarity"]) for f in findings if _has_rarity(f)]
    if not rarities:
        return 0.0
    rarity = min(1.0, max(0.0, max(rarities)))
    points = options.rarity_points * rarity
    lines.append(f"baseline rarity up to {rarity:.2f}: +{points:.2f}")
    return points


def _has_rarity(finding: Finding) -> bool:
    value = finding.extra.get("rarity")
    return isinstance(value, int | float) and not isinstance(value, bool)


def _grade(
    total: float,
    stages: int,
    order: float | None,
    rules: int,
    options: IncidentOptions,
    lines: list[str],
) -> str:
    in_order = order if order is not None else 0.0
    if total >= options.high_at and stages >= options.high_min_stages:
        if in_order >= options.high_min_order:
            lines.append(
                f"score {total:.2f} >= {options.high_at:g} with {stages} stages mostly in "
                "order: high"
            )
            return "high"
        lines.append(f"{stages} stages but too few in kill-chain order for high")
    if total >= options.medium_at and rules >= options.medium_min_rules:
        lines.append(f"score {total:.2f} >= {options.medium_at:g} from {rules} rules: medium")
        return "medium"
    reason = f"only {rules} rule" if rules < options.medium_min_rules else f"score {total:.2f}"
    lines.append(
        f"{reason}, below medium ({options.medium_at:g} from {options.medium_min_rules} rules): low"
    )
    return "low"


def is_correlation(finding: Finding) -> bool:
    return finding.logsource == "correlation" or "correlation" in finding.extra


def stage_order_key(stage: str, options: IncidentOptions) -> int:
    return stage_rank(stage, options.stages)
