"""Which host had which address, so network findings join host findings in incidents.

Incidents are built per host name (`Finding.computer`); a network finding knows only an
address. An `AddressBook` learns address-to-host pairs, with the times they were seen, from
host telemetry that shows both: Sysmon network connections (event 3: the `Computer` and its
own side of the connection) and Windows Filtering Platform events (Security 5156/5157). It can
also be given pairs (a DHCP or asset export, `address,host` lines). `attribute_hosts` then
puts the host name in each network finding that has a known address, keeping the address in
`matched["host_address"]`. An address that changed hands is resolved by time: the host seen
with it nearest the finding's time, within `margin`.
"""

from __future__ import annotations

import csv
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rathunt.errors import ConfigError
from rathunt.model import Event, Finding

log = logging.getLogger(__name__)

MAX_ADDRESSES = 100_000
MAX_HOSTS_PER_ADDRESS = 8
OUTBOUND = ("%%14593", "outbound", "Outbound")


@dataclass(slots=True)
class _Span:
    host: str
    first: datetime | None
    last: datetime | None

    def widen(self, time: datetime | None) -> None:
        if time is None:
            return
        self.first = time if self.first is None or time < self.first else self.first
        self.last = time if self.last is None or time > self.last else self.last


class AddressBook:
    """Address to host name, with the span of time each pair was seen."""

    def __init__(self, margin: timedelta = timedelta(hours=12)) -> None:
        self.margin = margin
        self._spans: dict[str, list[_Span]] = {}
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._spans)

    def add(self, address: str, host: str, time: datetime | None = None) -> None:
        """One sighting of `host` with `address` (at `time`, if known)."""
        if not _usable(address) or not host:
            return
        spans = self._spans.get(address)
        if spans is None:
            if len(self._spans) >= MAX_ADDRESSES:
                self.dropped += 1
                return
            spans = self._spans[address] = []
        for span in spans:
            if span.host == host:
                span.widen(time)
                return
        if len(spans) < MAX_HOSTS_PER_ADDRESS:
            spans.append(_Span(host, time, time))

    def merge(self, other: AddressBook) -> None:
        """Add another book's sightings (a worker process's) to this one."""
        for address, spans in other._spans.items():
            for span in spans:
                self.add(address, span.host, span.first)
                if span.last is not span.first:
                    self.add(address, span.host, span.last)
        self.dropped += other.dropped

    def learn(self, event: Event) -> None:
        """Learn the pair an event shows, if it shows one (other events are passed over)."""
        host = event.computer
        fields = event.fields
        if not host:
            return
        event_id = event.event_id
        if event_id == 3 and "SourceIp" in fields:
            initiated = str(fields.get("Initiated", "true")).lower() == "true"
            local = fields.get("SourceIp") if initiated else fields.get("DestinationIp")
        elif event_id in (5156, 5157) and "SourceAddress" in fields:
            outbound = str(fields.get("Direction", "")) in OUTBOUND
            local = fields.get("SourceAddress") if outbound else fields.get("DestAddress")
        else:
            return
        if local:
            self.add(str(local), host, event.time)

    def host_of(self, address: str, time: datetime | None = None) -> str | None:
        """The host that had `address` at `time` (or most recently, without a time)."""
        spans = self._spans.get(address)
        if not spans:
            return None
        if time is None:
            return max(spans, key=_last_key).host
        best: str | None = None
        distance: timedelta | None = None
        for span in spans:
            gap = _distance(time, span.first, span.last)
            if gap is None or gap > self.margin:
                continue
            if distance is None or gap < distance:
                best, distance = span.host, gap
        if best is None and all(span.first is None for span in spans):
            return spans[0].host
        return best

    @classmethod
    def from_csv(cls, path: str | Path, margin: timedelta = timedelta(hours=12)) -> AddressBook:
        """A book from `address,host` lines (a header line is allowed)."""
        book = cls(margin)
        try:
            with open(path, encoding="utf-8", newline="") as stream:
                for number, row in enumerate(csv.reader(stream), 1):
                    if len(row) < 2 or not _usable(row[0].strip()):
                        if number > 1 and row and row[0].strip():
                            raise ConfigError(
                                f"bad address {row[0][:40]!r}",
                                path=str(path),
                                where=f"line {number}",
                                hint="write address,host on each line",
                            )
                        continue
                    book.add(row[0].strip(), row[1].strip())
        except OSError as err:
            raise ConfigError(
                f"cannot read the host map: {err.strerror or err}",
                path=str(path),
                hint="give a CSV of address,host",
            ) from err
        return book


def attribute_hosts(findings: Iterable[Finding], book: AddressBook) -> int:
    """Put host names in network findings whose address the book knows; how many changed."""
    changed = 0
    for finding in findings:
        address = finding.computer
        if not address or not _is_address(address):
            continue
        host = book.host_of(address, finding.time)
        if host is None:
            continue
        finding.matched.setdefault("host_address", address)
        finding.computer = host
        changed += 1
    log.info("attributed %d network findings to host names", changed)
    return changed


def _usable(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (
        parsed.is_loopback or parsed.is_unspecified or parsed.is_link_local or parsed.is_multicast
    )


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _last_key(span: _Span) -> float:
    return span.last.timestamp() if span.last is not None else 0.0


def _distance(time: datetime, first: datetime | None, last: datetime | None) -> timedelta | None:
    if first is None or last is None:
        return None
    if first <= time <= last:
        return timedelta(0)
    return first - time if time < first else time - last
