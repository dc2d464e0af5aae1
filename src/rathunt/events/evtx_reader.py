"""EVTX files through the `evtx` parser, with corrupt chunks and truncation counted.

The parser raises `RuntimeError` for a chunk it cannot parse and then goes on with the next
chunk, so each such error costs that chunk's records (its message names their ids) and the
read continues. A file cut short is a quieter case: the parser drops an incomplete last chunk
without a word. So the file's size is checked against EVTX's layout (a 4 KiB header, then
64 KiB chunks) and the header's next record id, and the records lost are counted from the
cut chunk's own header when it survived, else from the file header.
"""

from __future__ import annotations

import logging
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import evtx
import orjson

from rathunt.errors import InputError
from rathunt.events.normalise import normalise_evtx
from rathunt.events.stats import ProblemLog
from rathunt.model import Event, Provenance

log = logging.getLogger(__name__)

MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
HEADER_SIZE = 0x1000
CHUNK_SIZE = 0x10000

# "Failed to parse chunk containing record IDs 121..236: ..."
_CHUNK_IDS = re.compile(r"record IDs (\d+)\.\.(\d+)")


@dataclass(frozen=True, slots=True)
class _Layout:
    """What the file header and size say about an EVTX file's completeness."""

    next_record_id: int
    declared_chunks: int
    whole_chunks: int
    partial_bytes: int
    partial_records: int | None

    @property
    def truncated(self) -> bool:
        return self.partial_bytes > 0 or self.whole_chunks < self.declared_chunks


def read_evtx(path: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    """Events of one EVTX file; `counts["evtx"]` is advanced per record read."""
    layout = _layout(path)
    records = evtx.PyEvtxParser(path, number_of_threads=1).records_json()
    # The parser moves on after each bad chunk; more errors than chunks would mean it does not.
    errors_allowed = max(layout.declared_chunks, layout.whole_chunks) + 16
    last_id = read = 0
    # Chunks whose header is unreadable name no record ids; their loss is the gap in record
    # numbers up to the next record read (or the header's next record id at the end).
    unplaced: list[tuple[str, int]] = []
    try:
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except RuntimeError as err:
                if _CHUNK_IDS.search(str(err)) is None:
                    unplaced.append((str(err), last_id))
                else:
                    problems.add(
                        f"corrupt EVTX chunk skipped: {err}",
                        where=_chunk_place(err),
                        skipped=_chunk_records(err),
                    )
                errors_allowed -= 1
                if errors_allowed < 0:
                    problems.add(
                        "too many corrupt chunks; the rest of the file is not read",
                        where=f"after record {last_id}",
                        skipped=1,
                    )
                    break
                continue
            if record is None:
                break

            if unplaced:
                _report_unplaced(unplaced, record["event_record_id"], problems)
            event = _event(path, record, problems)
            if event is None:
                continue
            read += 1
            if event.provenance.record > last_id:
                last_id = event.provenance.record
            yield event
    finally:
        counts["evtx"] = counts.get("evtx", 0) + read

    if unplaced:  # the truncation report counts what lies past the cut itself
        _report_unplaced(unplaced, 0 if layout.truncated else layout.next_record_id, problems)
    if layout.truncated:
        _report_truncation(layout, last_id, problems)


def _report_unplaced(unplaced: list[tuple[str, int]], next_id: int, problems: ProblemLog) -> None:
    """Report chunks that named no record ids, with the records lost between the last record
    read before them and `next_id` (0 when unknown: then one record each is counted)."""
    before = unplaced[0][1]
    lost = next_id - before - 1 if next_id > before + 1 else 0
    where = f"records {before + 1}..{next_id - 1}" if lost else f"after record {before}"
    skipped = [1] * len(unplaced)
    skipped[0] = max(lost - (len(unplaced) - 1), 1)
    for (message, _), count in zip(unplaced, skipped, strict=True):
        problems.add(f"corrupt EVTX chunk skipped: {message}", where=where, skipped=count)
    unplaced.clear()


def _event(path: str, record: dict[str, Any], problems: ProblemLog) -> Event | None:
    record_id = record["event_record_id"]
    try:
        body = orjson.loads(record["data"])["Event"]
        return normalise_evtx(body, Provenance(path, record_id, "evtx"))
    except (orjson.JSONDecodeError, KeyError, TypeError, InputError, RecursionError) as err:
        problems.add(
            f"EVTX record could not be normalised: {err}", where=f"record {record_id}", skipped=1
        )
        return None


def _layout(path: str) -> _Layout:
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        header = handle.read(HEADER_SIZE)
        if len(header) < 0x2C:
            # Too short to be checked; the parser refuses it with its own message.
            return _Layout(0, 0, 0, 0, None)
        next_record_id = struct.unpack_from("<Q", header, 24)[0]
        declared_chunks = struct.unpack_from("<H", header, 0x2A)[0]
        whole_chunks, partial_bytes = divmod(max(size - HEADER_SIZE, 0), CHUNK_SIZE)
        partial_records = None
        if partial_bytes >= 40:
            handle.seek(HEADER_SIZE + whole_chunks * CHUNK_SIZE)
            partial_records = _chunk_record_count(handle.read(40))
    return _Layout(next_record_id, declared_chunks, whole_chunks, partial_bytes, partial_records)


def _chunk_record_count(chunk_header: bytes) -> int | None:
    """Records a chunk holds, from its header's first and last record numbers."""
    if not chunk_header.startswith(CHUNK_MAGIC):
        return None
    first, last = struct.unpack_from("<QQ", chunk_header, 8)
    return last - first + 1 if last >= first else None


def _report_truncation(layout: _Layout, last_id: int, problems: ProblemLog) -> None:
    by_header = layout.next_record_id - 1 - last_id if layout.next_record_id > last_id else 0
    lost = max(layout.partial_records or 0, by_header, 1)
    offset = HEADER_SIZE + layout.whole_chunks * CHUNK_SIZE
    problems.add(
        f"EVTX file is truncated: it ends {layout.partial_bytes} bytes into chunk "
        f"{layout.whole_chunks} (the header declares {layout.declared_chunks} chunks); "
        f"about {lost} records after record {last_id} are lost",
        where=f"byte offset {offset + layout.partial_bytes}",
        hint="copy the log again from its source",
        skipped=lost,
    )


def _chunk_records(err: RuntimeError) -> int:
    found = _CHUNK_IDS.search(str(err))
    if found is None:
        return 1
    first, last = int(found.group(1)), int(found.group(2))
    return last - first + 1 if last >= first else 1


def _chunk_place(err: RuntimeError) -> str:
    found = _CHUNK_IDS.search(str(err))
    return f"records {found.group(1)}..{found.group(2)}" if found else "chunk"


def is_evtx(head: bytes) -> bool:
    return head.startswith(MAGIC)
