"""`rathunt rules check`: what the engine can run of a rule set, rule by rule."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rathunt.cli import EXIT_FINDINGS
from rathunt.hunt import HuntOptions, correlator_for, load_hunt_rules
from rathunt.rules import Rule, RuleSet


def check_rules(ruleset: RuleSet) -> dict[str, Any]:
    """Compile every rule and report its support status; the machine-readable summary."""
    from rathunt.engine import Engine

    Engine(ruleset.rules)
    correlator_for(ruleset.rules)  # correlations are checked (and rejected) as a hunt would
    rules = [_rule_entry(rule) for rule in ruleset.rules]
    statuses = Counter(entry["status"] for entry in rules)
    return {
        "files": ruleset.files,
        "files_failed": ruleset.files_failed,
        "rules": len(rules) + ruleset.rejected,
        "full": statuses["full"],
        "degraded": statuses["degraded"],
        "rejected": statuses["rejected"] + ruleset.rejected,
        "rejected_at_load": ruleset.rejected,
        "filters": ruleset.filters,
        "problems": [_problem_entry(p) for p in ruleset.problems],
        "results": rules,
    }


def _rule_entry(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "path": rule.path,
        "pack": rule.pack,
        "kind": "correlation" if rule.is_correlation else "detection",
        "status": rule.support.status,
        "reasons": list(rule.support.reasons),
    }


def _problem_entry(problem: Any) -> dict[str, Any]:
    return {
        "path": problem.path,
        "where": problem.where,
        "rule_id": getattr(problem, "rule_id", None),
        "message": problem.message,
    }


@click.command(name="check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-p", "--pack", "packs", multiple=True, help="A bundled pack. Repeatable.")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write the per-rule results as JSON."
)
@click.option("--strict", is_flag=True, help="Exit 1 if any rule is degraded or rejected.")
@click.option(
    "--top", type=int, default=15, show_default=True, help="How many reasons and problems to list."
)
def command(
    paths: tuple[Path, ...], packs: tuple[str, ...], output: Path | None, strict: bool, top: int
) -> None:
    """Load and compile rules; print how many run in full, degraded or not at all."""
    ruleset = load_hunt_rules(HuntOptions(rules=list(paths), packs=list(packs)))
    summary = check_rules(ruleset)
    if output is not None:
        output.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    _print(Console(), summary, top)
    if strict and (summary["degraded"] or summary["rejected"] or summary["files_failed"]):
        raise SystemExit(EXIT_FINDINGS)


def _print(console: Console, summary: dict[str, Any], top: int) -> None:
    table = Table(title="Rule support", show_header=True)
    for column in ("files", "rules", "full", "degraded", "rejected", "files failed"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(summary[key])
            for key in ("files", "rules", "full", "degraded", "rejected", "files_failed")
        )
    )
    console.print(table)

    reasons: Counter[str] = Counter()
    for entry in summary["results"]:
        if entry["status"] != "full":
            for reason in entry["reasons"]:
                reasons[f"{entry['status']}: {reason}"] += 1
    if reasons:
        console.print("[bold]Reasons[/bold] (rules)")
        for reason, count in reasons.most_common(top):
            console.print(f"  {count:>5}  {escape(reason)}")
    problems = summary["problems"]
    if problems:
        console.print(f"[bold]Problems[/bold] ({len(problems)})")
        for problem in problems[:top]:
            place = problem["path"] + (f" ({problem['where']})" if problem["where"] else "")
            console.print(f"  {escape(place)}: {escape(problem['message'])}")
        if len(problems) > top:
            console.print(f"  ... and {len(problems) - top} more (see --output)")
