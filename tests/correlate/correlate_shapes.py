"""Rules from inline YAML and matches in the shapes the engine yields, for correlation tests.

Field names and values follow real Sysmon records of the shared EVTX samples (process
creation, registry set, DNS query), with times and hosts chosen per test.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sigma.collection import SigmaCollection

from rathunt.correlate import Correlator
from rathunt.engine import Match
from rathunt.model import Event, Finding, LogSource, Provenance
from rathunt.rules.rule import Rule

T0 = datetime(2026, 11, 18, 9, 15, 0, tzinfo=UTC)
PROCESS_CREATION = LogSource("windows", "sysmon", ("process_creation",))
_records = itertools.count(40_000)


def load(text: str) -> tuple[list[Rule], list[Rule]]:
    """(correlation rules, base rules) from a multi-document YAML text."""
    collection = SigmaCollection.from_yaml(text, collect_errors=True, resolve_references=False)
    rules = [Rule(sigma=item, pack="test") for item in collection.rules]
    return [r for r in rules if r.is_correlation], [r for r in rules if not r.is_correlation]


def base_rule(name: str, tags: tuple[str, ...] = ("attack.discovery",), level: str = "low") -> str:
    """A base rule document; tests hand-pick which events match it."""
    tag_lines = "".join(f"\n  - {tag}" for tag in tags)
    return f"""
title: {name.replace("_", " ")}
name: {name}
status: test
tags:{tag_lines}
logsource: {{category: process_creation, product: windows}}
detection:
  selection: {{Image|endswith: '\\{name}.exe'}}
  condition: selection
level: {level}
"""


def process_event(
    seconds: float,
    image: str = "C:\\Windows\\SysWOW64\\systeminfo.exe",
    computer: str | None = "DESKTOP-7Q3K1LM.corp.example.com",
    record: int | None = None,
    path: str = "host1-sysmon.evtx",
    **fields: Any,
) -> Event:
    """A Sysmon 1 at T0 + `seconds`, with the fields a discovery command carries."""
    record = next(_records) if record is None else record
    time = T0 + timedelta(seconds=seconds)
    base: dict[str, Any] = {
        "EventID": 1,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Provider_Name": "Microsoft-Windows-Sysmon",
        "Computer": computer,
        "EventRecordID": record,
        "UtcTime": time.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "ProcessGuid": "747F3D96-06EC-6437-4A7E-143D564C39D6",
        "ProcessId": 2772,
        "Image": image,
        "CommandLine": image.rsplit("\\", 1)[-1].removesuffix(".exe"),
        "User": "CORP\\jsmith",
        "ParentProcessId": 6120,
        "ParentImage": "C:\\Windows\\SysWOW64\\cmd.exe",
    }
    base.update(fields)
    return Event(
        fields={k: v for k, v in base.items() if v is not None},
        logsource=PROCESS_CREATION,
        provenance=Provenance(path, record, "evtx"),
        time=time,
    )


def match(rule: Rule, event: Event) -> Match:
    return Match(rule, event, {"Image": event.fields.get("Image")})


def by_name(rules: list[Rule]) -> dict[str, Rule]:
    return {str(rule.sigma.name or rule.title): rule for rule in rules}


def run(correlator: Correlator, matches: list[Match]) -> list[Finding]:
    """Feed every match, flush, and return all findings in the order they came."""
    found: list[Finding] = []
    for item in matches:
        found.extend(correlator.feed(item))
    found.extend(correlator.flush())
    return found


def summary(findings: list[Finding]) -> list[tuple[str, dict[str, Any], float, str, str]]:
    """What a test asserts: rule, group, value, first and last event time, sorted."""
    rows = []
    for finding in findings:
        detail = finding.extra["correlation"]
        rows.append(
            (finding.rule_title, detail["group"], detail["value"], detail["first"], detail["last"])
        )
    return sorted(rows, key=lambda row: (row[0], str(row[1]), row[3]))
