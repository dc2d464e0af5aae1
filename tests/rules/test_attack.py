"""ATT&CK names from Sigma tags, offline."""

from __future__ import annotations

from rathunt.rules.attack import TACTIC_ORDER, map_tags, tactic_rank


def test_tags_map_to_names_in_kill_chain_order() -> None:
    tactics, techniques = map_tags(
        [
            "attack.command-and-control",
            "attack.t1571",
            "attack.persistence",
            "attack.t1547.001",
            "attack.s0385",
            "cve.2021-44228",
        ]
    )
    assert [t.shortname for t in tactics] == ["persistence", "command-and-control"]
    assert [t.id for t in tactics] == ["TA0003", "TA0011"]
    assert {t.id: t.name for t in techniques} == {
        "T1547.001": "Boot or Logon Autostart Execution: Registry Run Keys / Startup Folder",
        "T1571": "Non-Standard Port",
    }


def test_technique_without_tactic_tag_brings_its_attack_tactics() -> None:
    tactics, _ = map_tags(["attack.t1562.004"])
    assert [t.shortname for t in tactics] == ["defense-evasion"]


def test_underscore_tactic_spelling_and_unknown_ids() -> None:
    tactics, techniques = map_tags(["attack.command_and_control", "attack.t9999"])
    assert [t.name for t in tactics] == ["Command and Control"]
    assert techniques[0].id == "T9999" and techniques[0].name == "T9999"


def test_rank_orders_every_tactic_and_puts_unknown_last() -> None:
    assert sorted(TACTIC_ORDER, key=tactic_rank) == list(TACTIC_ORDER)
    assert tactic_rank("made-up") == len(TACTIC_ORDER)
