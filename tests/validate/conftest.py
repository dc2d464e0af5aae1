"""Small hand-made findings and labels for the scoring and gate tests."""

from __future__ import annotations

import pytest

from rathunt.model import Finding, Provenance
from rathunt.simulate.labels import Label, LabelRecord

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def finding(
    rule: str,
    host: str,
    record: int,
    level: str = "high",
    event_id: int = 13,
    channel: str = SYSMON,
) -> Finding:
    return Finding(
        rule_id=rule,
        rule_title=rule.title(),
        level=level,
        status="test",
        tags=(),
        tactics=(),
        techniques=(),
        logsource="registry_set",
        time=None,
        computer=host,
        channel=channel,
        event_id=event_id,
        record_id=record,
        matched={},
        provenance=Provenance("x.jsonl", record, "jsonl-line"),
    )


def label(
    host: str,
    record: int,
    step: str,
    stage: str,
    variant: str,
    event_id: int = 13,
    technique: str = "T1547.001",
) -> LabelRecord:
    return LabelRecord(
        host, SYSMON, record, event_id, "", Label(stage, technique, step, variant, "intrusion-1")
    )


LABELS = {
    r.key: r
    for r in (
        label("WS-1.corp", 10, "run-key", "persistence", "default"),
        label("WS-2.corp", 20, "run-key", "persistence", "allusers"),
        label("WS-1.corp", 11, "netsh-allow", "defense-evasion", "default", 1, "T1562.004"),
        label("WS-2.corp", 21, "netsh-allow", "defense-evasion", "allusers", 1, "T1562.004"),
    )
}
RULES = [("run", "Run", "high"), ("netsh", "Netsh", "high"), ("quiet", "Quiet", "low")]


@pytest.fixture
def make_finding():
    return finding


@pytest.fixture
def labels_table():
    return LABELS


@pytest.fixture
def rules_list():
    return RULES
