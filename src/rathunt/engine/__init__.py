"""The Sigma engine: compile rules into predicates and match them over batches of events."""

from rathunt.engine.engine import Engine, EngineStats, Match
from rathunt.engine.placeholders import load_placeholders

__all__ = ["Engine", "EngineStats", "Match", "load_placeholders"]
