"""rathunt's own rule checks: what makes a Sigma rule weak or wrong for hunting RATs.

Each check takes one rule and yields findings with a line and a fix hint. The checks here
read the detection: rules an attacker evades by renaming one file, lab addresses as C2,
fields the log source never carries, conditions that can never be true, windash misuse.
Identity and metadata (placeholder ids, taxonomy, tags, level) are in `metadata.py`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from sigma.exceptions import SigmaError
from sigma.modifiers import SigmaWindowsDashModifier
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaNumber, SigmaString

from rathunt.rules.lint.branches import Branch, Literal, rule_branches
from rathunt.rules.lint.fieldsets import Knowledge
from rathunt.rules.lint.findings import LintFinding
from rathunt.rules.lint.locate import RuleLines
from rathunt.rules.lint.metadata import FindingMaker, check_id, check_logsource, check_metadata
from rathunt.rules.rule import Rule

IP_FIELDS = frozenset({"DestinationIp", "SourceIp", "IpAddress", "DestAddress", "SourceAddress"})
NAME_FIELDS = frozenset({"ServiceName", "TaskName", "PipeName"})
FILE_FIELDS = frozenset(
    {
        "Image",
        "ParentImage",
        "SourceImage",
        "TargetImage",
        "TargetFilename",
        "ImageLoaded",
        "ImagePath",
        "Details",
        "TaskContent",
        "CommandLine",
        "ParentCommandLine",
        "NewProcessName",
        "ParentProcessName",
        "ServiceFileName",
    }
)
WINDASH_FIELDS = frozenset({"CommandLine", "ParentCommandLine", "ProcessCommandLine"})
_FILE_NAME = re.compile(r"([\w\-.$@ ]+\.(?:exe|dll|scr|bat|cmd|ps1|vbs|js|hta|sys|jar))\b", re.I)


def check_rule(rule: Rule, lines: RuleLines, kb: Knowledge) -> Iterator[LintFinding]:
    """Every rathunt check on one rule."""
    finding = FindingMaker(rule, lines)
    yield from check_id(rule, finding)
    yield from check_metadata(rule, finding)
    if not isinstance(rule.sigma, SigmaRule):
        return
    sigma = rule.sigma
    yield from check_logsource(sigma, finding, kb)
    yield from _check_windash(sigma, finding)
    try:
        branches = rule_branches(sigma)
    except SigmaError as err:  # a condition naming a selection the rule does not define
        branches = None
        yield finding(
            "bad-condition",
            "error",
            f"the condition cannot be parsed: {err}",
            "name only selections defined under detection",
            finding.lines.line("detection", "condition"),
        )
    yield from _check_fields(sigma, finding, kb)
    if branches is None:
        return
    yield from _check_attacker_literals(branches, finding, kb)
    yield from _check_private_c2(branches, finding)
    yield from _check_never_true(sigma, branches, finding, kb)


def _detection_items(sigma: SigmaRule) -> Iterator[SigmaDetectionItem]:
    stack: list[SigmaDetection | SigmaDetectionItem] = list(sigma.detection.detections.values())
    while stack:
        item = stack.pop()
        if isinstance(item, SigmaDetection):
            stack.extend(item.detection_items)
        else:
            yield item


def _check_windash(sigma: SigmaRule, finding: FindingMaker) -> Iterator[LintFinding]:
    for item in _detection_items(sigma):
        if SigmaWindowsDashModifier not in item.modifiers or item.field is None:
            continue
        line = finding.lines.field_line(item.field)
        if item.field not in WINDASH_FIELDS:
            yield finding(
                "windash-misuse",
                "warning",
                f"windash on {item.field}: only command lines carry command-line flags",
                "drop |windash, or apply it to CommandLine",
                line,
            )
        originals = [str(v.to_plain()) for v in (item.original_value or [])]
        if any(not re.search(r"(^|\s)[-/]", text) for text in originals):
            yield finding(
                "windash-misuse",
                "warning",
                f"windash on {item.field} with a value that has no leading - or /, so "
                "the modifier changes nothing",
                "write the flag with its dash (' -enc') or drop |windash",
                line,
            )


def _check_fields(sigma: SigmaRule, finding: FindingMaker, kb: Knowledge) -> Iterator[LintFinding]:
    source = kb.for_rule(sigma.logsource.category, sigma.logsource.service)
    if source is None or not source.complete:
        return
    reported: set[str] = set()
    for item in _detection_items(sigma):
        if item.field is None or item.field in source.fields or item.field in reported:
            continue
        reported.add(item.field)
        yield finding(
            "unknown-field",
            "warning",
            f"field {item.field} is never carried by log source {source.name}",
            f"use a field of {source.name} (see src/rathunt/rules/lint/logsources.json)",
            finding.lines.field_line(item.field),
        )


def attacker_literal(literal: Literal, kb: Knowledge) -> str | None:
    """The attacker-chosen value a positive leaf pins the rule to, or None."""
    field = literal.field
    value: object = getattr(literal.leaf, "value", None)
    if not literal.positive or field is None or not isinstance(value, SigmaString | SigmaNumber):
        return None
    text = _plain(value)
    bare = text.strip("*")
    if field in IP_FIELDS and _ip(bare) is not None:
        return bare
    if field in NAME_FIELDS and bare and "*" not in bare:
        return bare
    if field in FILE_FIELDS:
        for name in _FILE_NAME.findall(text):
            found = str(name).strip()
            if found.lower().rsplit("\\", 1)[-1] not in kb.system_binaries:
                return found
    return None


def _check_attacker_literals(
    branches: list[Branch], finding: FindingMaker, kb: Knowledge
) -> Iterator[LintFinding]:
    if not branches:
        return
    pinned: list[str] = []
    for branch in branches:
        values = [v for v in (attacker_literal(lit, kb) for lit in branch) if v is not None]
        if not values:
            return
        pinned.extend(v for v in values if v not in pinned)
    yield finding(
        "attacker-chosen-literal",
        "warning",
        "every way this rule matches needs a value the attacker picks: " + ", ".join(pinned[:6]),
        "key the rule on behaviour the attacker cannot rename (parent-child pairs, "
        "registry locations, command-line shape); keep names as one optional clue",
        finding.lines.line("detection"),
    )


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _check_private_c2(branches: list[Branch], finding: FindingMaker) -> Iterator[LintFinding]:
    private = []
    for branch in branches:
        for literal in branch:
            if literal.positive and literal.field in IP_FIELDS:
                address = _ip(_plain(getattr(literal.leaf, "value", None)).strip("*"))
                if address is not None and address.is_private and str(address) not in private:
                    private.append(str(address))
    if private:
        yield finding(
            "private-c2-address",
            "warning",
            "private addresses used as C2: " + ", ".join(private),
            "a lab address detects only the lab; match the C2 behaviour (port, "
            "protocol, process) or feed addresses from threat intelligence",
            finding.lines.field_line("DestinationIp"),
        )


def _check_never_true(
    sigma: SigmaRule, branches: list[Branch], finding: FindingMaker, kb: Knowledge
) -> Iterator[LintFinding]:
    source = kb.for_rule(sigma.logsource.category, sigma.logsource.service)
    event_ids = source.event_ids if source is not None and source.complete else frozenset()
    if branches and all(_impossible(branch, event_ids) for branch in branches):
        yield finding(
            "never-true",
            "error",
            "the condition can never be true",
            "one field must equal two different values, a selection is required and "
            "excluded at once, or EventID is not one the log source has",
            finding.lines.line("detection", "condition"),
        )


def _impossible(branch: Branch, event_ids: frozenset[int]) -> bool:
    exact: dict[str, str] = {}
    positives = {_leaf_key(lit) for lit in branch if lit.positive}
    for literal in branch:
        if not literal.positive:
            if _leaf_key(literal) in positives:
                return True
            continue
        field, value = literal.field, getattr(literal.leaf, "value", None)
        if field is None or not isinstance(value, SigmaString | SigmaNumber):
            continue
        if _has_wildcard(value):
            continue
        text = _plain(value).lower()
        if field == "EventID" and event_ids and text.isdigit() and int(text) not in event_ids:
            return True
        if exact.setdefault(field, text) != text:
            return True
    return False


def _leaf_key(literal: Literal) -> tuple[str | None, str, str]:
    value = getattr(literal.leaf, "value", None)
    return literal.field, type(value).__name__, str(value)


def _has_wildcard(value: object) -> bool:
    return isinstance(value, SigmaString) and value.contains_special()


def _plain(value: object) -> str:
    if isinstance(value, SigmaString):
        return str(value.to_plain())
    if isinstance(value, SigmaNumber):
        return str(value.number)
    return "" if value is None else str(value)
