"""The prefilter: which rules could possibly match an event, found in one pass per field.

Every compiled rule states a necessary condition (atoms one of which must hold). For one log
source the atoms of all its rules are gathered per field: text needles into one Aho-Corasick
automaton, numbers into one dictionary. An event's fields are case-folded once and scanned
once; the hits OR together into a bit mask of candidate rules. Only those rules evaluate their
full condition. Rules without a necessary condition are always candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from rathunt.engine.nodes import Atom
from rathunt.engine.values import as_number, as_text
from rathunt.model import FieldValue


@dataclass(slots=True)
class Prefilter:
    """Per log source: automata and number maps that turn an event into candidate rules."""

    always: int = 0
    text: list[tuple[str, Any]] = field(default_factory=list)
    numbers: list[tuple[str, dict[int | float, int]]] = field(default_factory=list)
    keywords: Any = None

    def candidates(self, fields: dict[str, FieldValue]) -> int:
        """The bit mask of rules whose necessary condition this event meets."""
        mask = self.always
        for name, automaton in self.text:
            value = fields.get(name)
            if value is None:
                continue
            if isinstance(value, list | tuple):
                for item in value:
                    mask |= _scan(automaton, as_text(item))
            else:
                mask |= _scan(automaton, value if isinstance(value, str) else as_text(value))
        for name, table in self.numbers:
            value = fields.get(name)
            if value is None:
                continue
            for item in value if isinstance(value, list | tuple) else (value,):
                number = as_number(item)
                if number is not None:
                    mask |= table.get(number, 0)
        if self.keywords is not None:
            mask |= self._keyword_candidates(fields)
        return mask

    def _keyword_candidates(self, fields: dict[str, FieldValue]) -> int:
        mask = 0
        for value in fields.values():
            if isinstance(value, str):
                mask |= _scan(self.keywords, value)
            elif isinstance(value, list | tuple):
                for item in value:
                    if isinstance(item, str):
                        mask |= _scan(self.keywords, item)
        return mask


def _scan(automaton: Any, text: str | None) -> int:
    if not text:
        return 0
    mask = 0
    for _end, bits in automaton.iter(text.casefold()):
        mask |= bits
    return mask


def build_prefilter(conditions: Sequence[frozenset[Atom] | None]) -> Prefilter:
    """Build the prefilter for rules in this order (bit i is rule i)."""
    prefilter = Prefilter()
    needles: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    numbers: dict[str, dict[int | float, int]] = defaultdict(lambda: defaultdict(int))

    for position, atoms in enumerate(conditions):
        bit = 1 << position
        if not atoms:
            prefilter.always |= bit
            continue
        for kind, name, value in atoms:
            if kind == "text":
                needles[name][str(value)] |= bit
            else:
                numbers[name][value] |= bit  # type: ignore[index]

    for name, table in needles.items():
        automaton = _automaton(table)
        if name == "*":
            prefilter.keywords = automaton
        else:
            prefilter.text.append((name, automaton))
    prefilter.numbers = [(name, dict(table)) for name, table in numbers.items()]
    return prefilter


def _automaton(table: dict[str, int]) -> Any:
    automaton = ahocorasick.Automaton()
    for needle, bits in table.items():
        automaton.add_word(needle, bits)
    automaton.make_automaton()
    return automaton
