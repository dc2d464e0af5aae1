"""`rathunt network PATH...`: read captures and network logs, print and write network findings."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson
from rich.console import Console

from rathunt.cli import EXIT_NOTHING
from rathunt.errors import ConfigError
from rathunt.events import ReadStats, iter_files, read_paths
from rathunt.model import Finding

if TYPE_CHECKING:
    from rathunt.network import AddressBook, NetworkScan

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@click.command(name="network")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the findings here as a timeline (JSONL, or CSV by extension).",
)
@click.option(
    "--events",
    "events_path",
    type=click.Path(path_type=Path),
    help="Also write every event read, as JSON Lines with Sigma field names.",
)
@click.option(
    "--hosts",
    "host_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Host telemetry (EVTX, JSON) to learn which host had which address.",
)
@click.option(
    "--host-map",
    type=click.Path(path_type=Path),
    help="A CSV of address,host pairs (DHCP or asset export).",
)
@click.option(
    "--suffixes",
    type=click.Path(path_type=Path),
    help="More dynamic-DNS or tunnel suffixes, one a line.",
)
@click.option(
    "--separator",
    "separators",
    multiple=True,
    help="An njRAT field separator besides |'|'| (repeatable).",
)
@click.option(
    "--min-connections",
    default=8,
    show_default=True,
    type=click.IntRange(3),
    help="Connections a series needs to be judged a beacon.",
)
@click.option(
    "--max-jitter",
    default=0.2,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Largest jitter of a beacon, as a fraction of its period.",
)
@click.option(
    "--min-lookups",
    default=6,
    show_default=True,
    type=click.IntRange(2),
    help="Lookups of one name that make a retry loop.",
)
@click.option(
    "--max-flows",
    default=20_000,
    show_default=True,
    type=click.IntRange(16),
    help="TCP connections followed at once in a capture.",
)
@click.option(
    "--stream-buffer",
    default=256 * 1024,
    show_default=True,
    type=click.IntRange(4096),
    help="Bytes of early segments held per direction.",
)
@click.pass_context
def command(
    ctx: click.Context,
    paths: Sequence[Path],
    output: Path | None,
    events_path: Path | None,
    host_paths: Sequence[Path],
    host_map: Path | None,
    suffixes: Path | None,
    separators: Sequence[str],
    min_connections: int,
    max_jitter: float,
    min_lookups: int,
    max_flows: int,
    stream_buffer: int,
) -> None:
    """Find njRAT sessions, beacons, retry loops and dynamic-DNS use in network telemetry.

    PATHS are pcap/pcapng captures, Zeek conn/dns/http logs (TSV or JSON), Squid or W3C
    proxy logs, Windows Firewall logs, or proxy/firewall CSV and JSON exports, or
    directories of them.
    """
    try:
        from rathunt.network import (
            CaptureOptions,
            NetworkOptions,
            NetworkScan,
            attribute_hosts,
            load_suffixes,
        )
        from rathunt.network.beacon import BeaconOptions
        from rathunt.network.lookups import RetryOptions
        from rathunt.network.njrat import SEPARATORS
        from rathunt.network.reassembly import Limits
    except ModuleNotFoundError as err:
        if err.name != "dpkt":
            raise
        raise ConfigError(
            "reading network telemetry needs dpkt", hint="pip install 'rathunt[network]'"
        ) from err

    options = NetworkOptions(
        capture=CaptureOptions(
            limits=Limits(direction_bytes=stream_buffer, max_flows=max_flows),
            separators=tuple(dict.fromkeys((*SEPARATORS, *separators))),
        ),
        beacon=BeaconOptions(min_connections=min_connections, max_jitter=max_jitter),
        retry=RetryOptions(min_lookups=min_lookups),
    )
    if suffixes is not None:
        options.suffixes = load_suffixes(suffixes)
    scan = NetworkScan(options)
    stats = ReadStats()
    _read(scan, paths, stats, events_path)
    findings = scan.finish()

    book = _address_book(host_paths, host_map)
    if book is not None:
        named = attribute_hosts(findings, book)
        click.echo(f"{len(book)} host addresses known; {named} findings named by host", err=True)

    quiet = bool(ctx.obj and ctx.obj.get("quiet"))
    if not quiet:
        _print(Console(), findings, stats)
    if output is not None:
        from rathunt.report import write_findings

        fmt = "csv" if output.suffix.lower() == ".csv" else "jsonl"
        write_findings(output, findings, format=fmt)
    if stats.files and stats.files_failed == stats.files:
        click.echo("rathunt: error: no input could be read", err=True)
        sys.exit(EXIT_NOTHING)


def _read(scan: NetworkScan, paths: Sequence[Path], stats: ReadStats, events: Path | None) -> None:
    sink = open(events, "wb") if events is not None else None  # noqa: SIM115
    try:
        for path in iter_files(paths, stats):
            for event in scan.read(path, stats):
                if sink is not None:
                    sink.write(_event_line(event))
    finally:
        if sink is not None:
            sink.close()


def _event_line(event: Any) -> bytes:
    record = {
        "time": event.time.isoformat().replace("+00:00", "Z") if event.time else None,
        "logsource": {
            "product": event.logsource.product,
            "service": event.logsource.service,
            "categories": list(event.logsource.categories),
        },
        "source": str(event.provenance),
        "fields": event.fields,
    }
    return orjson.dumps(record, default=str, option=orjson.OPT_NON_STR_KEYS) + b"\n"


def _address_book(host_paths: Sequence[Path], host_map: Path | None) -> AddressBook | None:
    from rathunt.network import AddressBook

    if not host_paths and host_map is None:
        return None
    book = AddressBook.from_csv(host_map) if host_map is not None else AddressBook()
    host_stats = ReadStats()
    for event in read_paths(list(host_paths), stats=host_stats):
        book.learn(event)
    return book


def _print(console: Console, findings: list[Finding], stats: ReadStats) -> None:
    console.print(
        f"read {stats.files} files ({stats.files_failed} failed), {stats.records_read} events; "
        f"{len(stats.problems)} problems; {len(findings)} network findings",
        markup=False,
        highlight=False,
    )
    for finding in findings:
        when = finding.time.strftime("%Y-%m-%d %H:%M:%S") if finding.time else "-"
        line = f"{when}  {finding.level:<8}  {finding.computer or '-'}  {finding.rule_title}"
        console.print(_printable(line), markup=False, highlight=False)
        detail = "    " + _printable(_detail(finding))
        console.print(detail, markup=False, highlight=False, soft_wrap=True)


def _printable(text: str) -> str:
    """Attacker text for a terminal: control characters (escape sequences) shown as `?`."""
    return _CONTROL.sub("?", text)


def _detail(finding: Finding) -> str:
    matched = finding.matched
    if finding.rule_id.endswith("njrat-protocol"):
        checkin = matched.get("checkin", {})
        parts = [
            f"C2 {matched.get('c2_name') or matched.get('c2_ip')}:{matched.get('c2_port')}",
            f"victim {checkin.get('victim_name', '?')} on {checkin.get('machine_name', '?')}",
            f"user {checkin.get('user_name', '?')}",
            f"version {checkin.get('version', '?')}",
        ]
        return ", ".join(parts)
    if "period_seconds" in matched and "connections" in matched:
        return (
            f"to {matched.get('cs-host') or matched.get('dst_ip')}:{matched.get('dst_port', '-')} "
            f"every {matched['period_seconds']} s (jitter {matched['jitter_seconds']} s), "
            f"{matched['connections']} connections"
        )
    if "lookups" in matched:
        return (
            f"{matched['query']} looked up {matched['lookups']} times, "
            f"every {matched['period_seconds']} s; {matched['failed_connections']} "
            "connections failed"
        )
    return f"{matched.get('query')} ({matched.get('provider')}), {matched.get('requests')} requests"
