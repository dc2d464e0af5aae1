"""Validation runs: hunt over labelled telemetry, then score and gate the findings.

The telemetry goes through `rathunt.hunt.hunt`, the same wiring `rathunt hunt` uses, so a
score measures what users get. Repeats are not folded here (every labelled event must be
counted), which is the one option validation sets differently.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from rathunt.errors import ConfigError
from rathunt.hunt import HuntOptions, hunt
from rathunt.model import RunCounts
from rathunt.simulate import SimOptions, read_labels, write_simulation
from rathunt.simulate.labels import LabelKey, LabelRecord
from rathunt.validate.gates import Gate, GateResult, check
from rathunt.validate.score import Scores, score

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Source:
    """Labelled telemetry: the paths to hunt over and the labels file beside them."""

    name: str
    telemetry: list[Path]
    labels: Path | None


@dataclass(slots=True)
class ValidateOptions:
    packs: Sequence[str] = ("njrat",)
    rules: Sequence[str | Path] = ()
    gates: list[Gate] = field(default_factory=list)
    max_benign_fp: int | None = None
    fp_level: str = "medium"


@dataclass(slots=True)
class ValidationResult:
    sources: list[Source]
    scores: Scores
    gates: list[GateResult]
    counts: RunCounts
    incidents: dict[str, int]

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    def as_dict(self) -> dict[str, Any]:
        counts = asdict(self.counts)
        counts["problems"] = counts["problems"][:50]
        return {
            "sources": [
                {
                    "name": s.name,
                    "telemetry": [str(p) for p in s.telemetry],
                    "labels": str(s.labels) if s.labels else None,
                }
                for s in self.sources
            ],
            "counts": counts,
            "incidents": self.incidents,
            **self.scores.as_dict(),
            "gates": [g.as_dict() for g in self.gates],
            "passed": self.passed,
        }


def source_from_path(path: str | Path, labels: str | Path | None = None) -> Source:
    """A simulation directory (it has `simulation.json`), or telemetry with a labels file."""
    path = Path(path)
    if not path.exists():
        raise ConfigError("no such file or directory", path=str(path))
    if labels is None and (path / "simulation.json").is_file():
        labelled = path / "labels.jsonl"
        return Source(path.name, [path / "telemetry"], labelled if labelled.is_file() else None)
    if labels is None and (path / "labels.jsonl").is_file():
        raise ConfigError(
            "labels.jsonl sits among the telemetry",
            path=str(path),
            hint="give the telemetry and --labels FILE separately",
        )
    return Source(path.name, [path], Path(labels) if labels else None)


def simulate_source(options: SimOptions, workdir: str | Path, fmt: str = "evtx-jsonl") -> Source:
    """Simulate into `workdir` and return it as a source."""
    write_simulation(options, workdir, fmt)
    return source_from_path(workdir)


def load_labels(sources: Sequence[Source]) -> dict[LabelKey, LabelRecord]:
    labels: dict[LabelKey, LabelRecord] = {}
    for source in sources:
        if source.labels is None:
            continue
        for record in read_labels(source.labels):
            labels[record.key] = record
    return labels


def validate(sources: Sequence[Source], options: ValidateOptions) -> ValidationResult:
    """Hunt over every source at once, score against the union of their labels, gate."""
    if not sources:
        raise ConfigError("nothing to validate", hint="give a simulation directory or --simulate")
    labels = load_labels(sources)
    unlabelled = [s.name for s in sources if s.labels is None]
    if unlabelled:
        log.warning(
            "no labels for %s (benign-only simulation or unlabelled telemetry): every finding "
            "there is scored as a false positive; give --labels FILE to score detections",
            ", ".join(unlabelled),
        )
    paths = [p for s in sources for p in s.telemetry]
    hunt_options = HuntOptions(
        rules=list(options.rules), packs=list(options.packs), fold_window=timedelta(0)
    )
    result = hunt(paths, hunt_options)
    rules = [(r.id, r.title, r.level) for r in result.rules]
    scores = score(result.findings, labels, rules)
    gates = check(scores, options.gates, options.max_benign_fp, options.fp_level)
    incidents: dict[str, int] = {}
    for incident in result.incidents:
        incidents[incident.confidence] = incidents.get(incident.confidence, 0) + 1
    log.info(
        "validate: %d findings, %d labelled events, %d gates failed",
        len(result.findings),
        len(labels),
        sum(1 for g in gates if not g.passed),
    )
    return ValidationResult(list(sources), scores, gates, result.counts, incidents)
