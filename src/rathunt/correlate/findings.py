"""Turn a window whose condition held into a `Finding` an analyst can read and cite.

A correlation finding is dated at its first event (where the activity began) and says in
`extra["correlation"]` what was counted, over which group, and which events it rests on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rathunt.correlate.plan import Plan
from rathunt.correlate.window import Entry, Window
from rathunt.model import Finding
from rathunt.rules.attack import map_tags


def correlation_finding(
    plan: Plan, group: dict[str, Any], window: Window, max_evidence: int
) -> Finding:
    """The finding for one window of `plan` on one group."""
    rule = plan.rule
    first, last = window.entries[0], window.entries[-1]
    tags = tuple(rule.tags) or _inherited_tags(window.entries)
    tactics, techniques = map_tags(tags)
    computers = {entry.evidence.computer for entry in window.entries}
    computer = group.get("Computer") or (next(iter(computers)) if len(computers) == 1 else None)
    group_values = {name: _plain(value) for name, value in group.items()}
    detail: dict[str, Any] = {
        "type": plan.kind,
        "timespan": plan.timespan,
        "condition": plan.condition_text(),
        "value": window.value,
        "group": group_values,
        "events": len({entry.key for entry in window.entries}),
        "first": _iso(first.evidence.time),
        "last": _iso(last.evidence.time),
        "rules": sorted({entry.evidence.rule_id for entry in window.entries}),
        "evidence": [_cite(entry) for entry in window.entries[:max_evidence]],
        "evidence_left_out": max(0, len(window.entries) - max_evidence),
    }
    return Finding(
        rule_id=rule.id,
        rule_title=rule.title,
        level=rule.level,
        status=rule.status,
        tags=tags,
        tactics=tactics,
        techniques=techniques,
        logsource="correlation",
        time=first.evidence.time,
        computer=str(computer) if computer is not None else None,
        channel=None,
        event_id=None,
        record_id=None,
        matched={"value": window.value, **group_values},
        provenance=first.evidence.provenance,
        pack=rule.pack,
        extra={"correlation": detail, "last_time": last.evidence.time},
    )


def _inherited_tags(entries: list[Entry]) -> tuple[str, ...]:
    """A correlation without tags speaks for the ATT&CK tags of the rules it counted."""
    tags: dict[str, None] = {}
    for entry in entries:
        for tag in entry.evidence.tags:
            tags.setdefault(tag, None)
    return tuple(tags)


def _cite(entry: Entry) -> dict[str, Any]:
    return {
        "rule_id": entry.evidence.rule_id,
        "time": _iso(entry.evidence.time),
        "source": str(entry.evidence.provenance),
        "record_id": entry.evidence.record_id,
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
