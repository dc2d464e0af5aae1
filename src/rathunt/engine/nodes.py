"""The compiled form of a Sigma condition: a small tree evaluated against one event's fields.

A rule's detection becomes And/Or/Not nodes over field tests (a field and a value test) and
keyword tests (a value test against every string value of the event). Each node also states
a necessary condition for the prefilter: clauses that must all hold for the node to be true,
or none when it cannot say (a NOT, a regex without a literal, an exists).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rathunt.engine.values import TextTest, ValueTest, as_text
from rathunt.model import FieldValue

# Prefilter atoms: ("text", field, needle) must occur in the case-folded text of the field;
# ("number", field, n) the field must equal n; field "*" means any field (keywords).
Atom = tuple[str, str, object]
# A clause is a set of atoms one of which must hold; a node's necessary condition is a short
# list of clauses that must all hold (empty: nothing is known).
Clause = frozenset[Atom]
MAX_CLAUSES = 3


class Node:
    """A condition node."""

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        raise NotImplementedError

    def necessary(self) -> list[Clause]:
        return []

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
    """All children hold; its necessary condition is its children's best clauses."""

    children: list[Node]

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        # A plain loop: this is the innermost call of matching, and generators cost here.
        for child in self.children:  # noqa: SIM110
            if not child.evaluate(fields):
                return False
        return True

    def necessary(self) -> list[Clause]:
        clauses = {clause for child in self.children for clause in child.necessary()}
        return sorted(clauses, key=_selectivity, reverse=True)[:MAX_CLAUSES]

    def field_names(self) -> Iterable[str]:
        for child in self.children:
            yield from child.field_names()


@dataclass(slots=True)
class Or(Node):
    """Some child holds."""

    children: list[Node]

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        for child in self.children:  # noqa: SIM110
            if child.evaluate(fields):
                return True
        return False

    def necessary(self) -> list[Clause]:
        """One clause: the union of each child's best clause."""
        union: set[Atom] = set()
        for child in self.children:
            clauses = child.necessary()
            if not clauses:
                return []
            union |= clauses[0]
        return [frozenset(union)]

    def field_names(self) -> Iterable[str]:
        for child in self.children:
            yield from child.field_names()


@dataclass(slots=True)
class Not(Node):
    """The child does not hold; says nothing to the prefilter."""

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

    def necessary(self) -> list[Clause]:
        return _clauses(self.field, [self.test])

    def field_names(self) -> Iterable[str]:
        yield self.field
        yield from self.test.refers_to


@dataclass(slots=True)
class FieldText(Node):
    """Several text values on one field, OR-linked (a Sigma value list): one fold, one pass.

    Exact values become a set lookup, prefixes and suffixes one `startswith`/`endswith` over a
    tuple; other text tests run one by one.
    """

    field: str
    cased: bool
    tests: list[TextTest]
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    contains: tuple[str, ...]
    rest: tuple[TextTest, ...]

    def evaluate(self, fields: dict[str, FieldValue]) -> bool:
        value = fields.get(self.field)
        if value is None:
            return False
        if isinstance(value, list | tuple):
            return any(item is not None and self._one(item) for item in value)
        return self._one(value)

    def _one(self, value: FieldValue) -> bool:
        text = value if isinstance(value, str) else as_text(value)
        if text is None:
            return False
        if not self.cased:
            text = text.casefold()
        if text in self.exact:
            return True
        if self.prefixes and text.startswith(self.prefixes):
            return True
        if self.suffixes and text.endswith(self.suffixes):
            return True
        for literal in self.contains:
            if literal in text:
                return True
        return any(test.match_folded(text) for test in self.rest)

    def necessary(self) -> list[Clause]:
        return _clauses(self.field, list(self.tests))

    def field_names(self) -> Iterable[str]:
        yield self.field


def field_text(field: str, cased: bool, tests: list[TextTest]) -> FieldText:
    """Merge text tests of one field and one case mode into a single node."""
    by_kind: dict[str, list[str]] = {"exact": [], "prefix": [], "suffix": [], "contains": []}
    rest = []
    for test in tests:
        if test.kind in by_kind:
            by_kind[test.kind].append(test.literal)
        else:
            rest.append(test)
    return FieldText(
        field,
        cased,
        tests,
        frozenset(by_kind["exact"]),
        tuple(by_kind["prefix"]),
        tuple(by_kind["suffix"]),
        tuple(by_kind["contains"]),
        tuple(rest),
    )


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

    def necessary(self) -> list[Clause]:
        if self.test.needles and any("\0" in needle for needle in self.test.needles):
            return []  # the prefilter joins values with NUL; such a needle could straddle two
        return _clauses("*", [self.test])


def _clauses(field: str, tests: list[ValueTest]) -> list[Clause]:
    """One clause over the tests' needles, or none if any test cannot name one."""
    atoms: set[Atom] = set()
    for test in tests:
        if test.needles:
            atoms.update(("text", field, needle) for needle in test.needles)
        elif test.numbers and field != "*":
            atoms.update(("number", field, number) for number in test.numbers)
        else:
            return []
    return [frozenset(atoms)] if atoms else []


# Fields whose value is nearly constant within one log source: their needles admit almost
# every event of it, so any other clause is preferred.
_CONSTANT_FIELDS = frozenset({"Provider_Name", "Channel", "Provider", "Computer", "Keywords"})


# Text found in most Windows events of its kind: a needle inside it admits nearly everything.
_COMMON_TEXT = (
    "c:\\windows\\system32\\svchost.exe -k netsvcs -p -s",
    "c:\\windows\\syswow64\\windowspowershell\\v1.0\\powershell.exe",
    "c:\\program files (x86)\\common files\\microsoft shared\\",
    "c:\\users\\default\\appdata\\local\\temp\\",
    "hkey_local_machine\\software\\microsoft\\windows\\currentversion\\",
    "hklm\\system\\currentcontrolset\\services\\",
    "\\registry\\machine\\software\\microsoft\\windows nt\\currentversion\\",
    "hku\\s-1-5-21-\\software\\classes\\",
    ".exe.dll",
)


def _atom_score(kind: str, field: str, value: object) -> int:
    if field in _CONSTANT_FIELDS:
        return 2
    if kind == "text":
        needle = str(value)
        if any(needle in common for common in _COMMON_TEXT):
            return 3
        return min(len(needle), 24) * 4
    return 6 if field == "EventID" else 24


def _selectivity(atoms: Clause) -> tuple[int, int]:
    """Rank a candidate necessary condition: long text needles on specific fields first."""
    worst = 1_000
    for kind, field, value in atoms:
        score = _atom_score(kind, field, value)
        if field == "*":
            score //= 2
        worst = min(worst, score)
    return worst, -len(atoms)
