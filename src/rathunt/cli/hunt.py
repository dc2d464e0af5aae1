"""`rathunt hunt PATH...`: run rules over telemetry, print a summary, write the findings."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from rathunt.cli import EXIT_FINDINGS, EXIT_NOTHING
from rathunt.hunt import LEVELS, HuntOptions, HuntResult, hunt

FORMATS = ("jsonl", "csv", "html")


def _format_of(output: Path | None, given: str | None) -> str:
    if given:
        return given
    if output is not None and output.suffix.lower().lstrip(".") in FORMATS:
        return output.suffix.lower().lstrip(".")
    return "jsonl"


@click.command(name="hunt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-r",
    "--rules",
    "rule_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A Sigma rule file or directory (a SigmaHQ checkout works). Repeatable.",
)
@click.option(
    "-p",
    "--pack",
    "packs",
    multiple=True,
    help="A bundled rule pack: njrat, seed. Repeatable. Default: every pack but seed.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the findings here, as a timeline sorted by time.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Format of --output (default: from its extension, else jsonl).",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    help="Also write a self-contained HTML report.",
)
@click.option(
    "--incidents",
    "incidents_path",
    type=click.Path(path_type=Path),
    help="Write the incidents as JSONL.",
)
@click.option(
    "--keep-duplicates",
    is_flag=True,
    help="Keep records that repeat (same computer, channel, record id and time).",
)
@click.option(
    "--placeholders",
    type=click.Path(exists=True, path_type=Path),
    help="YAML file of values for the Sigma `expand` modifier's placeholders.",
)
@click.option(
    "--baseline",
    type=click.Path(exists=True, path_type=Path),
    help="Score events against a baseline learned with `rathunt baseline learn`.",
)
@click.option(
    "--baseline-config",
    type=click.Path(exists=True, path_type=Path),
    help="TOML thresholds for --baseline (see `rathunt baseline show`).",
)
@click.option(
    "--correlation-lateness",
    type=click.IntRange(min=0),
    metavar="SECONDS",
    help="Close correlation windows once events pass them by this much (bounds memory; for "
    "inputs in time order). Default: at the end of input, exact for any order.",
)
@click.option("--min-level", type=click.Choice(LEVELS), help="Drop findings below this level.")
@click.option(
    "--fail-level",
    type=click.Choice(LEVELS),
    help="Exit 1 when a finding at or above this level is raised.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes for reading and matching: 0 for one per core, 1 for this process alone. "
    "At most one per core and one per chunk of input (32 MB or 512 files) are used.",
)
@click.option("--top", type=int, default=10, show_default=True, help="Rows per summary table.")
@click.option("-q", "--quiet", "quiet_here", is_flag=True, help="No summary and no progress bar.")
@click.pass_context
def command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    rule_paths: tuple[Path, ...],
    packs: tuple[str, ...],
    output: Path | None,
    fmt: str | None,
    html_path: Path | None,
    incidents_path: Path | None,
    keep_duplicates: bool,
    placeholders: Path | None,
    baseline: Path | None,
    baseline_config: Path | None,
    correlation_lateness: int | None,
    min_level: str | None,
    fail_level: str | None,
    workers: int,
    top: int,
    quiet_here: bool,
) -> None:
    """Hunt for threats in EVTX, JSON and XML telemetry with Sigma rules.

    PATHS are files or directories (walked recursively); formats are told by content.
    """
    quiet = quiet_here or bool(ctx.obj and ctx.obj.get("quiet"))
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(
            f"no such file or directory: {', '.join(missing)}", param_hint="PATHS"
        )
    options = HuntOptions(
        rules=list(rule_paths),
        packs=list(packs),
        keep_duplicates=keep_duplicates,
        placeholders=placeholders,
        baseline=baseline,
        baseline_config=baseline_config,
        correlation_lateness=(
            None if correlation_lateness is None else timedelta(seconds=correlation_lateness)
        ),
        min_level=min_level,
        workers=workers,
    )
    result = _run(paths, options, quiet)
    _write_outputs(result, output, _format_of(output, fmt), html_path, incidents_path)

    if not quiet:
        from rathunt.report import render_summary

        render_summary(Console(), result.findings, result.incidents, result.counts, top=top)
    if result.counts.records_read == 0 and result.counts.files_failed:
        sys.exit(EXIT_NOTHING)
    if result.counts.rules_full + result.counts.rules_degraded == 0:
        # Every rule failed to load or was rejected: "no findings" would be a false all-clear.
        sys.exit(EXIT_NOTHING)
    if fail_level and any(
        LEVELS.index(f.level) >= LEVELS.index(fail_level) for f in result.findings
    ):
        sys.exit(EXIT_FINDINGS)


def _run(paths: tuple[Path, ...], options: HuntOptions, quiet: bool) -> HuntResult:
    if quiet or not sys.stderr.isatty():
        return hunt(list(paths), options)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("loading rules and listing files", total=None)

        def advance(records: int) -> None:
            progress.update(task, description=f"{records:,} records read and matched")

        options.progress = advance
        return hunt(list(paths), options)


def _write_outputs(
    result: HuntResult,
    output: Path | None,
    fmt: str,
    html_path: Path | None,
    incidents_path: Path | None,
) -> None:
    from rathunt.report import write_findings, write_html, write_incidents

    if output is not None:
        if fmt == "html":
            write_html(output, result.findings, result.incidents, result.counts)
        else:
            write_findings(output, result.findings, format=fmt)
    if html_path is not None:
        write_html(html_path, result.findings, result.incidents, result.counts)
    if incidents_path is not None:
        write_incidents(incidents_path, result.incidents)
