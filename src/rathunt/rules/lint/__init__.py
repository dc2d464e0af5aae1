"""Lint Sigma rules: pySigma's SigmaHQ validators plus rathunt's own checks.

report = lint_paths(["rules/"])           # or lint_rules(ruleset)
for finding in report.findings: finding.check, finding.path, finding.line, finding.hint
sarif = to_sarif(report)                   # SARIF 2.1.0 for code hosts
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

from rathunt.errors import RuleError
from rathunt.rules import RuleSet, load_rules
from rathunt.rules.lint.checks import check_rule
from rathunt.rules.lint.fieldsets import knowledge
from rathunt.rules.lint.findings import LintFinding, LintReport, Severity
from rathunt.rules.lint.locate import rule_lines
from rathunt.rules.lint.metadata import is_placeholder_id
from rathunt.rules.lint.sarif import to_sarif
from rathunt.rules.lint.sigmahq import check_sigmahq
from rathunt.rules.rule import Rule

log = logging.getLogger(__name__)

__all__ = [
    "LintFinding",
    "LintReport",
    "Severity",
    "is_placeholder_id",
    "lint_paths",
    "lint_rules",
    "to_sarif",
]


def lint_paths(paths: Sequence[str | Path], *, sigmahq: bool = True) -> LintReport:
    """Load the rules under `paths` and lint them; files that do not load are findings too."""
    return lint_rules(load_rules(paths), sigmahq=sigmahq)


def lint_rules(ruleset: RuleSet, *, sigmahq: bool = True) -> LintReport:
    kb = knowledge()
    report = LintReport(rules=len(ruleset.rules), files=ruleset.files)
    report.findings.extend(_load_problems(ruleset.problems))
    for rule in ruleset.rules:
        lines = rule_lines(rule.path, rule.id, rule.title)
        report.findings.extend(check_rule(rule, lines, kb))
    report.findings.extend(_duplicate_ids(ruleset.rules))
    if sigmahq:
        report.findings.extend(check_sigmahq(ruleset.rules))
    report.sort()
    counts = report.counts()
    log.info(
        "linted %d rules in %d files: %d errors, %d warnings, %d notes",
        report.rules,
        report.files,
        counts["error"],
        counts["warning"],
        counts["note"],
    )
    return report


def _load_problems(problems: Sequence[RuleError]) -> Iterator[LintFinding]:
    for problem in problems:
        line = None
        if problem.where and problem.where.startswith("line "):
            digits = problem.where.split()[1].rstrip(",")
            line = int(digits) if digits.isdigit() else None
        yield LintFinding(
            "load-error",
            "error",
            problem.message,
            problem.path,
            line,
            problem.rule_id,
            problem.hint or "fix the rule so it loads",
        )


def _duplicate_ids(rules: Sequence[Rule]) -> Iterator[LintFinding]:
    by_id: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        if rule.sigma.id is not None:
            by_id[str(rule.sigma.id)].append(rule)
    for rule_id, same in by_id.items():
        for rule in same[1:]:
            first = same[0]
            line = rule_lines(rule.path, rule.id, rule.title).line("id")
            yield LintFinding(
                check="duplicate-id",
                severity="error",
                message=f"id {rule_id} is also used by {first.title!r} ({first.path})",
                path=rule.path,
                line=line,
                rule_id=rule.id,
                hint="give each rule its own uuid4; tools key findings and suppressions on the id",
            )
