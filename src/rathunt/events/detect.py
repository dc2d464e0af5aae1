"""Telling a file's format by its content, and opening it (gzip and text encodings included).

The extension says nothing: a `.json` may be JSON Lines, a `.log` may be EVTX. The first
bytes decide: gzip's magic is undone first, then EVTX's `ElfFile` signature, then a byte
order mark picks the text encoding (PowerShell's `>` writes UTF-16), then the first
non-blank character: `[` a JSON array, `<` Windows event XML, `{` JSON Lines when the first
line is a whole object, else a sequence of (pretty-printed) JSON documents.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from typing import IO, cast

import orjson

from rathunt.errors import InputError, UnknownFormatError

GZIP_MAGIC = b"\x1f\x8b"
EVTX_MAGIC = b"ElfFile\x00"
HEAD_BYTES = 64 * 1024

FORMATS = ("evtx", "json", "jsonl", "xml")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# pcap (both byte orders, micro- and nanosecond) and pcapng: read by rathunt.network, when
# that extra is installed, and never reaching this module then.
_CAPTURE_MAGIC = frozenset(
    {
        b"\xd4\xc3\xb2\xa1",
        b"\xa1\xb2\xc3\xd4",
        b"\x4d\x3c\xb2\xa1",
        b"\xa1\xb2\x3c\x4d",
        b"\x0a\x0d\x0d\x0a",
    }
)


def detect_format(path: str) -> str:
    """The format of a file: `evtx`, `json`, `jsonl` or `xml`, with `.gz` when compressed.

    Raises InputError for an empty or unreadable file and UnknownFormatError for content of
    no format rathunt reads.
    """
    compressed, head = read_head(path)
    kind = format_of(path, head)
    return kind + ".gz" if compressed else kind


def read_head(path: str) -> tuple[bool, bytes]:
    """Whether the file is gzip, and its first (decompressed) bytes."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic != GZIP_MAGIC:
            return False, raw.read(HEAD_BYTES)
        # A decompressor object, unlike GzipFile, hands over what it has of a stream that
        # breaks early; the reader reports the break where it meets it.
        unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            return True, unzip.decompress(raw.read(16 * HEAD_BYTES), HEAD_BYTES)
        except zlib.error as err:
            raise InputError(
                f"gzip data is corrupt at its start: {err}", path=path, where="byte offset 0"
            ) from err


def format_of(path: str, head: bytes) -> str:
    if not head.strip():
        raise InputError(
            "file is empty", path=path, where="byte offset 0", hint="check that the export finished"
        )
    if head.startswith(EVTX_MAGIC):
        return "evtx"
    encoding = text_encoding(head)
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
    first = text[:1]
    if first == "[":
        return "json"
    if first == "<":
        return "xml"
    if first == "{":
        return "jsonl" if _first_line_is_object(text) else "json"
    capture = head[:4] in _CAPTURE_MAGIC
    raise UnknownFormatError(
        f"content is not EVTX, JSON, JSON Lines or event XML (starts with {head[:16]!r})",
        path=path,
        where="byte offset 0",
        hint="a packet capture: install the network extra (pip install 'rathunt[network]')"
        if capture
        else "rathunt reads .evtx files and their JSON or XML exports",
    )


def text_encoding(head: bytes) -> str:
    """The text encoding of a file from its byte order mark; UTF-8 without one."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    return "utf-8"


def open_binary(path: str, compressed: bool) -> IO[bytes]:
    """The file's (decompressed) bytes as a stream."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the returned stream
    if not compressed:
        return raw
    return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))


def open_text(path: str, compressed: bool, encoding: str) -> IO[str]:
    """The file's (decompressed) text as a stream, decoded strictly."""
    return io.TextIOWrapper(
        open_binary(path, compressed), encoding=encoding, errors="strict", newline=""
    )


def _first_line_is_object(text: str) -> bool:
    line, newline, _ = text.partition("\n")
    if not newline and len(text) >= HEAD_BYTES // 4:
        # One very long first line: a JSON Lines record or a one-line document, alike here.
        return True
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False
