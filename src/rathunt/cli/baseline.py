"""`rathunt baseline learn|show`: build profiles from history, and see what was learned."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rathunt.baseline import BaselineConfig, learn
from rathunt.baseline.summary import Summary, summarise
from rathunt.cli import EXIT_NOTHING, EXIT_USAGE
from rathunt.report.text import terminal_safe

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group(name="baseline")
def command() -> None:
    """Learn normal behaviour from history; score it with `rathunt hunt --baseline`."""


@command.command(name="learn")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The DuckDB baseline file; an existing one is extended.",
)
@click.option(
    "--days", type=click.IntRange(min=1), help="Learn the last N days of the input (UTC days)."
)
@click.option("--start", type=_DATE, help="First day of the window, YYYY-MM-DD (UTC).")
@click.option("--end", type=_DATE, help="Last day of the window, YYYY-MM-DD (UTC), inclusive.")
@click.option(
    "--allow-overlap", is_flag=True, help="Count host-days that an earlier learn already counted."
)
def learn_command(
    paths: tuple[Path, ...],
    out: Path,
    days: int | None,
    start: datetime | None,
    end: datetime | None,
    allow_overlap: bool,
) -> None:
    """Build or extend baseline profiles from telemetry PATHS (files or directories)."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        click.echo(f"rathunt: error: no such path: {', '.join(missing)}", err=True)
        sys.exit(EXIT_USAGE)
    if days is not None and start is not None and end is not None:
        raise click.UsageError("give --days with --start or --end, or --start with --end, not all")
    if start is not None and end is not None and start > end:
        raise click.UsageError(f"--start {start.date()} is after --end {end.date()}")
    result = learn(
        list(paths),
        out,
        days=days,
        start=_day(start),
        end=_day(end),
        allow_overlap=allow_overlap,
    )
    click.echo(
        f"{out}: run {result.run}, window {result.window_start} to {result.window_end}, "
        f"{result.events_learned} of {result.events_read} events learned on "
        f"{result.host_days} host-days"
    )
    left_out = {
        "outside the window": result.events_outside_window,
        "on host-days learned before": result.events_already_learned,
        "without a time": result.events_undated,
        "without a host": result.events_without_host,
    }
    for reason, count in left_out.items():
        if count:
            click.echo(f"  {count} events left out {reason}")
    stats = result.read_stats
    if stats is not None:
        click.echo(
            f"  read {stats.files} files, {stats.records_read} records, "
            f"{stats.records_skipped} skipped, {stats.duplicates} duplicates"
        )
    if result.events_learned == 0:
        click.echo("rathunt: error: nothing was learned", err=True)
        sys.exit(EXIT_NOTHING)


@command.command(name="show")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--top",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Entries to list per profile, most common and rarest.",
)
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="A thresholds file to start the suggestions from.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def show_command(path: Path, top: int, config_path: Path | None, as_json: bool) -> None:
    """Summarise a baseline file and suggest thresholds for scoring."""
    summary = summarise(path, top=top, config=BaselineConfig.load(config_path))
    if as_json:
        click.echo(orjson.dumps(_plain(summary), default=str, option=orjson.OPT_INDENT_2))
        return
    _print(summary, Console(soft_wrap=False))


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def _plain(summary: Summary) -> dict[str, Any]:
    return {
        "path": str(summary.path),
        "hosts": summary.hosts,
        "days": summary.days,
        "first_day": summary.first_day,
        "last_day": summary.last_day,
        "events": summary.events,
        "runs": summary.runs,
        "profiles": [
            {
                "name": p.name,
                "table": p.table,
                "rows": p.rows,
                "keys": p.keys,
                "single_host_keys": p.single_host_keys,
                "top": p.top,
                "rarest": p.rarest,
                "new_per_host_day": p.new_per_host_day,
                "tail_rate": p.tail_rate,
            }
            for p in summary.profiles
        ],
        "suggested_config": summary.suggested.to_toml(),
        "notes": summary.notes,
    }


def _print(summary: Summary, console: Console) -> None:
    click.echo(
        f"{summary.path}: {summary.hosts} hosts, {summary.days} days "
        f"({summary.first_day} to {summary.last_day}), {summary.events} events, "
        f"{len(summary.runs)} learn runs"
    )
    for profile in summary.profiles:
        click.echo(
            f"\n{profile.name} ({profile.table}): {profile.keys} keys, {profile.rows} rows, "
            f"{profile.single_host_keys} keys on one host only"
        )
        for title, entries in (("most common", profile.top), ("rarest", profile.rarest)):
            if entries:
                console.print(_table(title, entries))
    click.echo("\nSuggested thresholds (save as a TOML file, pass it to scoring):")
    for note in summary.notes:
        click.echo(f"# {note}")
    click.echo(summary.suggested.to_toml())


def _table(title: str, entries: list[dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in entries[0]:
        table.add_column(
            name, overflow="fold", justify="right" if name in ("hosts", "count") else "left"
        )
    for entry in entries:
        # Keys are event text: escape sequences in them must not reach the terminal.
        table.add_row(*(Text(terminal_safe(value)) for value in entry.values()))
    return table
