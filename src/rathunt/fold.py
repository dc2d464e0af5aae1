"""Folding repeats: one finding per rule, host and window, however often the rule fired.

Findings stream in from many files in any order; a fold is keyed by rule, host, the shape a
baseline finding departs with, and the fixed window (aligned to the epoch) its time falls in.
So the result does not depend on file order or worker count, and memory grows with the number
of distinct (rule, host, window) folds, not with the number of matches. The earliest finding
of a fold stays as the evidence; `count` says how many were folded, `extra["last_time"]` when
the last one happened.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rathunt.model import Finding, Provenance


class Folder:
    """Collects findings, folding repeats as they arrive."""

    def __init__(self, window: timedelta) -> None:
        self._seconds = window.total_seconds()
        self._folds: dict[tuple[str, str | None, str, int], Finding] = {}
        self._loose: list[Finding] = []

    def add(self, finding: Finding) -> None:
        if self._seconds <= 0 or finding.time is None:
            self._loose.append(finding)
            return
        bucket = int(finding.time.timestamp() // self._seconds)
        key = (finding.rule_id, finding.computer, departure_key(finding), bucket)
        head = self._folds.get(key)
        if head is None:
            self._folds[key] = finding
            return
        first, other = (finding, head) if order_key(finding) < order_key(head) else (head, finding)
        first.count += other.count
        first.extra["last_time"] = _latest(first, other)
        self._folds[key] = first

    def repeat(
        self, rule_id: str, computer: str | None, moment: datetime | None, place: Provenance
    ) -> bool:
        """Fold a rule match into the fold it repeats, when that fold exists and its evidence
        is no later than the match: True when folded, so no finding need be built for it
        (the common case: most matches repeat an earlier one of their rule and host)."""
        if self._seconds <= 0 or moment is None:
            return False
        head = self._folds.get((rule_id, computer, "", int(moment.timestamp() // self._seconds)))
        if head is None or head.time is None or moment < head.time:
            return False
        if moment == head.time and (place.path, place.record) < (
            head.provenance.path,
            head.provenance.record,
        ):
            return False
        head.count += 1
        last = head.extra.get("last_time")
        head.extra["last_time"] = moment if last is None or last < moment else last
        return True

    def __len__(self) -> int:
        return len(self._folds) + len(self._loose)

    def findings(self) -> list[Finding]:
        """Every folded finding, in time order (undated last)."""
        return sorted([*self._folds.values(), *self._loose], key=order_key)


def departure_key(finding: Finding) -> str:
    """What tells two baseline findings of one profile apart (the new shape itself)."""
    departure = finding.extra.get("baseline")
    if not isinstance(departure, dict):
        return ""
    return repr(sorted(departure.get("key", {}).items()))


def order_key(finding: Finding) -> tuple[int, Any, str, int, str]:
    """Time order, undated last, ties broken by where the record came from."""
    missing = finding.time is None
    return (
        1 if missing else 0,
        finding.time if not missing else 0,
        finding.provenance.path,
        finding.provenance.record,
        finding.rule_id,
    )


def _latest(first: Finding, other: Finding) -> datetime | None:
    times = [
        t
        for t in (
            first.extra.get("last_time"),
            other.extra.get("last_time"),
            first.time,
            other.time,
        )
        if t is not None
    ]
    return max(times) if times else None
