"""What the text log readers share: opening (gzip or not), bounded lines, times, events.

Lines longer than `MAX_LINE` are counted as bad records and skipped whole, so one hostile line
cannot hold the reader's memory. Times become aware UTC datetimes; a log whose times carry no
zone (Windows Firewall writes local time) is read as UTC and the docs say so.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, cast

import orjson

from rathunt.events.stats import ProblemLog
from rathunt.model import Event, LogSource, Provenance

MAX_LINE = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"

_EPOCH = re.compile(r"^\d{9,10}(\.\d+)?$")


def open_text(path: str) -> IO[str]:
    """A text stream of the file, decompressed when it is gzip."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    raw = cast(IO[bytes], gzip.open(path, "rb") if compressed else open(path, "rb"))  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def read_head(path: str, size: int = 65_536) -> bytes:
    """The first bytes of the file, decompressed when it is gzip."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    if compressed:
        with gzip.open(path, "rb") as stream:
            try:
                return stream.read(size)
            except (OSError, EOFError):
                return b""
    with open(path, "rb") as stream:
        return stream.read(size)


def iter_lines(stream: IO[str], problems: ProblemLog) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its end) for every line of bounded length."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE and not line.endswith("\n"):
            problems.add(
                f"line longer than {MAX_LINE} characters",
                where=f"line {number}",
                hint="split or re-export the log",
                skipped=1,
            )
            while line and not line.endswith("\n"):
                line = stream.readline(MAX_LINE + 1)
            continue
        yield number, line.rstrip("\r\n")


def iter_json_objects(
    stream: IO[str], problems: ProblemLog
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every JSON object line; other lines are counted as skipped."""
    for number, line in iter_lines(stream, problems):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as err:
            problems.add(f"not JSON: {err}", where=f"line {number}", skipped=1)
            continue
        if not isinstance(record, dict):
            problems.add("not a JSON object", where=f"line {number}", skipped=1)
            continue
        yield number, record


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from epoch seconds or ISO 8601 text (no zone means UTC)."""
    if value is None or value == "" or value == "-":
        return None
    try:
        if isinstance(value, int | float) or _EPOCH.match(str(value)):
            return datetime.fromtimestamp(float(value), tz=UTC)
        text = str(value).strip().replace("Z", "+00:00")
        when = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def to_int(value: Any) -> int | None:
    """A port or count as an int; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def make_event(
    fields: dict[str, Any], source: LogSource, path: str, line: int, time: datetime | None
) -> Event:
    """An event of a network log; `Computer` is the client's address, for incident joins."""
    fields.setdefault("Computer", fields.get("src_ip"))
    return Event(fields, source, Provenance(path, line, "line"), time)
