"""`rathunt rules convert` and `rathunt rules targets`: rules to SIEM queries."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from rathunt.cli import EXIT_FINDINGS, EXIT_NOTHING
from rathunt.errors import ConversionError
from rathunt.rules import RuleSet, load_pack, load_rules
from rathunt.rules.convert import (
    EXTRA_HINT,
    TARGETS,
    ConversionReport,
    ConversionResult,
    convert_rules,
    get_target,
    package,
)

FORMATS = ("query", "jsonl", "package")


@click.command(name="convert")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-t",
    "--target",
    "target_name",
    required=True,
    metavar="TARGET",
    help="Query language and schema; `rathunt rules targets` lists them.",
)
@click.option("--pack", "packs", multiple=True, metavar="NAME", help="A bundled rule pack.")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="query",
    show_default=True,
    help="query: the queries; jsonl: one result per rule; package: a deployable file.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of standard output.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any rule failed to convert.")
def convert(
    paths: tuple[Path, ...],
    target_name: str,
    packs: tuple[str, ...],
    output_format: str,
    output: Path | None,
    strict: bool,
) -> None:
    """Convert Sigma rules at PATHS (or --pack) to a SIEM's query language."""
    if not paths and not packs:
        raise click.UsageError("give rule PATHS or --pack NAME")
    target = get_target(target_name)
    if not target.is_installed():
        click.echo(
            f"rathunt: error: target {target.name} needs {target.distribution}; {EXTRA_HINT}",
            err=True,
        )
        sys.exit(EXIT_NOTHING)

    ruleset = _load(paths, packs)
    for problem in ruleset.problems:
        click.echo(f"rathunt: rule not loaded: {problem}", err=True)
    if not ruleset.rules:
        click.echo("rathunt: error: no rule could be loaded", err=True)
        sys.exit(EXIT_NOTHING)

    report = convert_rules(ruleset.rules, target)
    text = _render(report, output_format)
    _write(text, output)
    _summarise(report, ruleset)

    counts = report.counts()
    if not counts["converted"]:
        sys.exit(EXIT_NOTHING)
    if strict and (counts["failed"] or ruleset.problems):
        sys.exit(EXIT_FINDINGS)


def _load(paths: tuple[Path, ...], packs: tuple[str, ...]) -> RuleSet:
    ruleset = load_rules(list(paths)) if paths else RuleSet()
    for name in packs:
        ruleset.extend(load_pack(name))
    return ruleset


def _render(report: ConversionReport, output_format: str) -> str:
    if output_format == "package":
        return package(report)
    if output_format == "jsonl":
        return "".join(
            json.dumps(_result_record(r), ensure_ascii=False) + "\n" for r in report.results
        )
    blocks = [str(query) for result in report.results for query in result.queries]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _result_record(result: ConversionResult) -> dict[str, Any]:
    return {
        "rule_id": result.rule.id,
        "title": result.rule.title,
        "path": result.rule.path,
        "target": result.target,
        "status": result.status,
        "queries": [q if isinstance(q, str | dict | list) else str(q) for q in result.queries],
        "error": str(result.error) if result.error else None,
    }


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ConversionError(f"cannot write the output: {err}", path=str(output)) from err


def _summarise(report: ConversionReport, ruleset: RuleSet) -> None:
    for result in report.failed:
        click.echo(f"rathunt: not converted: {result.error}", err=True)
    counts = report.counts()
    click.echo(
        f"rathunt: {report.target.name}: {counts['converted']} converted, "
        f"{counts['failed']} failed, {counts['folded']} folded into correlations, "
        f"{len(ruleset.problems)} not loaded",
        err=True,
    )


@click.command(name="targets")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list.")
def targets(as_json: bool) -> None:
    """List the conversion targets and whether their backends are installed."""
    rows = [
        {
            "name": t.name,
            "language": t.language,
            "schema": t.schema,
            "installed": t.is_installed(),
            "package": t.package,
            "correlations": bool(t.correlation_method) and t.supports_correlation(),
            "distribution": t.distribution,
        }
        for t in TARGETS.values()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "installed" if row["installed"] else f"not installed ({row['distribution']})"
        extras = [f"package: {row['package']}"] if row["package"] else []
        extras += ["correlations"] if row["correlations"] else []
        click.echo(
            f"{row['name']:<15} {row['language']:<11} {state:<12} "
            f"{', '.join(extras):<36} {row['schema']}"
        )
    if not all(row["installed"] for row in rows):
        click.echo(EXTRA_HINT, err=True)


commands = [convert, targets]
