"""W3C extended log files: the `#Fields:` header names the space-separated columns.

Web proxies (Blue Coat ProxySG, Microsoft TMG/Forefront, IIS-style exports) and Windows
Firewall (`pfirewall.log`) write this layout. Values with blanks are double-quoted; `-` means
no value. The proxy and firewall readers turn the records into their Sigma fields.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator

from rathunt.events.stats import ProblemLog
from rathunt.network.textlog import iter_lines, open_text

Record = dict[str, str | None]


def read_w3c(path: str, problems: ProblemLog) -> Iterator[tuple[int, Record, dict[str, str]]]:
    """(line number, record by field name, header directives) for every data line."""
    names: list[str] = []
    directives: dict[str, str] = {}
    with open_text(path) as stream:
        for number, line in iter_lines(stream, problems):
            if line.startswith("#"):
                key, _colon, value = line[1:].partition(":")
                directives[key.strip().lower()] = value.strip()
                if key.strip().lower() == "fields":
                    names = value.split()
                continue
            if not line.strip():
                continue
            values = split_values(line)
            if values is None or not names or len(values) != len(names):
                problems.add(
                    f"{'unbalanced quotes' if values is None else f'{len(values)} values'} "
                    f"where #Fields names {len(names)}",
                    where=f"line {number}",
                    hint="check the #Fields line",
                    skipped=1,
                )
                continue
            record = {
                name: None if value == "-" else value
                for name, value in zip(names, values, strict=True)
            }
            yield number, record, directives


def split_values(line: str) -> list[str] | None:
    """A W3C line's values; quoted values keep their blanks. None when quotes do not close."""
    if '"' not in line:
        return line.split()
    try:
        lexer = shlex.shlex(line, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        lexer.escape = ""
        lexer.quotes = '"'
        return list(lexer)
    except ValueError:
        return None


def w3c_time(record: Record) -> str | None:
    """ISO text of the record's `date` and `time` columns (W3C times are UTC)."""
    date, time = record.get("date"), record.get("time")
    if date and time:
        return f"{date}T{time}"
    return date or time
