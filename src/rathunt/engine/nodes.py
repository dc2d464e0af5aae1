"""The compiled form of a Sigma condition: a small tree evaluated against one event's fields.

A rule's detection becomes And/Or/Not nodes over field tests (a field and a value test) and
keyword tests (a value test against every string value of the event). Each node can also state
a necessary condition for the prefilter: a set of atoms one of which must hold for the node to
be true, or None when it cannot say (a NOT, a regex, an exists).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rathunt.engine.values import ValueTest
from rathunt.model import FieldValue

# Prefilter atoms: ("text", field, needle) must occur in the case-folded text of the field;
# ("number", field, n) the field must equal n; field "*" means any field (keywords).
Atom = tuple[str, str, object]

_MISSING = object()


class Node:
    """A condition node."""

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        raise NotImplementedError

    def necessary(self) -> frozenset[Atom] | None:
        return None

    def field_names(self) -> Iterable[str]:
        return ()


@dataclass(slots=True)
class Const(Node):
    """A detection that pySigma reduced to nothing (every item dropped): always this value."""

    value: bool

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        return self.value


@dataclass(slots=True)
class And(Node):
    children: list[Node]

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        return all(child.evaluate(fields) for child in self.children)

    def necessary(self) -> frozenset[Atom] | None:
        options = [child.necessary() for child in self.children]
        known = [atoms for atoms in options if atoms]
        return max(known, key=_selectivity) if known else None

    def field_names(self) -> Iterable[str]:
        for child in self.children:
            yield from child.field_names()


@dataclass(slots=True)
class Or(Node):
    children: list[Node]

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        return any(child.evaluate(fields) for child in self.children)

    def necessary(self) -> frozenset[Atom] | None:
        union: set[Atom] = set()
        for child in self.children:
            atoms = child.necessary()
            if not atoms:
                return None
            union |= atoms
        return frozenset(union)

    def field_names(self) -> Iterable[str]:
        for child in self.children:
            yield from child.field_names()


@dataclass(slots=True)
class Not(Node):
    child: Node

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        return not self.child.evaluate(fields)

    def field_names(self) -> Iterable[str]:
        return self.child.field_names()


@dataclass(slots=True)
class FieldTest(Node):
    """A field compared with one value; a list value matches when any element does."""

    field: str
    test: ValueTest

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        value = fields.get(self.field)
        if value is None:
            return False
        if isinstance(value, list | tuple):
            return any(item is not None and self.test(item, fields) for item in value)
        return self.test(value, fields)

    def necessary(self) -> frozenset[Atom] | None:
        return _atoms(self.field, self.test)

    def field_names(self) -> Iterable[str]:
        yield self.field
        yield from self.test.refers_to


@dataclass(slots=True)
class NullTest(Node):
    """`field: null`: the field is absent, or present without a value."""

    field: str

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        value = fields.get(self.field)
        return value is None or (isinstance(value, list | tuple) and not value)

    def field_names(self) -> Iterable[str]:
        yield self.field


@dataclass(slots=True)
class ExistsTest(Node):
    """`field|exists: true/false`: whether the event carries the field with a value."""

    field: str
    wanted: bool

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        return (fields.get(self.field) is not None) is self.wanted

    def field_names(self) -> Iterable[str]:
        yield self.field


@dataclass(slots=True)
class KeywordTest(Node):
    """A fieldless value: matches when any string value of the event matches it."""

    test: ValueTest

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        for value in fields.values():
            if isinstance(value, str):
                if self.test(value, fields):
                    return True
            elif isinstance(value, list | tuple):
                for item in value:
                    if isinstance(item, str) and self.test(item, fields):
                        return True
        return False

    def necessary(self) -> frozenset[Atom] | None:
        return _atoms("*", self.test)


def _atoms(field: str, test: ValueTest) -> frozenset[Atom] | None:
    if test.needles:
        return frozenset(("text", field, needle) for needle in test.needles)
    if test.numbers and field != "*":
        return frozenset(("number", field, number) for number in test.numbers)
    return None


def _atom_score(kind: str, field: str, value: object) -> int:
    if kind == "text":
        return min(len(str(value)), 24) * 4
    return 6 if field == "EventID" else 24


def _selectivity(atoms: frozenset[Atom]) -> tuple[int, int]:
    """Rank a candidate necessary condition: long text needles on specific fields first."""
    worst = 1_000
    for kind, field, value in atoms:
        score = _atom_score(kind, field, value)
        if field == "*":
            score //= 2
        worst = min(worst, score)
    return worst, -len(atoms)
