"""What the lint reports: one finding per problem, located by file, line and rule id."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

# error: the rule is wrong or cannot work as written; warning: it works but is weak or
# misleading (an analyst would be misled by its hits or its silence); note: style and metadata.
Severity = Literal["error", "warning", "note"]
SEVERITY_RANK: dict[str, int] = {"note": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One problem in one rule. `check` names the check (rathunt's or a SigmaHQ validator's)."""

    check: str
    severity: Severity
    message: str
    path: str | None
    line: int | None
    rule_id: str | None
    hint: str
    source: str = "rathunt"  # "rathunt" or "sigmahq" (pySigma validators)

    def location(self) -> str:
        place = self.path or "<unknown file>"
        if self.line:
            place += f":{self.line}"
        return place


@dataclass(slots=True)
class LintReport:
    """Every finding of one lint run, plus how many rules and files were looked at."""

    findings: list[LintFinding] = field(default_factory=list)
    rules: int = 0
    files: int = 0

    def counts(self) -> Counter[str]:
        return Counter(finding.severity for finding in self.findings)

    def at_or_above(self, severity: Severity) -> list[LintFinding]:
        floor = SEVERITY_RANK[severity]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= floor]

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.path or "", f.line or 0, f.check))
