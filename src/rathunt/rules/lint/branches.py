"""A rule's condition as the ways it can match: a disjunction of conjunctions of leaves.

Several checks ask "can every way this rule matches be evaded by renaming one file?" or "can
any way it matches be true at all?". Both are questions about the condition in disjunctive
normal form. Negations are pushed down to the leaves (De Morgan), so each branch is a list
of (positive, leaf) pairs. Expansion is bounded: a condition with more than `MAX_BRANCHES`
ways to match is not expanded and those checks skip the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule

MAX_BRANCHES = 256

Leaf = ConditionFieldEqualsValueExpression | ConditionValueExpression


@dataclass(frozen=True, slots=True)
class Literal:
    """One leaf of a branch, with its polarity after negations were pushed down."""

    positive: bool
    leaf: Leaf

    @property
    def field(self) -> str | None:
        return (
            self.leaf.field if isinstance(self.leaf, ConditionFieldEqualsValueExpression) else None
        )


Branch = list[Literal]


class TooManyBranches(Exception):
    """The condition has more ways to match than the lint is willing to enumerate."""


def rule_branches(rule: SigmaRule) -> list[Branch] | None:
    """Every branch of every condition of `rule`; None if the expansion is too large."""
    try:
        branches: list[Branch] = []
        for condition in rule.detection.parsed_condition:
            branches.extend(_expand(condition.parsed, positive=True))
        return branches
    except TooManyBranches:
        return None


def _expand(node: object, positive: bool) -> list[Branch]:
    if isinstance(node, ConditionNOT):
        return _expand(node.args[0], not positive)
    if isinstance(node, ConditionAND | ConditionOR):
        conjunction = isinstance(node, ConditionAND) == positive
        parts = [_expand(arg, positive) for arg in node.args]
        return _product(parts) if conjunction else _union(parts)
    if isinstance(node, ConditionFieldEqualsValueExpression | ConditionValueExpression):
        return [[Literal(positive, node)]]
    # Other leaves (field exists checks, references) constrain nothing the checks look at.
    return [[]]


def _union(parts: list[list[Branch]]) -> list[Branch]:
    result = [branch for part in parts for branch in part]
    if len(result) > MAX_BRANCHES:
        raise TooManyBranches()
    return result


def _product(parts: list[list[Branch]]) -> list[Branch]:
    result: list[Branch] = [[]]
    for part in parts:
        result = [left + right for left in result for right in part]
        if len(result) > MAX_BRANCHES:
            raise TooManyBranches()
    return result
