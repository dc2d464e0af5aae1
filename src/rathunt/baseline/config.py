"""Thresholds for scoring and suppression, with defaults and a TOML file to tune them.

What is rare in one environment is routine in another, so none of these numbers is built
into the scoring: each environment writes its own file (`rathunt baseline show` suggests
values from what was learned) and passes it to scoring.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rathunt.baseline.schema import PROFILES
from rathunt.errors import ConfigError

LEVELS = ("informational", "low", "medium", "high", "critical")

_DEFAULT_LEVELS = {
    "process_pair": ("medium", "low"),
    "lolbin_shape": ("medium", "low"),
    "network": ("low", "informational"),
    "dns": ("low", "informational"),
    "autorun": ("medium", "low"),
}


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    """Whether a profile is scored, and the level of a key never seen or seen on few hosts."""

    enabled: bool = True
    level_new: str = "medium"
    level_rare: str = "low"


@dataclass(frozen=True, slots=True)
class SuppressConfig:
    """When a rule finding counts as known good: its shape on enough hosts, and on this one."""

    enabled: bool = True
    min_hosts: int = 3
    min_fraction: float = 0.5
    min_host_count: int = 1
    max_level: str = "high"
    to_level: str = "informational"


def _default_profiles() -> dict[str, ProfileConfig]:
    return {name: ProfileConfig(True, *levels) for name, levels in _DEFAULT_LEVELS.items()}


@dataclass(frozen=True, slots=True)
class BaselineConfig:
    """Every threshold of scoring; the defaults suit a fleet of tens of hosts and 2-4 weeks.

    A key (a parent/child pair, a shape, a destination, an autorun) makes a finding on a host
    when it was seen there at most `host_count` times and on at most
    max(`rare_hosts`, `rare_fraction` x hosts) other hosts. Hosts with fewer than
    `min_host_days` days of history only raise keys no host ever showed; a baseline shorter
    than `min_days` days is refused.
    """

    min_days: int = 7
    min_host_days: int = 3
    rare_hosts: int = 1
    rare_fraction: float = 0.05
    host_count: int = 0
    varied_destinations: int = 50
    batch_size: int = 10_000
    profiles: dict[str, ProfileConfig] = field(default_factory=_default_profiles)
    suppress: SuppressConfig = field(default_factory=SuppressConfig)

    def rare_limit(self, hosts_total: int) -> int:
        """The most other hosts a key may have been seen on and still count as rare."""
        return max(self.rare_hosts, int(self.rare_fraction * hosts_total))

    @classmethod
    def load(cls, path: str | Path | None) -> BaselineConfig:
        """The defaults, overridden by the TOML file at `path` when one is given."""
        if path is None:
            return cls()
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError(
                f"cannot read the config file: {err.strerror}", path=str(path)
            ) from err
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"not valid TOML: {err}", path=str(path)) from err
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> BaselineConfig:
        """A config from parsed TOML: [score], [profiles.NAME] and [suppress] tables."""
        _check_keys(data, {"score", "profiles", "suppress"}, source, "top level")
        score = _typed(
            cls, data.get("score", {}), source, "score", skip=frozenset({"profiles", "suppress"})
        )
        profiles = _default_profiles()
        for name, table in data.get("profiles", {}).items():
            if name not in PROFILES:
                raise ConfigError(
                    f"unknown profile {name!r}",
                    path=source,
                    where="profiles",
                    hint=f"profiles are {', '.join(PROFILES)}",
                )
            profiles[name] = replace(profiles[name], **_typed(ProfileConfig, table, source, name))
        suppress = SuppressConfig(
            **_typed(SuppressConfig, data.get("suppress", {}), source, "suppress")
        )
        config = cls(**score, profiles=profiles, suppress=suppress)
        config.validate(source)
        return config

    def validate(self, source: str = "config") -> None:
        """Levels are Sigma's; counts are not negative; fractions lie in [0, 1]."""
        levels = [(f"profiles.{n}.level_new", p.level_new) for n, p in self.profiles.items()]
        levels += [(f"profiles.{n}.level_rare", p.level_rare) for n, p in self.profiles.items()]
        levels += [("suppress.max_level", self.suppress.max_level)]
        levels += [("suppress.to_level", self.suppress.to_level)]
        for where, level in levels:
            if level not in LEVELS:
                raise ConfigError(
                    f"unknown level {level!r}",
                    path=source,
                    where=where,
                    hint=f"levels are {', '.join(LEVELS)}",
                )
        counts = {
            "score.min_days": self.min_days,
            "score.min_host_days": self.min_host_days,
            "score.rare_hosts": self.rare_hosts,
            "score.host_count": self.host_count,
            "score.varied_destinations": self.varied_destinations,
            "suppress.min_hosts": self.suppress.min_hosts,
            "suppress.min_host_count": self.suppress.min_host_count,
        }
        for where, value in counts.items():
            if value < 0:
                raise ConfigError(f"must not be negative, not {value}", path=source, where=where)
        if self.batch_size < 1:
            raise ConfigError("must be at least 1", path=source, where="score.batch_size")
        for where, fraction in (
            ("score.rare_fraction", self.rare_fraction),
            ("suppress.min_fraction", self.suppress.min_fraction),
        ):
            if not 0.0 <= fraction <= 1.0:
                raise ConfigError(f"must lie in [0, 1], not {fraction}", path=source, where=where)

    def to_toml(self) -> str:
        """This config as a TOML file the loader reads back unchanged."""
        lines = ["[score]"]
        lines += [
            f"{f.name} = {_toml(getattr(self, f.name))}"
            for f in fields(self)
            if f.name not in ("profiles", "suppress")
        ]
        for name, profile in self.profiles.items():
            lines += ["", f"[profiles.{name}]"]
            lines += [f"{f.name} = {_toml(getattr(profile, f.name))}" for f in fields(profile)]
        lines += ["", "[suppress]"]
        lines += [
            f"{f.name} = {_toml(getattr(self.suppress, f.name))}" for f in fields(self.suppress)
        ]
        return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _check_keys(table: Any, allowed: set[str], source: str, where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError("must be a table", path=source, where=where)
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r}",
            path=source,
            where=where,
            hint=f"keys here are {', '.join(sorted(allowed))}",
        )


def _typed(
    kind: Any, table: Any, source: str, where: str, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The table's values, checked against the dataclass fields' default types."""
    known = {f.name: f for f in fields(kind) if f.name not in skip}
    _check_keys(table, set(known), source, where)
    defaults = kind()
    values: dict[str, Any] = {}
    for name, value in table.items():
        expected = type(getattr(defaults, name))
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ConfigError(
                f"{name} must be {expected.__name__}, not {type(value).__name__}",
                path=source,
                where=where,
            )
        values[name] = value
    return values
