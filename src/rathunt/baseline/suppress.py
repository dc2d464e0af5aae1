"""Known-good suppression: a rule finding whose exact shape is common in the baseline.

A noisy rule that fires on a command line every host runs every day tells an analyst
little. When the finding's shape (its LOLBin command-line shape, autorun, destination,
domain or parent/child pair, folded as learning folds them) was seen on enough hosts, and
on this host, the finding is downgraded, never dropped: it is returned apart, with the
evidence, so a report can show every suppression and a user can turn them off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from rathunt.baseline import schema
from rathunt.baseline.config import LEVELS, BaselineConfig
from rathunt.baseline.lookup import key_figures
from rathunt.baseline.observe import observe
from rathunt.model import Event, Finding, LogSource, Provenance

# Which profile speaks for a finding when its event fits several: the most exact first.
PREFERENCE = ("lolbin_shape", "autorun", "network", "dns", "process_pair")


@dataclass(slots=True)
class Suppression:
    """One downgraded rule finding and why: the profile, key and baseline figures."""

    finding: Finding
    original_level: str
    profile: str
    evidence: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """A plain record for reports: which finding, from what level, on what evidence."""
        return {
            "rule_id": self.finding.rule_id,
            "rule_title": self.finding.rule_title,
            "computer": self.finding.computer,
            "time": _iso(self.finding.time),
            "provenance": str(self.finding.provenance),
            "original_level": self.original_level,
            "level": self.finding.level,
            "profile": self.profile,
            **self.evidence,
        }


def suppress(
    con: duckdb.DuckDBPyConnection,
    config: BaselineConfig,
    hosts_total: int,
    findings: Iterable[Finding],
) -> tuple[list[Finding], list[Suppression]]:
    """Split rule findings into kept and suppressed; baseline findings are always kept."""
    findings = list(findings)
    settings = config.suppress
    if not settings.enabled:
        return findings, []
    ceiling = LEVELS.index(settings.max_level)
    candidates = [
        index
        for index, finding in enumerate(findings)
        if finding.logsource != "baseline"
        and finding.time is not None
        and finding.computer
        and finding.level in LEVELS
        and LEVELS.index(finding.level) <= ceiling
        and LEVELS.index(finding.level) > LEVELS.index(settings.to_level)
    ]
    evidence = _evidence(con, config, hosts_total, [findings[i] for i in candidates])
    suppressed: dict[int, Suppression] = {}
    for position, (profile, figures) in evidence.items():
        index = candidates[position]
        original = findings[index]
        extra = {**original.extra, "baseline_suppressed": figures}
        lowered = dataclasses.replace(original, level=settings.to_level, extra=extra)
        suppressed[index] = Suppression(lowered, original.level, profile, figures)
    kept = [finding for index, finding in enumerate(findings) if index not in suppressed]
    return kept, [suppressed[index] for index in sorted(suppressed)]


def _evidence(
    con: duckdb.DuckDBPyConnection,
    config: BaselineConfig,
    hosts_total: int,
    findings: list[Finding],
) -> dict[int, tuple[str, dict[str, Any]]]:
    """For each finding (by position) whose shape is common: its profile and the figures."""
    if not findings:
        return {}
    observations = observe([_as_event(finding) for finding in findings])
    settings = config.suppress
    needed_hosts = max(settings.min_hosts, _ceil(settings.min_fraction * hosts_total))
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for name in PREFERENCE:
        frame = observations.frames[name].filter(~pl.col("row").is_in(list(found)))
        if frame.is_empty():
            continue
        profile = schema.PROFILES[name]
        group = ["host", *profile.keys]
        figures = key_figures(con, profile, frame.select(group).unique())
        rows = frame.select("row", *group).join(figures, on=group, how="inner")
        for row in rows.iter_rows(named=True):
            if row["hosts_seen"] >= needed_hosts and row["host_count"] >= settings.min_host_count:
                found[row["row"]] = (name, _figures(profile, row, hosts_total, needed_hosts))
    return found


def _figures(
    profile: schema.Profile, row: dict[str, Any], hosts_total: int, needed: int
) -> dict[str, Any]:
    hosts_seen = int(row["hosts_seen"])
    return {
        "profile": profile.name,
        "key": {name: row[name] for name in profile.keys},
        "host_count": int(row["host_count"]),
        "hosts_seen": hosts_seen,
        "hosts_total": hosts_total,
        "fleet_count": int(row["fleet_count"]),
        "first_seen": _iso(row["first_seen"]),
        "last_seen": _iso(row["last_seen"]),
        "reason": (
            f"shape seen on {hosts_seen} of {hosts_total} hosts (at least {needed} needed) "
            f"and {int(row['host_count'])} times on this host"
        ),
    }


def _as_event(finding: Finding) -> Event:
    """The finding's matched fields as an event, so it is folded as learning folded history."""
    fields = dict(finding.matched)
    fields["Computer"] = finding.computer
    if finding.event_id is not None:
        fields["EventID"] = finding.event_id
    return Event(
        fields=fields,
        logsource=LogSource(product="windows", categories=(finding.logsource,)),
        provenance=finding.provenance
        if isinstance(finding.provenance, Provenance)
        else Provenance("", 0, ""),
        time=finding.time,
    )


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if whole == value else whole + 1


def _iso(time: datetime | None) -> str | None:
    if time is None:
        return None
    if time.tzinfo is None:
        return time.isoformat() + "Z"
    return time.isoformat().replace("+00:00", "Z")
