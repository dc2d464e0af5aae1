"""The terminal summary of a run: incidents first, then findings by level, tactic, host, rule.

Every value from an event or a rule reaches the console as a `rich.text.Text` cut by
`terminal_safe`: rich never parses it as markup or emoji codes, and escape sequences and
control characters in it are stripped, so a hostile host name cannot restyle, move the
cursor or rewrite the terminal. Only the fixed labels here carry styles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rathunt.model import Finding, Incident, RunCounts
from rathunt.report.digest import Digest, digest
from rathunt.report.order import normal_tactic, rank_incidents
from rathunt.report.serialise import iso_time
from rathunt.report.text import terminal_safe

# Problems listed by name before the rest are only counted.
PROBLEMS_SHOWN = 5

LEVEL_STYLES = {
    "critical": "bold magenta",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "informational": "dim",
}
CONFIDENCE_STYLES = {"high": "bold red", "medium": "yellow", "low": "cyan"}
# Columns kept on one line; long host names end in an ellipsis rather than wrap.
_UNBROKEN = ("first", "last", "for", "level", "worst", "tactic")
_NUMERIC = ("findings", "events", "hosts", "for")


def render_summary(
    console: Console,
    findings: Iterable[Finding],
    incidents: Sequence[Incident],
    counts: RunCounts,
    *,
    top: int = 10,
) -> Digest:
    """Print the run's summary on `console`; return the counts it was drawn from.

    `findings` is read once. `top` caps the incidents, hosts and rules listed.
    """
    seen = digest(findings)
    console.print(_headline(seen, incidents), highlight=False)
    if incidents:
        _section(console, "Incidents", _incident_table(incidents, top), len(incidents), top)
    if seen.findings:
        console.print()
        console.print(_heading("Findings by level"))
        console.print(_level_line(seen), highlight=False)
        _section(console, "By tactic (kill-chain order)", _tactic_table(seen), 0, 0)
        _section(console, "By host", _host_table(seen, top, console.width), len(seen.hosts), top)
        _section(console, "Top rules", _rule_table(seen, top), len(seen.rules), top)
    _print_counts(console, counts)
    return seen


def _headline(seen: Digest, incidents: Sequence[Incident]) -> Text:
    line = Text("rathunt: ", style="bold")
    line.append(f"{_plural(len(incidents), 'incident')}, {_plural(seen.findings, 'finding')} ")
    line.append(f"({_plural(seen.events, 'event')}) on {_plural(len(seen.hosts), 'host')}; ")
    fired = len(seen.rules)
    line.append(f"{_plural(fired, 'rule')} fired")
    if seen.first is not None:
        line.append(f"\nevents from {_short_time(seen.first)} to {_short_time(seen.last)}")
    return line


def _section(console: Console, title: str, table: Table, total: int, top: int) -> None:
    console.print()
    heading = _heading(title)
    if top and total > top:
        heading.append(f" (top {top} of {total})", style="dim")
    console.print(heading)
    console.print(table)


def _heading(title: str) -> Text:
    return Text(title, style="bold underline")


def _table(*columns: str, host_width: int = 24) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style="bold",
        padding=(0, 1, 0, 0),
    )
    for column in columns:
        host = column == "host"
        table.add_column(
            column,
            justify="right" if column in _NUMERIC else "left",
            overflow="ellipsis" if host else "fold",
            no_wrap=host or column in _UNBROKEN,
            max_width=host_width if host else None,
        )
    return table


def _incident_table(incidents: Sequence[Incident], top: int) -> Table:
    """Two lines an incident: confidence, host, size and span; then the stages reached."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for incident in rank_incidents(incidents)[:top]:
        found = sum(len(findings) for _, findings in incident.stages)
        detail = Text(terminal_safe(incident.computer), style="bold")
        detail.append(f"  {_plural(found, 'finding')} from {_short_time(iso_time(incident.first))}")
        detail.append(f" for {_duration(incident.first, incident.last)}")
        stages = " > ".join(normal_tactic(str(name)) for name, _ in incident.stages)
        detail.append("\nstages: ", style="dim").append(terminal_safe(stages))
        table.add_row(_confidence(incident), detail)
    return table


def _confidence(incident: Incident) -> Text:
    style = CONFIDENCE_STYLES.get(incident.confidence, "")
    label = Text(terminal_safe(incident.confidence, 20), style=style)
    return label.append(f" {incident.score:.2f}", style="dim")


def _duration(first: datetime | None, last: datetime | None) -> str:
    """How long something lasted, in the largest whole unit that fits."""
    if first is None or last is None:
        return "-"
    seconds = int(abs((last - first).total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _level_line(seen: Digest) -> Text:
    line = Text()
    for index, (level, count) in enumerate(seen.levels_in_order()):
        if index:
            line.append("   ")
        line.append(terminal_safe(level, 40), style=LEVEL_STYLES.get(level, "") if count else "dim")
        line.append(f" {count}")
    return line


def _tactic_table(seen: Digest) -> Table:
    table = _table("tactic", "findings", "top rule")
    for tactic, count in seen.tactics_in_order():
        rule_id, _ = seen.tactic_rules[tactic].most_common(1)[0]
        table.add_row(_safe(tactic), Text(str(count)), _safe(seen.rules[rule_id].title))
    return table


def _host_table(seen: Digest, top: int, width: int) -> Table:
    # The other columns take at most 61 characters; the host name gets the rest, 19 to 40.
    host_width = max(19, min(40, width - 61))
    table = _table("host", "worst", "findings", "events", "first", "for", host_width=host_width)
    for host in seen.top_hosts(top):
        table.add_row(
            _safe(host.name),
            _level(host.worst),
            Text(str(host.findings)),
            Text(str(host.events)),
            Text(_short_time(host.first)),
            Text(_duration(_parse(host.first), _parse(host.last))),
        )
    return table


def _rule_table(seen: Digest, top: int) -> Table:
    table = _table("rule", "level", "findings", "hosts")
    for rule in seen.top_rules(top):
        table.add_row(
            _safe(rule.title),
            _level(rule.level),
            Text(str(rule.findings)),
            Text(str(len(rule.hosts))),
        )
    return table


def _print_counts(console: Console, counts: RunCounts) -> None:
    console.print()
    console.print(_heading("Counts"))
    console.print(
        Text(
            f"input: {_plural(counts.files, 'file')} ({counts.files_failed} failed"
            + (f", {counts.files_ignored} ignored as not telemetry" if counts.files_ignored else "")
            + "), "
            f"{counts.records_read:,} records read, {counts.records_skipped:,} skipped, "
            f"{counts.duplicates:,} duplicates"
        )
    )
    console.print(
        Text(
            f"rules: {counts.rules_loaded:,} loaded: {counts.rules_full:,} full, "
            f"{counts.rules_degraded:,} degraded, {counts.rules_rejected:,} rejected; "
            f"{counts.rule_files_failed} rule files failed"
            + (
                f"; {counts.evaluation_errors:,} evaluations failed (counted as no match)"
                if counts.evaluation_errors
                else ""
            )
        )
    )
    if not counts.problems:
        return

    shown = counts.problems[:PROBLEMS_SHOWN]
    console.print()
    console.print(_heading(f"Problems ({len(counts.problems)})"))
    for problem in shown:
        console.print(Text("- ").append(terminal_safe(problem)))
    if len(counts.problems) > len(shown):
        more = len(counts.problems) - len(shown)
        console.print(Text(f"… and {more} more", style="dim"))


def _safe(value: object) -> Text:
    return Text(terminal_safe(value))


def _level(level: str) -> Text:
    return Text(terminal_safe(level, 40), style=LEVEL_STYLES.get(level, ""))


def _parse(moment: str | None) -> datetime | None:
    return None if moment is None else datetime.fromisoformat(moment)


def _short_time(moment: str | None) -> str:
    """An ISO time to the second, for a narrow column."""
    return "-" if moment is None else moment[:19] + "Z"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
