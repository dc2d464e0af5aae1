"""What the behaviour detectors need from an event, whatever format it was read from.

Beaconing, the DNS retry loop and the dynamic-DNS check look at connections and lookups, not
at formats. `connection_of` and `lookup_of` read them from the Sigma-named fields every
network reader sets (`src_ip`, `dst_ip`, `dst_port`, `query`, `cs-host`...), and say whether
the connection got through: a capture's handshake, Zeek's `conn_state`, a firewall's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rathunt.model import Event

# Zeek conn states in which the responder never took part (no reply, rejected, ...).
ZEEK_FAILED = frozenset({"S0", "REJ", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"})
DNS_FAILED = frozenset({"NXDOMAIN", "SERVFAIL", "REFUSED"})


@dataclass(frozen=True, slots=True)
class Connection:
    """One connection attempt from `src` to `dst` (an address, or a name for proxy logs)."""

    time: datetime
    src: str
    dst: str
    port: int | None
    failed: bool
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """One DNS query by `client` for `name`: its answers and whether it failed."""

    time: datetime
    client: str
    name: str
    addresses: tuple[str, ...]
    failed: bool


def connection_of(event: Event) -> Connection | None:
    """The connection an event records, if it records one."""
    fields = event.fields
    if event.time is None:
        return None
    source = event.logsource
    if source.service == "conn" or "firewall" in source.categories:
        src, dst = fields.get("src_ip"), fields.get("dst_ip")
        if not src or not dst:
            return None
        return Connection(
            event.time, str(src), str(dst), _port(fields.get("dst_port")), _failed(event)
        )
    if "proxy" in source.categories and source.product != "zeek" and source.product != "pcap":
        src, host = fields.get("src_ip"), fields.get("cs-host")
        if not src or not host:
            return None
        return Connection(event.time, str(src), str(host).lower(), None, False, str(host))
    return None


def lookup_of(event: Event) -> Lookup | None:
    """The DNS lookup an event records, if it records one."""
    if "dns" not in event.logsource.categories or event.time is None:
        return None
    fields = event.fields
    client, name = fields.get("src_ip"), fields.get("query")
    if not client or not name:
        return None
    answers = fields.get("answer") or []
    if not isinstance(answers, list):
        answers = [answers]
    addresses = tuple(str(a) for a in answers if _is_address(str(a)))[:16]
    rcode = fields.get("rcode_name")
    failed = rcode is None or str(rcode).upper() in DNS_FAILED or not addresses
    return Lookup(event.time, str(client), str(name).lower().rstrip("."), addresses, failed)


def requested_name(event: Event) -> str | None:
    """A destination name the event shows a host asking for: a DNS query or an HTTP host."""
    fields = event.fields
    categories = event.logsource.categories
    if "dns" in categories:
        name = fields.get("query")
    elif "proxy" in categories:
        name = fields.get("cs-host")
    else:
        return None
    return str(name).lower().rstrip(".") if name else None


def _failed(event: Event) -> bool:
    fields = event.fields
    state = fields.get("state")
    if state is not None:
        return state in ("failed", "refused")
    conn_state = fields.get("conn_state")
    if conn_state is not None:
        return str(conn_state) in ZEEK_FAILED
    return fields.get("blocked") == "true"


def _port(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_address(text: str) -> bool:
    return (text.count(".") == 3 and text.replace(".", "").isdigit()) or ":" in text
