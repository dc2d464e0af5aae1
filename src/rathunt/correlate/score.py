"""Incident confidence: a score from plain facts, and the words that explain it.

Confidence, to an analyst:
    low     a lone signal, or several that tell no story yet: worth a glance;
    medium  several signals that fit an intrusion (at least two rules, several points);
    high    an intrusion told by several stages of the kill chain, mostly in order.

The score adds, each with a configurable weight: the distinct stages beyond the first, how
much of the stage order follows the kill chain, the highest rule level, the correlation
rules that fired, and baseline rarity (findings carrying `extra["rarity"]` in 0..1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from rathunt.correlate.stages import KILL_CHAIN, UNMAPPED, Stages, stage_rank
from rathunt.model import Finding

LEVEL_POINTS = {"informational": 0.0, "low": 0.25, "medium": 0.5, "high": 1.0, "critical": 1.5}


@dataclass(slots=True)
class IncidentOptions:
    """How findings group into incidents and how incidents are scored."""

    window: timedelta = timedelta(hours=24)  # an incident spans at most this from its start
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


def _first_times(reached: Sequence[tuple[str, list[Finding]]]) -> list[tuple[float, int, str]]:
    """(first time, rank, stage) per stage that has a timed finding, in time order."""
    firsts = []
    for rank, (name, group) in enumerate(reached):
        times = [f.time.timestamp() for f in group if f.time is not None]
        if times:
            firsts.append((min(times), rank, name))
    return sorted(firsts)


def _order_share(
    reached: Sequence[tuple[str, list[Finding]]], options: IncidentOptions
) -> float | None:
    """Share of stage pairs whose first findings came in kill-chain order; None below two."""
    firsts = _first_times(reached)
    if len(firsts) < 2:
        return None
    pairs = [(a, b) for i, a in enumerate(firsts) for b in firsts[i + 1 :]]
    in_order = sum(1 for a, b in pairs if a[1] < b[1] or a[0] == b[0])
    return in_order / len(pairs)


def _disorder(reached: Sequence[tuple[str, list[Finding]]], options: IncidentOptions) -> str:
    firsts = _first_times(reached)
    late = [
        f"{b[2]} before {a[2]}"
        for i, a in enumerate(firsts)
        for b in firsts[i + 1 :]
        if a[1] > b[1] and a[0] != b[0]
    ]
    return f" ({'; '.join(late[:3])})" if late else ""


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
