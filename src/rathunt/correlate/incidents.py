"""Group findings into per-host incidents, each a kill-chain story with a confidence.

A host's findings, in time order, stay in one incident while each comes within
`IncidentOptions.window` of the one before: an implant that keeps beaconing or keylogging is
one incident however long it runs, and a quiet gap longer than the window starts the next.
Findings without a host are grouped under `UNKNOWN_HOST`, and findings without a time join
their host's first incident, so nothing is left out silently.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from rathunt.correlate.score import IncidentOptions, last_time, score_incident
from rathunt.correlate.stages import stage_of, stage_rank
from rathunt.model import Finding, Incident, Technique

log = logging.getLogger(__name__)

UNKNOWN_HOST = "(unknown host)"
CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}


def build_incidents(
    findings: Iterable[Finding], options: IncidentOptions | None = None
) -> list[Incident]:
    """Incidents from findings, most confident first."""
    options = options or IncidentOptions()
    by_host: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_host[finding.computer or UNKNOWN_HOST].append(finding)

    incidents: list[Incident] = []
    for host, host_findings in by_host.items():
        for members in _split(host_findings, options):
            incidents.append(_incident(host, members, options))
    incidents.sort(
        key=lambda i: (CONFIDENCE_ORDER[i.confidence], -i.score, _sortable(i.first), i.computer)
    )
    log.info(
        "built %d incidents: %d high, %d medium, %d low",
        len(incidents),
        sum(1 for i in incidents if i.confidence == "high"),
        sum(1 for i in incidents if i.confidence == "medium"),
        sum(1 for i in incidents if i.confidence == "low"),
    )
    return incidents


def _split(findings: list[Finding], options: IncidentOptions) -> list[list[Finding]]:
    """Runs of findings in which no gap between neighbours exceeds `window`."""
    timed = sorted((f for f in findings if f.time is not None), key=_finding_key)
    untimed = [f for f in findings if f.time is None]
    spans: list[list[Finding]] = []
    latest: datetime | None = None
    for finding in timed:
        assert finding.time is not None
        if latest is None or finding.time - latest > options.window:
            spans.append([])
        spans[-1].append(finding)
        last = last_time(finding) or finding.time
        latest = last if latest is None else max(latest, last)
    if untimed:
        if spans:
            spans[0].extend(untimed)
        else:
            spans.append(untimed)
    return spans


def _incident(host: str, members: list[Finding], options: IncidentOptions) -> Incident:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in members:
        grouped[stage_of(finding, options.stages)].append(finding)
    stages = sorted(grouped.items(), key=lambda item: stage_rank(item[0], options.stages))

    times = [f.time for f in members if f.time is not None]
    lasts = [last_time(f) for f in members]
    first = min(times) if times else None
    last = max((t for t in lasts if t is not None), default=None)
    scored = score_incident(stages, options)
    if len(times) < len(members):
        scored.explanation.append(f"{len(members) - len(times)} finding(s) have no time")
    return Incident(
        id=_incident_id(host, first, members),
        computer=host,
        confidence=scored.confidence,
        score=scored.score,
        stages=[(name, group) for name, group in stages],
        first=first,
        last=last,
        rules=sorted({f.rule_id for f in members}),
        techniques=_techniques(members),
        explanation=scored.explanation,
    )


def _techniques(findings: list[Finding]) -> list[Technique]:
    found: dict[str, Technique] = {}
    for finding in findings:
        for technique in finding.techniques:
            found.setdefault(technique.id, technique)
    return [found[key] for key in sorted(found)]


def _incident_id(host: str, first: datetime | None, members: list[Finding]) -> str:
    text = "|".join([host, _iso(first) or "", *sorted({f.rule_id for f in members})])
    return "inc-" + hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _finding_key(finding: Finding) -> tuple[float, str, int]:
    assert finding.time is not None
    return (finding.time.timestamp(), finding.provenance.path, finding.provenance.record)


def _sortable(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else float("inf")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
