"""The njRAT pack as content: every rule loads, runs on its own events, and carries its metadata.

Each test walks the whole pack and reports every offending rule in one assertion message, so
one run shows all that needs fixing.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, cast

import pytest
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from rathunt.engine import Engine
from rathunt.events import ReadStats, read_paths
from rathunt.model import Event
from rathunt.rules import load_pack
from rathunt.rules.attack import tactic, technique
from rathunt.rules.rule import Rule

PACK_DIR = Path(__file__).resolve().parents[2] / "src" / "rathunt" / "packs" / "njrat"
TESTS_DIR = PACK_DIR / "tests"

# Log sources whose events Security (4688, 5156, 4657) also writes: a rule on them must prove
# it catches the Security twin, unless the Security event lacks a field the rule needs.
SECURITY_TWIN_CATEGORIES = {"process_creation", "network_connection", "registry_set"}
NO_SECURITY_TWIN = {
    "proc_creation_win_office_temp_document_spawns_shell": "4688 carries no parent command line",
    "registry_set_win_md5_named_binary_value": "4657 renders binary data as hex, not as a type",
}
# Where the pack's references may point: the public analyses research/njrat.md cites.
REFERENCE_SOURCES = (
    "https://github.com/mwsrc/njRAT",
    "https://github.com/etormadiv/njRAT_0.7d_Stub_ReverseEngineering",
    "https://github.com/NYAN-x-CAT/njRAT-0.7d-Stub-CSharp",
    "https://github.com/prostixciber/NjRat-0.7D-Green-Edition-by-im523",
    "https://github.com/keithjjones/zeek-njrat-detector",
    "https://github.com/splunk/security_content",
    "https://github.com/splunk/attack_data",
    "https://github.com/elastic/protections-artifacts",
    "https://github.com/mitre/cti",
    "https://github.com/0xhido/writeups",
    "https://github.com/l3naz/CS479-579-Reverse-Engineering-Report",
    "https://tria.ge/211220-hdgsjaafbq",
    "https://drkeithjones.com/",
    "https://bloo.io/blog/njrat-detection-engineering-and-telemetry-analysis-part-2",
    "https://www.secjuice.com/blue-team-detection-njrat/",
)
_SIGMA_ID = re.compile(r"^id:\s*['\"]?([0-9a-fA-F-]{36})", re.MULTILINE)


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    ruleset = load_pack("njrat")
    assert not ruleset.problems, "\n".join(str(p) for p in ruleset.problems)
    return [rule for rule in ruleset.rules if not rule.is_correlation and _is_base_rule(rule)]


@pytest.fixture(scope="module")
def engine(rules: list[Rule]) -> Engine:
    return Engine(rules)


def _is_base_rule(rule: Rule) -> bool:
    """Base rules of this pack; the correlations folder is tested with the correlator."""
    return rule.path is not None and "correlations" not in Path(rule.path).parts


def _stem(rule: Rule) -> str:
    assert rule.path is not None
    return Path(rule.path).stem


def _read(path: Path) -> tuple[list[Event], ReadStats]:
    stats = ReadStats()
    return list(read_paths([str(path)], stats=stats)), stats


def test_pack_has_a_rule_for_every_stage(rules: list[Rule]) -> None:
    stages = {Path(rule.path or "").parent.name for rule in rules}
    expected = {
        "execution",
        "persistence",
        "defense_evasion",
        "credential_access",
        "discovery",
        "lateral_movement",
        "command_and_control",
    }
    assert expected <= stages, f"stages without a rule: {sorted(expected - stages)}"


def test_every_rule_compiles_with_full_support(rules: list[Rule], engine: Engine) -> None:
    lacking = [
        f"{_stem(rule)}: {rule.support.status} ({'; '.join(rule.support.reasons)})"
        for rule in rules
        if rule.support.status != "full"
    ]
    assert not lacking, "rules without full support:\n" + "\n".join(lacking)


def test_every_rule_matches_its_positives_and_none_of_its_negatives(
    rules: list[Rule], engine: Engine
) -> None:
    failures: list[str] = []
    for rule in rules:
        failures.extend(_check_rule_events(rule, engine))
    assert not failures, f"{len(failures)} test-event failures:\n" + "\n".join(failures)


def _check_rule_events(rule: Rule, engine: Engine) -> list[str]:
    stem = _stem(rule)
    failures: list[str] = []
    for kind in ("positive", "negative"):
        path = TESTS_DIR / stem / f"{kind}.jsonl"
        if not path.is_file():
            failures.append(f"{stem}: no {path.relative_to(PACK_DIR)}")
            continue
        events, stats = _read(path)
        if stats.problems or not events:
            failures.append(f"{stem}: {kind} events unreadable or empty: {stats.problems}")
            continue
        hits = {id(m.event) for m in engine.match(events) if m.rule is rule}
        for line, event in enumerate(events, 1):
            if (id(event) in hits) != (kind == "positive"):
                verb = "missed" if kind == "positive" else "matched"
                failures.append(f"{stem}: {verb} {kind}.jsonl line {line} ({event.channel})")
    return failures


def test_rules_on_twinned_sources_are_proven_on_the_security_shape(rules: list[Rule]) -> None:
    missing: list[str] = []
    for rule in rules:
        assert isinstance(rule.sigma, SigmaRule)
        stem = _stem(rule)
        if rule.sigma.logsource.category not in SECURITY_TWIN_CATEGORIES:
            continue
        events, _ = _read(TESTS_DIR / stem / "positive.jsonl")
        has_security = any(event.channel == "Security" for event in events)
        if has_security == (stem in NO_SECURITY_TWIN):
            missing.append(f"{stem}: Security positive {'present' if has_security else 'absent'}")
    assert not missing, "Security-shape coverage wrong:\n" + "\n".join(missing)


def test_every_rule_carries_complete_metadata(rules: list[Rule]) -> None:
    problems: list[str] = []
    for rule in rules:
        problems.extend(f"{_stem(rule)}: {p}" for p in _metadata_problems(rule))
    assert not problems, "metadata problems:\n" + "\n".join(problems)


def _metadata_problems(rule: Rule) -> list[str]:
    sigma = rule.sigma
    assert isinstance(sigma, SigmaRule)
    problems = []
    if sigma.id is None or sigma.id.version != 4:
        problems.append(f"id {sigma.id} is not a UUID version 4")
    if sigma.level is None or sigma.status is None:
        problems.append("level or status missing")
    if not sigma.falsepositives:
        problems.append("no falsepositives")
    if not sigma.references:
        problems.append("no references")
    for ref in sigma.references:
        if not ref.startswith(REFERENCE_SOURCES):
            problems.append(f"reference {ref} is not one of the cited public analyses")
    if "Known evasions" not in " ".join((sigma.description or "").split()):
        problems.append("description does not state its known evasions")
    problems.extend(_tag_problems(rule))
    return problems


def _tag_problems(rule: Rule) -> list[str]:
    tags = [tag for tag in rule.tags if tag.startswith("attack.")]
    techniques = [tag[len("attack.") :] for tag in tags if re.match(r"attack\.t\d{4}", tag)]
    tactics = [
        tag[len("attack.") :] for tag in tags if tag not in {f"attack.{t}" for t in techniques}
    ]
    problems = []
    if not techniques or not tactics:
        problems.append(f"needs ATT&CK tactic and technique tags, has {tags}")
    for tid in techniques:
        if technique(tid).name == tid.upper():
            problems.append(f"ATT&CK has no technique {tid}")
    for short in tactics:
        if tactic(short) is None:
            problems.append(f"ATT&CK has no tactic {short}")
    return problems


def test_rule_ids_and_names_are_unique_within_the_pack(rules: list[Rule]) -> None:
    ids = Counter(str(rule.sigma.id) for rule in rules)
    names = Counter(rule.sigma.name for rule in rules)
    repeated = [i for i, n in ids.items() if n > 1] + [m for m, n in names.items() if n > 1]
    assert not repeated, f"repeated ids or names: {repeated}"
    assert all(rule.sigma.name for rule in rules), "every rule needs a name for correlations"


@pytest.mark.data
def test_no_rule_id_is_taken_from_sigmahq(rules: list[Rule], shared_data: Path) -> None:
    sigmahq_ids: set[str] = set()
    for path in (shared_data / "sigma").rglob("*.yml"):
        sigmahq_ids.update(i.lower() for i in _SIGMA_ID.findall(path.read_text(errors="replace")))
    clashes = [_stem(rule) for rule in rules if str(rule.sigma.id).lower() in sigmahq_ids]
    assert len(sigmahq_ids) > 3000, "the SigmaHQ rule set was not found where expected"
    assert not clashes, f"rules reusing a SigmaHQ id: {clashes}"


def test_every_rule_passes_the_pysigma_and_sigmahq_validators() -> None:
    collection = SigmaCollection.load_ruleset(
        [
            str(p)
            for p in sorted(PACK_DIR.rglob("*.yml"))
            if not {"tests", "correlations"} & set(p.relative_to(PACK_DIR).parts)
        ]
    )
    issues, not_run = _run_validators(collection)
    if not_run:
        warnings.warn(
            "validators that need reference data pySigma downloads did not run: "
            + ", ".join(sorted(not_run)),
            stacklevel=1,
        )
    assert not issues, f"{len(issues)} validator issues:\n" + "\n".join(issues)


def _run_validators(collection: SigmaCollection) -> tuple[list[str], set[str]]:
    """Every installed pySigma validator (core and SigmaHQ) over the pack, offline.

    Several validators download reference data (ATT&CK, SigmaHQ's taxonomy and file-name
    tables) from GitHub on first use. Their loaders are pointed at a local path that does not
    exist, for the rest of the session, so they fail fast instead of reaching out; they are
    reported as not run.
    """
    import sigma.data.mitre_attack as mitre_attack
    from sigma.plugins import InstalledSigmaPlugins
    from sigma.validators.sigmahq.data import (
        data_filename,
        data_taxonomy,
        data_windows_eventid,
        data_windows_provider,
    )

    scratch = tempfile.mkdtemp(prefix="rathunt-validators-")
    absent = str(Path(scratch) / "not-downloaded.json")
    for loader in (data_filename, data_taxonomy, data_windows_eventid, data_windows_provider):
        loader.set_cache_dir(scratch)
        loader.set_url(absent)
    mitre_attack.set_cache_dir(scratch)
    mitre_attack.set_url(absent)
    # pySigma types this mapping's values as instances; they are validator classes.
    validators = cast("dict[str, Any]", InstalledSigmaPlugins.autodiscover().validators)

    issues: list[str] = []
    not_run: set[str] = set()
    for name, validator_class in sorted(validators.items()):
        validator = validator_class()
        try:
            for rule in collection.rules:
                assert isinstance(rule, SigmaRule | SigmaCorrelationRule)
                issues.extend(f"{name}: {rule.title}: {i}" for i in validator.validate(rule))
            issues.extend(f"{name}: {i}" for i in validator.finalize())
        except RuntimeError:
            not_run.add(name)
    return issues, not_run


def test_rule_events_do_not_reuse_the_write_ups_names() -> None:
    """Events keyed on the write-up's chosen names would prove nothing the seed pack lacks."""
    leftovers = ("192.168.1.100", "10.0.0.200", "njrat.exe", "njRATService", "njRATTask")
    found = [
        f"{path.relative_to(PACK_DIR)}: {word}"
        for path in sorted(TESTS_DIR.rglob("*.jsonl"))
        for word in leftovers
        if word.lower() in path.read_text(encoding="utf-8").lower()
    ]
    assert not found, "lab leftovers in test events:\n" + "\n".join(found)


def test_rathunt_lint_finds_nothing_in_the_pack_rules() -> None:
    from rathunt.rules.lint import lint_rules

    ruleset = load_pack("njrat")
    ruleset.rules = [rule for rule in ruleset.rules if _is_base_rule(rule)]
    findings = [
        f"{Path(f.path or '').name}:{f.line} {f.check}: {f}" for f in lint_rules(ruleset).findings
    ]
    assert not findings, f"{len(findings)} lint findings:\n" + "\n".join(findings)
