"""Baselines: learn normal behaviour from weeks of history, score what departs from it.

    from rathunt.baseline import Baseline, BaselineConfig, learn
    learn(["history/"], "fleet.duckdb", days=14)
    with Baseline.open("fleet.duckdb", BaselineConfig.load("baseline.toml")) as baseline:
        for finding in baseline.score(events): ...      # log source "baseline"
        kept, suppressed = baseline.suppress(rule_findings)

The profiles live in a DuckDB file the user can query with SQL; docs/baseline.md lists
its tables and columns.
"""

from __future__ import annotations

from rathunt.baseline.config import BaselineConfig, ProfileConfig, SuppressConfig
from rathunt.baseline.learn import LearnResult, learn
from rathunt.baseline.schema import PROFILES, Profile
from rathunt.baseline.score import LOGSOURCE, Baseline, ScoreStats
from rathunt.baseline.suppress import Suppression

__all__ = [
    "LOGSOURCE",
    "PROFILES",
    "Baseline",
    "BaselineConfig",
    "LearnResult",
    "Profile",
    "ProfileConfig",
    "ScoreStats",
    "SuppressConfig",
    "Suppression",
    "learn",
]
