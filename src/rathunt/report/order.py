"""The orders a report lists things in: levels by severity, tactics along the kill chain."""

from __future__ import annotations

from collections.abc import Sequence

from rathunt.model import Finding, Incident
from rathunt.rules.attack import TACTIC_ORDER

# Sigma's levels, most severe first.
LEVELS = ("critical", "high", "medium", "low", "informational")

# The label for findings whose rule names no tactic, or events without a host.
NO_TACTIC = "(no tactic)"
NO_HOST = "(unknown host)"

_CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_TACTIC_RANK = {tactic: rank for rank, tactic in enumerate(TACTIC_ORDER)}


def level_rank(level: str) -> int:
    """0 for critical up to 4 for informational; a level Sigma does not define sorts last."""
    return _LEVEL_RANK.get(level.lower(), len(LEVELS))


def tactic_key(shortname: str) -> tuple[int, str]:
    """Sort key along the kill chain; unknown tactics follow, by name; no tactic comes last.

    Older Sigma rules spell tactics with underscores (`command_and_control`); both count.
    """
    name = normal_tactic(shortname)
    if name == NO_TACTIC:
        return (len(TACTIC_ORDER) + 1, name)
    return (_TACTIC_RANK.get(name, len(TACTIC_ORDER)), name)


def normal_tactic(shortname: str) -> str:
    """A tactic shortname as ATT&CK spells it now: lower case, hyphens."""
    if shortname == NO_TACTIC:
        return shortname
    return shortname.strip().lower().replace("_", "-")


def finding_tactics(finding: Finding) -> list[str]:
    """The finding's tactic shortnames, each once, or the no-tactic label."""
    names = list(dict.fromkeys(normal_tactic(tactic.shortname) for tactic in finding.tactics))
    return names or [NO_TACTIC]


def rank_incidents(incidents: Sequence[Incident]) -> list[Incident]:
    """Incidents most worth reading first: by confidence, then score, then host."""
    return sorted(
        incidents,
        key=lambda inc: (_CONFIDENCE_RANK.get(inc.confidence, 3), -inc.score, inc.computer),
    )
