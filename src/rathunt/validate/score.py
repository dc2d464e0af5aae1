"""Scoring findings against ground truth: per rule, per stage, per variant, and the matrix.

A finding is a true positive when the record it points at (host, channel, EventRecordID)
carries a label, and a false positive otherwise. A rule's false negatives are the labelled
events of the steps it does catch somewhere that it missed elsewhere: that is exactly what a
variant slipped past. A stage is detected for a variant when any rule matched any labelled
event of that stage in that variant's intrusions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rathunt.model import Finding
from rathunt.simulate.labels import LabelKey, LabelRecord
from rathunt.simulate.steps import STAGES

LEVELS = ("informational", "low", "medium", "high", "critical")


@dataclass(slots=True)
class RuleScore:
    """One rule's counts; `steps` are the labelled steps it caught."""

    id: str
    title: str
    level: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    steps: set[str] = field(default_factory=set)
    variants: Counter[str] = field(default_factory=Counter)
    correlation: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "level": self.level,
            "tp": self.tp,
            "fp": self.fp,
            "fn": None if self.correlation else self.fn,
            "correlation": self.correlation,
            "precision": _ratio(self.tp, self.tp + self.fp),
            "steps": sorted(self.steps),
        }


@dataclass(slots=True)
class Scores:
    """Everything validation measured; `as_dict()` is the JSON report's body."""

    events_labelled: int = 0
    rules: dict[str, RuleScore] = field(default_factory=dict)
    # variant -> stage -> (labelled events, detected events)
    stages: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    benign_by_level: Counter[str] = field(default_factory=Counter)
    benign_by_rule: Counter[str] = field(default_factory=Counter)

    def variants(self) -> list[str]:
        return sorted(self.stages)

    def stage_status(self, variant: str, stage: str) -> str:
        labelled, detected = self.stages[variant].get(stage, [0, 0])
        if not labelled:
            return "n/a"
        return "detected" if detected else "missed"

    def detected_stages(self, variant: str) -> list[str]:
        return [s for s in STAGES if self.stage_status(variant, s) == "detected"]

    def stage_recall(self, stage: str) -> float | None:
        """Share of the variants that have `stage` in which it was detected."""
        having = [v for v in self.stages if self.stage_status(v, stage) != "n/a"]
        if not having:
            return None
        hit = sum(1 for v in having if self.stage_status(v, stage) == "detected")
        return hit / len(having)

    def benign_at_or_above(self, level: str) -> int:
        floor = LEVELS.index(level)
        return sum(
            n
            for lvl, n in self.benign_by_level.items()
            if lvl in LEVELS and LEVELS.index(lvl) >= floor
        )

    def matrix(self) -> dict[str, dict[str, int]]:
        """Evasion matrix: rule id -> variant -> labelled events it caught there."""
        return {
            rule.id: {variant: rule.variants.get(variant, 0) for variant in self.variants()}
            for rule in self.rules.values()
            if rule.tp
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "labelled_events": self.events_labelled,
            "rules": [r.as_dict() for r in sorted(self.rules.values(), key=lambda r: r.id)],
            "stages": {
                stage: {
                    "recall": self.stage_recall(stage),
                    "variants": {v: self.stage_status(v, stage) for v in self.variants()},
                }
                for stage in STAGES
            },
            "variants": {
                v: {
                    "detected": self.detected_stages(v),
                    "missed": [s for s in STAGES if self.stage_status(v, s) == "missed"],
                }
                for v in self.variants()
            },
            "evasion_matrix": self.matrix(),
            "benign": {
                "findings": sum(self.benign_by_level.values()),
                "by_level": dict(sorted(self.benign_by_level.items())),
                "by_rule": dict(self.benign_by_rule.most_common()),
            },
        }


def score(
    findings: Iterable[Finding],
    labels: dict[LabelKey, LabelRecord],
    rules: Iterable[tuple[str, str, str]],
) -> Scores:
    """Score `findings` against `labels`; `rules` lists (id, title, level) of every rule run,
    so rules that never fired still appear with zeros."""
    scores = Scores(events_labelled=len(labels))
    for rule_id, title, level in rules:
        scores.rules[rule_id] = RuleScore(rule_id, title, level)
    for record in labels.values():
        scores.stages.setdefault(record.label.variant, {}).setdefault(record.label.stage, [0, 0])[
            0
        ] += 1

    by_record = {(key[0], key[2]): key for key in labels}
    caught: dict[str, set[LabelKey]] = defaultdict(set)
    for finding in findings:
        rule = scores.rules.setdefault(
            finding.rule_id, RuleScore(finding.rule_id, finding.rule_title, finding.level)
        )
        rule.correlation = rule.correlation or finding.logsource == "correlation"
        key = _key(finding) or _evidence_key(finding, by_record)
        hit = labels.get(key) if key else None
        if hit is None:
            rule.fp += finding.count
            scores.benign_by_level[finding.level] += finding.count
            scores.benign_by_rule[finding.rule_id] += finding.count
            continue
        if key not in caught[rule.id]:
            caught[rule.id].add(key)  # type: ignore[arg-type]
            rule.tp += 1
            rule.steps.add(hit.label.step)
            rule.variants[hit.label.variant] += 1

    _stage_hits(scores, caught, labels)
    _false_negatives(scores, caught, labels)
    return scores


def _key(finding: Finding) -> LabelKey | None:
    if finding.computer is None or finding.channel is None or finding.record_id is None:
        return None
    return (finding.computer.lower(), finding.channel, finding.record_id)


def _evidence_key(finding: Finding, by_record: dict[tuple[str, int], LabelKey]) -> LabelKey | None:
    """A correlation finding names no record itself; it counts as true when one of the events
    it rests on is labelled. Its evidence cites computer and record id, not the channel, so
    the match is on those two."""
    detail = finding.extra.get("correlation")
    if not isinstance(detail, dict) or finding.computer is None:
        return None
    computer = finding.computer.lower()
    for cited in detail.get("evidence", ()):
        record = cited.get("record_id") if isinstance(cited, dict) else None
        if isinstance(record, int) and (computer, record) in by_record:
            return by_record[(computer, record)]
    return None


def _stage_hits(
    scores: Scores, caught: dict[str, set[LabelKey]], labels: dict[LabelKey, LabelRecord]
) -> None:
    detected: set[LabelKey] = set().union(*caught.values()) if caught else set()
    for key in detected:
        label = labels[key].label
        scores.stages[label.variant][label.stage][1] += 1


def _false_negatives(
    scores: Scores, caught: dict[str, set[LabelKey]], labels: dict[LabelKey, LabelRecord]
) -> None:
    """Misses of the kinds of event a rule catches elsewhere (same step, technique, channel
    and event id), so a Sysmon rule is not blamed for the Security twin of its event."""
    by_kind: dict[tuple[str, str, str, int], list[LabelKey]] = defaultdict(list)
    for key, record in labels.items():
        by_kind[_kind(record)].append(key)
    for rule in scores.rules.values():
        if rule.correlation:
            # A correlation cites a few events per window; missing ones are not its misses.
            continue
        hits = caught.get(rule.id, set())
        for kind in {_kind(labels[k]) for k in hits}:
            rule.fn += sum(1 for key in by_kind[kind] if key not in hits)


def _kind(record: LabelRecord) -> tuple[str, str, str, int]:
    """What makes two labelled events the same thing to detect: step, technique, event id."""
    return (record.label.step, record.label.technique, record.channel, record.event_id)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
