"""rathunt: hunt remote-access trojans in Windows telemetry with tested Sigma detections."""

from rathunt.errors import RathuntError
from rathunt.model import Event, Finding, LogSource, Provenance, Tactic, Technique

__version__ = "0.1.0"

__all__ = [
    "Event",
    "Finding",
    "LogSource",
    "Provenance",
    "RathuntError",
    "Tactic",
    "Technique",
    "__version__",
]
