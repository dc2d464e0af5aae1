"""`rathunt simulate njrat`: write njRAT intrusions inside benign noise, with labels."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from rathunt.simulate import FORMATS, VARIANTS, SimOptions, write_simulation
from rathunt.simulate.stream import DEFAULT_START


def intrusion_builds(
    variants: tuple[str, ...], each: bool, copies: int, benign: bool
) -> list[list[str]]:
    """The builds to place: one combined build (`copies` times), or one per variant."""
    if benign:
        return []
    if each:
        names = list(variants) or sorted(VARIANTS)
        return [name.split("+") for name in names]
    build = [name for value in variants for name in value.split("+")] or ["default"]
    return [list(build) for _ in range(copies)]


def check_variants(values: tuple[str, ...]) -> tuple[str, ...]:
    """Variant names, each possibly `a+b`; an unknown one is a usage error naming the known."""
    for value in values:
        for name in value.split("+"):
            if name not in VARIANTS:
                raise click.BadParameter(
                    f"unknown variant {name!r}; use {', '.join(sorted(VARIANTS))}",
                    param_hint="--variant",
                )
    return values


def parse_start(value: str | None) -> datetime:
    if not value:
        return DEFAULT_START
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time", param_hint="--start"
        ) from err
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.group(name="simulate")
def command() -> None:
    """Generate labelled attack telemetry inside realistic benign activity."""


@command.command(name="njrat")
@click.option(
    "--hosts",
    type=click.IntRange(1, 5000),
    default=3,
    show_default=True,
    help="Hosts to simulate; every fifth is a server.",
)
@click.option(
    "--days",
    type=click.FloatRange(0.01, 31),
    default=1.0,
    show_default=True,
    help="Length of the period (hours as fractions: 0.25 is six hours).",
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    callback=lambda c, p, v: check_variants(v),
    help=f"A variant ({', '.join(sorted(VARIANTS))}); repeat to combine them into one "
    "build, or with --each-variant give one build each (a+b combines).",
)
@click.option(
    "--each-variant",
    is_flag=True,
    help="One intrusion per --variant (every variant when none is given).",
)
@click.option(
    "--intrusions",
    type=click.IntRange(0),
    default=1,
    show_default=True,
    help="Workstations that get the (combined) build.",
)
@click.option("--benign-only", is_flag=True, help="Noise only: no intrusion, no labels.")
@click.option("--servers", type=click.IntRange(0), help="Servers among the hosts.")
@click.option(
    "--auditing",
    type=click.Choice(["alternate", "all", "none"]),
    default="alternate",
    show_default=True,
    help="Which hosts log Security 4688/4657/5156 twins.",
)
@click.option("--no-uninstall", is_flag=True, help="Leave the implant installed at the end.")
@click.option("--seed", default="0", show_default=True, help="Same seed, same bytes.")
@click.option("--start", help="Start of the period, ISO 8601 UTC (default 2026-11-02T00:00Z).")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="evtx-jsonl",
    show_default=True,
    help="Shape of the telemetry files.",
)
@click.option("--gzip", "compress", is_flag=True, help="Gzip each telemetry file.")
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write telemetry/, labels.jsonl and simulation.json into.",
)
def njrat(
    hosts: int,
    days: float,
    variants: tuple[str, ...],
    each_variant: bool,
    intrusions: int,
    benign_only: bool,
    servers: int | None,
    auditing: str,
    no_uninstall: bool,
    seed: str,
    start: str | None,
    fmt: str,
    compress: bool,
    out: Path,
) -> None:
    """Simulate njRAT intrusions on workstations among benign noise."""
    options = SimOptions(
        hosts=hosts,
        days=days,
        seed=seed,
        intrusions=intrusion_builds(variants, each_variant, intrusions, benign_only),
        servers=servers,
        start=parse_start(start),
        auditing=auditing,
        uninstall=not no_uninstall,
    )
    summary = write_simulation(options, out, fmt, compress)
    if (click.get_current_context().obj or {}).get("quiet"):  # `rathunt -q simulate ...`
        return
    labels = f"labels in {out}/labels.jsonl" if summary.labelled else "no labels (benign only)"
    click.echo(
        f"{summary.events} events ({summary.labelled} malicious) in {summary.files} "
        f"files under {out}/telemetry; {labels}"
    )
    for stage, count in summary.stages.items():
        click.echo(f"  {stage}: {count}")
