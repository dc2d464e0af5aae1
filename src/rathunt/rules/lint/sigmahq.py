"""pySigma's SigmaHQ validators, run offline, their issues turned into lint findings.

Some validators read data pySigma downloads on first use (ATT&CK, the SigmaHQ taxonomy,
file-name and event-id tables). rathunt never goes online, so those validators are left out
and rathunt's own checks cover the same ground from installed data: ATT&CK tags
(`unknown-attack-technique`), the taxonomy (`logsource-taxonomy`) and fields
(`unknown-field`). Validators that duplicate a rathunt check are left out too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from sigma.collection import SigmaCollection
from sigma.validation import SigmaValidator
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from rathunt.rules.lint.findings import LintFinding, Severity
from rathunt.rules.lint.locate import rule_lines
from rathunt.rules.rule import Rule

log = logging.getLogger(__name__)

# Validators that would download data at first use.
NEEDS_DOWNLOAD = frozenset(
    {
        "attacktag",
        "d3_fendtag",
        "sigmahq_tags_techniques_without_tactics",
        "sigmahq_logsource_unknown",
        "sigmahq_invalid_fieldname",
        "sigmahq_fieldname_cast",
        "sigmahq_redundant_field",
        "sigmahq_filename_prefix",
        "sigmahq_correlation_filename_prefix",
        "sigmahq_category_event_id",
        "sigmahq_category_windows_provider_name",
        "sigmahq_unknown_field",
    }
)
# Validators a rathunt check replaces with a located finding and a hint.
REPLACED = frozenset({"identifier_existence", "identifier_uniqueness", "sigmahq_level_existence"})

SEVERITY: dict[SigmaValidationIssueSeverity, Severity] = {
    SigmaValidationIssueSeverity.HIGH: "error",
    SigmaValidationIssueSeverity.MEDIUM: "warning",
    SigmaValidationIssueSeverity.LOW: "note",
}


@lru_cache(maxsize=1)
def _validator_classes() -> tuple[type[SigmaRuleValidator], ...]:
    from sigma.plugins import InstalledSigmaPlugins

    plugins = InstalledSigmaPlugins.autodiscover()
    skipped = NEEDS_DOWNLOAD | REPLACED
    validators: dict[str, Any] = dict(plugins.validators)
    return tuple(cls for name, cls in sorted(validators.items()) if name not in skipped)


def validator_names() -> list[str]:
    """The SigmaHQ validators the lint runs, by their class names."""
    return [cls.__name__ for cls in _validator_classes()]


def check_sigmahq(rules: Sequence[Rule]) -> Iterator[LintFinding]:
    """Every issue pySigma's validators raise on `rules`, located in the rule's file."""
    validator = SigmaValidator(_validator_classes())
    by_object = {id(rule.sigma): rule for rule in rules}
    collection = SigmaCollection([rule.sigma for rule in rules], resolve_references=False)
    for issue in validator.validate_rules(iter(collection)):  # type: ignore[arg-type]
        if not issue.rules:
            yield _finding(issue, None)
        for sigma in issue.rules:
            yield _finding(issue, by_object.get(id(sigma)))


def _finding(issue: SigmaValidationIssue, rule: Rule | None) -> LintFinding:
    name = type(issue).__name__.removesuffix("Issue")
    lines = rule_lines(rule.path, rule.id, rule.title) if rule else None
    line = lines.line() if lines else None
    return LintFinding(
        check=name,
        severity=SEVERITY.get(issue.severity, "warning"),
        message=str(issue.description) + _detail(issue),
        path=rule.path if rule else None,
        line=line,
        rule_id=rule.id if rule else None,
        hint="see the SigmaHQ rule conventions for " + name,
        source="sigmahq",
    )


def _detail(issue: SigmaValidationIssue) -> str:
    """The issue's own fields (the offending value, field or tag), without the rule objects."""
    skipped = {"rules", "severity", "description"}
    parts = [
        f"{name}: {value}"
        for name, value in vars(issue).items()
        if name not in skipped and str(value) not in ("None", "", "[]")
    ]
    return f" ({'; '.join(parts)[:300]})" if parts else ""
