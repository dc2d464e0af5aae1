"""DNS messages and HTTP request heads, decoded from packets and streams into Sigma fields.

DNS goes through dpkt; HTTP heads are parsed here because only the request line and a few
headers are needed, and a partial or hostile head must cost nothing. Field names are those
of Sigma's `dns` and `proxy` log sources (`query`, `answer`, `record_type`; `cs-method`,
`c-uri`, `cs-host`, `c-useragent`...). Every value is attacker text and is bounded.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import dpkt

MAX_VALUE = 2048
MAX_ANSWERS = 32
# Bytes of a request head looked at, and requests parsed per connection.
MAX_HEAD = 16 * 1024
MAX_REQUESTS = 16
METHODS = (b"GET", b"POST", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"CONNECT", b"PATCH")

QTYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
          33: "SRV", 65: "HTTPS", 255: "ANY"}  # fmt: skip
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def bounded(text: str) -> str:
    return text[:MAX_VALUE]


def parse_dns(payload: bytes) -> dpkt.dns.DNS | None:
    """A DNS message, or None when the payload is not one."""
    try:
        message = dpkt.dns.DNS(payload)
    except (dpkt.UnpackError, ValueError, IndexError, UnicodeDecodeError):
        return None
    return message if message.qd else None


def dns_fields(query: dpkt.dns.DNS, response: dpkt.dns.DNS | None) -> dict[str, Any]:
    """Sigma `dns` fields for a query and its response (None when none was seen)."""
    question = query.qd[0]
    fields: dict[str, Any] = {
        "query": bounded(str(question.name)),
        "record_type": QTYPES.get(question.type, str(question.type)),
        "trans_id": query.id,
    }
    if response is None:
        fields["rcode_name"] = None
        fields["answer"] = []
        return fields
    answers = [value for value in (_answer(rr) for rr in response.an[:MAX_ANSWERS]) if value]
    fields["rcode"] = response.rcode
    fields["rcode_name"] = RCODES.get(response.rcode, str(response.rcode))
    fields["answer"] = answers
    return fields


def _answer(rr: Any) -> str | None:
    try:
        if rr.type == 1 and len(rr.rdata) == 4:
            return ".".join(str(b) for b in rr.rdata)
        if rr.type == 28 and len(rr.rdata) == 16:
            return str(ipaddress.IPv6Address(bytes(rr.rdata)))
        if rr.type in (2, 5, 12):
            return bounded(
                str(
                    getattr(rr, "cname", "")
                    or getattr(rr, "ptrname", "")
                    or getattr(rr, "nsname", "")
                )
            )
        if rr.type == 16:
            texts = getattr(rr, "text", []) or []
            return bounded(
                " ".join(
                    t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in texts
                )
            )
    except (AttributeError, ValueError, TypeError):
        return None
    return None


@dataclass(slots=True)
class HttpSniffer:
    """A reassembly sink for a client stream: the heads of its first HTTP requests."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    _buffer: bytearray = field(default_factory=bytearray)
    _skip: int = 0
    _given_up: bool = False
    _times: list[float] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self._given_up

    def feed(self, data: bytes, time: float) -> None:
        if self._given_up:
            return
        if self._skip:
            cut = min(self._skip, len(data))
            self._skip -= cut
            data = data[cut:]
        self._buffer += data
        while self._buffer and not self._given_up:
            if not _starts_with_method(self._buffer):
                self._stop()
                return
            end = self._buffer.find(b"\r\n\r\n", 0, MAX_HEAD)
            if end < 0:
                if len(self._buffer) >= MAX_HEAD:
                    self._stop()
                return
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            self._request(head, time)

    def gap(self, size: int) -> None:
        self._stop()

    def _request(self, head: bytes, time: float) -> None:
        request = parse_request_head(head)
        if request is None:
            self._stop()
            return
        request["_time"] = time
        self.requests.append(request)
        body = request.pop("_body", 0)
        if body < 0 or len(self.requests) >= MAX_REQUESTS:
            self._stop()
            return
        cut = min(body, len(self._buffer))
        del self._buffer[:cut]
        self._skip = body - cut

    def _stop(self) -> None:
        self._given_up = True
        self._buffer.clear()


def _starts_with_method(buffer: bytearray) -> bool:
    head = bytes(buffer[:8])
    return any(head.startswith(m + b" ") or (m + b" ").startswith(head) for m in METHODS)


def parse_request_head(head: bytes) -> dict[str, Any] | None:
    """Proxy fields of one request head; `_body` is the body length to skip (-1: unknown)."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return None
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:64]:
        name, colon, value = line.partition(":")
        if colon:
            headers.setdefault(name.strip().lower(), bounded(value.strip()))
    fields = request_fields(method, target, headers.get("host"))
    fields["cs-version"] = version
    fields["c-useragent"] = headers.get("user-agent")
    fields["cs-referrer"] = headers.get("referer")
    fields["cs-cookie"] = headers.get("cookie")
    length = headers.get("content-length", "0")
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    fields["_body"] = -1 if chunked or not length.isdigit() else int(length)
    return fields


def request_fields(method: str, target: str, host: str | None) -> dict[str, Any]:
    """`cs-method`, `c-uri` (as requested), its stem, query and extension, and `cs-host`."""
    target = bounded(target)
    split = urlsplit(target if "://" in target or not target.startswith("/") else "//x" + target)
    path = split.path if "://" in target or target.startswith("/") else ""
    if method == "CONNECT":
        path = ""
        host = host or target
    if host and host.count(":") == 1:
        host = host.split(":", 1)[0]
    name = path.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[1].lower() if "." in name else None
    return {
        "cs-method": bounded(method),
        "c-uri": target,
        "c-uri-stem": path,
        "c-uri-query": split.query or None,
        "c-uri-extension": extension,
        "cs-host": bounded(host or split.hostname or "") or None,
    }


@dataclass(slots=True)
class HttpStatus:
    """A reassembly sink for a server stream: the status codes of its first HTTP responses."""

    statuses: list[int] = field(default_factory=list)
    _buffer: bytearray = field(default_factory=bytearray)
    _skip: int = 0
    _given_up: bool = False

    @property
    def done(self) -> bool:
        return self._given_up

    def feed(self, data: bytes, time: float) -> None:
        if self._skip:
            cut = min(self._skip, len(data))
            self._skip -= cut
            data = data[cut:]
        self._buffer += data
        while self._buffer and not self._given_up:
            if not b"HTTP/".startswith(bytes(self._buffer[:5])):
                self._stop()
                return
            end = self._buffer.find(b"\r\n\r\n", 0, MAX_HEAD)
            if end < 0:
                if len(self._buffer) >= MAX_HEAD:
                    self._stop()
                return
            head = bytes(self._buffer[:end]).decode("latin-1")
            del self._buffer[: end + 4]
            self._response(head)

    def gap(self, size: int) -> None:
        self._stop()

    def _response(self, head: str) -> None:
        parts = head.split("\r\n", 1)[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            self._stop()
            return
        self.statuses.append(int(parts[1]))
        length = ""
        for line in head.split("\r\n")[1:64]:
            name, _colon, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = value.strip()
            elif name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                length = "chunked"
        if not length.isdigit() or len(self.statuses) >= MAX_REQUESTS:
            self._stop()
            return
        cut = min(int(length), len(self._buffer))
        del self._buffer[:cut]
        self._skip = int(length) - cut

    def _stop(self) -> None:
        self._given_up = True
        self._buffer.clear()
