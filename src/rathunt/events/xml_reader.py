"""Windows event XML, as `wevtutil qe /f:xml` prints it, streamed and parsed safely.

wevtutil prints `<Event xmlns=...>` elements one after another with no root; saved from
other tools they may sit under an `<Events>` root. The reader feeds the text to the standard
library's pull parser inside a root element of its own, so both shapes parse, and removes
each event's element once it is read, so memory holds one event. A document type
declaration is refused outright: with none, no entity can be defined, so none can expand.

Each `<Event>` becomes the evtx_dump shape (`System` children with `#attributes`, named
`<Data>` by name, unnamed `<Data>` under `Data.#text`, `UserData`'s element as it is) and
goes through the same normalisation as EVTX, so both give the same fields. XML has no
types: data values stay strings, while System numbers become ints as everywhere.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any, cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from rathunt.errors import InputError
from rathunt.events.detect import open_text, text_encoding
from rathunt.events.normalise import normalise_evtx
from rathunt.events.stats import ProblemLog
from rathunt.model import Event, Provenance

WINDOW = 1 << 20
_ROOT = "rathunt-xml-root"
_FORBIDDEN = ("<!DOCTYPE", "<!ENTITY")

# Control characters XML 1.0 cannot hold, even escaped. Event data does carry them (a
# PrivilegeList of "\x0f"), and exporters write them raw; they become U+FFFD.
_CONTROLS = {code: "\ufffd" for code in range(32) if chr(code) not in "\t\n\r"}


def read_xml(
    path: str, compressed: bool, head: bytes, problems: ProblemLog, counts: dict[str, int]
) -> Iterator[Event]:
    """Events of a Windows event XML file."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    parser.feed(f"<{_ROOT}>")
    stack: list[Element] = []
    position = [0]
    first = True
    with open_text(path, compressed, text_encoding(head)) as stream:
        while True:
            try:
                chunk = stream.read(WINDOW)
            except (EOFError, zlib.error, OSError, UnicodeDecodeError) as err:
                problems.add(
                    f"file breaks off: {err}",
                    where=f"element {position[0]}",
                    hint="copy or decompress the file again",
                    skipped=1,
                )
                return
            if first:
                chunk, first = _strip_declaration(chunk), False
            if not chunk:
                parser.feed(f"</{_ROOT}>")
            elif _refuse_dtd(chunk, problems, position[0]):
                return
            else:
                parser.feed(chunk.translate(_CONTROLS))
            try:
                for event in _events(parser, stack, path, position, problems):
                    counts["xml"] = counts.get("xml", 0) + 1
                    yield event
            except ParseError as err:
                line, column = err.position
                problems.add(
                    f"bad XML: {err}; the rest of the file could not be read",
                    where=f"element {position[0]}, line {line} column {column}",
                    skipped=1,
                )
                return
            if not chunk:
                return


def _events(
    parser: XMLPullParser[Element],
    stack: list[Element],
    path: str,
    position: list[int],
    problems: ProblemLog,
) -> Iterator[Event]:
    """The events whose elements the parser has finished; `position[0]` counts elements."""
    for item in parser.read_events():
        kind, element = cast(tuple[str, Element], item)
        if kind == "start":
            stack.append(element)
            continue
        stack.pop()
        if _local(element.tag) != "Event" or (stack and _local(stack[-1].tag) == "Event"):
            continue
        index = position[0]
        position[0] += 1
        if stack:
            stack[-1].remove(element)
        try:
            event = normalise_evtx(event_body(element), Provenance(path, index, "xml-index"))
        except (InputError, KeyError, TypeError, RecursionError) as err:
            problems.add(
                f"XML event could not be normalised: {err}", where=f"element {index}", skipped=1
            )
            continue
        yield event


def event_body(element: Element) -> dict[str, Any]:
    """One `<Event>` element in the evtx_dump JSON shape."""
    body: dict[str, Any] = {}
    for child in element:
        tag = _local(child.tag)
        if tag == "System":
            body["System"] = {_local(item.tag): _value(item) for item in child}
        elif tag in ("EventData", "ProcessingErrorData"):
            body[tag] = _event_data(child)
        elif tag == "UserData":
            body["UserData"] = {_local(item.tag): _tree(item) for item in child}
    if "System" not in body:
        raise InputError("<Event> has no <System> element")
    return body


def _event_data(element: Element) -> dict[str, Any]:
    data: dict[str, Any] = {}
    unnamed: list[str | None] = []
    for item in element:
        tag = _local(item.tag)
        name = item.get("Name")
        if tag == "Data" and name is None:
            unnamed.append(_data_text(item.text))
        elif tag == "Data":
            data[name or tag] = _data_text(item.text)
        else:
            data[tag] = item.text
    if unnamed:
        data["Data"] = {"#text": unnamed if len(unnamed) > 1 else unnamed[0]}
    return data


def _data_text(text: str | None) -> str:
    """A `<Data>` value: empty when absent or only the line breaks of pretty-printing."""
    if text is None or ("\n" in text and not text.strip()):
        return ""
    return text


def _tree(element: Element) -> Any:
    """A UserData element: children by name, leaves as their text."""
    if len(element) == 0:
        return element.text
    return {_local(item.tag): _tree(item) for item in element}


def _value(element: Element) -> Any:
    """A System child as evtx_dump writes it: text, attributes, or both."""
    text = element.text.strip() if element.text else None
    if not element.attrib:
        return text if text else None
    if text:
        return {"#attributes": dict(element.attrib), "#text": text}
    return {"#attributes": dict(element.attrib)}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _strip_declaration(text: str) -> str:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        return stripped[end + 2 :] if end >= 0 else stripped
    return stripped


def _refuse_dtd(chunk: str, problems: ProblemLog, index: int) -> bool:
    for marker in _FORBIDDEN:
        if marker in chunk:
            problems.add(
                "XML with a document type declaration is refused (entity expansion is not allowed)",
                where=f"element {index}",
                hint="export with wevtutil qe /f:xml, which writes none",
                skipped=1,
            )
            return True
    return False
