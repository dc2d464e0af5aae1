"""Kill-chain stages: where in an intrusion a finding sits, from its rule's ATT&CK tactics.

ATT&CK's fourteen tactics are finer than an analyst's story of an intrusion, and their order
inside one phase (persistence, privilege escalation, defense evasion) says little: malware
does them in any order within seconds. The default chain groups tactics into five stages
whose order does carry meaning. A finding sits in the stage of the first tactic its rule's
tags name (Sigma authors list the primary tactic first).
"""

from __future__ import annotations

from collections.abc import Sequence

from rathunt.model import Finding

Stages = Sequence[tuple[str, Sequence[str]]]

KILL_CHAIN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("delivery", ("reconnaissance", "resource-development", "initial-access")),
    ("execution", ("execution",)),
    ("installation", ("persistence", "privilege-escalation", "defense-evasion")),
    ("command-and-control", ("command-and-control",)),
    (
        "actions",
        (
            "credential-access",
            "discovery",
            "lateral-movement",
            "collection",
            "exfiltration",
            "impact",
        ),
    ),
)

UNMAPPED = "unmapped"


def stage_of(finding: Finding, stages: Stages = KILL_CHAIN) -> str:
    """The stage of a finding's primary tactic, or `unmapped` when no tactic is known."""
    by_tactic = {tactic: name for name, tactics in stages for tactic in tactics}
    for tag in finding.tags:
        text = tag.lower()
        if text.startswith("attack."):
            found = by_tactic.get(text[len("attack.") :].replace("_", "-"))
            if found:
                return found
    for tactic in finding.tactics:
        found = by_tactic.get(tactic.shortname)
        if found:
            return found
    return UNMAPPED


def stage_rank(stage: str, stages: Stages = KILL_CHAIN) -> int:
    """Position of a stage in the chain; `unmapped` comes after every stage."""
    for rank, (name, _) in enumerate(stages):
        if name == stage:
            return rank
    return len(stages)
