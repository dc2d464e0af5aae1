"""Compile a Sigma correlation rule into a plan the correlator can run, or say why not.

A plan resolves what the rule refers to (base rules and other correlations, by id or name),
the event field each `group-by` name means for each referenced rule (aliases), the value the
condition reads, and the test itself. Everything a rule lacks or gets wrong is found here, at
load, and recorded on `rule.support` with the reason; a rejected rule never runs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sigma.correlations import (
    CorrelationConditionAND,
    CorrelationConditionItem,
    CorrelationConditionNOT,
    CorrelationConditionOR,
    SigmaCorrelationCondition,
    SigmaCorrelationRule,
    SigmaExtendedCorrelationCondition,
    SigmaRuleReference,
)

from rathunt.rules.rule import Rule

# The correlation types of the Sigma specification and pySigma's value aggregations.
COUNTING = ("event_count", "value_count")
TEMPORAL = ("temporal", "temporal_ordered")
NUMERIC = ("value_sum", "value_avg", "value_median", "value_percentile")
TYPES = (*COUNTING, *TEMPORAL, *NUMERIC)

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "neq": operator.ne,
}

# Beyond this many referenced rules an ordered boolean condition is too costly to search.
MAX_ORDERED_EXPRESSION_RULES = 12

Expression = Callable[[frozenset[int]], bool]


@dataclass(slots=True)
class Plan:
    """One correlation rule, resolved and checked; `refs[i]` is the i-th referenced rule."""

    rule: Rule
    kind: str
    refs: list[Rule]
    group_by: tuple[str, ...]
    # fields[i][j]: the event field holding group-by name j for events of refs[i].
    fields: list[tuple[str, ...]]
    timespan: float
    op: str
    threshold: float
    value_fields: tuple[str, ...] = ()
    percentile: float | None = None
    expression: Expression | None = None
    monotone: bool = True
    deferred: bool = False  # refers to correlations: its windows close at the end of input
    uppers: list[tuple[Plan, int]] = field(default_factory=list)

    def test(self, value: float) -> bool:
        return OPERATORS[self.op](value, self.threshold)

    def condition_text(self) -> str:
        rule = self.rule.sigma
        if isinstance(rule, SigmaCorrelationRule) and isinstance(
            rule.condition, SigmaExtendedCorrelationCondition
        ):
            return rule.condition.expression
        return f"{self.op} {self.threshold:g}"


class PlanError(Exception):
    """A reason a correlation rule cannot run; the correlator turns it into a rejection."""


def index_rules(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Rules by every name a correlation may use for them: id and `name`."""
    index: dict[str, Rule] = {}
    for rule in rules:
        if rule.sigma.id:
            index.setdefault(str(rule.sigma.id), rule)
        name = getattr(rule.sigma, "name", None)
        if name:
            index.setdefault(str(name), rule)
    return index


def compile_plan(rule: Rule, index: dict[str, Rule]) -> Plan:
    """The plan for one correlation rule; raises PlanError naming what is wrong."""
    sigma = rule.sigma
    if not isinstance(sigma, SigmaCorrelationRule):
        raise PlanError("not a correlation rule")
    if sigma.errors:
        raise PlanError("; ".join(str(error) for error in sigma.errors))
    kind = str(sigma.type.name).lower() if sigma.type is not None else ""
    if kind not in TYPES:
        raise PlanError(f"correlation type {kind or 'missing'!r} is not one of {', '.join(TYPES)}")

    names = _reference_names(sigma)
    if not names:
        raise PlanError("the correlation refers to no rules; list them under `rules`")
    refs = [_resolve(name, index) for name in names]
    if any(ref is rule for ref in refs):
        raise PlanError("the correlation refers to itself")

    group_by = tuple(sigma.group_by or ())
    plan = Plan(
        rule=rule,
        kind=kind,
        refs=refs,
        group_by=group_by,
        fields=_alias_fields(sigma, names, refs, group_by, index),
        timespan=float(sigma.timespan.seconds),
        op="gte",
        threshold=float(len(refs)),
        deferred=any(ref.is_correlation for ref in refs),
    )
    _set_condition(plan, sigma, names)
    return plan


def _reference_names(sigma: SigmaCorrelationRule) -> list[str]:
    if sigma.rules:
        names = [ref.reference for ref in sigma.rules]
    elif isinstance(sigma.condition, SigmaExtendedCorrelationCondition):
        names = sigma.condition.get_referenced_rules()
    else:
        names = []
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PlanError(f"rule {duplicates[0]!r} is listed twice under `rules`")
    return names


def _resolve(name: str, index: dict[str, Rule]) -> Rule:
    found = index.get(name)
    if found is None:
        raise PlanError(
            f"refers to rule {name!r}, which is not loaded; load it with the correlation or "
            "fix the id or name"
        )
    return found


def _alias_fields(
    sigma: SigmaCorrelationRule,
    names: Sequence[str],
    refs: Sequence[Rule],
    group_by: tuple[str, ...],
    index: dict[str, Rule],
) -> list[tuple[str, ...]]:
    """Per referenced rule, the event field behind each group-by name."""
    aliases: dict[str, dict[int, str]] = {}
    for alias in sigma.aliases:
        mapping: dict[int, str] = {}
        for reference, field_name in alias.mapping.items():
            target = _resolve(_reference_text(reference), index)
            positions = [i for i, ref in enumerate(refs) if ref is target]
            if not positions:
                raise PlanError(
                    f"alias {alias.alias!r} maps rule {_reference_text(reference)!r}, which the "
                    "correlation does not refer to"
                )
            mapping[positions[0]] = str(field_name)
        aliases[alias.alias] = mapping

    fields: list[tuple[str, ...]] = []
    for position, name in enumerate(names):
        row: list[str] = []
        for group_name in group_by:
            fields_of = aliases.get(group_name)
            if fields_of is None:
                row.append(group_name)
            elif position in fields_of:
                row.append(fields_of[position])
            else:
                raise PlanError(
                    f"alias {group_name!r} has no field for rule {name!r}; map every referenced "
                    "rule under `aliases`"
                )
        fields.append(tuple(row))
    return fields


def _reference_text(reference: SigmaRuleReference | str) -> str:
    return reference.reference if isinstance(reference, SigmaRuleReference) else str(reference)


def _set_condition(plan: Plan, sigma: SigmaCorrelationRule, names: Sequence[str]) -> None:
    condition = sigma.condition
    if isinstance(condition, SigmaExtendedCorrelationCondition):
        positions = {name: i for i, name in enumerate(names)}
        plan.expression, plan.monotone = _compile_expression(condition.parsed, positions)
        if plan.kind == "temporal_ordered" and not plan.monotone:
            raise PlanError(
                "a temporal_ordered condition with `not` has no defined order; use temporal, "
                "or chain two correlations"
            )
        if plan.kind == "temporal_ordered" and len(names) > MAX_ORDERED_EXPRESSION_RULES:
            raise PlanError(
                f"temporal_ordered with a boolean condition supports at most "
                f"{MAX_ORDERED_EXPRESSION_RULES} rules"
            )
        return
    if not isinstance(condition, SigmaCorrelationCondition):
        raise PlanError("the correlation has no condition")

    plan.op = condition.op.name.lower()
    plan.threshold = float(condition.count)
    fieldref = condition.fieldref
    value_fields = (fieldref,) if isinstance(fieldref, str) else tuple(fieldref or ())
    if plan.kind in ("value_count", *NUMERIC) and not value_fields:
        raise PlanError(f"{plan.kind} needs `field` in its condition")
    if plan.kind in NUMERIC and len(value_fields) != 1:
        raise PlanError(f"{plan.kind} aggregates one numeric field, not a list")
    if plan.kind in (*TEMPORAL, "event_count") and value_fields:
        plan.rule.support.degrade(f"`field` is ignored by {plan.kind}")
        value_fields = ()
    plan.value_fields = value_fields
    if plan.kind == "value_percentile":
        if condition.percentile is None or not 0 <= condition.percentile <= 100:
            raise PlanError("value_percentile needs `percentile` between 0 and 100")
        plan.percentile = float(condition.percentile)


def _compile_expression(
    node: CorrelationConditionItem | SigmaRuleReference, positions: dict[str, int]
) -> tuple[Expression, bool]:
    """A test over the set of rule positions present, and whether it is free of `not`."""
    if isinstance(node, SigmaRuleReference):
        if node.reference not in positions:
            raise PlanError(f"the condition names {node.reference!r}, which `rules` lacks")
        position = positions[node.reference]
        return (lambda present: position in present), True
    parts = [_compile_expression(arg, positions) for arg in node.args]
    tests = [test for test, _ in parts]
    monotone = all(flag for _, flag in parts)
    if isinstance(node, CorrelationConditionNOT):
        inner = tests[0]
        return (lambda present: not inner(present)), False
    if isinstance(node, CorrelationConditionAND):
        return (lambda present: all(test(present) for test in tests)), monotone
    if isinstance(node, CorrelationConditionOR):
        return (lambda present: any(test(present) for test in tests)), monotone
    raise PlanError(f"unknown condition operator {type(node).__name__}")
