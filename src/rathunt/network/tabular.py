"""CSV and JSON exports of proxy and firewall logs, read by their column names.

A CSV file's first row names its columns; a JSON file is one object a line, or one array of
objects. Rows go through the proxy or firewall mapping (`PROXY_COLUMNS`,
`FIREWALL_COLUMNS`), so an export from any product whose columns carry those names is read.
CSV cells that a spreadsheet would run as formulas are data here: they are never evaluated
(and report writers neutralise them on the way out).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from rathunt.events.stats import ProblemLog
from rathunt.model import Event
from rathunt.network.firewall import FIREWALL_COLUMNS, firewall_event
from rathunt.network.proxy import PROXY_COLUMNS, map_columns, proxy_event
from rathunt.network.textlog import MAX_LINE, iter_json_objects, open_text

# A JSON array file is parsed whole; bigger ones must be JSON Lines.
MAX_JSON_ARRAY = 64 * 1024 * 1024

KINDS: dict[str, tuple[dict[str, str], Callable[[dict[str, Any], str, int], Event]]] = {
    "proxy": (PROXY_COLUMNS, proxy_event),
    "firewall": (FIREWALL_COLUMNS, firewall_event),
}


def read_csv(path: str, kind: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    """Events of a CSV export whose header row names its columns."""
    columns, to_event = KINDS[kind]
    csv.field_size_limit(MAX_LINE)
    with open_text(path) as stream:
        rows = csv.reader(stream)
        try:
            header = next(rows)
        except (StopIteration, csv.Error):
            return
        names = [name.strip() for name in header]
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as err:
                problems.add(f"bad CSV row: {err}", where=f"line {rows.line_num}", skipped=1)
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                problems.add(
                    f"{len(row)} cells where the header names {len(names)}",
                    where=f"line {rows.line_num}",
                    skipped=1,
                )
                continue
            record = map_columns(dict(zip(names, row, strict=True)), columns)
            counts[f"{kind}-csv"] = counts.get(f"{kind}-csv", 0) + 1
            yield to_event(record, path, rows.line_num)


def read_json(
    path: str, kind: str, problems: ProblemLog, counts: dict[str, int]
) -> Iterator[Event]:
    """Events of JSON Lines, or of one JSON array of objects."""
    columns, to_event = KINDS[kind]
    with open_text(path) as stream:
        first = stream.read(1)
        while first.isspace():
            first = stream.read(1)
        if first == "[":
            yield from _array(path, stream, kind, problems, counts)
            return
        stream.seek(0)
        for number, record in iter_json_objects(stream, problems):
            counts[f"{kind}-json"] = counts.get(f"{kind}-json", 0) + 1
            yield to_event(map_columns(record, columns), path, number)


def _array(
    path: str, stream: Any, kind: str, problems: ProblemLog, counts: dict[str, int]
) -> Iterator[Event]:
    columns, to_event = KINDS[kind]
    text = "[" + stream.read(MAX_JSON_ARRAY)
    if stream.read(1):
        problems.add(
            f"JSON array larger than {MAX_JSON_ARRAY} bytes",
            where="index 0",
            hint="export the log as JSON Lines (one object a line)",
        )
        return
    try:
        records = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        problems.add(f"not JSON: {err}", where="index 0", skipped=1)
        return
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems.add("not a JSON object", where=f"index {index}", skipped=1)
            continue
        counts[f"{kind}-json"] = counts.get(f"{kind}-json", 0) + 1
        yield to_event(map_columns(record, columns), path, index)
