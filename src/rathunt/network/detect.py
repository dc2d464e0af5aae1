"""Telling network telemetry formats apart by content, never by file name alone.

`detect_network_format` reads the first 64 KiB (decompressed when gzip) and names one of
`FORMATS`, or returns None for a file that is none of them, so a caller can hand the file
to another reader (EVTX, Windows JSON).
"""

from __future__ import annotations

import csv
import io
import os

import orjson

from rathunt.network.capfile import is_capture
from rathunt.network.firewall import FIREWALL_COLUMNS
from rathunt.network.proxy import PROXY_COLUMNS, SQUID_LINE
from rathunt.network.textlog import read_head

FORMATS = (
    "pcap", "pcapng", "zeek-tsv", "zeek-json", "squid", "w3c-proxy", "pfirewall",
    "proxy-csv", "firewall-csv", "proxy-json", "firewall-json",
)  # fmt: skip

# Columns that mark a record as a firewall's or a proxy's (beyond shared ones like time).
FIREWALL_MARKS = {"action", "blocked", "dst_port", "src_port", "protocol"}
PROXY_MARKS = {"c-uri", "cs-host", "c-useragent", "cs-method", "sc-status", "c-uri-stem"}
ZEEK_MARKS = {"id.orig_h", "id.resp_h", "uid", "_path"}
EVTX_MAGIC = b"ElfFile\x00"
# Keys of Windows event JSON, which rathunt.events reads.
WINDOWS_MARKS = {"eventid", "event", "winlog", "channel", "system", "eventdata"}


def detect_network_format(path: str | os.PathLike[str]) -> str | None:
    """The network format of the file at `path`, or None when it is not one rathunt reads."""
    if not os.path.isfile(path):  # a named pipe would block the read below
        return None
    try:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            if os.read(descriptor, len(EVTX_MAGIC)) == EVTX_MAGIC:
                return None  # the commonest input: answered from eight bytes
        finally:
            os.close(descriptor)
        raw = read_head(os.fspath(path))
    except OSError:
        return None
    capture = is_capture(raw)
    if capture:
        return capture
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return None
    first = lines[0]
    if first.startswith("#separator") or first.startswith("#fields\t"):
        return "zeek-tsv"
    if first.startswith("#"):
        return _w3c_kind(lines)
    if first.lstrip().startswith(("{", "[")):
        return _json_kind(first, text)
    if SQUID_LINE.match(first):
        return "squid"
    return _csv_kind(lines)


def _w3c_kind(lines: list[str]) -> str | None:
    fields = next((line for line in lines if line.lower().startswith("#fields:")), None)
    software = next((line for line in lines if line.lower().startswith("#software:")), "")
    if fields is None:
        return None
    names = {name.lower() for name in fields.split(":", 1)[1].split()}
    if "windows firewall" in software.lower() or {"src-ip", "dst-ip", "action"} <= names:
        return "pfirewall"
    mapped = {PROXY_COLUMNS.get(name) for name in names}
    return "w3c-proxy" if mapped & PROXY_MARKS else None


def _json_kind(first: str, text: str) -> str | None:
    record = _first_object(first, text)
    if record is None:
        return None
    names = {str(name).lower() for name in record}
    if names & WINDOWS_MARKS:
        return None
    if names & ZEEK_MARKS:
        return "zeek-json"
    return _tabular_kind(names, "json")


def _first_object(first: str, text: str) -> dict[str, object] | None:
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        return value
    if first.lstrip().startswith("["):
        body = text.lstrip()[1:].lstrip()
        end = body.find("}")
        if body.startswith("{") and end > 0:
            try:
                value = orjson.loads(body[: end + 1])
            except orjson.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _csv_kind(lines: list[str]) -> str | None:
    try:
        header = next(csv.reader(io.StringIO(lines[0])))
    except (csv.Error, StopIteration):
        return None
    if len(header) < 3:
        return None
    return _tabular_kind({name.strip().lower() for name in header}, "csv")


def _tabular_kind(names: set[str], form: str) -> str | None:
    firewall = {FIREWALL_COLUMNS.get(name) for name in names} & FIREWALL_MARKS
    proxy = {PROXY_COLUMNS.get(name) for name in names} & PROXY_MARKS
    if len(proxy) >= 2 and len(proxy) >= len(firewall):
        return f"proxy-{form}"
    if len(firewall) >= 2:
        return f"firewall-{form}"
    return None
