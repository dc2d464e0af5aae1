"""Writing a simulation to disk: telemetry per host and channel, labels, and a manifest.

    OUT/telemetry/<HOST>/<Sysmon|Security|System>.<jsonl|ndjson|xml>
    OUT/labels.jsonl        one line per malicious event (host, channel, record_id, stage...);
                            absent when the run is benign noise only
    OUT/simulation.json     the options, where each intrusion ran, and the counts

Telemetry and labels live apart so `rathunt hunt OUT/telemetry` reads only events.
"""

from __future__ import annotations

import gzip
import logging
import shutil
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from rathunt.errors import ConfigError
from rathunt.simulate.labels import LabelRecord
from rathunt.simulate.schedule import sessions
from rathunt.simulate.shapes import CHANNEL_FILES, log_delay, system_time
from rathunt.simulate.stream import SimOptions, build_hosts, placements, plan, simulate
from rathunt.simulate.writers import FORMATS, SUFFIX, encode

log = logging.getLogger(__name__)

MAX_OPEN = 192


@dataclass(slots=True)
class SimSummary:
    """What a run wrote: counts per channel and per stage, and where."""

    out: str
    format: str
    events: int = 0
    labelled: int = 0
    channels: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    files: int = 0
    compressed: bool = False


class _Files:
    """Output files opened on demand; the least recently used close past `MAX_OPEN`."""

    def __init__(self) -> None:
        self._open: OrderedDict[Path, IO[bytes]] = OrderedDict()
        self._seen: set[Path] = set()

    def write(self, path: Path, data: bytes) -> None:
        handle = self._open.get(path)
        if handle is None:
            if path not in self._seen:
                path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("ab" if path in self._seen else "wb")
            self._seen.add(path)
            self._open[path] = handle
            if len(self._open) > MAX_OPEN:
                self._open.popitem(last=False)[1].close()
        else:
            self._open.move_to_end(path)
        handle.write(data)

    @property
    def count(self) -> int:
        return len(self._seen)

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()


def write_simulation(
    options: SimOptions, out: str | Path, fmt: str = "evtx-jsonl", compress: bool = False
) -> SimSummary:
    """Simulate and write everything under `out`; refuses to mix into earlier telemetry.

    With `compress`, each telemetry file is gzipped once complete (no timestamp in the
    header, so the bytes stay the same for a seed); the readers undo gzip themselves.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    out = Path(out)
    telemetry = out / "telemetry"
    if telemetry.exists() and any(telemetry.iterdir()):
        raise ConfigError(
            "output already holds telemetry",
            path=str(telemetry),
            hint="choose an empty --out directory",
        )
    out.mkdir(parents=True, exist_ok=True)
    summary = SimSummary(out=str(out), format=fmt, compressed=compress)
    channels: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    files = _Files()
    suffix = SUFFIX[fmt]
    try:
        with (out / "labels.jsonl").open("wb") as labels:
            for event in simulate(options):
                path = telemetry / event.host.short / (CHANNEL_FILES[event.channel] + suffix)
                files.write(path, encode(event, fmt))
                channels[event.channel] += 1
                if event.label is not None:
                    stages[event.label.stage] += 1
                    record = LabelRecord(
                        event.host.name,
                        event.channel,
                        event.record_id,
                        event.event_id,
                        system_time(event.t + log_delay(event)),
                        event.label,
                    )
                    labels.write(record.to_json() + b"\n")
    finally:
        files.close()
    if not any(stages.values()):
        # Benign noise only: no labels file, rather than an empty one that reads as a broken
        # export when the whole folder is hunted.
        (out / "labels.jsonl").unlink()
    if compress:
        _gzip_all(telemetry)
    summary.events = sum(channels.values())
    summary.labelled = sum(stages.values())
    summary.channels = dict(sorted(channels.items()))
    summary.stages = dict(sorted(stages.items()))
    summary.files = files.count
    _write_manifest(out, options, summary)
    log.info(
        "simulated %d events (%d malicious) into %d files under %s",
        summary.events,
        summary.labelled,
        summary.files,
        out,
    )
    return summary


def _gzip_all(telemetry: Path) -> None:
    for path in sorted(p for p in telemetry.rglob("*") if p.is_file() and p.suffix != ".gz"):
        target = path.with_name(path.name + ".gz")
        with (
            path.open("rb") as source,
            target.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        ):
            shutil.copyfileobj(source, packed)
        path.unlink()


def manifest_of(options: SimOptions) -> dict[str, Any]:
    """The options and intrusion placements, enough to regenerate the same bytes."""
    hosts = build_hosts(options)
    start = int(options.start.timestamp() * 1_000_000)
    end = start + int(options.days * 86_400_000_000)
    schedules = {h.index: sessions(h, str(options.seed), start, end) for h in hosts}
    return {
        "seed": options.seed,
        "hosts": [
            {"name": h.name, "kind": h.kind, "auditing": h.auditing, "ip": h.ip} for h in hosts
        ],
        "days": options.days,
        "start": options.start.isoformat().replace("+00:00", "Z"),
        "intrusions": [asdict(p) for p in placements(plan(options, hosts, schedules), options)],
        "uninstall": options.uninstall,
        "noise": options.noise,
    }


def _write_manifest(out: Path, options: SimOptions, summary: SimSummary) -> None:
    manifest = manifest_of(options)
    manifest["format"] = summary.format
    manifest["compressed"] = summary.compressed
    manifest["telemetry"] = "telemetry"
    manifest["labels"] = "labels.jsonl" if summary.labelled else None
    manifest["counts"] = {
        "events": summary.events,
        "labelled": summary.labelled,
        "channels": summary.channels,
        "stages": summary.stages,
    }
    (out / "simulation.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
