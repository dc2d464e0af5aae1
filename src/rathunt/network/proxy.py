"""Proxy logs to Sigma's `proxy` log source: Squid native, W3C extended, CSV and JSON.

Every reader ends in `proxy_event`, which names fields as Sigma's proxy taxonomy does:
`c-uri` (the request target as the proxy logged it: a full URL for proxied requests),
`c-uri-stem`, `c-uri-query`, `c-uri-extension`, `cs-host`, `cs-method`, `c-useragent`,
`cs-referrer`, `cs-cookie`, `sc-status`, `sc-bytes`, `cs-bytes`, `cs-username`, `s-action`,
`src_ip`, `dst_ip`. The CSV and JSON column names accepted are in `PROXY_COLUMNS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rathunt.events.stats import ProblemLog
from rathunt.model import Event, LogSource
from rathunt.network.textlog import iter_lines, make_event, open_text, parse_time, to_int
from rathunt.network.w3c import Record, read_w3c, w3c_time
from rathunt.network.wire import request_fields

PROXY_SOURCE = LogSource(product=None, service=None, categories=("proxy",))

SQUID_LINE = re.compile(
    r"^(?P<time>\d{9,10}\.\d+)\s+(?P<elapsed>-?\d+)\s+(?P<client>\S+)\s+(?P<action>[^\s/]+)/"
    r"(?P<status>\d{1,3})\s+(?P<bytes>\d+)\s+(?P<method>\S+)\s+(?P<url>\S+)\s+(?P<user>\S+)\s+"
    r"(?P<hierarchy>[^\s/]+)/(?P<peer>\S+)(?:\s+(?P<type>\S+))?"
)

# Column names of CSV and JSON exports (lower case) to Sigma proxy names.
PROXY_COLUMNS = {
    "c-uri": "c-uri", "url": "c-uri", "uri": "c-uri", "request_url": "c-uri", "cs-uri": "c-uri",
    "cs-host": "cs-host", "host": "cs-host", "hostname": "cs-host", "domain": "cs-host",
    "cs-method": "cs-method", "method": "cs-method", "http_method": "cs-method",
    "c-useragent": "c-useragent", "user_agent": "c-useragent", "useragent": "c-useragent",
    "user-agent": "c-useragent", "cs(user-agent)": "c-useragent",
    "sc-status": "sc-status", "status": "sc-status", "status_code": "sc-status",
    "cs-referrer": "cs-referrer", "referer": "cs-referrer", "referrer": "cs-referrer",
    "cs(referer)": "cs-referrer", "cs-cookie": "cs-cookie", "cookie": "cs-cookie",
    "cs(cookie)": "cs-cookie", "cs-username": "cs-username", "username": "cs-username",
    "user": "cs-username", "s-action": "s-action", "action": "s-action",
    "sc-bytes": "sc-bytes", "bytes": "sc-bytes", "cs-bytes": "cs-bytes",
    "src_ip": "src_ip", "c-ip": "src_ip", "client_ip": "src_ip", "source_ip": "src_ip",
    "dst_ip": "dst_ip", "s-ip": "dst_ip", "r-ip": "dst_ip", "server_ip": "dst_ip",
    "destination_ip": "dst_ip", "cs-uri-stem": "c-uri-stem", "cs-uri-path": "c-uri-stem",
    "c-uri-stem": "c-uri-stem", "cs-uri-query": "c-uri-query", "c-uri-query": "c-uri-query",
    "cs-uri-scheme": "cs-uri-scheme", "cs-uri-port": "cs-uri-port", "r-dns": "r-dns",
    "time": "time", "timestamp": "time", "@timestamp": "time", "datetime": "time",
}  # fmt: skip


def read_squid(path: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    """Events of a Squid `access.log` in Squid's native format."""
    with open_text(path) as stream:
        for number, line in iter_lines(stream, problems):
            if not line.strip():
                continue
            match = SQUID_LINE.match(line)
            if match is None:
                problems.add("not a Squid native log line", where=f"line {number}", skipped=1)
                continue
            part = match.groupdict()
            peer = part["peer"]
            record: dict[str, Any] = {
                "time": float(part["time"]),
                "time-taken": to_int(part["elapsed"]),
                "src_ip": part["client"],
                "s-action": part["action"],
                "sc-status": to_int(part["status"]),
                "sc-bytes": to_int(part["bytes"]),
                "cs-method": part["method"],
                "c-uri": part["url"],
                "cs-username": None if part["user"] == "-" else part["user"],
                "s-hierarchy": part["hierarchy"],
                "dst_ip": None if peer == "-" else peer,
                "content_type": None if part["type"] in (None, "-") else part["type"],
            }
            counts["squid"] = counts.get("squid", 0) + 1
            yield proxy_event(record, path, number)


def read_w3c_proxy(path: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    """Events of a W3C extended proxy log (ProxySG, TMG and IIS-style exports)."""
    for number, record, _directives in read_w3c(path, problems):
        mapped = map_columns(record, PROXY_COLUMNS)
        mapped["time"] = w3c_time(record)
        counts["w3c-proxy"] = counts.get("w3c-proxy", 0) + 1
        yield proxy_event(mapped, path, number)


def map_columns(record: Record | dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """A record with known column names renamed to Sigma's; unknown names kept as they are."""
    mapped: dict[str, Any] = {}
    for name, value in record.items():
        target = columns.get(name.lower(), name)
        if target not in mapped or mapped[target] is None:
            mapped[target] = None if value in ("-", "") else value
    return mapped


def proxy_event(record: dict[str, Any], path: str, line: int) -> Event:
    """A proxy record, completed: URL parts derived, status and sizes as numbers."""
    fields = dict(record)
    time = parse_time(fields.pop("time", None))
    uri = fields.get("c-uri")
    if uri is None and fields.get("c-uri-stem"):
        uri = _build_uri(fields)
    method = str(fields.get("cs-method") or "")
    derived = request_fields(method, str(uri or ""), fields.get("cs-host"))
    for name, value in derived.items():
        if fields.get(name) is None:
            fields[name] = value
    for name in ("sc-status", "sc-bytes", "cs-bytes", "src_port", "dst_port"):
        if name in fields:
            fields[name] = to_int(fields[name]) if fields[name] is not None else None
    return make_event(fields, PROXY_SOURCE, path, line, time)


def _build_uri(fields: dict[str, Any]) -> str:
    stem = str(fields["c-uri-stem"])
    query = fields.get("c-uri-query")
    target = stem + ("?" + str(query).lstrip("?") if query else "")
    scheme, host = fields.get("cs-uri-scheme"), fields.get("cs-host")
    if scheme and host:
        port = fields.get("cs-uri-port")
        default = {"http": "80", "https": "443"}.get(str(scheme))
        netloc = f"{host}:{port}" if port and str(port) != default else str(host)
        return f"{scheme}://{netloc}{target}"
    return target
