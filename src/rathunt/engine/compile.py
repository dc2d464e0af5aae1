"""Compile a pySigma rule's detection into a condition tree, and say how well it was done.

pySigma has already applied every value modifier (contains, base64offset, windash, utf16, re,
cidr, ...); what remains are typed values in a condition tree. This module maps each of them
to a value test, expands `expand` placeholders from the configured values, and records on the
rule's support what could only be approximated or not evaluated at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import re2
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule
from sigma.types import (
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
)

from rathunt.engine import values as v
from rathunt.engine.nodes import (
    And,
    Const,
    ExistsTest,
    FieldTest,
    KeywordTest,
    Node,
    Not,
    NullTest,
    Or,
    field_text,
)
from rathunt.errors import UnsupportedFeatureError

Placeholders = Mapping[str, Sequence[str]]

_FLAG_LETTERS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}


@dataclass(slots=True)
class Compiled:
    """A rule's condition tree plus what compiling it had to give up."""

    tree: Node
    degraded: list[str]


def compile_rule(rule: SigmaRule, placeholders: Placeholders) -> Compiled:
    """Compile every condition of the rule (several conditions are OR-linked)."""
    degraded: list[str] = []
    trees: list[Node] = []
    try:
        for condition in rule.detection.parsed_condition:
            parsed = condition.parsed
            trees.append(Const(False) if parsed is None else _node(parsed, placeholders, degraded))
    except SigmaError as error:
        raise UnsupportedFeatureError(f"condition: {error}") from error
    tree = trees[0] if len(trees) == 1 else Or(trees)
    return Compiled(tree, degraded)


def _node(item: object, placeholders: Placeholders, degraded: list[str]) -> Node:
    if isinstance(item, ConditionAND):
        return And([_node(arg, placeholders, degraded) for arg in item.args])
    if isinstance(item, ConditionOR):
        return _any([_node(arg, placeholders, degraded) for arg in item.args])
    if isinstance(item, ConditionNOT):
        return Not(_node(item.args[0], placeholders, degraded))
    if isinstance(item, ConditionFieldEqualsValueExpression):
        return _field_node(item.field, item.value, placeholders, degraded)
    if isinstance(item, ConditionValueExpression):
        return _keyword_node(item.value, placeholders, degraded)
    raise UnsupportedFeatureError(f"condition element {type(item).__name__}")


def _field_node(
    field: str, value: SigmaType, placeholders: Placeholders, degraded: list[str]
) -> Node:
    if isinstance(value, SigmaExpansion):
        return _any([_field_node(field, item, placeholders, degraded) for item in value.values])
    if isinstance(value, SigmaNull):
        return NullTest(field)
    if isinstance(value, SigmaExists):
        return ExistsTest(field, bool(value.exists))
    tests = _value_tests(value, placeholders, degraded)
    return _any([FieldTest(field, test) for test in tests])


def _keyword_node(value: SigmaType, placeholders: Placeholders, degraded: list[str]) -> Node:
    """A keyword is searched inside each string value, as full-text search finds a term."""
    if isinstance(value, SigmaExpansion):
        return _any([_keyword_node(item, placeholders, degraded) for item in value.values])
    if isinstance(value, SigmaNull | SigmaExists | SigmaFieldReference):
        raise UnsupportedFeatureError(f"{type(value).__name__} without a field")
    if isinstance(value, SigmaString):
        cased = isinstance(value, SigmaCasedString)
        variants = _string_variants(value, placeholders)
        tests = [v.compile_text(_merge([None, *parts, None]), cased) for parts in variants]
        return _any([KeywordTest(test) for test in tests])
    return _any([KeywordTest(test) for test in _value_tests(value, placeholders, degraded)])


def _any(nodes: list[Node]) -> Node:
    """OR-link nodes; text tests on one field merge into one node that folds the value once."""
    flat: list[Node] = []
    for node in nodes:
        flat.extend(node.children if isinstance(node, Or) else [node])
    groups: dict[tuple[str, bool], list[v.TextTest]] = {}
    merged: list[Node] = []
    for node in flat:
        if isinstance(node, FieldTest) and isinstance(node.test, v.TextTest):
            key = (node.field, node.test.cased)
            if key not in groups:
                groups[key] = []
                merged.append(node)  # placeholder, replaced below
            groups[key].append(node.test)
        else:
            merged.append(node)
    result: list[Node] = []
    for node in merged:
        if isinstance(node, FieldTest) and isinstance(node.test, v.TextTest):
            tests = groups[(node.field, node.test.cased)]
            result.append(
                node if len(tests) == 1 else field_text(node.field, tests[0].cased, tests)
            )
        else:
            result.append(node)
    if not result:
        return Const(False)
    return result[0] if len(result) == 1 else Or(result)


def _value_tests(
    value: SigmaType, placeholders: Placeholders, degraded: list[str]
) -> list[v.ValueTest]:
    """One value becomes one test, or several (OR-linked) after placeholder expansion."""
    if isinstance(value, SigmaString):
        cased = isinstance(value, SigmaCasedString)
        return [v.compile_text(parts, cased) for parts in _string_variants(value, placeholders)]
    if isinstance(value, SigmaRegularExpression):
        return [_regex_test(value, placeholders, degraded)]
    if isinstance(value, SigmaTimestampPart):
        return [v.TimePartTest(value.timestamp_part.name, int(value.number))]
    if isinstance(value, SigmaNumber):
        return [v.NumberTest(value.number, (value.number,))]
    if isinstance(value, SigmaBool):
        return [v.BoolTest(bool(value.boolean))]
    if isinstance(value, SigmaCompareExpression):
        return [v.CompareTest(value.op.name, value.number.number)]
    if isinstance(value, SigmaCIDRExpression):
        return [v.CidrTest(value.network, _cidr_needles(value))]
    if isinstance(value, SigmaFieldReference):
        refers = (value.field,)
        return [v.FieldRefTest(value.field, value.starts_with, value.ends_with, refers)]
    raise UnsupportedFeatureError(f"value type {type(value).__name__}")


def _string_variants(value: SigmaString, placeholders: Placeholders) -> list[list[str | None]]:
    """The string's parts with placeholders replaced, one list per combination of values."""
    choices: list[list[list[str | None]]] = []
    for part in value.s:
        if isinstance(part, Placeholder):
            choices.append([_parts(SigmaString(text)) for text in _placeholder(part, placeholders)])
        else:
            choices.append([_parts_of(part)])
    variants = []
    for combination in itertools.product(*choices):
        variants.append(_merge([piece for chunk in combination for piece in chunk]))
    return variants


def _placeholder(part: Placeholder, placeholders: Placeholders) -> Sequence[str]:
    values = placeholders.get(part.name)
    if not values:
        raise UnsupportedFeatureError(
            f"placeholder %{part.name}% has no values",
            hint="define it in the placeholders config (see docs/engine.md)",
        )
    return values


def _parts(value: SigmaString) -> list[str | None]:
    return [piece for part in value.s for piece in _parts_of(part)]


def _parts_of(part: object) -> list[str | None]:
    if part is SpecialChars.WILDCARD_MULTI:
        return [None]
    if part is SpecialChars.WILDCARD_SINGLE:
        return [v.SINGLE]
    if isinstance(part, str):
        return [part]
    raise UnsupportedFeatureError(f"string part {part!r}")


def _merge(pieces: list[str | None]) -> list[str | None]:
    """Join neighbouring literal pieces and collapse repeated `*`."""
    merged: list[str | None] = []
    for piece in pieces:
        if piece is None and merged and merged[-1] is None:
            continue
        if (
            piece is not None
            and piece != v.SINGLE
            and merged
            and merged[-1] is not None
            and merged[-1] != v.SINGLE
        ):
            merged[-1] = str(merged[-1]) + piece
            continue
        merged.append(piece)
    return merged


def _regex_test(
    value: SigmaRegularExpression, placeholders: Placeholders, degraded: list[str]
) -> v.RegexTest:
    source = []
    for part in value.regexp.s:
        if isinstance(part, Placeholder):
            options = _placeholder(part, placeholders)
            source.append("(?:" + "|".join(re2.escape(text) for text in options) + ")")
        elif part is SpecialChars.WILDCARD_MULTI:
            source.append("*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            source.append("?")
        else:
            source.append(str(part))
    flags = "".join(sorted(_FLAG_LETTERS[flag] for flag in value.flags))
    test, feature = v.compile_regex("".join(source), flags)
    if feature:
        degraded.append(feature)
    return test


def _cidr_needles(value: SigmaCIDRExpression) -> tuple[str, ...] | None:
    """IPv4 networks give dotted prefixes every address inside must contain."""
    if value.network.version != 4 or value.network.prefixlen < 8:
        return None
    needles = {pattern.rstrip("*") for pattern in value.expand("*")}
    return tuple(sorted(needle for needle in needles if needle)) or None
