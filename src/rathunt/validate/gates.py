"""CI gates over validation scores: recall per stage, stages per variant, benign findings.

    stage=1.0              every stage that occurs is detected in every variant
    persistence=0.9        that stage is detected in at least 90 % of the variants
    variant-stages=2       every variant is detected at two stages at least

`--max-benign-fp N` fails when more than N findings at or above `--fp-level` (default
medium, i.e. "above low") fall on unlabelled events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rathunt.errors import ConfigError
from rathunt.simulate.steps import STAGES
from rathunt.validate.score import LEVELS, Scores


@dataclass(frozen=True, slots=True)
class Gate:
    name: str
    threshold: float


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "passed": self.passed, "detail": self.detail}


def parse_gate(spec: str) -> Gate:
    """`name=value`, where name is `stage`, a stage name or `variant-stages`."""
    name, sep, value = spec.partition("=")
    name = name.strip()
    if not sep:
        raise ConfigError(f"bad --fail-under {spec!r}", hint="write NAME=VALUE, e.g. stage=1.0")
    try:
        threshold = float(value)
    except ValueError as err:
        raise ConfigError(f"bad --fail-under value in {spec!r}", hint="give a number") from err
    if name not in ("stage", "variant-stages", *STAGES):
        raise ConfigError(
            f"unknown --fail-under gate {name!r}",
            hint=f"use stage, variant-stages or one of {', '.join(STAGES)}",
        )
    if name != "variant-stages" and not 0 <= threshold <= 1:
        raise ConfigError(f"recall in {spec!r} must lie in [0, 1]")
    return Gate(name, threshold)


def check(
    scores: Scores, gates: list[Gate], max_benign: int | None, fp_level: str = "medium"
) -> list[GateResult]:
    """Every gate's verdict, each saying what it measured."""
    results = [_check_one(scores, gate) for gate in gates]
    if max_benign is not None:
        if fp_level not in LEVELS:
            raise ConfigError(f"unknown level {fp_level!r}", hint=f"use one of {', '.join(LEVELS)}")
        found = scores.benign_at_or_above(fp_level)
        results.append(
            GateResult(
                f"max-benign-fp={max_benign}",
                found <= max_benign,
                f"{found} findings at {fp_level} or above on benign events",
            )
        )
    return results


def _check_one(scores: Scores, gate: Gate) -> GateResult:
    spec = f"{gate.name}={gate.threshold:g}"
    if gate.name == "variant-stages":
        short = {
            v: len(scores.detected_stages(v))
            for v in scores.variants()
            if len(scores.detected_stages(v)) < gate.threshold
        }
        detail = ", ".join(f"{v}: {n}" for v, n in sorted(short.items())) or "all variants meet it"
        return GateResult(spec, not short and bool(scores.variants()), detail)
    stages = STAGES if gate.name == "stage" else (gate.name,)
    low = []
    for stage in stages:
        recall = scores.stage_recall(stage)
        if recall is not None and recall < gate.threshold:
            missed = [v for v in scores.variants() if scores.stage_status(v, stage) == "missed"]
            low.append(f"{stage} {recall:.2f} (missed in {', '.join(missed)})")
    return GateResult(spec, not low, "; ".join(low) or "every stage meets it")
