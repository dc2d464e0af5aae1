"""Reading Windows telemetry and normalising it to Sigma field names and log sources.

    from rathunt.events import ReadStats, read_paths
    stats = ReadStats()
    for event in read_paths(["logs/"], stats=stats):
        ...

EVTX, evtx_dump JSON, Winlogbeat/ECS JSON, flat Sigma JSON (arrays, documents or JSON
Lines, gzip or not) and wevtutil XML are told apart by content. See docs/events.md.
"""

from rathunt.events.dedup import Deduplicator
from rathunt.events.detect import detect_format
from rathunt.events.logsource import logsource_for
from rathunt.events.normalise import normalise
from rathunt.events.reader import iter_files, read_file, read_paths
from rathunt.events.stats import ReadStats

__all__ = [
    "Deduplicator",
    "ReadStats",
    "detect_format",
    "iter_files",
    "logsource_for",
    "normalise",
    "read_file",
    "read_paths",
]
