"""A network scan: read captures and logs, watch their events pass, report findings.

    scan = NetworkScan()
    for event in scan.read("capture.pcap", stats):   # events stream on, e.g. to the engine
        ...
    findings = scan.finish()

Events are observed as they stream, so reading stays bounded; the findings come at the end
because beaconing and retry loops are judged over a whole series. One scan may read many
files: a DNS log and a conn log of the same network are judged together. Findings that tell
the same story as an njRAT session (its C2 name's lookups, its reconnection series) are
folded into the session's finding rather than reported again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rathunt.events.stats import ReadStats
from rathunt.model import Event, Finding, Provenance
from rathunt.network.beacon import BeaconDetector, BeaconOptions
from rathunt.network.capture import CaptureOptions, NjratSession, to_datetime
from rathunt.network.dyndns import SuffixList
from rathunt.network.findings import (
    BEACONING,
    DNS_RETRY,
    DYNAMIC_DNS,
    NJRAT,
    NJRAT_PARTIAL,
    TUNNEL,
    make_finding,
)
from rathunt.network.lookups import NameDetector, RetryDetector, RetryOptions
from rathunt.network.observations import connection_of, lookup_of, requested_name
from rathunt.network.reader import read_network_file

log = logging.getLogger(__name__)


@dataclass(slots=True)
class NetworkOptions:
    """Every setting of a scan; the defaults suit a capture of a few hosts or a day of logs."""

    capture: CaptureOptions = field(default_factory=CaptureOptions)
    beacon: BeaconOptions = field(default_factory=BeaconOptions)
    retry: RetryOptions = field(default_factory=RetryOptions)
    suffixes: SuffixList = field(default_factory=SuffixList.builtin)


class NetworkScan:
    """See the module docstring."""

    def __init__(self, options: NetworkOptions | None = None) -> None:
        self.options = options or NetworkOptions()
        self.sessions: list[NjratSession] = []
        self.events = 0
        self._beacons = BeaconDetector(self.options.beacon)
        self._retries = RetryDetector(self.options.retry)
        self._names = NameDetector(self.options.suffixes)
        self._first_seen: dict[tuple[str, str], Provenance] = {}

    def read(self, path: str | os.PathLike[str], stats: ReadStats) -> Iterator[Event]:
        """Events of one network file, observed on their way through."""
        for event in read_network_file(
            path, stats, options=self.options.capture, sessions=self.sessions
        ):
            self.observe(event)
            yield event

    def observe(self, event: Event) -> None:
        """Feed one network event to the behaviour detectors."""
        self.events += 1
        connection = connection_of(event)
        if connection is not None:
            self._beacons.observe(connection)
            self._retries.observe_connection(connection)
        lookup = lookup_of(event)
        if lookup is not None:
            self._retries.observe_lookup(lookup)
        name = requested_name(event)
        client = event.fields.get("src_ip")
        if name and client and event.time is not None:
            addresses = lookup.addresses if lookup is not None else ()
            key = (str(client), name)
            before = len(self._names.hits)
            self._names.observe(str(client), name, event.time, event.logsource.name(), addresses)
            if len(self._names.hits) > before:
                self._first_seen[key] = event.provenance

    def finish(self) -> list[Finding]:
        """Every finding of the scan, in time order."""
        findings = [njrat_finding(session) for session in self.sessions]
        told = _told_by_sessions(self.sessions)
        findings.extend(self._beacon_findings(told))
        findings.extend(self._retry_findings(told))
        findings.extend(self._name_findings(told))
        findings.sort(key=lambda f: (f.time is None, f.time or 0, f.rule_id))
        dropped = self._beacons.dropped + self._retries.dropped + self._names.dropped
        if dropped:
            log.warning("network scan: %d observations beyond the detectors' caps", dropped)
        log.info("network scan: %d events, %d findings", self.events, len(findings))
        return findings

    def _beacon_findings(self, told: dict[str, Any]) -> Iterator[Finding]:
        for beacon in self._beacons.beacons():
            session = told["pairs"].get((beacon.src, beacon.dst, beacon.port))
            if session is not None:
                session.matched["reconnect_period_seconds"] = round(beacon.period, 3)
                continue
            matched = {
                "src_ip": beacon.src,
                "dst_ip": beacon.dst,
                "dst_port": beacon.port,
                "cs-host": beacon.name,
                "connections": beacon.connections,
                "failed_connections": beacon.failed,
                "period_seconds": round(beacon.period, 3),
                "jitter_seconds": round(beacon.jitter, 3),
                "jitter_ratio": round(beacon.jitter_ratio, 3),
            }
            yield make_finding(
                BEACONING,
                computer=beacon.src,
                time=beacon.first,
                last=beacon.last,
                matched={k: v for k, v in matched.items() if v is not None},
                provenance=Provenance("(network scan)", 0, "series"),
                logsource="network",
                count=beacon.connections,
            )

    def _retry_findings(self, told: dict[str, Any]) -> Iterator[Finding]:
        for loop in self._retries.loops():
            session = told["names"].get((loop.client, loop.name))
            if session is not None:
                session.matched["c2_lookups"] = loop.lookups
                continue
            matched = {
                "src_ip": loop.client,
                "query": loop.name,
                "lookups": loop.lookups,
                "failed_lookups": loop.failed_lookups,
                "answer": loop.addresses,
                "failed_connections": loop.failed_connections,
                "established_connections": loop.established,
                "period_seconds": round(loop.period, 3),
            }
            yield make_finding(
                DNS_RETRY,
                computer=loop.client,
                time=loop.first,
                last=loop.last,
                matched=matched,
                provenance=self._first_seen.get(
                    (loop.client, loop.name), Provenance("(network scan)", 0, "series")
                ),
                logsource="dns",
                count=loop.lookups,
            )

    def _name_findings(self, told: dict[str, Any]) -> Iterator[Finding]:
        for (client, name), hit in self._names.hits.items():
            session = told["names"].get((client, name))
            if session is not None:
                session.matched["c2_service"] = f"{hit.service.provider} ({hit.service.kind})"
                continue
            rule = TUNNEL if hit.service.kind == "tunnel" else DYNAMIC_DNS
            matched = {
                "src_ip": client,
                "query": name,
                "provider": hit.service.provider,
                "suffix": hit.service.suffix,
                "requests": hit.count,
                "answer": sorted(hit.addresses),
                "seen_in": sorted(hit.seen_in),
            }
            yield make_finding(
                rule,
                computer=client,
                time=hit.first,
                last=hit.last,
                matched=matched,
                provenance=self._first_seen.get(
                    (client, name), Provenance("(network scan)", 0, "series")
                ),
                logsource="network",
                count=hit.count,
            )


def _told_by_sessions(sessions: list[NjratSession]) -> dict[str, Any]:
    """The njRAT findings by (victim, C2, port) and by (victim, C2 name), to fold into."""
    pairs: dict[tuple[str, str, int | None], Finding] = {}
    names: dict[tuple[str, str], Finding] = {}
    for session in sessions:
        finding = session.finding
        if finding is None:
            continue
        pairs.setdefault((session.victim, session.c2, session.c2_port), finding)
        for name in (session.c2_name, session.session.config.get("c2_host")):
            if name:
                names.setdefault((session.victim, str(name).lower()), finding)
    return {"pairs": pairs, "names": names}


def njrat_finding(session: NjratSession) -> Finding:
    """The finding of one njRAT session: endpoints, times, and every decoded field."""
    decoded = session.session
    rule = NJRAT if decoded.checkin else NJRAT_PARTIAL
    first, last = to_datetime(session.first), to_datetime(session.last)
    matched: dict[str, Any] = {
        "victim_ip": session.victim,
        "victim_port": session.victim_port,
        "c2_ip": session.c2,
        "c2_port": session.c2_port,
        "c2_name": session.c2_name,
        "start": first.isoformat().replace("+00:00", "Z") if first else None,
        "end": last.isoformat().replace("+00:00", "Z") if last else None,
        "duration_seconds": round(session.last - session.first, 3),
        "framing": sorted(decoded.framing),
        "separator": decoded.separator,
        "checkin": decoded.checkin,
        "config": decoded.config,
        "victim_messages": dict(decoded.victim_commands),
        "c2_commands": dict(decoded.c2_commands),
        "keepalives": decoded.keepalives,
        "window_titles": decoded.window_titles,
        "victim_bytes": session.victim_bytes,
        "c2_bytes": session.c2_bytes,
    }
    if decoded.unknown_commands:
        matched["unknown_commands"] = dict(decoded.unknown_commands.most_common(10))
    if decoded.anomaly_count:
        matched["anomalies"] = decoded.anomalies
        matched["anomaly_count"] = decoded.anomaly_count
    finding = make_finding(
        rule,
        computer=session.victim,
        time=first,
        last=last,
        matched={k: v for k, v in matched.items() if v not in (None, {}, [])},
        provenance=Provenance(session.path, session.frame, "pcap-frame"),
        logsource="pcap",
    )
    session.finding = finding
    return finding
