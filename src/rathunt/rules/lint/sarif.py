"""Lint findings as SARIF 2.1.0, the format code hosts show as annotations on a diff."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from rathunt import __version__
from rathunt.rules.lint.findings import LintFinding, LintReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


def to_sarif(report: LintReport, *, base: str | Path | None = None) -> dict[str, Any]:
    """One run of the `rathunt-lint` tool; file URIs are relative to `base` when given."""
    checks = sorted({(f.check, f.source) for f in report.findings})
    index = {check: number for number, (check, _) in enumerate(checks)}
    rules = [
        {
            "id": check,
            "name": check.replace("-", " "),
            "shortDescription": {"text": f"{check} ({source})"},
            "properties": {"source": source},
        }
        for check, source in checks
    ]
    results = [_result(f, index[f.check], base) for f in report.findings]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "rathunt-lint",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _result(finding: LintFinding, rule_index: int, base: str | Path | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "level": SARIF_LEVEL[finding.severity],
        "message": {"text": f"{finding.message}. Fix: {finding.hint}"},
    }
    if finding.path:
        region = {"startLine": finding.line} if finding.line else None
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.path, base)}}
        if region:
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    if finding.rule_id:
        result["properties"] = {"sigmaRuleId": finding.rule_id}
    return result


def _uri(path: str, base: str | Path | None) -> str:
    """A relative URI with forward slashes, as code hosts expect."""
    if base is not None:
        with contextlib.suppress(ValueError):
            path = os.path.relpath(path, base)
    return Path(path).as_posix()
