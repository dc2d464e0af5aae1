"""JSON telemetry, streamed: JSON Lines, one JSON array, or a sequence of JSON documents.

JSON Lines is read a line at a time with orjson; a bad line costs that line only. An array or
a run of pretty-printed documents (what `evtx_dump -o json` writes) is read through a sliding
text window with the standard library's incremental decoder, so memory holds one window and
one record, never the file. After a bad document the reader looks for the next line that
opens a record at the same indentation as the first one, and goes on from there.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from typing import IO, Any

import orjson

from rathunt.errors import InputError, NotTelemetryError
from rathunt.events.detect import open_binary, open_text, text_encoding
from rathunt.events.normalise import NotAnEvent, normalise
from rathunt.events.stats import ProblemLog
from rathunt.model import Event, Provenance

WINDOW = 1 << 20
_BLANK = re.compile(r"[ \t\r\n\ufeff]*")
_STREAM_ERRORS = (EOFError, zlib.error, OSError, UnicodeDecodeError)


def read_json_lines(
    path: str, compressed: bool, head: bytes, problems: ProblemLog, counts: dict[str, int]
) -> Iterator[Event]:
    """Events of a JSON Lines file, one record per line."""
    encoding = text_encoding(head)
    stream: IO[Any]
    if encoding == "utf-8":
        stream = open_binary(path, compressed)
    else:
        stream = open_text(path, compressed, encoding)
    number = 0
    lead = _Lead()
    with stream:
        lines: Iterator[bytes | str] = iter(stream)
        try:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                event = _line_event(path, number, line, problems, counts, lead)
                if event is not None:
                    yield event
        except _STREAM_ERRORS as err:
            problems.add(
                f"file breaks off: {err}",
                where=f"after line {number}",
                hint="copy or decompress the file again",
                skipped=1,
            )
    lead.close(path, problems)


def _line_event(
    path: str,
    number: int,
    line: bytes | str,
    problems: ProblemLog,
    counts: dict[str, int],
    lead: _Lead,
) -> Event | None:
    if number == 1 and isinstance(line, bytes) and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as err:
        problems.add(f"bad JSON line skipped: {err}", where=f"line {number}", skipped=1)
        return None
    return _event(record, Provenance(path, number, "jsonl-line"), problems, counts, lead)


def read_json_documents(
    path: str, compressed: bool, head: bytes, problems: ProblemLog, counts: dict[str, int]
) -> Iterator[Event]:
    """Events of a JSON array or of a sequence of JSON documents."""
    with open_text(path, compressed, text_encoding(head)) as stream:
        window = _Window(stream)
        lead = _Lead()
        try:
            yield from _documents(path, window, problems, counts, lead)
        except _STREAM_ERRORS as err:
            problems.add(
                f"file breaks off: {err}",
                where=f"line {window.line}",
                hint="copy or decompress the file again",
                skipped=1,
            )
        lead.close(path, problems)


def _documents(
    path: str, window: _Window, problems: ProblemLog, counts: dict[str, int], lead: _Lead
) -> Iterator[Event]:
    window.skip_blank()
    in_array = window.peek() == "["
    if in_array:
        window.advance(1)
    index = 0
    indent: str | None = None
    decoder = json.JSONDecoder()

    while True:
        window.skip_blank()
        char = window.peek()
        if in_array and char == ",":
            window.advance(1)
            continue
        if char == "" or (in_array and char == "]"):
            return
        if indent is None:
            indent = window.indent()

        start_line = window.line
        provenance = (
            Provenance(path, index, "json-index")
            if in_array
            else Provenance(path, start_line, "jsonl-line")
        )
        index += 1
        record = window.decode(decoder)
        if isinstance(record, json.JSONDecodeError):
            where = f"index {provenance.record}" if in_array else f"line {start_line}"
            if not window.resync(indent):
                problems.add(
                    f"bad JSON document: {record.msg}; the rest of the file could not be read",
                    where=where,
                    skipped=1,
                )
                return
            problems.add(f"bad JSON document skipped: {record.msg}", where=where, skipped=1)
            continue
        event = _event(record, provenance, problems, counts, lead)
        if event is not None:
            yield event


def _event(
    record: object,
    provenance: Provenance,
    problems: ProblemLog,
    counts: dict[str, int],
    lead: _Lead,
) -> Event | None:
    """The record's event; a file that starts with no event at all is not telemetry."""
    try:
        event, layout = normalise(record, provenance)
    except NotAnEvent as err:
        lead.hold(err, provenance.path, problems)
        return None
    except InputError as err:
        problems.add(err.message, where=err.where, hint=err.hint, skipped=1)
        return None
    lead.settle(problems)
    counts[layout] = counts.get(layout, 0) + 1
    return event


class _Lead:
    """Records before a file's first event that are no event in any layout.

    A file whose first LEAD_RECORDS records (or all of them) are such records is JSON but not
    telemetry (a labels file, a manifest), told apart from telemetry with a stray header line:
    once an event follows, the held records are reported as skipped, one by one.
    """

    __slots__ = ("held", "open")

    def __init__(self) -> None:
        self.held: list[InputError] = []
        self.open = True

    def hold(self, err: InputError, path: str, problems: ProblemLog) -> None:
        if not self.open:
            problems.add(err.message, where=err.where, hint=err.hint, skipped=1)
            return
        self.held.append(err)
        if len(self.held) >= LEAD_RECORDS:
            self._not_telemetry(path)

    def settle(self, problems: ProblemLog) -> None:
        if self.open:
            self.open = False
            for err in self.held:
                problems.add(err.message, where=err.where, hint=err.hint, skipped=1)
            self.held.clear()

    def close(self, path: str, problems: ProblemLog) -> None:
        """At the end of the file: held records with no event after them mean no telemetry."""
        if self.open and self.held:
            self._not_telemetry(path)

    def _not_telemetry(self, path: str) -> None:
        first = self.held[0]
        raise NotTelemetryError(
            f"JSON, but its first {len(self.held)} record(s) are no event in any layout "
            "rathunt reads (evtx_dump, Winlogbeat/ECS, flat Sigma fields)",
            path=path,
            where=first.where,
            hint=first.hint,
        )


# Leading non-event records after which a JSON file is taken for no telemetry at all.
LEAD_RECORDS = 8


class _Window:
    """A sliding window of text over a stream, tracking the line number at its cursor."""

    __slots__ = ("_stream", "eof", "line", "pos", "text")

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.text = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.fill()

    def fill(self) -> None:
        """Drop what was read and append the next piece of the stream."""
        if self.eof:
            return
        chunk = self._stream.read(WINDOW)
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        if not chunk:
            self.eof = True

    def peek(self) -> str:
        if self.pos >= len(self.text):
            self.fill()
        return self.text[self.pos : self.pos + 1]

    def advance(self, count: int) -> None:
        end = self.pos + count
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def skip_blank(self) -> None:
        while True:
            end = _BLANK.match(self.text, self.pos).end()  # type: ignore[union-attr]
            self.advance(end - self.pos)
            if self.pos < len(self.text) or self.eof:
                return
            self.fill()

    def indent(self) -> str:
        """The blanks before the cursor on its line: how deep records start."""
        line_start = self.text.rfind("\n", 0, self.pos) + 1
        return self.text[line_start : self.pos]

    def decode(self, decoder: json.JSONDecoder) -> object:
        """The document at the cursor, or the JSONDecodeError that ends it."""
        if len(self.text) - self.pos < WINDOW // 2:
            self.fill()
        last: tuple[int, str] | None = None
        while True:
            try:
                record, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as err:
                seen = (err.pos - self.pos, err.msg)
                if self.eof or seen == last:
                    return err
                # Maybe only cut off by the window's end: widen it once and see.
                last = seen
                self._widen()
                continue
            except (ValueError, RecursionError) as err:
                # Hostile documents: an integer of thousands of digits, nesting past the
                # interpreter's depth. Both are bad documents, not reasons to stop.
                return json.JSONDecodeError(f"unreadable value ({err})", self.text, self.pos)
            self.advance(end - self.pos)
            return record

    def resync(self, indent: str) -> bool:
        """Move to the next line that opens a record at `indent`; False at the end."""
        marker = "\n" + indent + "{"
        self.advance(1)
        while True:
            found = self.text.find(marker, self.pos)
            if found >= 0:
                self.advance(found + 1 + len(indent) - self.pos)
                return True
            if self.eof:
                self.advance(len(self.text) - self.pos)
                return False
            keep = max(len(self.text) - len(marker), self.pos)
            self.advance(keep - self.pos)
            self.fill()

    def _widen(self) -> None:
        chunk = self._stream.read(WINDOW)
        if not chunk:
            self.eof = True
        self.text += chunk
