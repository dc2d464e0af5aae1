"""The prefilter: which rules could possibly match each event of a batch, found column-wise.

Every compiled rule states a necessary condition: up to three clauses that must all hold, each
a set of atoms one of which must hold. For one log source the atoms of all its rules are
gathered per field: text needles into one Aho-Corasick automaton (or, when there are few,
searched one by one), numbers into one dictionary.

A batch is scanned a column at a time: one field's distinct values in the batch are joined
(NUL-separated) into one string, case-folded once and scanned once; each hit's position names
its value, and the value's bits go to every event holding it. Keyword needles are searched in
each event's string values joined, ASCII texts first by one RE2 pass. A hit that straddles two
values can only add a candidate, never lose one, since candidates are then evaluated in full.
The hits OR together into a bit mask of satisfied clauses per event; rules with all clauses
satisfied are the event's candidates. Rules without a necessary condition are candidates for
every event.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, filterfalse, repeat
from operator import add, itemgetter, or_
from typing import Any

import ahocorasick
import re2

from rathunt.engine.nodes import Clause
from rathunt.engine.values import as_number, as_text
from rathunt.model import FieldValue

Fields = dict[str, FieldValue]


@dataclass(slots=True)
class Prefilter:
    """Per log source: automata and number maps that turn events into candidate rules.

    Each clause of each rule owns one bit. A rule is a candidate when all its clause bits are
    set; `owners[bit]` names the rule whose first clause owns that bit, with all its bits.
    """

    always: int = 0
    primaries: int = 0
    owners: list[tuple[int, int] | None] = field(default_factory=list)
    text: list[tuple[str, Needles]] = field(default_factory=list)
    numbers: list[tuple[str, dict[int | float, int]]] = field(default_factory=list)
    keywords: Needles | None = None

    def candidates(self, rows: Sequence[Fields]) -> list[list[int]]:
        """For each event, the positions of the rules it could match, in rule order."""
        masks = [self.always] * len(rows)
        for name, needles in self.text:
            values, keys = _column(rows, name)
            if keys:
                hits = needles.scan(keys)
                if hits:
                    masks = list(map(or_, masks, map(hits.get, values, repeat(0))))
        for name, table in self.numbers:
            values = list(map(dict.get, rows, repeat(name)))
            try:
                distinct = dict.fromkeys(values)
            except TypeError:  # a list value (unnamed Data): the slow way, row by row
                _number_rows(table, values, masks)
                continue
            hits = {value: bits for value in distinct if (bits := _number_bits(table, value))}
            if hits:
                masks = list(map(or_, masks, map(hits.get, values, repeat(0))))
        if self.keywords is not None:
            masks = _keyword_masks(rows, masks, self.keywords)
        # Rows of one batch share few distinct masks: each is resolved to rules once.
        owners = {mask: self._owners_of(mask) for mask in set(masks)}
        return list(map(owners.__getitem__, masks))

    def _owners_of(self, mask: int) -> list[int]:
        primaries = mask & self.primaries
        owners = self.owners
        found = []
        while primaries:
            low = primaries & -primaries
            primaries ^= low
            owner = owners[low.bit_length() - 1]
            if owner is not None and mask & owner[1] == owner[1]:
                found.append(owner[0])
        return found


_PLAIN = frozenset({str, type(None)})


def _column(rows: Sequence[Fields], name: str) -> tuple[list[Any], list[str]]:
    """A field's value per row (as text where it is not text already) and its distinct
    non-empty texts. Columns repeat themselves (one image path, one user, one event type on
    many rows), so each distinct value is scanned once per batch."""
    values: list[Any] = list(map(dict.get, rows, repeat(name)))
    if not set(map(type, values)) <= _PLAIN:
        values = [value if type(value) is str else _text_of(value) for value in values]
    keys = [key for key in dict.fromkeys(values) if key]
    return values, keys


# Up to this many needles, searching the joined texts once per needle (`str.find`, which
# skips through text far faster than an automaton steps) beats one automaton pass.
FEW_NEEDLES = 8


class Needles:
    """One field's needles, each with the clause bits it satisfies.

    With `finder` (for keyword needles, which are few but meet every value of every event),
    ASCII texts are first searched by RE2 for any needle at all, a DFA pass several times
    faster than the automaton; only the texts it finds anything in are scanned exactly.
    """

    __slots__ = ("automaton", "finder", "table")

    def __init__(self, table: dict[str, int], *, finder: bool = False) -> None:
        self.table = dict(table)
        self.automaton = _automaton(self.table) if len(self.table) > FEW_NEEDLES else None
        self.finder = _finder(self.table) if finder else None

    def scan(self, texts: list[str]) -> dict[str, int]:
        """The bits the needles found in each text, for the texts any needle is in."""
        if self.finder is None:
            return self._scan(texts)
        plain = list(compress(texts, map(str.isascii, texts)))
        if not plain:
            return self._scan(texts)
        hits = (
            self._scan([text for text in texts if not text.isascii()])
            if len(plain) < len(texts)
            else {}
        )
        if self.finder is False:
            return hits  # no needle is ASCII: no ASCII text can hold one
        starts = list(map(add, accumulate(map(len, plain)), range(1, len(plain) + 1)))
        haystack = "\0".join(plain).lower().encode("ascii")  # ASCII: lower() is casefold()
        place = 0
        while (found := self.finder.search(haystack, place)) is not None:
            row = bisect_right(starts, found.start())
            bits = self._bits_in(plain[row].lower())
            if bits:
                hits[plain[row]] = bits
            place = starts[row]  # on in the next text
        return hits

    def _scan(self, texts: list[str]) -> dict[str, int]:
        """One pass (or one `find` per needle) over all the texts."""
        if not texts:
            return {}
        found = [0] * len(texts)
        # starts[i] is one past the NUL that ends text i (all in C: no Python loop per text).
        starts = list(map(add, accumulate(map(len, texts)), range(1, len(texts) + 1)))
        haystack = "\0".join(texts).casefold()
        if len(haystack) != starts[-1] - 1:
            # Case folding changed lengths (e.g. a German sharp s): positions must be per text.
            for row, text in enumerate(texts):
                found[row] = self._bits_in(text.casefold())
        elif self.automaton is None:
            for needle, bits in self.table.items():
                place = haystack.find(needle)
                while place >= 0:
                    row = bisect_right(starts, place)
                    found[row] |= bits
                    place = haystack.find(needle, starts[row])  # on in the next text
        else:
            for end, bits in self.automaton.iter(haystack):
                found[bisect_right(starts, end)] |= bits
        return {text: bits for text, bits in zip(texts, found, strict=True) if bits}

    def _bits_in(self, text: str) -> int:
        bits = 0
        if self.automaton is None:
            for needle, needle_bits in self.table.items():
                if needle in text:
                    bits |= needle_bits
        else:
            for _end, needle_bits in self.automaton.iter(text):
                bits |= needle_bits
        return bits


def _keyword_masks(rows: Sequence[Fields], masks: list[int], keywords: Needles) -> list[int]:
    """Keyword needles against every string value: each event's ASCII values joined into
    one text (scanned with the fast finder), its other values (few, and repeated across
    events: `Microsoft®` product names) scanned once per batch each. (Taking the batch's
    values in one pass and deduplicating them across events measured slower.)"""
    parts = list(map(_keyword_parts, rows))
    texts = list(map(itemgetter(0), parts))
    keys = [text for text in dict.fromkeys(texts) if text]
    hits = keywords.scan(keys) if keys else {}
    if hits:
        masks = list(map(or_, masks, map(hits.get, texts, repeat(0))))
    others = [(row, part[1]) for row, part in enumerate(parts) if part[1]]
    if others:
        distinct = list(dict.fromkeys(value for _, values in others for value in values))
        found = keywords.scan(distinct)
        for row, values in others if found else ():
            for value in values:
                masks[row] |= found.get(value, 0)
    return masks


# Value types an event's fields hold when they hold no list (or an odd subclass of str).
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _keyword_parts(fields: Fields) -> tuple[str, tuple[str, ...]]:
    """An event's string values (list items included, rare: unnamed Data): the ASCII ones
    NUL-joined, and the others apart."""
    values = fields.values()
    strings = [value for value in values if type(value) is str]
    if len(strings) != len(values) and not _SCALARS.issuperset(map(type, values)):
        strings = [value for value in values if isinstance(value, str)]
        strings += [
            item
            for value in values
            if isinstance(value, list | tuple)
            for item in value
            if isinstance(item, str)
        ]
    text = "\0".join(strings)
    if text.isascii():
        return text, ()
    plain = list(map(str.isascii, strings))
    return "\0".join(compress(strings, plain)), tuple(filterfalse(str.isascii, strings))


def _number_bits(table: dict[int | float, int], value: FieldValue) -> int:
    if value is None:
        return 0
    number = value if type(value) is int else as_number(value)
    return 0 if number is None else table.get(number, 0)


def _number_rows(table: dict[int | float, int], values: list[FieldValue], masks: list[int]) -> None:
    for row, value in enumerate(values):
        if isinstance(value, list | tuple):
            for item in value:
                masks[row] |= _number_bits(table, item)
        else:
            masks[row] |= _number_bits(table, value)


def _text_of(value: FieldValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "\0".join(text for text in map(as_text, value) if text)
    return as_text(value) or ""


def build_prefilter(conditions: Sequence[list[Clause]]) -> Prefilter:
    """Build the prefilter for rules in this order; a rule without clauses always runs."""
    prefilter = Prefilter()
    needles: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    numbers: dict[str, dict[int | float, int]] = defaultdict(lambda: defaultdict(int))

    for position, clauses in enumerate(conditions):
        first = len(prefilter.owners)
        bits = max(len(clauses), 1)
        required = ((1 << bits) - 1) << first
        prefilter.owners.append((position, required))
        prefilter.owners.extend([None] * (bits - 1))
        prefilter.primaries |= 1 << first
        if not clauses:
            prefilter.always |= required
        for offset, clause in enumerate(clauses):
            bit = 1 << (first + offset)
            for kind, name, value in clause:
                if kind == "text":
                    needles[name][str(value)] |= bit
                else:
                    numbers[name][value] |= bit  # type: ignore[index]

    for name, table in needles.items():
        if name == "*":
            prefilter.keywords = Needles(table, finder=True)
        else:
            prefilter.text.append((name, Needles(table)))
    prefilter.numbers = [(name, dict(table)) for name, table in numbers.items()]
    return prefilter


def _finder(table: dict[str, int]) -> Any:
    """An RE2 pattern matching any ASCII needle of the table (bytes); False when no needle
    is ASCII."""
    needles = [needle.encode("ascii") for needle in table if needle.isascii()]
    if not needles:
        return False
    options = re2.Options()
    options.log_errors = False
    return re2.compile(b"|".join(map(re2.escape, needles)), options=options)


def _automaton(table: dict[str, int]) -> Any:
    automaton = ahocorasick.Automaton()
    for needle, bits in table.items():
        automaton.add_word(needle, bits)
    automaton.make_automaton()
    return automaton
