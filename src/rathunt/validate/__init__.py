"""Scoring rules on labelled telemetry: per rule, per stage, per variant, and CI gates.

from rathunt.validate import ValidateOptions, source_from_path, validate
result = validate([source_from_path("sim/")], ValidateOptions(packs=["njrat"]))
result.scores.as_dict(); result.passed
"""

from rathunt.validate.gates import Gate, GateResult, check, parse_gate
from rathunt.validate.run import (
    Source,
    ValidateOptions,
    ValidationResult,
    simulate_source,
    source_from_path,
    validate,
)
from rathunt.validate.score import RuleScore, Scores, score

__all__ = [
    "Gate",
    "GateResult",
    "RuleScore",
    "Scores",
    "Source",
    "ValidateOptions",
    "ValidationResult",
    "check",
    "parse_gate",
    "score",
    "simulate_source",
    "source_from_path",
    "validate",
]
