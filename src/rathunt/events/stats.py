"""What a read did: every count a user might doubt, and every problem with its place.

A `ReadStats` is filled in as events stream out of `read_paths` or `read_file`. It is plain
data, so a worker process can fill its own and the parent can `merge` it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from rathunt.errors import InputError

log = logging.getLogger(__name__)

# Problems kept per file; the rest of a file's problems are counted in one summary problem, so
# a file of a million bad lines cannot fill memory with errors.
MAX_PROBLEMS_PER_FILE = 20


@dataclass(slots=True)
class ReadStats:
    """Counts of one read.

    `records_read` counts every record turned into an event, duplicates included;
    `duplicates` says how many of those were dropped as exact repeats. `records_skipped`
    counts records lost to bad input (a bad JSON line, a corrupt EVTX chunk's records, the
    records of a truncated chunk). `files_failed` counts files that gave no events at all
    because they could not be opened or recognised. `files_ignored` counts files met while
    walking a directory that are plainly not telemetry (a README, a licence: unknown content
    and no telemetry extension); a file named on the command line is never ignored, it fails.
    `records_by_format` and `files_by_format`
    count by the layout each record or file was read as (`evtx`, `evtx-json`, `ecs`, `flat`,
    `xml`).
    """

    files: int = 0
    files_failed: int = 0
    files_ignored: int = 0
    records_read: int = 0
    records_skipped: int = 0
    duplicates: int = 0
    problems: list[InputError] = field(default_factory=list)
    records_by_format: dict[str, int] = field(default_factory=dict)
    files_by_format: dict[str, int] = field(default_factory=dict)

    def merge(self, other: ReadStats) -> None:
        """Add another read's counts to these (a worker's stats into the parent's)."""
        self.files += other.files
        self.files_failed += other.files_failed
        self.files_ignored += other.files_ignored
        self.records_read += other.records_read
        self.records_skipped += other.records_skipped
        self.duplicates += other.duplicates
        self.problems.extend(other.problems)
        for name, count in other.records_by_format.items():
            self.records_by_format[name] = self.records_by_format.get(name, 0) + count
        for name, count in other.files_by_format.items():
            self.files_by_format[name] = self.files_by_format.get(name, 0) + count

    def count_format(self, name: str, records: int) -> None:
        """Count one file read as format `name`, with its records."""
        self.files_by_format[name] = self.files_by_format.get(name, 0) + 1
        if records:
            self.records_by_format[name] = self.records_by_format.get(name, 0) + records


class ProblemLog:
    """Collects one file's problems into a `ReadStats`, logging each, keeping a bounded few."""

    __slots__ = ("_dropped", "_kept", "_path", "_stats")

    def __init__(self, stats: ReadStats, path: str) -> None:
        self._stats = stats
        self._path = path
        self._kept = 0
        self._dropped = 0

    def add(
        self, message: str, *, where: str | None = None, hint: str | None = None, skipped: int = 0
    ) -> None:
        """Record one problem; `skipped` is how many records it cost."""
        self._stats.records_skipped += skipped
        if self._kept >= MAX_PROBLEMS_PER_FILE:
            self._dropped += 1
            return
        error = InputError(message, path=self._path, where=where, hint=hint)
        self._kept += 1
        self._stats.problems.append(error)
        log.warning("%s", error)

    def fail(self, error: InputError) -> None:
        """Record that the whole file gave no events."""
        self._stats.files_failed += 1
        self._stats.problems.append(error)
        log.warning("%s", error)

    def close(self) -> None:
        """Sum up the problems not kept, if any."""
        if not self._dropped:
            return
        error = InputError(
            f"{self._dropped} further problems in this file were counted but not listed",
            path=self._path,
            hint="fix or re-export the file and read it again to see them",
        )
        self._stats.problems.append(error)
        log.warning("%s", error)
