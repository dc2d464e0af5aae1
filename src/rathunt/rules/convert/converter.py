"""Convert loaded rules to one target's query language, with a result for every rule.

pySigma's processing pipelines change a rule in place, so each conversion works on a copy:
the caller's rules stay as loaded and can be converted to several targets in turn. Every
rule ends as converted (with its queries), folded (a correlation rule's base rule that emits
no query of its own), or failed (with a `ConversionError` naming the rule, the target and the
feature). Nothing is dropped silently.
"""

from __future__ import annotations

import copy
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sigma.collection import SigmaCollection
from sigma.conversion.base import Backend
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaTransformationError
from sigma.rule import SigmaRule

from rathunt.errors import ConversionError
from rathunt.rules.convert.targets import Target
from rathunt.rules.rule import Rule

log = logging.getLogger(__name__)

ResultStatus = Literal["converted", "folded", "failed"]


@dataclass(slots=True)
class ConversionResult:
    """What became of one rule on one target."""

    rule: Rule
    target: str
    status: ResultStatus
    queries: list[Any] = field(default_factory=list)
    error: ConversionError | None = None
    # The pySigma rule after the target's pipelines ran: packaging reads its metadata.
    converted: SigmaRule | SigmaCorrelationRule | None = None

    @property
    def reason(self) -> str:
        return self.error.message if self.error else ""


@dataclass(slots=True)
class ConversionReport:
    """All results of one conversion run, in input order, and their counts."""

    target: Target
    results: list[ConversionResult]

    def counts(self) -> Counter[str]:
        return Counter(result.status for result in self.results)

    @property
    def failed(self) -> list[ConversionResult]:
        return [result for result in self.results if result.status == "failed"]


def convert_rules(rules: Sequence[Rule], target: Target) -> ConversionReport:
    """Convert `rules` to `target`; a rule the backend cannot express fails alone."""
    backend = target.make_backend()
    copies = {id(rule): _copy_sigma(rule) for rule in rules}
    collection = SigmaCollection(list(copies.values()))
    _resolve_references(collection, rules)

    # A correlation's query embeds its base rules' converted queries: base rules go first.
    order = sorted(range(len(rules)), key=lambda i: rules[i].is_correlation)
    converted = {i: _convert_one(backend, target, rules[i], copies[id(rules[i])]) for i in order}
    report = ConversionReport(target, [converted[i] for i in range(len(rules))])
    counts = report.counts()
    log.info(
        "converted %d of %d rules to %s (%d failed, %d folded into correlations)",
        counts["converted"],
        len(rules),
        target.name,
        counts["failed"],
        counts["folded"],
    )
    return report


def _copy_sigma(rule: Rule) -> SigmaRule | SigmaCorrelationRule:
    """A private copy: pipelines add conditions and rename fields on the object they get."""
    return copy.deepcopy(rule.sigma)


def _resolve_references(collection: SigmaCollection, rules: Sequence[Rule]) -> None:
    """Link correlation rules to their base rules; an unresolved one fails at conversion."""
    try:
        collection.resolve_rule_references()
    except SigmaError as err:
        log.debug("rule references left unresolved: %s", err)


def _convert_one(
    backend: Backend, target: Target, rule: Rule, sigma: SigmaRule | SigmaCorrelationRule
) -> ConversionResult:
    try:
        _check_logsource(target, rule, sigma)
        queries = _backend_convert(backend, target, sigma)
    except ConversionError as err:
        err.path = err.path or rule.path
        log.debug("rule %s failed on %s: %s", rule.id, target.name, err)
        return ConversionResult(rule, target.name, "failed", error=err, converted=sigma)

    if not queries and isinstance(sigma, SigmaRule) and sigma._backreferences:
        return ConversionResult(rule, target.name, "folded", converted=sigma)
    if not queries:
        empty = _error(rule, target, "the backend produced no query for this rule")
        return ConversionResult(rule, target.name, "failed", error=empty, converted=sigma)
    return ConversionResult(rule, target.name, "converted", queries=queries, converted=sigma)


def _check_logsource(target: Target, rule: Rule, sigma: SigmaRule | SigmaCorrelationRule) -> None:
    """Fail a Windows rule whose category the target's pipelines leave unmapped."""
    if target.categories is None or not isinstance(sigma, SigmaRule):
        return
    logsource = sigma.logsource
    if logsource.product != "windows" or logsource.service or not logsource.category:
        return
    if logsource.category not in target.categories:
        raise _error(
            rule,
            target,
            f"log source category {logsource.category} has no mapping in {target.name} "
            f"({target.schema})",
            hint="pick a target whose schema carries this log source",
        )


def _backend_convert(
    backend: Backend, target: Target, sigma: SigmaRule | SigmaCorrelationRule
) -> list[Any]:
    """One rule through the backend; every way a backend says no becomes a ConversionError."""
    rule_id = str(sigma.id or sigma.title)
    try:
        if isinstance(sigma, SigmaCorrelationRule):
            return _convert_correlation(backend, target, sigma)
        return list(backend.convert_rule(sigma, target.output_format))
    except ConversionError:
        raise
    except SigmaTransformationError as err:
        message = f"{_first_sentence(str(err))} (log source {_logsource_text(sigma)})"
        raise _error_from(rule_id, target, message) from err
    except SigmaError as err:
        raise _error_from(rule_id, target, _first_line(str(err))) from err
    except NotImplementedError as err:
        message = _first_line(str(err)) or "a Sigma feature this backend does not implement"
        raise _error_from(rule_id, target, f"not supported by the backend: {message}") from err
    except Exception as err:  # a backend's own bug or error class: this rule fails alone
        message = f"the backend failed: {type(err).__name__}: {_first_line(str(err))}"
        raise _error_from(rule_id, target, message) from err


def _convert_correlation(
    backend: Backend, target: Target, sigma: SigmaCorrelationRule
) -> list[Any]:
    feature = f"correlation rule ({sigma.type.name.lower()})"
    if not target.correlation_method:
        raise _error_from(
            str(sigma.id or sigma.title),
            target,
            f"{feature} is not supported by {target.name}",
            hint="convert it for a target with correlation support (see `rathunt rules targets`)",
        )
    methods = getattr(backend, "correlation_methods", None) or {}
    if target.correlation_method not in methods:
        raise _error_from(
            str(sigma.id or sigma.title),
            target,
            f"{feature}: method {target.correlation_method} is not offered by this backend",
        )
    try:
        return list(
            backend.convert_correlation_rule(sigma, target.output_format, target.correlation_method)
        )
    except NotImplementedError as err:
        raise _error_from(
            str(sigma.id or sigma.title),
            target,
            f"{feature} is not supported by {target.name}: {_first_line(str(err))}",
        ) from err


def _first_sentence(text: str) -> str:
    line = _first_line(text)
    return line.split(". ")[0].rstrip(".") if line else line


def _logsource_text(sigma: SigmaRule | SigmaCorrelationRule) -> str:
    if not isinstance(sigma, SigmaRule):
        return "of the correlated rules"
    source = sigma.logsource
    return "/".join(part or "-" for part in (source.product, source.category, source.service))


def _first_line(text: str) -> str:
    """Backends explain at length; the first line names the problem."""
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def _error(rule: Rule, target: Target, message: str, hint: str | None = None) -> ConversionError:
    return ConversionError(
        message, path=rule.path, where=f"rule {rule.id}, target {target.name}", hint=hint
    )


def _error_from(
    rule_id: str, target: Target, message: str, hint: str | None = None
) -> ConversionError:
    return ConversionError(message, where=f"rule {rule_id}, target {target.name}", hint=hint)


def successful_queries(results: Iterable[ConversionResult]) -> list[tuple[Rule, Any]]:
    """(rule, query) for every query of every converted rule, in order."""
    return [(result.rule, query) for result in results for query in result.queries]
