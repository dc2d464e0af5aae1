"""Checks on a rule's identity and metadata: its id, level, tags, false positives, log source.

These need no look at the detection; `checks.py` holds the ones that do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from uuid import UUID

from sigma.rule import SigmaRule

from rathunt.rules import attack
from rathunt.rules.lint.fieldsets import TAXONOMY_ADVICE, Knowledge
from rathunt.rules.lint.findings import LintFinding, Severity
from rathunt.rules.lint.locate import RuleLines
from rathunt.rules.rule import Rule


class FindingMaker:
    """Builds findings for one rule, so each check states only what it found."""

    def __init__(self, rule: Rule, lines: RuleLines) -> None:
        self.rule = rule
        self.lines = lines

    def __call__(
        self, check: str, severity: Severity, message: str, hint: str, line: int | None
    ) -> LintFinding:
        return LintFinding(check, severity, message, self.rule.path, line, self.rule.id, hint)


def is_placeholder_id(value: str) -> bool:
    """An id a person typed rather than generated: nil, all decimal digits, runs like 12345678.

    A random UUID has 32 hex digits; the chance that all of them are 0-9 is below one in a
    million, so such ids are typed, and typed ids collide across rule sets.
    """
    digits = value.replace("-", "").lower()
    if len(set(digits)) <= 4 or digits.isdigit():
        return True
    ascending = sum(
        1
        for a, b in pairwise(digits)
        if a.isdigit() and b.isdigit() and (int(a) + 1) % 10 == int(b)
    )
    return ascending >= 12


def check_id(rule: Rule, finding: FindingMaker) -> Iterator[LintFinding]:
    sigma_id = rule.sigma.id
    line = finding.lines.line("id")
    if sigma_id is None:
        yield finding(
            "missing-id",
            "error",
            "the rule has no id",
            "add `id:` with a new UUID (python -c 'import uuid; print(uuid.uuid4())')",
            line,
        )
        return
    if isinstance(sigma_id, UUID) and is_placeholder_id(str(sigma_id)):
        yield finding(
            "placeholder-id",
            "error",
            f"id {sigma_id} is a placeholder, not a generated UUID",
            "replace it with a fresh uuid4; placeholder ids collide with other rule sets",
            line,
        )


def check_metadata(rule: Rule, finding: FindingMaker) -> Iterator[LintFinding]:
    sigma = rule.sigma
    if sigma.level is None:
        yield finding(
            "missing-level",
            "warning",
            "the rule has no level",
            "add `level:` (informational, low, medium, high, critical)",
            finding.lines.line("title"),
        )
    tags = rule.tags
    if not any(tag.lower().startswith("attack.") for tag in tags):
        yield finding(
            "missing-attack-tags",
            "warning",
            "the rule has no ATT&CK tags",
            "add `tags:` such as attack.persistence and attack.t1547.001",
            finding.lines.line("tags") or finding.lines.line("title"),
        )
    for tag in tags:
        match = re.fullmatch(r"attack\.(t\d{4}(?:\.\d{3})?)", tag.lower())
        if match and attack.technique(match.group(1)).name == match.group(1).upper():
            yield finding(
                "unknown-attack-technique",
                "note",
                f"tag {tag} names no technique in the installed ATT&CK data (v18.1)",
                "check the technique id; newer ATT&CK releases may define it",
                finding.lines.line("tags"),
            )
    if isinstance(sigma, SigmaRule) and not sigma.falsepositives:
        yield finding(
            "missing-falsepositives",
            "note",
            "the rule lists no false positives",
            "add `falsepositives:` so analysts know what benign activity looks like",
            finding.lines.line("title"),
        )


# Categories rathunt's readers assign beyond the taxonomy (System 7045 / Security 4697, and
# Security 4698 / TaskScheduler 106), so the write-up's seed rules run in a hunt.
RATHUNT_EXTENSIONS = frozenset({"service_creation", "task_creation"})


def check_logsource(
    sigma: SigmaRule, finding: FindingMaker, kb: Knowledge
) -> Iterator[LintFinding]:
    logsource = sigma.logsource
    product = logsource.product or ""
    if product not in kb.categories:
        return
    if logsource.category and logsource.category not in kb.categories[product]:
        advice = TAXONOMY_ADVICE.get(
            logsource.category, "use a category the Sigma taxonomy defines (see docs/lint.md)"
        )
        yield finding(
            "logsource-taxonomy",
            "error",
            f"log source category {logsource.category} is not in the Sigma taxonomy; "
            + (
                "rathunt reads it as an extension, but no SIEM backend maps it, so the "
                "converted rule never matches"
                if logsource.category in RATHUNT_EXTENSIONS
                else "no backend or reader maps it, so the rule never matches"
            ),
            advice,
            finding.lines.line("logsource", "category"),
        )
    if logsource.service and logsource.service not in kb.services.get(product, frozenset()):
        yield finding(
            "logsource-taxonomy",
            "error",
            f"log source service {logsource.service} is not in the Sigma taxonomy",
            "use a service the Sigma taxonomy defines (see docs/lint.md)",
            finding.lines.line("logsource", "service"),
        )
