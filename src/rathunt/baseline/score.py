"""Scoring: events of the detection window against the learned profiles.

A key (a parent/child pair, a LOLBin shape, a destination, a domain, an autorun) that the
host never showed, and few other hosts did, becomes a finding with log source `baseline`,
the profile's level and a rarity figure: the share of the fleet that never showed it. Each
batch of events is observed exactly as learning observed history, its distinct keys looked
up in DuckDB in one query per profile, and only the departures turned into findings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import polars as pl

from rathunt.baseline import schema
from rathunt.baseline.config import BaselineConfig
from rathunt.baseline.learn import check_version
from rathunt.baseline.lookup import key_figures
from rathunt.baseline.observe import observe
from rathunt.baseline.suppress import Suppression, suppress
from rathunt.errors import ConfigError
from rathunt.model import Event, Finding
from rathunt.rules.attack import map_tags

log = logging.getLogger(__name__)

LOGSOURCE = "baseline"

# The event fields a baseline finding shows, per profile.
MATCHED_FIELDS = {
    "process_pair": ("ParentImage", "Image", "User"),
    "lolbin_shape": ("Image", "CommandLine", "OriginalFileName", "User"),
    "network": ("Image", "DestinationIp", "DestinationHostname", "DestinationPort"),
    "dns": ("Image", "QueryName"),
    "autorun": (
        "TargetObject",
        "Details",
        "TargetFilename",
        "ServiceName",
        "ImagePath",
        "TaskName",
        "Image",
    ),
}


@dataclass(slots=True)
class ScoreStats:
    """What scoring saw: events, the ones it could not place, findings and folded repeats."""

    events: int = 0
    undated: int = 0
    without_host: int = 0
    findings: int = 0
    repeats: int = 0
    varied_skipped: int = 0
    by_profile: dict[str, int] = field(default_factory=dict)


class Baseline:
    """A learned baseline file, opened read-only for scoring and suppression.

    Use as a context manager so the DuckDB connection is closed:

        with Baseline.open("fleet.duckdb", BaselineConfig.load("baseline.toml")) as baseline:
            findings = list(baseline.score(events))
            kept, suppressed = baseline.suppress(rule_findings)
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, config: BaselineConfig):
        self.con = con
        self.path = path
        self.config = config
        self.stats = ScoreStats()
        self.host_days: dict[str, int] = dict(
            con.execute("SELECT host, count(*) FROM host_days GROUP BY host").fetchall()
        )
        self.hosts_total = len(self.host_days)
        days = con.execute("SELECT count(DISTINCT day) FROM host_days").fetchone()
        self.days = int(days[0]) if days else 0
        self._varied = {name: self._varied_images(name) for name in ("network", "dns")}
        self._reported: dict[tuple[Any, ...], Finding] = {}

    @classmethod
    def open(cls, path: str | os.PathLike[str], config: BaselineConfig | None = None) -> Baseline:
        """Open a baseline file; refuse one with less history than `config.min_days`."""
        config = config or BaselineConfig()
        path = Path(path)
        if not path.is_file():
            raise ConfigError(
                "no baseline file here",
                path=str(path),
                hint="learn one first with `rathunt baseline learn`",
            )
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as err:
            raise ConfigError(f"not a baseline file: {err}", path=str(path)) from err
        try:
            check_version(con, path)
        except (ConfigError, duckdb.Error) as err:
            con.close()
            if isinstance(err, ConfigError):
                raise
            raise ConfigError(f"not a baseline file: {err}", path=str(path)) from err
        baseline = cls(con, path, config)
        if baseline.days < config.min_days:
            con.close()
            raise ConfigError(
                f"the baseline covers {baseline.days} days, scoring needs {config.min_days}",
                path=str(path),
                hint="learn more history, or lower score.min_days in the config file",
            )
        log.info("baseline %s: %d hosts, %d days", path, baseline.hosts_total, baseline.days)
        return baseline

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Baseline:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def score(self, events: Iterable[Event]) -> Iterator[Finding]:
        """Findings for events that depart from the baseline, in batches.

        A repeat of a departure already reported on the same host adds to that finding's
        `count` (and `extra["baseline"]["last_time"]`) instead of yielding a new finding, so
        counts are final once the iterator is exhausted.
        """
        batch: list[Event] = []
        for event in events:
            batch.append(event)
            if len(batch) >= self.config.batch_size:
                yield from self._score_batch(batch)
                batch = []
        if batch:
            yield from self._score_batch(batch)

    def suppress(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Suppression]]:
        """Rule findings split into kept and downgraded-as-known-good, with the evidence."""
        return suppress(self.con, self.config, self.hosts_total, findings)

    def _score_batch(self, batch: Sequence[Event]) -> Iterator[Finding]:
        observations = observe(batch)
        self.stats.events += len(batch)
        self.stats.undated += observations.undated
        self.stats.without_host += observations.without_host
        for name, frame in observations.frames.items():
            settings = self.config.profiles[name]
            if not settings.enabled or frame.is_empty():
                continue
            profile = schema.PROFILES[name]
            departures = self._departures(profile, frame)
            yield from self._findings(profile, departures, batch)

    def _departures(self, profile: schema.Profile, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame's rows whose key departs from the baseline, with the lookup figures."""
        group = ["host", *profile.keys]
        figures = self._lookup(profile, frame.select(group).unique())
        rows = frame.join(figures, on=group, how="inner")
        if _is_network(profile) and self._varied[profile.name]:
            varied = rows["image"].is_in(sorted(self._varied[profile.name]))
            self.stats.varied_skipped += int(varied.sum())
            rows = rows.filter(~varied)
        return rows

    def _lookup(self, profile: schema.Profile, keys: pl.DataFrame) -> pl.DataFrame:
        figures = key_figures(self.con, profile, keys).select(
            *keys.columns, "host_count", "hosts_seen"
        )
        return figures.filter(self._is_departure(figures))

    def _is_departure(self, figures: pl.DataFrame) -> pl.Series:
        host_days = pl.Series([self.host_days.get(h, 0) for h in figures["host"]], dtype=pl.Int64)
        established = host_days >= self.config.min_host_days
        other_hosts = figures["hosts_seen"] - (figures["host_count"] > 0).cast(pl.Int64)
        rare = (figures["host_count"] <= self.config.host_count) & (
            other_hosts <= self.config.rare_limit(self.hosts_total)
        )
        unknown = figures["hosts_seen"] == 0
        return (established & rare) | (~established & unknown)

    def _findings(
        self, profile: schema.Profile, rows: pl.DataFrame, batch: Sequence[Event]
    ) -> Iterator[Finding]:
        group = ["host", *profile.keys]
        folded = rows.group_by(group, maintain_order=True).agg(
            pl.col("row").first(),
            pl.len().alias("n"),
            pl.col("time").max().alias("last"),
            pl.col("host_count").first(),
            pl.col("hosts_seen").first(),
        )
        for row in folded.iter_rows(named=True):
            identity = (profile.name, *(row[name] for name in group))
            known = self._reported.get(identity)
            if known is not None:
                known.count += row["n"]
                known.extra["baseline"]["last_time"] = row["last"].isoformat() + "Z"
                self.stats.repeats += row["n"]
                continue
            finding = self._finding(profile, row, batch[row["row"]])
            self._reported[identity] = finding
            self.stats.findings += 1
            self.stats.by_profile[profile.name] = self.stats.by_profile.get(profile.name, 0) + 1
            yield finding

    def _finding(self, profile: schema.Profile, row: dict[str, Any], event: Event) -> Finding:
        settings = self.config.profiles[profile.name]
        hosts_seen = int(row["hosts_seen"])
        level = settings.level_new if hosts_seen == 0 else settings.level_rare
        tags = profile.tags
        if profile.name == "autorun" and row["kind"] in schema.AUTORUN_TECHNIQUES:
            tags = (*tags, schema.AUTORUN_TECHNIQUES[row["kind"]])
        tactics, techniques = map_tags(tags)
        evidence = {
            "profile": profile.name,
            "key": {name: row[name] for name in profile.keys},
            "host_count": int(row["host_count"]),
            "hosts_seen": hosts_seen,
            "hosts_total": self.hosts_total,
            "baseline_days": self.days,
            "rarity": self.rarity(hosts_seen),
            "reason": self._reason(row["host"], int(row["host_count"]), hosts_seen),
            "last_time": row["last"].isoformat() + "Z",
        }
        fields = event.fields
        matched = {name: fields[name] for name in MATCHED_FIELDS[profile.name] if name in fields}
        return Finding(
            rule_id=f"baseline.{profile.name}",
            rule_title=profile.title,
            level=level,
            status=None,
            tags=tags,
            tactics=tuple(tactics),
            techniques=tuple(techniques),
            logsource=LOGSOURCE,
            time=event.time,
            computer=event.computer,
            channel=event.channel,
            event_id=event.event_id,
            record_id=event.record_id,
            matched=matched,
            provenance=event.provenance,
            count=int(row["n"]),
            extra={"baseline": evidence},
        )

    def rarity(self, hosts_seen: int) -> float:
        """The share of the baseline's hosts that never showed the key: 1.0 is unseen."""
        if self.hosts_total == 0:
            return 1.0
        return round(1.0 - min(hosts_seen, self.hosts_total) / self.hosts_total, 4)

    def _reason(self, host: str, host_count: int, hosts_seen: int) -> str:
        span = f"{self.hosts_total} hosts over {self.days} days"
        if hosts_seen == 0:
            return f"never seen on any of {span}"
        here = "never on this host" if host_count == 0 else f"{host_count} times on this host"
        if self.host_days.get(host, 0) < self.config.min_host_days:
            here += " (short history)"
        return f"{here}; seen on {hosts_seen} of {span}"

    def _varied_images(self, name: str) -> set[str]:
        """Images (browsers, updaters) reaching so many places that a new one is ordinary."""
        profile = schema.PROFILES[name]
        rows = self.con.execute(
            f"SELECT image FROM {profile.prevalence} WHERE image <> '' GROUP BY image "
            f"HAVING count(*) > ?",
            [self.config.varied_destinations],
        ).fetchall()
        return {str(image) for (image,) in rows}


def _is_network(profile: schema.Profile) -> bool:
    return profile.name in ("network", "dns")
