"""Observations: what each event says about normal behaviour, one frame per profile.

Learning and scoring read events the same way, through `observe()`, so a shape learned from
history is computed exactly as the shape being scored. Events are picked by log source and
event id, their fields copied into column lists (the only per-event Python work), and the
columns folded as whole frames by `fold`.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from rathunt.baseline import fold
from rathunt.baseline.schema import PROFILES
from rathunt.model import Event

# Registry keys whose values start programs at logon, matched on lowercased TargetObject.
_AUTORUN_KEY = re.compile(
    r"\\software\\(?:wow6432node\\)?microsoft\\windows\\currentversion\\"
    r"(?:run|runonce|runonceex|runservices|runservicesonce|policies\\explorer\\run)\\"
)
_STARTUP_DIR = "\\start menu\\programs\\startup\\"
_TASK_COMMAND = re.compile(r"<Command>([^<]{0,2048})</Command>")
_TASK_ARGUMENTS = re.compile(r"<Arguments>([^<]{0,2048})</Arguments>")
_XML_ENTITIES = {"&quot;": '"', "&apos;": "'", "&lt;": "<", "&gt;": ">", "&amp;": "&"}
# Task XML is attacker-writable: only its head is searched.
_TASK_XML_LIMIT = 65536


@dataclass(slots=True)
class _Columns:
    """Column lists for one profile, filled event by event."""

    names: tuple[str, ...]
    data: dict[str, list[Any]] = field(default_factory=dict)
    lists: list[list[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data = {name: [] for name in ("row", "host", "time", *self.names)}
        self.lists = list(self.data.values())

    def add(self, row: int, host: str, time: datetime, *values: Any) -> None:
        for column, value in zip(self.lists, (row, host, time, *values), strict=True):
            column.append(value)


@dataclass(slots=True)
class Observations:
    """The folded frames of one batch, by profile name, and what could not be used."""

    frames: dict[str, pl.DataFrame]
    host_days: pl.DataFrame
    undated: int = 0
    without_host: int = 0


def host_of(event: Event) -> str:
    """The host an event belongs to: its Computer, lowercased, '' when absent."""
    computer = event.fields.get("Computer")
    return "" if computer is None else _host_name(str(computer))


@functools.lru_cache(maxsize=4096)
def _host_name(computer: str) -> str:
    return computer.strip().lower()


def utc_naive(time: datetime) -> datetime:
    """Aware times to naive UTC (DuckDB TIMESTAMP); naive times are taken as UTC already."""
    if time.tzinfo is None:
        return time
    return time.astimezone(UTC).replace(tzinfo=None)


def observe(events: Sequence[Event]) -> Observations:
    """Split a batch into per-profile frames with folded key columns.

    Each frame has `row` (the event's index in the batch), `host`, `time` (naive UTC),
    `day`, `hour` and the profile's key and attribute columns. Events without a time or a
    host are counted, not used: a baseline cannot place them.
    """
    raw = {
        "process": _Columns(("image", "parent", "user_name", "command", "original")),
        "network": _Columns(("image", "destination", "port", "protocol", "scope")),
        "dns": _Columns(("image", "domain")),
        "autorun": _Columns(("kind", "location", "name", "target", "writer")),
        "events": _Columns(()),
    }
    undated = without_host = 0
    for row, event in enumerate(events):
        if event.time is None:
            undated += 1
            continue
        host = host_of(event)
        if not host:
            without_host += 1
            continue
        time = utc_naive(event.time)
        raw["events"].add(row, host, time)
        _pick(row, host, time, event, raw)
    frames = {name: _frame(columns) for name, columns in raw.items()}
    host_days = frames.pop("events").group_by("host", "day").agg(pl.len().alias("events"))
    return Observations(_fold_all(frames), host_days, undated=undated, without_host=without_host)


def _pick(row: int, host: str, time: datetime, event: Event, raw: dict[str, _Columns]) -> None:
    fields = event.fields
    categories = event.logsource.categories
    event_id = event.event_id
    if "process_creation" in categories:
        raw["process"].add(
            row,
            host,
            time,
            _text(fields, "Image", "NewProcessName"),
            _text(fields, "ParentImage", "ParentProcessName"),
            _user(fields),
            _text(fields, "CommandLine"),
            _text(fields, "OriginalFileName"),
        )
    elif "network_connection" in categories:
        if _initiated(fields.get("Initiated", True)):
            destination = _text(fields, "DestinationIp", "DestAddress", "DestinationHostname")
            destination = destination.lower()[: fold.MAX_TEXT]
            raw["network"].add(
                row,
                host,
                time,
                _text(fields, "Image", "Application"),
                destination,
                _port(fields.get("DestinationPort", fields.get("DestPort"))),
                _text(fields, "Protocol").lower()[:16],
                scope_of(destination),
            )
    elif "dns_query" in categories:
        domain = _text(fields, "QueryName").lower().rstrip(".")[: fold.MAX_TEXT]
        raw["dns"].add(row, host, time, _text(fields, "Image"), domain)
    else:
        autorun = _autorun(fields, categories, event_id)
        if autorun is not None:
            raw["autorun"].add(row, host, time, *autorun)


def _autorun(
    fields: dict[str, Any], categories: tuple[str, ...], event_id: int | None
) -> tuple[str, str, str, str, str] | None:
    """(kind, location, name, target, writer) for the four kinds of autorun, else None."""
    writer = _text(fields, "Image")
    if "registry_set" in categories or ("registry_event" in categories and event_id == 13):
        if _text(fields, "EventType") not in ("", "SetValue"):
            return None
        target_object = _text(fields, "TargetObject")
        if not _AUTORUN_KEY.search(target_object.lower()):
            return None
        location, _, name = target_object.rpartition("\\")
        return "run", location, name, _text(fields, "Details"), writer
    if "file_event" in categories:
        path = _text(fields, "TargetFilename")
        if _STARTUP_DIR not in path.lower():
            return None
        location, _, name = path.rpartition("\\")
        return "startup", location, name, path, writer
    if event_id == 7045 and "ServiceName" in fields:
        return "service", "services", _text(fields, "ServiceName"), _text(fields, "ImagePath"), ""
    if event_id == 4698 and "TaskName" in fields:
        return "task", "tasks", _text(fields, "TaskName"), _task_command(fields), writer
    return None


def _task_command(fields: dict[str, Any]) -> str:
    content = _text(fields, "TaskContent")[:_TASK_XML_LIMIT]
    found = (_TASK_COMMAND.search(content), _TASK_ARGUMENTS.search(content))
    parts = [match.group(1) for match in found if match]
    text = " ".join(part.strip() for part in parts if part)
    for entity, char in _XML_ENTITIES.items():
        text = text.replace(entity, char)
    return text


def _text(fields: dict[str, Any], *names: str) -> str:
    for name in names:
        value = fields.get(name)
        if value is not None and value != "":
            return value if isinstance(value, str) else str(value)
    return ""


def _user(fields: dict[str, Any]) -> str:
    user = _text(fields, "User")
    if not user:
        for domain_field, name_field in (
            ("TargetDomainName", "TargetUserName"),
            ("SubjectDomainName", "SubjectUserName"),
        ):
            name = _text(fields, name_field)
            if name and name != "-":
                domain = _text(fields, domain_field)
                user = f"{domain}\\{name}" if domain else name
                break
    return user.lower()[: fold.MAX_TEXT]


def _initiated(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "%%14592")
    return bool(value)


def _port(value: Any) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        return -1
    return port if 0 <= port <= 65535 else -1


@functools.lru_cache(maxsize=65536)
def scope_of(address: str) -> str:
    """`loopback`, `private`, `link-local`, `multicast`, `public`, or `name` for a non-address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "name"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    return "private" if ip.is_private else "public"


def _frame(columns: _Columns) -> pl.DataFrame:
    schema: dict[str, Any] = {"row": pl.Int64, "host": pl.String, "time": pl.Datetime("us")}
    for name in columns.names:
        schema[name] = pl.Int32 if name == "port" else pl.String
    frame = pl.DataFrame(columns.data, schema=schema)
    return frame.with_columns(
        pl.col("time").dt.date().alias("day"), pl.col("time").dt.hour().cast(pl.Int32).alias("hour")
    )


def _fold_all(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    process = fold.fold_frame(
        frames["process"],
        {
            "parent_image": fold.path_shape("parent"),
            "child_image": fold.path_shape("image"),
            "lolbin": fold.binary_name("image", "original", "command"),
        },
    )
    lolbin = process.filter(pl.col("lolbin").is_in(sorted(fold.LOLBINS)))
    lolbin = fold.fold_frame(
        lolbin,
        {"shape": fold.command_shape("command", "lolbin"), "example": fold.clipped("command")},
    )
    network = fold.fold_frame(frames["network"], {"image": fold.path_shape("image")})
    dns = fold.fold_frame(frames["dns"], {"image": fold.path_shape("image")})
    autorun = fold.fold_frame(
        frames["autorun"],
        {
            "kind": pl.col("kind"),
            "location": fold.registry_shape("location"),
            "name": fold.name_shape("name"),
            "target": fold.text_shape("target"),
            "writer": fold.path_shape("writer"),
        },
    )
    out = {
        "process_pair": process,
        "lolbin_shape": lolbin,
        "network": network,
        "dns": dns,
        "autorun": autorun,
    }
    return {name: out[name] for name in PROFILES}
