"""The plain types that flow between the pipeline's stages.

An `Event` is one telemetry record, normalised to Sigma field names, with the log source it
belongs to and where it came from. A `Finding` is one rule matching one event (or a fold of
repeats). Stages hand these to each other and reach into nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

# Field values as readers produce them: strings, numbers, booleans, None, or lists of these
# (an unnamed <Data> list, a multi-valued ECS field).
FieldValue = Any


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from, precisely enough to find it again.

    `record` is the record number in the EVTX file's own record header for EVTX files (what
    evtx_dump prints; in a re-exported log it can differ from the event's `EventRecordID`),
    the 1-based line number for JSON Lines, the 0-based array index for a JSON array and the
    0-based element index for event XML; `kind` says which.
    """

    path: str
    record: int
    kind: str  # "evtx" | "jsonl-line" | "json-index" | "xml-index" | ...

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by constructor arguments: the dataclass default reads fields() for every
        # object, which made unpickling a worker's matches cost more than sending them.
        return (Provenance, (self.path, self.record, self.kind))

    def __str__(self) -> str:
        label = {
            "evtx": "record",
            "jsonl-line": "line",
            "json-index": "index",
            "xml-index": "element",
            "pcap-frame": "frame",
            "line": "line",
            "series": "series",
        }.get(self.kind, self.kind)
        return f"{self.path} ({label} {self.record})"


@dataclass(frozen=True, slots=True)
class LogSource:
    """The Sigma log source an event belongs to.

    An event has one product and service but may fall in several categories: a Sysmon 13 is
    both `registry_set` and `registry_event`. A rule's log source matches when each of its
    given attributes matches.
    """

    product: str | None = None
    service: str | None = None
    categories: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (LogSource, (self.product, self.service, self.categories))

    def name(self) -> str:
        """The most specific name for display: first category, else service, else product."""
        if self.categories:
            return self.categories[0]
        return self.service or self.product or "unknown"


@dataclass(slots=True)
class Event:
    """One normalised telemetry record.

    `fields` holds Sigma field names at the top level (EventData children, `EventID`,
    `Channel`, `Computer`, `Provider_Name`, ...). Security events also carry the names of
    their Sysmon twins, so one rule matches both shapes.
    """

    fields: dict[str, FieldValue]
    logsource: LogSource
    provenance: Provenance
    time: datetime | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Event, (self.fields, self.logsource, self.provenance, self.time))

    @property
    def computer(self) -> str | None:
        value = self.fields.get("Computer")
        return None if value is None else str(value)

    @property
    def channel(self) -> str | None:
        value = self.fields.get("Channel")
        return None if value is None else str(value)

    @property
    def event_id(self) -> int | None:
        value = self.fields.get("EventID")
        try:
            return None if value is None else int(value)
        except (TypeError, ValueError):
            return None

    @property
    def record_id(self) -> int | None:
        value = self.fields.get("EventRecordID")
        try:
            return None if value is None else int(value)
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Technique:
    """An ATT&CK technique or sub-technique, by id and name."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Tactic:
    """An ATT&CK tactic: id (TA00xx), name, and its shortname as Sigma tags spell it."""

    id: str
    name: str
    shortname: str


@dataclass(slots=True)
class Finding:
    """A rule that matched an event; `count` > 1 when repeats were folded into one."""

    rule_id: str
    rule_title: str
    level: str
    status: str | None
    tags: tuple[str, ...]
    tactics: tuple[Tactic, ...]
    techniques: tuple[Technique, ...]
    logsource: str
    time: datetime | None
    computer: str | None
    channel: str | None
    event_id: int | None
    record_id: int | None
    matched: dict[str, FieldValue]
    provenance: Provenance
    pack: str | None = None
    count: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Finding, tuple(getattr(self, name) for name in _FINDING_FIELDS))


_FINDING_FIELDS = tuple(item.name for item in fields(Finding))


@dataclass(slots=True)
class Incident:
    """Findings on one host that belong together, in kill-chain order, with a confidence.

    Confidence means, to an analyst: low, a lone signal worth a glance; medium, several
    signals that fit an intrusion; high, an intrusion told by several stages in order.
    `explanation` says in words why the score is what it is.
    """

    id: str
    computer: str
    confidence: str  # "low" | "medium" | "high"
    score: float
    stages: list[tuple[str, list[Finding]]]
    first: datetime | None
    last: datetime | None
    rules: list[str]
    techniques: list[Technique]
    explanation: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunCounts:
    """Every count of a run a user might doubt: what was read, skipped, loaded, rejected."""

    files: int = 0
    files_failed: int = 0
    files_ignored: int = 0
    records_read: int = 0
    records_skipped: int = 0
    duplicates: int = 0
    rules_loaded: int = 0
    rules_full: int = 0
    rules_degraded: int = 0
    rules_rejected: int = 0
    rule_files_failed: int = 0
    # Rule-on-event evaluations that failed (a regex out of time, a value no test foresaw):
    # counted, named in `problems`, and treated as not matching.
    evaluation_errors: int = 0
    problems: list[str] = field(default_factory=list)
