"""Exports: the findings timeline as JSON Lines or CSV, incidents as JSON Lines.

JSONL keeps every value exactly (it is the evidence and what other tools read); each line
follows src/rathunt/schemas/finding.schema.json or incident.schema.json. CSV is for a
spreadsheet: a fixed set of columns, the matched fields as one JSON cell, and every cell
that a spreadsheet would run as a formula defused with a leading `'`.

A path is written to a temporary file beside it and renamed into place at the end, so a
failed run never leaves half a report under the real name. A stream is written as is.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TextIO

import orjson

from rathunt.errors import ConfigError
from rathunt.model import Finding, Incident
from rathunt.report.serialise import dumps_line, incident_to_dict
from rathunt.report.text import csv_safe
from rathunt.report.timesort import DEFAULT_MEMORY_LIMIT, timeline

log = logging.getLogger(__name__)

Target = str | os.PathLike[str] | TextIO
ExportFormat = Literal["jsonl", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv")

# The CSV columns, in order. `source*` say where the event is: file, record, kind.
CSV_COLUMNS = (
    "time",
    "computer",
    "level",
    "rule_title",
    "rule_id",
    "tactics",
    "techniques",
    "logsource",
    "channel",
    "event_id",
    "record_id",
    "count",
    "matched",
    "source",
    "source_record",
    "source_kind",
    "status",
    "pack",
)


def write_findings(
    target: Target,
    findings: Iterable[Finding],
    format: str = "jsonl",
    *,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
    spill_dir: str | Path | None = None,
) -> int:
    """Write the findings as a timeline (oldest first, no time last); return how many.

    Past `memory_limit` findings the sort spills to temporary files under `spill_dir`.
    """
    if format not in FORMATS:
        raise ConfigError(f"unknown export format {format!r}", hint="use 'jsonl' or 'csv'")

    records = timeline(findings, memory_limit=memory_limit, spill_dir=spill_dir)
    with open_target(target) as stream:
        written = _write_csv(stream, records) if format == "csv" else _write_jsonl(stream, records)

    log.info("wrote %d findings to %s (%s)", written, _name(target), format)
    return written


def write_incidents(target: Target, incidents: Iterable[Incident]) -> int:
    """Write one incident a line, in the order given; return how many."""
    with open_target(target) as stream:
        written = _write_jsonl(stream, (incident_to_dict(incident) for incident in incidents))

    log.info("wrote %d incidents to %s", written, _name(target))
    return written


def _write_jsonl(stream: TextIO, records: Iterable[dict[str, Any]]) -> int:
    written = 0
    for record in records:
        stream.write(dumps_line(record).decode("utf-8"))
        written += 1
    return written


def _write_csv(stream: TextIO, records: Iterable[dict[str, Any]]) -> int:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    written = 0
    for record in records:
        writer.writerow([csv_safe(cell) for cell in csv_row(record)])
        written += 1
    return written


def csv_row(record: dict[str, Any]) -> list[str]:
    """The CSV cells of one `finding_to_dict` record, before formula neutralisation."""
    provenance = record["provenance"]
    return [
        record["time"] or "",
        _cell(record["computer"]),
        record["level"],
        _cell(record["rule_title"]),
        _cell(record["rule_id"]),
        ";".join(tactic["shortname"] for tactic in record["tactics"]),
        ";".join(technique["id"] for technique in record["techniques"]),
        _cell(record["logsource"]),
        _cell(record["channel"]),
        _cell(record["event_id"]),
        _cell(record["record_id"]),
        str(record["count"]),
        orjson.dumps(record["matched"]).decode("utf-8"),
        _cell(provenance["path"]),
        _cell(provenance["record"]),
        _cell(provenance["kind"]),
        _cell(record["status"]),
        _cell(record["pack"]),
    ]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


@contextlib.contextmanager
def open_target(target: Target) -> Iterator[TextIO]:
    """A text stream to write to: the caller's stream, or a temporary file renamed at the end."""
    if not isinstance(target, str | os.PathLike):
        yield target
        return

    path = Path(target)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        stream = partial.open("w", encoding="utf-8", newline="")
    except OSError as err:
        raise ConfigError(
            f"cannot write the report: {err.strerror or err}",
            path=str(path),
            hint="check that the directory exists and is writable",
        ) from err

    try:
        with stream:
            yield stream
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _name(target: Target) -> str:
    if isinstance(target, str | os.PathLike):
        return os.fspath(target)
    return str(getattr(target, "name", "a stream"))
