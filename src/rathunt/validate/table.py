"""Readable tables of a validation: rules, stages by variant, the evasion matrix, gates.

Built as rich renderables; the CLI prints them. Rule titles come from rule files and are
shown as plain text (no markup is interpreted).
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from rathunt.simulate.steps import STAGES
from rathunt.validate.run import ValidationResult

MARK = {
    "detected": Text("yes", style="green"),
    "missed": Text("MISS", style="bold red"),
    "n/a": Text("-", style="dim"),
}


SHORT = {
    "delivery": "deliv",
    "execution": "exec",
    "defense-evasion": "evade",
    "persistence": "persist",
    "credential-access": "cred",
    "command-and-control": "c2",
    "collection": "collect",
    "discovery": "disc",
    "lateral-movement": "lateral",
    "cleanup": "cleanup",
}


def _table(title: str, **options: object) -> Table:
    """A table whose title never wraps, however few its rows and columns."""
    return Table(title=title, title_justify="left", min_width=len(title) + 4, **options)  # type: ignore[arg-type]


def _rule_column(table: Table) -> None:
    table.add_column("rule", no_wrap=True, overflow="ellipsis", max_width=60)


def rules_table(result: ValidationResult) -> Table:
    table = _table("Rules on labelled telemetry")
    _rule_column(table)
    table.add_column("level")
    for column in ("TP", "FP", "FN"):
        table.add_column(column, justify="right")
    rules = sorted(result.scores.rules.values(), key=lambda r: (-r.tp, r.fp, r.title))
    for rule in rules:
        if not (rule.tp or rule.fp):
            continue
        misses = "-" if rule.correlation else str(rule.fn)
        table.add_row(Text(rule.title), rule.level, str(rule.tp), str(rule.fp), misses)
    silent = sum(1 for r in rules if not (r.tp or r.fp))
    table.caption = f"{silent} rules matched nothing"
    return table


def stages_table(result: ValidationResult) -> Table:
    """Variants (rows) against stages (columns): detected, MISSED, or - when absent."""
    scores = result.scores
    stages = [s for s in STAGES if scores.stage_recall(s) is not None]
    table = _table("Stages by variant")
    table.add_column("variant", no_wrap=True)
    for stage in stages:
        table.add_column(SHORT[stage], justify="center")
    for variant in scores.variants():
        table.add_row(Text(variant), *[MARK[scores.stage_status(variant, s)] for s in stages])
    recalls = [f"{scores.stage_recall(s) or 0:.2f}" for s in stages]
    table.add_row(Text("recall", style="bold"), *recalls)
    return table


def matrix_table(result: ValidationResult) -> Table:
    """Rules (rows) against variants (numbered columns): labelled events caught, '.' evaded."""
    scores = result.scores
    variants = scores.variants()
    legend = ", ".join(f"{n} {v}" for n, v in enumerate(variants, start=1))
    table = _table(
        "Evasion matrix: labelled events each rule caught per variant",
        caption=f"variants: {legend}",
        caption_justify="left",
    )
    _rule_column(table)
    for number in range(1, len(variants) + 1):
        table.add_column(str(number), justify="right")
    matrix = scores.matrix()
    for rule_id, row in sorted(matrix.items(), key=lambda item: scores.rules[item[0]].title):
        cells = [Text(str(n)) if n else Text(".", style="dim") for n in row.values()]
        table.add_row(Text(scores.rules[rule_id].title), *cells)
    return table


def gates_table(result: ValidationResult) -> Table:
    table = _table("Gates")
    table.add_column("gate")
    table.add_column("result")
    table.add_column("detail")
    for gate in result.gates:
        verdict = Text("pass", style="green") if gate.passed else Text("FAIL", style="bold red")
        table.add_row(gate.gate, verdict, Text(gate.detail))
    return table


def _levels(by_level: dict[str, int]) -> str:
    if not by_level:
        return ""
    return " (" + ", ".join(f"{n} {level}" for level, n in by_level.items()) + ")"


def summary(result: ValidationResult) -> Group:
    counts = result.counts
    benign = result.scores.as_dict()["benign"]
    line = Text(
        f"{counts.records_read} records read, {counts.records_skipped} skipped; "
        f"{result.scores.events_labelled} labelled malicious; "
        f"{benign['findings']} findings on benign events{_levels(benign['by_level'])}; "
        f"rules: {counts.rules_loaded} loaded, {counts.rules_degraded} degraded, "
        f"{counts.rules_rejected} rejected"
    )
    parts: list[Table | Text] = [
        line,
        rules_table(result),
        stages_table(result),
        matrix_table(result),
    ]
    if result.gates:
        parts.append(gates_table(result))
    return Group(*parts)
