"""The njRAT pack's correlations, run as a hunt runs them: read, match, correlate.

Every step rule in `correlations/` matches each event of its positive file and none of its
negative file; every correlation fires on its positive file and not on its negative one,
whose events are near misses (wrong order, too slow, another process, a browser).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rathunt.correlate import Correlator
from rathunt.engine import Engine, Match
from rathunt.events import ReadStats, read_paths
from rathunt.model import Finding
from rathunt.rules import load_pack
from rathunt.rules.rule import Rule

CORRELATIONS = Path(__file__).resolve().parents[2] / "src/rathunt/packs/njrat/correlations"
TESTS = CORRELATIONS / "tests"


@pytest.fixture(scope="module")
def pack() -> list[Rule]:
    ruleset = load_pack("njrat")
    assert not ruleset.problems, "\n".join(str(p) for p in ruleset.problems)
    return ruleset.rules


def _in_correlations(rule: Rule) -> bool:
    return rule.path is not None and Path(rule.path).parent == CORRELATIONS


def _stems(pack: list[Rule], correlation: bool) -> list[str]:
    return sorted(
        Path(r.path).stem  # type: ignore[arg-type]
        for r in pack
        if _in_correlations(r) and r.is_correlation == correlation
    )


def _hunt(pack: list[Rule], path: Path) -> tuple[list[Finding], list[Match], Correlator]:
    stats = ReadStats()
    events = list(read_paths([str(path)], stats=stats))
    assert not stats.problems and events, f"{path}: {stats.problems}"
    correlations = [r for r in pack if r.is_correlation]
    bases = [r for r in pack if not r.is_correlation]
    correlator = Correlator(correlations, bases, lateness=timedelta(minutes=5))
    matches = list(Engine(bases).match(events))
    found: list[Finding] = []
    for item in sorted(matches, key=lambda m: m.event.time):  # type: ignore[arg-type, return-value]
        found.extend(correlator.feed(item))
    found.extend(correlator.flush())
    return found, matches, correlator


def test_the_pack_ships_four_correlations_that_all_load_fully(pack: list[Rule]) -> None:
    correlations = [r for r in pack if r.is_correlation]
    Correlator(correlations, [r for r in pack if not r.is_correlation])
    assert sorted(str(r.sigma.name) for r in correlations) == [
        "njrat_discovery_burst",
        "njrat_dynamic_dns_retry",
        "njrat_install_sequence",
        "njrat_run_value_rewritten",
    ]
    assert [r.support.status for r in correlations] == ["full"] * 4


def test_every_step_rule_matches_its_positives_and_none_of_its_negatives(
    pack: list[Rule],
) -> None:
    problems: list[str] = []
    rules = {Path(r.path).stem: r for r in pack if _in_correlations(r)}  # type: ignore[arg-type]
    for stem in _stems(pack, correlation=False):
        engine = Engine([rules[stem]])
        for kind, expected in (("positive", True), ("negative", False)):
            events = list(read_paths([str(TESTS / stem / f"{kind}.jsonl")], stats=ReadStats()))
            hits = {id(m.event) for m in engine.match(events)}
            wrong = [e.provenance for e in events if (id(e) in hits) != expected]
            problems.extend(f"{stem}: {kind} {p}" for p in wrong)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("stem", "title", "group"),
    [
        (
            "mr_njrat_install_sequence",
            "Install Sequence of a Remote-Access Trojan From One Image",
            {"payload": "C:\\Users\\jsmith\\AppData\\Local\\Temp\\server.exe"},
        ),
        (
            "mr_njrat_discovery_burst",
            "Burst of Host Discovery Commands From One Parent Process",
            {"ParentProcessId": 6120, "ParentImage": "C:\\Windows\\SysWOW64\\cmd.exe"},
        ),
        (
            "mr_njrat_dynamic_dns_retry",
            "Repeated Lookups of One Dynamic DNS Name by One Process",
            {"QueryName": "kx7pq2.duckdns.org"},
        ),
        (
            "mr_njrat_run_value_rewritten",
            "Run Key Value Written Again Shortly After It Was Deleted",
            {},
        ),
    ],
)
def test_each_correlation_fires_on_its_positives_and_not_on_its_near_misses(
    pack: list[Rule], stem: str, title: str, group: dict[str, object]
) -> None:
    found, _, _ = _hunt(pack, TESTS / stem / "positive.jsonl")
    hits = [f for f in found if f.rule_title == title]
    assert len(hits) == 1, [f.rule_title for f in found]
    detail = hits[0].extra["correlation"]
    assert group.items() <= detail["group"].items()
    assert hits[0].computer == "DESKTOP-7Q3K1LM.corp.example.com"

    found, matches, correlator = _hunt(pack, TESTS / stem / "negative.jsonl")
    assert [f.rule_title for f in found if f.rule_title == title] == []
    assert matches, "the near misses must still match the step rules"
    assert correlator.stats.late == 0


def test_step_rules_and_the_discovery_rule_only_feed_correlations(pack: list[Rule]) -> None:
    correlator = Correlator(
        [r for r in pack if r.is_correlation], [r for r in pack if not r.is_correlation]
    )
    quiet = sorted(str(r.sigma.name) for r in pack if correlator.suppressed(r))
    assert quiet == [
        "njrat_host_discovery_command",
        "njrat_step_file_event_win_executable_user_writable",
        "njrat_step_net_connection_win_user_writable_image",
        "njrat_step_proc_creation_win_netsh_allowedprogram",
        "njrat_step_registry_delete_win_run_value",
        "njrat_step_registry_set_win_run_value",
    ]
