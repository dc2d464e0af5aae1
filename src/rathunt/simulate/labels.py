"""Ground truth beside the telemetry: one label per malicious event, never inside the event.

A label is keyed by host, channel and EventRecordID, the triple that names one record in any
of the three output shapes, so validation can look up whatever a finding points at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from rathunt.errors import InputError

LabelKey = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class Label:
    """Why an event is malicious: its kill-chain stage, ATT&CK technique and variant."""

    stage: str
    technique: str
    step: str
    variant: str = "default"
    intrusion: str = ""


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """A label bound to the record it describes, as one line of the labels file."""

    host: str
    channel: str
    record_id: int
    event_id: int
    time: str
    label: Label

    @property
    def key(self) -> LabelKey:
        return (self.host.lower(), self.channel, self.record_id)

    def to_json(self) -> bytes:
        row = {
            "host": self.host,
            "channel": self.channel,
            "record_id": self.record_id,
            "event_id": self.event_id,
            "time": self.time,
            **asdict(self.label),
        }
        return orjson.dumps(row)


def read_labels(path: str | Path) -> Iterator[LabelRecord]:
    """Labels from a JSONL file; a bad line is an error naming the file and line."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise InputError(f"cannot open labels: {err.strerror}", path=str(path)) from err
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield _parse(line, str(path), number)


def _parse(line: bytes, path: str, number: int) -> LabelRecord:
    try:
        row = orjson.loads(line)
        label = Label(
            stage=str(row["stage"]),
            technique=str(row["technique"]),
            step=str(row.get("step", "")),
            variant=str(row.get("variant", "default")),
            intrusion=str(row.get("intrusion", "")),
        )
        return LabelRecord(
            host=str(row["host"]),
            channel=str(row["channel"]),
            record_id=int(row["record_id"]),
            event_id=int(row.get("event_id", 0)),
            time=str(row.get("time", "")),
            label=label,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise InputError(
            f"bad label: {err}",
            path=path,
            where=f"line {number}",
            hint="each line needs host, channel, record_id, stage and technique",
        ) from err
