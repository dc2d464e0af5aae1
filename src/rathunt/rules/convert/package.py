"""Package converted queries for deployment: Splunk, Elastic and Sentinel rule files.

Each packaged rule keeps the Sigma rule's title, description, level (as the target's
severity), ATT&CK tags (as the target's tactic and technique fields) and references. The
formats are written here rather than by the backends' own "siem rule" outputs because those
look ATT&CK names up on the internet at conversion time; rathunt works offline and takes the
names from the ATT&CK data installed with it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from rathunt.errors import ConfigError
from rathunt.model import Tactic, Technique
from rathunt.rules import attack
from rathunt.rules.convert.converter import ConversionReport, ConversionResult

log = logging.getLogger(__name__)

# Splunk alert.severity: 1 info, 2 low, 3 medium, 4 high, 5 critical, 6 fatal.
SPLUNK_SEVERITY = {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
# Elastic risk scores by severity, at the middle of each severity's documented band.
ELASTIC_RISK = {"informational": 21, "low": 21, "medium": 47, "high": 73, "critical": 99}
ELASTIC_SEVERITY = {
    "informational": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}
SENTINEL_SEVERITY = {
    "informational": "Informational",
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "critical": "High",
}
ELASTIC_LANGUAGE = {
    "elastic-lucene": ("query", "lucene"),
    "elastic-eql": ("eql", "eql"),
    "elastic-esql": ("esql", "esql"),
}
ELASTIC_INDEX = ["winlogbeat-*", "logs-windows.*", "logs-system.*"]

_TECHNIQUE_TAG = re.compile(r"^attack\.(t\d{4}(?:\.\d{3})?)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """The metadata every packaged format carries, read once from the Sigma rule."""

    id: str
    title: str
    description: str
    level: str
    references: list[str]
    tags: list[str]
    falsepositives: list[str]
    author: str
    tactics: list[Tactic]
    techniques: list[Technique]


def package(report: ConversionReport) -> str:
    """The deployable file for the report's converted rules, in the target's format."""
    writer = PACKAGERS.get(report.target.package or "")
    if writer is None:
        raise ConfigError(
            f"target {report.target.name} has no packaged format",
            hint="use --format query or jsonl, or a target listed with a package format",
        )
    converted = [result for result in report.results if result.status == "converted"]
    text = writer(converted)
    log.info("packaged %d rules as %s", len(converted), report.target.package)
    return text


def rule_meta(result: ConversionResult) -> RuleMeta:
    sigma = result.rule.sigma
    tags = result.rule.tags
    tactics, techniques = attack.map_tags(tags)
    return RuleMeta(
        id=result.rule.id,
        title=result.rule.title,
        description=(sigma.description or "").strip(),
        level=result.rule.level,
        references=[str(ref) for ref in (sigma.references or [])],
        tags=tags,
        falsepositives=_falsepositives(sigma),
        author=str(sigma.author or ""),
        tactics=list(tactics),
        techniques=list(techniques),
    )


def _falsepositives(sigma: SigmaRule | SigmaCorrelationRule) -> list[str]:
    return [str(item) for item in (getattr(sigma, "falsepositives", None) or [])]


def _query_text(result: ConversionResult) -> str:
    return "\n".join(str(query) for query in result.queries)


def splunk_savedsearches(results: Sequence[ConversionResult]) -> str:
    """A savedsearches.conf with one disabled, scheduled search per rule."""
    lines = ["[default]", "dispatch.earliest_time = -30d", "dispatch.latest_time = now", ""]
    for result in results:
        meta = rule_meta(result)
        annotations = {"mitre_attack": [t.id for t in meta.techniques], "sigma_id": meta.id}
        description = meta.description
        if meta.references:
            description += "\nReferences:\n" + "\n".join(meta.references)
        lines += [
            f"[{_splunk_stanza(meta.title)}]",
            *_splunk_setting("description", description),
            *_splunk_setting("search", _query_text(result)),
            f"alert.severity = {SPLUNK_SEVERITY.get(meta.level, 3)}",
            f"action.correlationsearch.annotations = {json.dumps(annotations)}",
            "disabled = 1",
            "",
        ]
    return "\n".join(lines)


def _splunk_stanza(title: str) -> str:
    """A stanza name cannot hold brackets or line breaks."""
    return re.sub(r"[\[\]\r\n]", "", title).strip()


def _splunk_setting(key: str, value: str) -> list[str]:
    """key = value, with each inner line break continued by a trailing backslash."""
    parts = value.replace("\r", "").split("\n")
    return [f"{key} = " + " \\\n".join(parts)]


def elastic_ndjson(results: Sequence[ConversionResult]) -> str:
    """Elastic detection rules, one JSON object per line, importable in Kibana."""
    lines = []
    for result in results:
        meta = rule_meta(result)
        rule_type, language = ELASTIC_LANGUAGE.get(result.target, ("query", "lucene"))
        document: dict[str, Any] = {
            "rule_id": meta.id,
            "name": meta.title,
            "description": meta.description or meta.title,
            "severity": ELASTIC_SEVERITY.get(meta.level, "medium"),
            "risk_score": ELASTIC_RISK.get(meta.level, 47),
            "type": rule_type,
            "language": language,
            "query": _query_text(result),
            "references": meta.references,
            "false_positives": meta.falsepositives,
            "tags": meta.tags,
            "author": [meta.author] if meta.author else [],
            "threat": _elastic_threat(meta),
            "enabled": False,
            "interval": "5m",
            "from": "now-6m",
            "version": 1,
        }
        if rule_type != "esql":
            document["index"] = ELASTIC_INDEX
        lines.append(json.dumps(document, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + ("\n" if lines else "")


def _elastic_threat(meta: RuleMeta) -> list[dict[str, Any]]:
    """ATT&CK as Elastic files it: tactic, its techniques, their sub-techniques."""
    threat = []
    for tactic in meta.tactics:
        techniques: dict[str, dict[str, Any]] = {}
        for found in meta.techniques:
            if tactic.shortname not in attack.technique_tactics(found.id):
                continue
            parent_id = found.id.split(".")[0]
            parent = techniques.setdefault(parent_id, _elastic_entry(attack.technique(parent_id)))
            if "." in found.id:
                parent.setdefault("subtechnique", []).append(_elastic_entry(found))
        threat.append(
            {
                "framework": "MITRE ATT&CK",
                "tactic": {
                    "id": tactic.id,
                    "name": tactic.name,
                    "reference": f"https://attack.mitre.org/tactics/{tactic.id}/",
                },
                "technique": list(techniques.values()),
            }
        )
    return threat


def _elastic_entry(technique: Technique) -> dict[str, Any]:
    name = technique.name.split(": ", 1)[-1]
    path = technique.id.replace(".", "/")
    return {
        "id": technique.id,
        "name": name,
        "reference": f"https://attack.mitre.org/techniques/{path}/",
    }


def sentinel_yaml(results: Sequence[ConversionResult]) -> str:
    """Sentinel scheduled analytic rules, one YAML document per rule."""
    documents = []
    for result in results:
        meta = rule_meta(result)
        description = meta.description or meta.title
        if meta.references:
            description += "\nReferences: " + ", ".join(meta.references)
        documents.append(
            {
                "id": meta.id,
                "name": meta.title,
                "description": description,
                "severity": SENTINEL_SEVERITY.get(meta.level, "Medium"),
                "requiredDataConnectors": [],
                "queryFrequency": "1h",
                "queryPeriod": "1h",
                "triggerOperator": "gt",
                "triggerThreshold": 0,
                "tactics": [t.name.replace(" ", "") for t in meta.tactics],
                "relevantTechniques": [t.id for t in meta.techniques],
                "query": _query_text(result),
                "kind": "Scheduled",
                "version": "1.0.0",
                "tags": meta.tags,
            }
        )
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=100)


PACKAGERS: dict[str, Callable[[Sequence[ConversionResult]], str]] = {
    "savedsearches": splunk_savedsearches,
    "elastic": elastic_ndjson,
    "sentinel": sentinel_yaml,
}
