"""Fixtures for the report tests: the njRAT-like findings of report_samples."""

from __future__ import annotations

import pytest
from report_samples import njrat_findings, njrat_incident, run_counts

from rathunt.model import Finding, Incident, RunCounts


@pytest.fixture()
def findings() -> list[Finding]:
    return njrat_findings()


@pytest.fixture()
def incident(findings: list[Finding]) -> Incident:
    return njrat_incident(findings)


@pytest.fixture()
def counts() -> RunCounts:
    return run_counts()
