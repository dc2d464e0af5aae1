"""The lint's knowledge of log sources: the taxonomy, the fields each carries, system binaries.

The data lives in `logsources.json` beside this module, derived by `derive.py` from the
Sysmon schema, real EVTX records and the SigmaHQ rule set (see docs/lint.md). A log source
marked complete has a published schema (Sysmon); only for those does the lint claim that a
field is never carried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rathunt.rules.convert.targets import SYSMON_CATEGORIES

DATA_FILE = Path(__file__).with_name("logsources.json")

# Names Sigma rules use for log sources outside the taxonomy, and what to use instead.
TAXONOMY_ADVICE = {
    "service_creation": "use `service: system` with EventID 7045 (or `service: security`, 4697)",
    "task_creation": "use `service: security` with EventID 4698 (or `service: taskscheduler`)",
    "scheduled_task": "use `service: security` with EventID 4698 (or `service: taskscheduler`)",
    "registry_modification": "use `category: registry_set` (or registry_event)",
    "network": "use `category: network_connection`",
    "file_creation": "use `category: file_event`",
}


@dataclass(frozen=True, slots=True)
class LogSourceFields:
    name: str
    fields: frozenset[str]
    event_ids: frozenset[int]
    complete: bool


@dataclass(frozen=True, slots=True)
class Knowledge:
    logsources: dict[str, LogSourceFields]
    categories: dict[str, frozenset[str]]
    services: dict[str, frozenset[str]]
    system_binaries: frozenset[str]

    def for_rule(self, category: str | None, service: str | None) -> LogSourceFields | None:
        """The field set of a rule's log source: its category, else its service."""
        if category:
            return self.logsources.get(category)
        if service:
            return self.logsources.get(service)
        return None


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    logsources = {
        name: LogSourceFields(
            name,
            frozenset(entry["fields"]),
            frozenset(entry.get("event_ids", [])),
            bool(entry.get("complete")),
        )
        for name, entry in data["logsources"].items()
    }
    taxonomy = data["taxonomy"]
    categories = {p: frozenset(k.get("category", [])) for p, k in taxonomy.items()}
    categories["windows"] = categories.get("windows", frozenset()) | SYSMON_CATEGORIES
    services = {p: frozenset(k.get("service", [])) for p, k in taxonomy.items()}
    return Knowledge(logsources, categories, services, frozenset(data["system_binaries"]))
