"""Firewall logs to Sigma's `firewall` log source: Windows Firewall and CSV/JSON exports.

Windows Firewall's `pfirewall.log` is a W3C extended log (`date time action protocol src-ip
dst-ip src-port dst-port ... path`); its times are the machine's local time, read as UTC.
CSV and JSON exports are read by column name; the names accepted are in
`FIREWALL_COLUMNS`. Every event carries `src_ip`, `src_port`, `dst_ip`, `dst_port`,
`protocol`, `action` in lower case as logged, and `blocked` (`"true"` for drop, deny, block
and reject; `"false"` for allow, accept, pass, permit and forward) because SigmaHQ's
firewall rules test either.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rathunt.events.stats import ProblemLog
from rathunt.model import Event, LogSource
from rathunt.network.proxy import map_columns
from rathunt.network.textlog import make_event, parse_time, to_int
from rathunt.network.w3c import read_w3c, w3c_time

FIREWALL_SOURCE = LogSource(product=None, service=None, categories=("firewall",))
BLOCKED = frozenset({"drop", "deny", "denied", "block", "blocked", "reject", "rejected"})
ALLOWED = frozenset({"allow", "allowed", "accept", "accepted", "pass", "permit", "forward"})

# Column names of CSV, JSON and W3C firewall logs (lower case) to Sigma firewall names.
FIREWALL_COLUMNS = {
    "src_ip": "src_ip", "src-ip": "src_ip", "src": "src_ip", "srcip": "src_ip",
    "source_ip": "src_ip", "sourceip": "src_ip", "source.ip": "src_ip", "source": "src_ip",
    "dst_ip": "dst_ip", "dst-ip": "dst_ip", "dst": "dst_ip", "dstip": "dst_ip",
    "destination_ip": "dst_ip", "destinationip": "dst_ip", "destination.ip": "dst_ip",
    "destination": "dst_ip",
    "src_port": "src_port", "src-port": "src_port", "sport": "src_port", "srcport": "src_port",
    "source_port": "src_port", "source.port": "src_port",
    "dst_port": "dst_port", "dst-port": "dst_port", "dport": "dst_port", "dstport": "dst_port",
    "destination_port": "dst_port", "destination.port": "dst_port",
    "protocol": "protocol", "proto": "protocol", "transport": "protocol",
    "action": "action", "disposition": "action", "verdict": "action",
    "blocked": "blocked", "direction": "direction", "path": "direction",
    "application": "application", "app": "application", "process": "application",
    "time": "time", "timestamp": "time", "@timestamp": "time", "datetime": "time",
}  # fmt: skip


def read_pfirewall(path: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    """Events of a Windows Firewall log (`%SystemRoot%\\System32\\LogFiles\\Firewall`)."""
    for number, record, _directives in read_w3c(path, problems):
        mapped = map_columns(record, FIREWALL_COLUMNS)
        mapped["time"] = w3c_time(record)
        mapped.pop("date", None)
        counts["pfirewall"] = counts.get("pfirewall", 0) + 1
        yield firewall_event(mapped, path, number)


def firewall_event(record: dict[str, Any], path: str, line: int) -> Event:
    """A firewall record, completed: ports as numbers, action and `blocked` normalised."""
    fields = dict(record)
    time = parse_time(fields.pop("time", None))
    for name in ("src_port", "dst_port"):
        fields[name] = to_int(fields.get(name)) if fields.get(name) is not None else None
    action = fields.get("action")
    if action is not None:
        fields["action"] = str(action).lower()
    if fields.get("blocked") is None and action is not None:
        lowered = str(action).lower()
        fields["blocked"] = (
            "true" if lowered in BLOCKED else "false" if lowered in ALLOWED else None
        )
    elif isinstance(fields.get("blocked"), bool):
        fields["blocked"] = "true" if fields["blocked"] else "false"
    if fields.get("protocol") is not None:
        fields["protocol"] = str(fields["protocol"]).lower()
    return make_event(fields, FIREWALL_SOURCE, path, line, time)
