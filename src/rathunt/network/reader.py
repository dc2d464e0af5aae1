"""Reading one network telemetry file, whatever its format, into events.

`read_network_file(path, stats)` has the shape of `rathunt.events.read_file`: it counts the
file and its records in `stats`, puts every problem there with its place, and never raises
for bad input. A capture's njRAT sessions are not events; pass `sessions` to collect them
(the network scan does).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from rathunt.errors import InputError, UnknownFormatError
from rathunt.events.stats import ProblemLog, ReadStats
from rathunt.model import Event
from rathunt.network.capture import CaptureOptions, CaptureReader, NjratSession
from rathunt.network.detect import detect_network_format
from rathunt.network.firewall import read_pfirewall
from rathunt.network.proxy import read_squid, read_w3c_proxy
from rathunt.network.tabular import read_csv, read_json
from rathunt.network.zeek import read_zeek_json, read_zeek_tsv

log = logging.getLogger(__name__)


def read_network_file(
    path: str | os.PathLike[str],
    stats: ReadStats,
    *,
    options: CaptureOptions | None = None,
    sessions: list[NjratSession] | None = None,
) -> Iterator[Event]:
    """Events of one capture or network log; problems and counts go into `stats`."""
    name = os.fspath(path)
    stats.files += 1
    problems = ProblemLog(stats, name)
    if not os.path.isfile(name):
        problems.fail(InputError("no such file", path=name, hint="check the path"))
        return
    kind = detect_network_format(name)
    if kind is None:
        problems.fail(
            UnknownFormatError(
                "not a network format rathunt reads",
                path=name,
                hint="give a pcap/pcapng, a Zeek, proxy or firewall log (see docs/network.md)",
            )
        )
        return
    counts: dict[str, int] = {}
    try:
        if kind in ("pcap", "pcapng"):
            yield from _capture(name, kind, problems, counts, options, sessions)
        else:
            yield from _log(name, kind, problems, counts)
    except OSError as err:
        problems.fail(
            InputError(
                f"cannot read the file: {err}",
                path=name,
                hint="check that it is a whole, readable file",
            )
        )
    finally:
        problems.close()
        records = sum(counts.values())
        stats.records_read += records
        stats.count_format(kind, records)
        log.info("read %s (%s): %d records", name, kind, records)


def _log(name: str, kind: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    if kind == "zeek-tsv":
        yield from read_zeek_tsv(name, problems, counts)
    elif kind == "zeek-json":
        yield from read_zeek_json(name, problems, counts)
    elif kind == "squid":
        yield from read_squid(name, problems, counts)
    elif kind == "w3c-proxy":
        yield from read_w3c_proxy(name, problems, counts)
    elif kind == "pfirewall":
        yield from read_pfirewall(name, problems, counts)
    else:
        table, form = kind.split("-")
        reader = read_csv if form == "csv" else read_json
        yield from reader(name, table, problems, counts)


def _capture(
    name: str,
    kind: str,
    problems: ProblemLog,
    counts: dict[str, int],
    options: CaptureOptions | None,
    sessions: list[NjratSession] | None,
) -> Iterator[Event]:
    reader = CaptureReader(name, options)
    for event in reader.events():
        counts[kind] = counts.get(kind, 0) + 1
        yield event
    if sessions is not None:
        sessions.extend(reader.sessions)
    _report_capture(reader, problems)


def _report_capture(reader: CaptureReader, problems: ProblemLog) -> None:
    counts = reader.counts
    if reader.damage is not None:
        problems.add(
            f"capture breaks after {counts.frames} frames: {reader.damage}",
            where=f"byte {reader.damage.offset}",
            hint="the frames before the break were read; recapture or repair the file",
        )
    if counts.decode.damaged:
        problems.add(f"{counts.decode.damaged} frames could not be decoded", where="frames")
    if counts.decode.linktypes:
        kinds = ", ".join(str(k) for k in sorted(counts.decode.linktypes))
        problems.add(f"frames of unsupported link types {kinds} passed over", where="frames")
    flow = counts.reassembly
    if flow.flows_evicted or flow.buffer_overflows:
        problems.add(
            f"reassembly limits reached: {flow.flows_evicted} connections closed early, "
            f"{flow.buffer_overflows} buffer overflows ({flow.gap_bytes} bytes given up)",
            where="reassembly",
            hint="raise the limits (rathunt network --max-flows, --stream-buffer)",
        )
    if counts.sessions_dropped:
        problems.add(
            f"{counts.sessions_dropped} njRAT sessions beyond the cap not reported",
            where="sessions",
        )
    log.debug(
        "capture %s: %d frames, %d TCP connections, %d DNS queries, %d HTTP requests, "
        "%d njRAT sessions; %d bytes in gaps, %d retransmitted",
        reader.path,
        counts.frames,
        counts.flows,
        counts.dns_queries,
        counts.http_requests,
        len(reader.sessions),
        flow.gap_bytes,
        flow.retransmitted_bytes,
    )
