"""`rathunt rules lint`: SigmaHQ validators and rathunt's checks, as text or SARIF."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rathunt.cli import EXIT_FINDINGS, EXIT_NOTHING
from rathunt.rules.lint import LintReport, lint_paths, to_sarif
from rathunt.rules.lint.findings import SEVERITY_RANK
from rathunt.rules.load import PACKS_DIR, available_packs


@click.command(name="lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-p", "--pack", "packs", multiple=True, help="A bundled pack (njrat, seed).")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "sarif"]),
    default="text",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here instead of standard output.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding at or above this severity is found.",
)
@click.option("--no-sigmahq", is_flag=True, help="Run only rathunt's own checks.")
def command(
    paths: tuple[Path, ...],
    packs: tuple[str, ...],
    output_format: str,
    output: Path | None,
    fail_on: str,
    no_sigmahq: bool,
) -> None:
    """Lint Sigma rules at PATHS (or --pack); exit 1 when findings reach --fail-on (for CI)."""
    targets = [*paths, *(_pack_path(name) for name in packs)]
    if not targets:
        raise click.UsageError("give rule PATHS or --pack NAME")
    report = lint_paths(targets, sigmahq=not no_sigmahq)
    if output_format == "sarif":
        text = json.dumps(to_sarif(report, base=Path.cwd()), indent=2) + "\n"
    else:
        text = _text(report)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")

    counts = report.counts()
    click.echo(
        f"rathunt: linted {report.rules} rules in {report.files} files: "
        f"{counts['error']} errors, {counts['warning']} warnings, {counts['note']} notes",
        err=True,
    )
    if report.rules == 0 and report.files == 0:
        sys.exit(EXIT_NOTHING)
    if fail_on != "never" and any(
        SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in report.findings
    ):
        sys.exit(EXIT_FINDINGS)


def _pack_path(name: str) -> Path:
    if name not in available_packs():
        raise click.BadParameter(
            f"no rule pack named {name!r} (available: {', '.join(available_packs())})",
            param_hint="--pack",
        )
    return PACKS_DIR / name


def _text(report: LintReport) -> str:
    """One finding a line, grep-able and clickable: path:line: severity check [rule]: ..."""
    lines = []
    for finding in report.findings:
        rule = f" [{finding.rule_id}]" if finding.rule_id else ""
        lines.append(
            f"{finding.location()}: {finding.severity} {finding.check}{rule}: "
            f"{finding.message} (fix: {finding.hint})"
        )
    return "\n".join(lines) + ("\n" if lines else "")
