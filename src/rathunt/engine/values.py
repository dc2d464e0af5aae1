"""Value tests: one compiled Sigma value, asked whether one event value matches it.

Every test takes the raw event value (never a list: the caller iterates lists) and the event's
fields (for field references). String comparisons are case-insensitive unless the rule says
`cased`; both sides are case-folded once. Each test also states its prefilter needles: text
that must occur in the case-folded value for the test to match, or None when it cannot say.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import re2
import regex as backtracking

from rathunt.engine.needles import regex_needles
from rathunt.model import FieldValue

# Patterns the linear-time engine refuses (lookarounds, backreferences) run on the `regex`
# package's backtracking engine, over the whole value, with this time limit per search: an
# attacker's value can make such a pattern backtrack for ever, so a search that runs out of
# time counts as an evaluation problem (named with its record) and as no match.
FALLBACK_REGEX_SECONDS = 0.1
# After this many searches run out of time, a pattern is not searched again in this run: each
# later evaluation fails at once (still counted), so hostile values cannot add 0.1 s each.
FALLBACK_REGEX_TIMEOUTS = 5

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.dot_nl = False


def as_text(value: FieldValue) -> str | None:
    """The text form Sigma compares strings against; None for values that have none."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None or isinstance(value, dict | list | tuple):
        return None
    try:
        return str(value)
    except Exception:  # a foreign object without a text form compares as having none
        return None


def as_number(value: FieldValue) -> int | float | None:
    """The number an event value stands for (ints, floats, decimal numeric strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            return None
        try:
            return int(text, 10)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


class ValueTest:
    """A compiled value; subclasses say how an event value meets it."""

    # Substrings of the case-folded text one of which must occur for a match; None: unknown.
    needles: tuple[str, ...] | None = None
    # Numbers one of which the value must equal for a match (numeric prefilter).
    numbers: tuple[int | float, ...] | None = None
    # Other fields this test reads (field references).
    refers_to: tuple[str, ...] = ()

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        raise NotImplementedError


@dataclass(slots=True)
class TextTest(ValueTest):
    """A Sigma string: exact, prefix, suffix, contains, or a wildcard pattern."""

    kind: str  # "exact" | "prefix" | "suffix" | "contains" | "any" | "stars" | "glob"
    literal: str
    cased: bool
    needles: tuple[str, ...] | None
    pattern: Any = None  # compiled re2 pattern for "glob"
    # For "stars" (literals between `*` wildcards, no `?`): the literals in order, and
    # whether the first and the last are anchored to the ends of the value.
    parts: tuple[str, ...] = ()
    anchored: tuple[bool, bool] = (False, False)

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        text = as_text(value)
        if text is None:
            return False
        return self.match_folded(text if self.cased else text.casefold())

    def match_folded(self, text: str) -> bool:
        """Match text already case-folded (unless the test is cased)."""
        kind = self.kind
        if kind == "exact":
            return text == self.literal
        if kind == "contains":
            return self.literal in text
        if kind == "suffix":
            return text.endswith(self.literal)
        if kind == "prefix":
            return text.startswith(self.literal)
        if kind == "any":
            return True
        if kind == "stars":
            return _match_stars(text, self.parts, self.anchored)
        return self.pattern.search(text) is not None


def _match_stars(text: str, parts: tuple[str, ...], anchored: tuple[bool, bool]) -> bool:
    """A `*`-only wildcard: each literal found in order, leftmost first, which is exact for
    such patterns and needs no regex engine."""
    start, end = 0, len(text)
    first, last = 0, len(parts)
    if anchored[0]:
        if not text.startswith(parts[0]):
            return False
        start, first = len(parts[0]), 1
    if anchored[1]:
        if first >= last and anchored[0]:
            return text == parts[0]
        if not text.endswith(parts[-1]) or end - len(parts[-1]) < start:
            return False
        end, last = end - len(parts[-1]), last - 1
    for part in parts[first:last]:
        found = text.find(part, start, end)
        if found < 0:
            return False
        start = found + len(part)
    return True


def compile_text(parts: list[str | None], cased: bool) -> TextTest:
    """Compile string parts (None is `*`, "\\0?" marks `?`) into the cheapest test."""
    fold = (lambda s: s) if cased else str.casefold
    stars = [i for i, p in enumerate(parts) if p is None]
    singles = any(p == _SINGLE for p in parts)
    literals = [fold(p) for p in parts if p is not None and p != _SINGLE]
    longest = max(literals, key=len, default="")
    needles = (longest.casefold(),) if longest else None

    if not singles:
        inner = [p for p in parts if p is not None]
        literal = fold("".join(inner))
        if not stars:
            return TextTest("exact", literal, cased, (literal.casefold(),) if literal else None)
        if len(inner) == 0:
            return TextTest("any", "", cased, None)
        if len(inner) == 1:
            first_star, last_star = parts[0] is None, parts[-1] is None
            simple = {(True, True): "contains", (False, True): "prefix", (True, False): "suffix"}
            kind = simple.get((first_star, last_star))
            star_count_ok = len(stars) == int(first_star) + int(last_star)
            if kind and star_count_ok:
                return TextTest(kind, literal, cased, needles)
        return _stars(parts, fold, cased, needles)

    regex = ["^"]
    for part in parts:
        if part is None:
            regex.append(".*")
        elif part == _SINGLE:
            regex.append(".")
        else:
            regex.append(re2.escape(fold(part)))
    regex.append("$")
    pattern = re2.compile("(?s)" + "".join(regex), options=_RE2_OPTIONS)
    return TextTest("glob", "", cased, needles, pattern)


def _stars(
    parts: list[str | None], fold: Any, cased: bool, needles: tuple[str, ...] | None
) -> TextTest:
    """Literals between `*` wildcards (adjacent literals joined, repeated stars merged)."""
    parts = [part for part in parts if part != ""]
    literals: list[str] = []
    joined = ""
    for part in parts:
        if part is None:
            if joined:
                literals.append(joined)
            joined = ""
        else:
            joined += fold(part)
    if joined:
        literals.append(joined)
    if not literals:
        return TextTest("any", "", cased, None)
    anchored = (parts[0] is not None, parts[-1] is not None)
    return TextTest("stars", "", cased, needles, parts=tuple(literals), anchored=anchored)


# Marker for Sigma's single-character wildcard inside compiled parts.
_SINGLE = "\0?"
SINGLE = _SINGLE


@dataclass(slots=True)
class RegexTest(ValueTest):
    """A regular expression, searched (unanchored) in the value's text, case-sensitive."""

    source: str
    pattern: Any
    bounded: bool  # True when the backtracking fallback engine runs it, under a time limit
    needles: tuple[str, ...] | None
    # Literals one of which every match holds, however short: a `in` test on them spares
    # most regex calls even where they are too short for the prefilter (a backtick, `0x`).
    guard: tuple[str, ...] | None = None
    timeouts: int = 0

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        text = as_text(value)
        if text is None:
            return False
        if self.guard:
            # A literal every match contains, checked first: far cheaper than a regex call.
            folded = text.casefold()
            if not any(needle in folded for needle in self.guard):
                return False
        if not self.bounded:
            return self.pattern.search(text) is not None
        if self.timeouts >= FALLBACK_REGEX_TIMEOUTS:
            raise ValueError(
                f"regex {self.source!r} is no longer searched: it ran out of time "
                f"{self.timeouts} times in this run"
            )
        try:
            return self.pattern.search(text, timeout=FALLBACK_REGEX_SECONDS) is not None
        except TimeoutError as error:
            self.timeouts += 1
            raise ValueError(
                f"regex {self.source!r} ran past {FALLBACK_REGEX_SECONDS} s on a value of "
                f"{len(text)} characters (catastrophic backtracking)"
            ) from error


# Characters found in nearly every path or command line: alone, no use as a needle.
_COMMON_CHARACTERS = frozenset(" \\/.-_:,;'\"=()[]%") | frozenset(
    "abcdefghijklmnopqrstuvwxyz0123456789"
)


def _rare(needles: tuple[str, ...] | None) -> bool:
    return bool(needles) and all(
        len(needle) >= 2 or needle not in _COMMON_CHARACTERS for needle in needles or ()
    )


def compile_regex(source: str, flags: str) -> tuple[RegexTest, str | None]:
    """Compile with the linear-time engine; else Python's, bounded, and say why."""
    prefix = f"(?{flags})" if flags else ""
    guard = regex_needles(source, flags, shortest=1)
    # A regex with no literal of 3+ characters would be evaluated on every event; a shorter
    # literal that is rare in telemetry (a backtick, `${`, `-f`) still narrows it.
    needles = regex_needles(source, flags) or (guard if _rare(guard) else None)
    try:
        pattern = re2.compile(prefix + source, options=_RE2_OPTIONS)
        return RegexTest(source, pattern, False, needles, guard), None
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else ""
    pattern = backtracking.compile(prefix + source)
    feature = (
        f"regex outside the linear-time engine ({reason or 'unsupported construct'}); "
        f"evaluated by a backtracking engine with a {FALLBACK_REGEX_SECONDS} s limit per value"
    )
    return RegexTest(source, pattern, True, needles, guard), feature


@dataclass(slots=True)
class NumberTest(ValueTest):
    """A Sigma number: equal to a numeric value or a decimal numeric string."""

    number: int | float
    numbers: tuple[int | float, ...] | None

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        number = as_number(value)
        return number is not None and number == self.number


@dataclass(slots=True)
class BoolTest(ValueTest):
    """A Sigma boolean: a boolean value or the text true/false."""

    flag: bool

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        if isinstance(value, bool):
            return value is self.flag
        text = as_text(value)
        return text is not None and text.strip().casefold() == ("true" if self.flag else "false")


_COMPARE = {
    "LT": lambda a, b: a < b,
    "LTE": lambda a, b: a <= b,
    "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b,
    "NEQ": lambda a, b: a != b,
}


@dataclass(slots=True)
class CompareTest(ValueTest):
    """lt/lte/gt/gte: the value read as a number, compared; non-numbers never match."""

    op: str
    number: int | float

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        number = as_number(value)
        return number is not None and bool(_COMPARE[self.op](number, self.number))


@dataclass(slots=True)
class CidrTest(ValueTest):
    """An IPv4 or IPv6 network; IPv4-mapped IPv6 addresses count as their IPv4 address."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    needles: tuple[str, ...] | None

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        text = as_text(value)
        if text is None or len(text) > 64:
            return False
        try:
            address = ipaddress.ip_address(text.strip().split("%", 1)[0])
        except ValueError:
            return False
        mapped = isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped
        if mapped and isinstance(self.network, ipaddress.IPv4Network):
            address = mapped
        return address.version == self.network.version and address in self.network


@dataclass(slots=True)
class FieldRefTest(ValueTest):
    """fieldref: the value equals (starts with, ends with, contains) another field's value."""

    other: str
    starts: bool
    ends: bool
    refers_to: tuple[str, ...]

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        mine, theirs = as_text(value), as_text(fields.get(self.other))
        if mine is None or theirs is None:
            return False
        mine, theirs = mine.casefold(), theirs.casefold()
        if self.starts and self.ends:
            return theirs in mine
        if self.starts:
            return mine.startswith(theirs)
        if self.ends:
            return mine.endswith(theirs)
        return mine == theirs


_TIME_PARTS = {
    "MINUTE": lambda t: t.minute,
    "HOUR": lambda t: t.hour,
    "DAY": lambda t: t.day,
    "WEEK": lambda t: t.isocalendar()[1],
    "MONTH": lambda t: t.month,
    "YEAR": lambda t: t.year,
}


@dataclass(slots=True)
class TimePartTest(ValueTest):
    """minute/hour/day/week/month/year: one part of a timestamp value equals a number."""

    part: str
    number: int

    def __call__(self, value: FieldValue, fields: dict[str, FieldValue]) -> bool:
        moment = value if isinstance(value, datetime) else None
        if moment is None:
            text = as_text(value)
            if text is None or len(text) > 40:
                return False
            try:
                moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            except ValueError:
                return False
        return bool(_TIME_PARTS[self.part](moment) == self.number)
