"""The HTML report: one self-contained file an analyst opens offline and reads top down.

No scripts, fonts or style sheets are fetched: the CSS is inline and a Content Security
Policy forbids everything else, so even markup that slipped through could not run. Every
value goes through jinja2 autoescape, after `html_visible` has made control characters
visible and cut long values. With many findings each section shows a capped number of
rows and says how many more there are; the JSONL export holds them all.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from rathunt import __version__
from rathunt.model import Finding, Incident, RunCounts
from rathunt.report.digest import Digest, digest
from rathunt.report.export import Target, open_target
from rathunt.report.order import LEVELS, level_rank, normal_tactic, rank_incidents
from rathunt.report.serialise import finding_to_dict, iso_time
from rathunt.report.text import html_visible

log = logging.getLogger(__name__)

# Rows shown per section; the note under each capped section says how many more exist.
FINDINGS_SHOWN = 1_000
INCIDENTS_SHOWN = 100
EVIDENCE_SHOWN = 20
HOSTS_SHOWN = 200
PROBLEMS_SHOWN = 50
RULES_PER_ROW = 5


def write_html(
    target: Target,
    findings: Iterable[Finding],
    incidents: Sequence[Incident],
    counts: RunCounts,
    *,
    title: str = "rathunt report",
    findings_shown: int = FINDINGS_SHOWN,
) -> Digest:
    """Write the report; return the counts it shows. `findings` is read once."""
    seen = digest(findings, keep=findings_shown)
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            version=__version__,
            generated=iso_time(datetime.now(UTC)),
            seen=seen,
            levels=_levels(seen),
            counts=counts,
            problems=counts.problems[:PROBLEMS_SHOWN],
            incidents=[
                _incident(incident) for incident in rank_incidents(incidents)[:INCIDENTS_SHOWN]
            ],
            incidents_total=len(incidents),
            findings=[_finding(finding) for finding in seen.earliest],
            tactics=_tactics(seen),
            hosts=_hosts(seen),
        )
    )

    with open_target(target) as stream:
        stream.write(page)
    log.info(
        "wrote the HTML report of %d findings and %d incidents to %s",
        seen.findings,
        len(incidents),
        getattr(target, "name", target),
    )
    return seen


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("rathunt.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["v"] = html_visible
    env.filters["level_class"] = _level_class
    env.filters["n"] = _number
    return env


def _number(value: int) -> str:
    """A count with thousands separators, as the terminal summary prints it."""
    return f"{value:,}"


def _level_class(level: object) -> str:
    """A CSS class for a level; only the known names, so no value reaches an attribute."""
    return f"level-{level}" if level in LEVELS else "level-other"


def _levels(seen: Digest) -> list[dict[str, Any]]:
    most = max([count for _, count in seen.levels_in_order()] + [1])
    return [
        {"name": level, "count": count, "width": round(100 * count / most)}
        for level, count in seen.levels_in_order()
    ]


def _finding(finding: Finding) -> dict[str, Any]:
    """A finding as the template shows it: the shared dict plus display text."""
    record = finding_to_dict(finding)
    record["matched_items"] = [(name, _display(value)) for name, value in record["matched"].items()]
    record["where"] = str(finding.provenance)
    return record


def _incident(incident: Incident) -> dict[str, Any]:
    stages = []
    for name, evidence in incident.stages:
        ordered = sorted(evidence, key=lambda f: (f.time is None, iso_time(f.time) or ""))
        stages.append(
            {
                "name": normal_tactic(str(name)),
                "findings": [_finding(f) for f in ordered[:EVIDENCE_SHOWN]],
                "more": max(len(evidence) - EVIDENCE_SHOWN, 0),
            }
        )
    return {
        "id": incident.id,
        "findings": sum(len(evidence) for _, evidence in incident.stages),
        "computer": incident.computer,
        "confidence": incident.confidence,
        "score": f"{incident.score:.2f}",
        "first": iso_time(incident.first),
        "last": iso_time(incident.last),
        "explanation": incident.explanation,
        "techniques": incident.techniques,
        "rules": incident.rules,
        "stages": stages,
    }


def _tactics(seen: Digest) -> list[dict[str, Any]]:
    rows = []
    for tactic, count in seen.tactics_in_order():
        ranked = seen.tactic_rules[tactic].most_common(RULES_PER_ROW)
        rows.append(
            {
                "name": tactic,
                "count": count,
                "rules": [(seen.rules[rule_id].title, n) for rule_id, n in ranked],
                "more": max(len(seen.tactic_rules[tactic]) - RULES_PER_ROW, 0),
            }
        )
    return rows


def _hosts(seen: Digest) -> list[dict[str, Any]]:
    rows = []
    for host in seen.top_hosts(HOSTS_SHOWN):
        ranked = host.rules.most_common(RULES_PER_ROW)
        rows.append(
            {
                "name": host.name,
                "worst": host.worst,
                "findings": host.findings,
                "events": host.events,
                "levels": [(level, n) for level, n in _ordered_levels(host.levels) if n],
                "first": host.first,
                "last": host.last,
                "rules": [(seen.rules[rule_id].title, n) for rule_id, n in ranked],
                "more": max(len(host.rules) - RULES_PER_ROW, 0),
            }
        )
    return rows


def _ordered_levels(levels: Counter[str]) -> list[tuple[str, int]]:
    return sorted(levels.items(), key=lambda item: (level_rank(item[0]), item[0]))


def _display(value: Any) -> str:
    """A matched value as one line of text; lists joined, None shown as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_display(item) for item in value)
    return str(value)
