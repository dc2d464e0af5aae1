"""Sigma correlation rules over the engine's matches, and per-host incidents with confidence.

correlator = Correlator(correlation_rules, base_rules)
for finding in correlator.feed(match): ...   # in any order; windows close on event time
for finding in correlator.flush(): ...       # end of input
correlator.suppressed(rule)                  # a base rule that only feeds correlations
incidents = build_incidents(findings, IncidentOptions(window=timedelta(hours=24)))
"""

from rathunt.correlate.correlator import DEFAULT_LATENESS, Correlator, CorrelatorStats
from rathunt.correlate.incidents import build_incidents
from rathunt.correlate.score import IncidentOptions
from rathunt.correlate.stages import KILL_CHAIN, stage_of

__all__ = [
    "DEFAULT_LATENESS",
    "KILL_CHAIN",
    "Correlator",
    "CorrelatorStats",
    "IncidentOptions",
    "build_incidents",
    "stage_of",
]
