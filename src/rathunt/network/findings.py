"""The network detections as rules of their own, and the findings they make.

Each detection has a stable rule id under `rathunt.network.`, a title, a level and ATT&CK
tags, so its findings sort, fold, join incidents and render like a Sigma rule's. A finding's
`computer` is the internal host's address (the victim, the beaconing source, the resolving
client), which is what incidents are built on; `rathunt.network.hosts` can put the host's
name there instead when host telemetry tells which address it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rathunt.model import Finding, Provenance
from rathunt.rules.attack import map_tags

PACK = "network"


@dataclass(frozen=True, slots=True)
class NetworkRule:
    """A built-in network detection: what it is called, how bad, and its ATT&CK tags."""

    id: str
    title: str
    level: str
    tags: tuple[str, ...]


NJRAT = NetworkRule(
    "rathunt.network.njrat-protocol",
    "njRAT C2 session on the wire",
    "critical",
    ("attack.command-and-control", "attack.t1071.001", "attack.t1571", "attack.t1132.001"),
)
NJRAT_PARTIAL = NetworkRule(
    "rathunt.network.njrat-protocol",
    "njRAT C2 commands on the wire (no check-in seen)",
    "high",
    NJRAT.tags,
)
BEACONING = NetworkRule(
    "rathunt.network.beaconing",
    "Connections at regular intervals from one host to one destination",
    "medium",
    ("attack.command-and-control", "attack.t1071", "attack.t1571"),
)
DNS_RETRY = NetworkRule(
    "rathunt.network.dns-retry-loop",
    "Repeated lookups of one name while connections to it fail",
    "medium",
    ("attack.command-and-control", "attack.t1568"),
)
DYNAMIC_DNS = NetworkRule(
    "rathunt.network.dynamic-dns",
    "Lookup of or connection to a dynamic-DNS name",
    "medium",
    ("attack.command-and-control", "attack.t1568"),
)
TUNNEL = NetworkRule(
    "rathunt.network.tunnel-service",
    "Lookup of or connection to a tunnelling service",
    "medium",
    ("attack.command-and-control", "attack.t1572"),
)
RULES = (NJRAT, BEACONING, DNS_RETRY, DYNAMIC_DNS, TUNNEL)


def make_finding(
    rule: NetworkRule,
    *,
    computer: str | None,
    time: datetime | None,
    last: datetime | None,
    matched: dict[str, Any],
    provenance: Provenance,
    logsource: str,
    count: int = 1,
) -> Finding:
    """A finding of a network rule; `last` is when the activity it reports last happened."""
    tactics, techniques = map_tags(rule.tags)
    extra: dict[str, Any] = {}
    if last is not None:
        extra["last_time"] = last
    return Finding(
        rule_id=rule.id,
        rule_title=rule.title,
        level=rule.level,
        status="experimental",
        tags=rule.tags,
        tactics=tactics,
        techniques=techniques,
        logsource=logsource,
        time=time,
        computer=computer,
        channel=None,
        event_id=None,
        record_id=None,
        matched=matched,
        provenance=provenance,
        pack=PACK,
        count=count,
        extra=extra,
    )
