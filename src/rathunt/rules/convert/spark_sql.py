"""Spark SQL where-clauses rewritten so DuckDB runs them, to check the spark-sql target here.

The Databricks backend writes Spark SQL: string literals escape with backslashes, regular
expressions are Java's and use the `rlike` operator, and `startswith`/`endswith` are Spark's
names. The rewrite changes only spelling, never meaning: literals are re-quoted the SQL way,
`x rlike 'p'` becomes `regexp_matches(x, 'p')`, and a flag group such as `(?iu)` loses its
`u` (Java's Unicode case folding, which RE2 does anyway). Spark functions with no DuckDB
counterpart (`ip_cidr_contains`) are left as they are, so such a query fails to run and is
reported, not silently changed.
"""

from __future__ import annotations

import re

import duckdb

_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'", re.DOTALL)
_RLIKE = re.compile(r"((?:lower\()?(?:\"(?:[^\"]|\"\")+\"|[\w.]+)\)?)\s+rlike\s+(\x00\d+\x00)")
_TOKEN = re.compile(r"\x00(\d+)\x00")


def register_spark_functions(db: duckdb.DuckDBPyConnection) -> None:
    """Spark's string functions under their Spark names."""
    db.execute("CREATE MACRO IF NOT EXISTS startswith(a, b) AS starts_with(a, b)")
    db.execute("CREATE MACRO IF NOT EXISTS endswith(a, b) AS suffix(a, b)")


def spark_to_duckdb(where: str) -> str:
    """The same condition in DuckDB's dialect (see the module docstring for what changes)."""
    literals: list[str] = []

    def stash(match: re.Match[str]) -> str:
        literals.append(_unescape(match.group(1)))
        return f"\x00{len(literals) - 1}\x00"

    text = _LITERAL.sub(stash, where).replace("`", '"')
    text = _RLIKE.sub(lambda m: f"regexp_matches({m.group(1)}, {m.group(2)})", text)
    return _TOKEN.sub(lambda m: _quote(_java_flags(literals[int(m.group(1))])), text)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "Z": "\x1a"}


def _unescape(body: str) -> str:
    """Spark's literal escapes: control letters, `\\%` and `\\_` kept for LIKE, else the next
    character as it is."""

    def one(match: re.Match[str]) -> str:
        char = match.group(1)
        if char in "%_":
            return "\\" + char
        return _ESCAPES.get(char, char)

    return re.sub(r"\\(.)", one, body, flags=re.DOTALL)


def _java_flags(value: str) -> str:
    """Java's `u` flag (Unicode case folding) is RE2's default; RE2 rejects the letter."""
    match = re.match(r"\(\?([a-z]+)\)", value)
    if match is None or "u" not in match.group(1):
        return value
    flags = match.group(1).replace("u", "")
    return (f"(?{flags})" if flags else "") + value[match.end() :]


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
