"""Cutting one direction of an njRAT connection into messages, byte by byte as they arrive.

njRAT 0.7d and its forks frame every message as `<decimal length>\\0<payload>`; builds before
0.7 send `<payload>[endof]` instead. A `Framer` is a reassembly sink: it hands each message to
`on_message` as it completes (without one, it keeps the first `max_messages`). It keeps only
the head of each message (enough to decode commands and check-in fields), skips the rest of a
long one, and when the framing breaks (a gap in the capture, an absurd length, bytes that are
no header) it looks ahead for the next plausible message instead of giving up, recording each
break as an anomaly. A stream whose first bytes fit neither form, and that shows no message
within `PROBE_BYTES`, is declared foreign and no longer buffered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Bytes kept of each message's payload; check-ins are ~150-400 bytes.
HEAD_BYTES = 4096
# Largest length believed; njRAT sends files and plugins of a few MB at most.
MAX_LENGTH = 64 * 1024 * 1024
# Longest pre-0.7 message buffered while waiting for its `[endof]`.
MAX_LEGACY = 64 * 1024
# A stream that gave no message in its first this many bytes is not njRAT.
PROBE_BYTES = 64 * 1024
# Bytes searched for a message after the framing broke, before giving up on the stream.
RESYNC_BYTES = 1024 * 1024
# Longest length header looked at: 9 digits are real, up to 23 are read to report them.
HEADER_BYTES = 24
# Anomalies kept per direction; later ones are only counted.
MAX_ANOMALIES = 20

LEGACY_END = b"[endof]"
SEPARATOR = b"|'|'|"
RESYNC = re.compile(rb"(\d{1,23})\x00([A-Za-z~]{1,24})\|'\|'\||(lv|ll)\|'\|'\|")


@dataclass(slots=True)
class Message:
    """One message's head: `length` as claimed (None when absurd), `complete` when the whole
    payload was seen, `form` `framed` or `legacy`."""

    data: bytes
    time: float
    length: int | None
    form: str
    complete: bool = True
    offset: int = 0


@dataclass(slots=True)
class Framer:
    """A reassembly sink that turns one direction's bytes into `Message`s."""

    messages: list[Message] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    anomaly_count: int = 0
    seen: int = 0
    max_messages: int = 256
    message_count: int = 0
    on_message: Callable[[Message], None] | None = None
    _state: str = "start"
    _buffer: bytearray = field(default_factory=bytearray)
    _remaining: int = 0
    _head: Message | None = None
    _lost_bytes: int = 0
    _given_up: bool = False

    @property
    def done(self) -> bool:
        return self._given_up

    def feed(self, data: bytes, time: float) -> None:
        """Bytes in order; complete messages are appended to `messages`."""
        start = self.seen
        self.seen += len(data)
        self._buffer += data
        self._run(time, start)
        if self.message_count == 0 and self.seen > PROBE_BYTES:
            self._given_up = True
            self._buffer.clear()

    def gap(self, size: int) -> None:
        """Bytes missing from the capture: a long message absorbs them, else resync."""
        self.seen += size
        if self._state == "body" and size <= self._remaining:
            self._remaining -= size
            if self._head is not None:
                self._head.complete = False
            return
        self._anomaly(f"{size} bytes missing from the capture at byte {self.seen - size}")
        if self._head is not None:
            self._head.complete = False
        self._flush_head()
        self._lose()

    def close(self) -> None:
        """End of stream: a message cut short is kept as incomplete."""
        if self._head is not None:
            self._head.complete = False
            self._flush_head()

    def _run(self, time: float, start: int) -> None:
        while self._buffer and not self._given_up:
            before = len(self._buffer)
            state = self._state
            if state == "start":
                self._start()
            elif state == "header":
                self._header(time)
            elif state == "body":
                self._body()
            elif state == "legacy":
                self._legacy(time)
            else:
                self._resync(time)
            if len(self._buffer) == before and self._state == state:
                return

    def _start(self) -> None:
        first = self._buffer[:1]
        if first.isdigit():
            self._state = "header"
        elif bytes(self._buffer[:3]) in (b"lv|", b"ll|", b"P[e"):
            self._state = "legacy"
        elif len(self._buffer) >= 3:
            self._anomaly(f"no message header at byte {self.seen - len(self._buffer)}")
            self._lose()

    def _header(self, time: float) -> None:
        end = self._buffer.find(b"\x00", 0, HEADER_BYTES)
        if end < 0:
            if len(self._buffer) >= HEADER_BYTES or not bytes(self._buffer).isdigit():
                self._anomaly(f"no length header at byte {self.seen - len(self._buffer)}")
                self._lose()
            return
        digits = bytes(self._buffer[:end])
        if not digits.isdigit():
            self._anomaly(f"bad length header {digits[:16]!r}")
            self._lose()
            return
        length = int(digits)
        offset = self.seen - len(self._buffer)
        del self._buffer[: end + 1]
        if length > MAX_LENGTH:
            self._anomaly(f"absurd message length {length} at byte {offset}")
            self._emit(Message(bytes(self._buffer[:HEAD_BYTES]), time, None, "framed", False))
            separator = self._buffer.find(b"|'|'|", 0, HEAD_BYTES)
            del self._buffer[: separator + 5 if separator >= 0 else 1]
            self._lose()
            return
        self._head = Message(b"", time, length, "framed", True, offset)
        self._remaining = length
        self._state = "body"
        if length == 0:
            self._flush_head()

    def _body(self) -> None:
        assert self._head is not None
        take = min(self._remaining, len(self._buffer))
        room = HEAD_BYTES - len(self._head.data)
        if room > 0:
            self._head.data += bytes(self._buffer[: min(take, room)])
        del self._buffer[:take]
        self._remaining -= take
        if self._remaining == 0:
            self._flush_head()

    def _legacy(self, time: float) -> None:
        end = self._buffer.find(LEGACY_END)
        if end < 0:
            if len(self._buffer) > MAX_LEGACY:
                self._anomaly(f"legacy message without [endof] in {MAX_LEGACY} bytes")
                self._lose()
            return
        offset = self.seen - len(self._buffer)
        self._emit(
            Message(bytes(self._buffer[: min(end, HEAD_BYTES)]), time, end, "legacy", True, offset)
        )
        del self._buffer[: end + len(LEGACY_END)]
        self._state = "start"

    def _resync(self, time: float) -> None:
        # Every resync point holds the separator; looking for it first is far cheaper.
        match = RESYNC.search(self._buffer) if SEPARATOR in self._buffer else None
        if match is None:
            keep = self._buffer[-64:]
            self._lost_bytes += len(self._buffer) - len(keep)
            self._buffer[:] = keep
            if self._lost_bytes > RESYNC_BYTES:
                self._given_up = True
                self._buffer.clear()
            return
        self._lost_bytes += match.start()
        del self._buffer[: match.start()]
        self._state = "legacy" if match.group(3) else "header"
        if match.group(3) is None:
            digits = match.group(1)
            if len(digits) > 9:
                del self._buffer[: len(digits) - 9]

    def _flush_head(self) -> None:
        if self._head is not None:
            self._emit(self._head)
        self._head = None
        self._state = "start" if self._state in ("body", "header") else self._state

    def _emit(self, message: Message) -> None:
        self.message_count += 1
        if self.on_message is not None:
            self.on_message(message)
        elif len(self.messages) < self.max_messages:
            self.messages.append(message)

    def _lose(self) -> None:
        self._state = "lost"
        self._remaining = 0

    def _anomaly(self, text: str) -> None:
        self.anomaly_count += 1
        if len(self.anomalies) < MAX_ANOMALIES:
            self.anomalies.append(text)
