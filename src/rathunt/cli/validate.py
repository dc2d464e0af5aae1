"""`rathunt validate`: score rules on labelled telemetry and gate CI on the result."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
import orjson
from rich.console import Console

from rathunt.cli import EXIT_FINDINGS
from rathunt.cli.simulate import check_variants, intrusion_builds, parse_start
from rathunt.errors import ConfigError
from rathunt.simulate import FORMATS, SimOptions
from rathunt.validate import (
    Source,
    ValidateOptions,
    parse_gate,
    simulate_source,
    source_from_path,
    validate,
)
from rathunt.validate.score import LEVELS
from rathunt.validate.table import summary


@click.command(name="validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labels for PATH when it is not a simulation directory (real samples).",
)
@click.option(
    "--simulate",
    "simulate_now",
    is_flag=True,
    help="Simulate first: one intrusion per variant among benign noise.",
)
@click.option(
    "--hosts",
    type=click.IntRange(1, 5000),
    default=None,
    help="Hosts to simulate (default: one per variant plus two).",
)
@click.option("--days", type=click.FloatRange(0.01, 31), default=1.0, show_default=True)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    callback=lambda c, p, v: check_variants(v),
    help="A variant to simulate (a+b combines); repeatable. Default: all.",
)
@click.option(
    "--benign-only", is_flag=True, help="Simulate noise only, to measure false positives."
)
@click.option("--seed", default="0", show_default=True)
@click.option("--start", help="Start of the simulated period, ISO 8601 UTC.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="evtx-jsonl",
    show_default=True,
    help="Shape the simulation is written in.",
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the simulation here and keep it (default: a temporary directory).",
)
@click.option(
    "-p",
    "--pack",
    "packs",
    multiple=True,
    help="Rule pack to score (njrat, seed); repeatable. Default: njrat.",
)
@click.option(
    "-r",
    "--rules",
    "rule_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Sigma rule file or directory to score; repeatable.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full result as JSON.",
)
@click.option(
    "--fail-under",
    "fail_under",
    multiple=True,
    help="Gate: stage=1.0, <stage>=R or variant-stages=N; repeatable.",
)
@click.option(
    "--max-benign-fp",
    type=click.IntRange(0),
    help="Fail when more findings than this at --fp-level or above hit benign events.",
)
@click.option("--fp-level", type=click.Choice(LEVELS), default="medium", show_default=True)
def command(
    paths: tuple[Path, ...],
    labels: Path | None,
    simulate_now: bool,
    hosts: int | None,
    days: float,
    variants: tuple[str, ...],
    benign_only: bool,
    seed: str,
    start: str | None,
    fmt: str,
    keep: Path | None,
    packs: tuple[str, ...],
    rule_paths: tuple[Path, ...],
    json_path: Path | None,
    fail_under: tuple[str, ...],
    max_benign_fp: int | None,
    fp_level: str,
) -> None:
    """Score rules per rule, stage and variant on simulated or labelled telemetry."""
    if not paths and not simulate_now:
        raise click.UsageError(
            "give a simulation directory, telemetry with --labels, or --simulate"
        )
    if labels is not None and len(paths) != 1:
        raise click.UsageError("--labels goes with exactly one PATH")
    try:
        gates = [parse_gate(spec) for spec in fail_under]
    except ConfigError as err:  # a bad option value is bad usage (exit 2), caught before any work
        raise click.BadParameter(str(err), param_hint="--fail-under") from err
    options = ValidateOptions(
        packs=list(packs) or ([] if rule_paths else ["njrat"]),
        rules=list(rule_paths),
        gates=gates,
        max_benign_fp=max_benign_fp,
        fp_level=fp_level,
    )
    sources: list[Source] = [source_from_path(p, labels) for p in paths]
    with tempfile.TemporaryDirectory(prefix="rathunt-validate-") as scratch:
        if simulate_now:
            builds = intrusion_builds(variants, True, 1, benign_only)
            sim = SimOptions(
                hosts=hosts or len(builds) + 2,
                days=days,
                seed=seed,
                intrusions=builds,
                start=parse_start(start),
            )
            sources.append(simulate_source(sim, keep or Path(scratch) / "simulation", fmt))
        result = validate(sources, options)
    # The tables need about 130 columns; a narrower terminal (or a CI log) still gets them whole.
    console = Console()
    Console(width=max(console.width, 132)).print(summary(result))
    if json_path is not None:
        json_path.write_bytes(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2))
        click.echo(f"result written to {json_path}", err=True)
    if not result.passed:
        sys.exit(EXIT_FINDINGS)
