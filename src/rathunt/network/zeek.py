"""Zeek `conn.log`, `dns.log` and `http.log`, in Zeek's TSV and JSON forms.

Events keep Zeek's own field names, which are what SigmaHQ's `product: zeek` rules use
(`id.orig_h`, `id.resp_p`, `query`, `qtype_name`, `uri`, `user_agent`...), and gain the names
of the matching Sigma category: dns events the `dns` names (`answer`, `record_type`), http
events the `proxy` names (`cs-method`, `c-uri`, `cs-host`, `c-useragent`...), every event
`src_ip`, `src_port`, `dst_ip`, `dst_port`. Other Zeek logs are read with their own service
name and only these endpoint aliases.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rathunt.events.stats import ProblemLog
from rathunt.model import Event, LogSource
from rathunt.network.textlog import (
    iter_json_objects,
    iter_lines,
    make_event,
    open_text,
    parse_time,
    to_int,
)
from rathunt.network.wire import request_fields

CATEGORIES = {"dns": ("dns",), "http": ("proxy",)}
NUMERIC = {"count", "int", "port"}
DECIMAL = {"double", "interval", "time"}


def source_for(path_name: str) -> LogSource:
    """The Sigma log source of a Zeek log by its `#path` (`conn`, `dns`, `http`, ...)."""
    return LogSource(product="zeek", service=path_name, categories=CATEGORIES.get(path_name, ()))


def read_zeek_tsv(path: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    """Events of a Zeek TSV log; the header's separators, unset and empty markers are used."""
    meta = {"separator": "\t", "set_separator": ",", "empty_field": "(empty)", "unset_field": "-"}
    names: list[str] = []
    types: list[str] = []
    log_path = "unknown"
    with open_text(path) as stream:
        for number, line in iter_lines(stream, problems):
            if line.startswith("#"):
                split = " " if line.startswith("#separator") else meta["separator"]
                key, _sep, value = line[1:].partition(split)
                if key == "separator":
                    meta["separator"] = value.encode().decode("unicode_escape")
                elif key in meta:
                    meta[key] = value
                elif key == "path":
                    log_path = value
                elif key == "fields":
                    names = value.split(meta["separator"])
                elif key == "types":
                    types = value.split(meta["separator"])
                continue
            if not line:
                continue
            values = line.split(meta["separator"])
            if not names or len(values) != len(names):
                problems.add(
                    f"{len(values)} columns where the header names {len(names)}",
                    where=f"line {number}",
                    hint="check the #fields line",
                    skipped=1,
                )
                continue
            record = {
                name: _tsv_value(value, kind, meta)
                for name, value, kind in zip(names, values, types or [""] * len(names), strict=True)
            }
            counts["zeek-tsv"] = counts.get("zeek-tsv", 0) + 1
            yield zeek_event(record, log_path, path, number)


def _tsv_value(value: str, kind: str, meta: dict[str, str]) -> Any:
    if value == meta["unset_field"]:
        return None
    if kind.startswith(("set[", "vector[")):
        if value == meta["empty_field"]:
            return []
        inner = kind[kind.index("[") + 1 : -1]
        return [_scalar(v, inner) for v in value.split(meta["set_separator"])]
    if value == meta["empty_field"]:
        return ""
    return _scalar(value, kind)


def _scalar(value: str, kind: str) -> Any:
    if kind in NUMERIC:
        number = to_int(value)
        return value if number is None else number
    if kind in DECIMAL:
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "bool":
        return value == "T"
    return value


def read_zeek_json(path: str, problems: ProblemLog, counts: dict[str, int]) -> Iterator[Event]:
    """Events of a Zeek JSON log (one object a line); the log kind comes from `_path`, the
    file name, or the fields present."""
    default = _path_of_file(path)
    with open_text(path) as stream:
        for number, record in iter_json_objects(stream, problems):
            kind = str(record.get("_path") or default or _path_of_fields(record))
            counts["zeek-json"] = counts.get("zeek-json", 0) + 1
            yield zeek_event(record, kind, path, number)


def _path_of_file(path: str) -> str | None:
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for kind in ("conn", "dns", "http"):
        if name.startswith(kind + ".") or name.startswith(kind + "_"):
            return kind
    return None


def _path_of_fields(record: dict[str, Any]) -> str:
    if "query" in record or "qtype_name" in record:
        return "dns"
    if "method" in record or "uri" in record:
        return "http"
    if "conn_state" in record:
        return "conn"
    return "unknown"


def zeek_event(record: dict[str, Any], kind: str, path: str, line: int) -> Event:
    """A Zeek record with the Sigma aliases of its log kind."""
    fields = dict(record)
    fields["src_ip"] = record.get("id.orig_h")
    fields["src_port"] = to_int(record.get("id.orig_p"))
    fields["dst_ip"] = record.get("id.resp_h")
    fields["dst_port"] = to_int(record.get("id.resp_p"))
    if kind == "dns":
        answers = record.get("answers")
        fields["answer"] = (
            answers if isinstance(answers, list) else [] if answers is None else [answers]
        )
        fields["record_type"] = record.get("qtype_name")
    elif kind == "http":
        method = str(record.get("method") or "")
        fields.update(request_fields(method, str(record.get("uri") or ""), record.get("host")))
        fields["c-useragent"] = record.get("user_agent")
        fields["cs-referrer"] = record.get("referrer")
        fields["sc-status"] = record.get("status_code")
        fields["cs-version"] = record.get("version")
    return make_event(fields, source_for(kind), path, line, parse_time(record.get("ts")))
