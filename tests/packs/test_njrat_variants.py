"""Every njRAT variant the research describes is caught at two stages, and the seed pack misses it.

Each file under variants/ is one small intrusion as Sysmon (and, on one host, Security) records
it: the default %TEMP%\\server.exe install, a svchost.exe copy in Temp, a ProgramData install,
PowerShell held in the Run value, an ngrok tunnel on a random port, and the Green Edition's
USB spread and `cmd /k ping 0 & del` self-delete.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.engine import Engine
from rathunt.events import ReadStats, read_paths
from rathunt.model import Event
from rathunt.rules import load_pack

VARIANTS_DIR = Path(__file__).resolve().parent / "variants"
VARIANTS = sorted(p.stem for p in VARIANTS_DIR.glob("*.jsonl"))

# What each variant must be caught by, beyond the two-stage floor: the rule that keys on what
# makes the variant different from the default build.
SIGNATURE_RULE = {
    "default_temp_server_exe": "net_connection_win_user_writable_image_njrat_port",
    "system_name_temp_svchost": "proc_creation_win_system_binary_name_user_writable",
    "allusersprofile_system_exe": "registry_set_win_run_key_user_writable",
    "powershell_in_run_value": "registry_set_win_run_key_powershell",
    "ngrok_random_port": "net_connection_win_user_writable_image_uncommon_port",
    "green_edition_ping_del": "proc_creation_win_cmd_ping_del_self_delete",
}


@pytest.fixture(scope="module")
def njrat_engine() -> Engine:
    rules = [r for r in load_pack("njrat").rules if not r.is_correlation]
    return Engine(rules)


@pytest.fixture(scope="module")
def seed_engine() -> Engine:
    return Engine(load_pack("seed").rules)


def _events(variant: str) -> list[Event]:
    stats = ReadStats()
    events = list(read_paths([str(VARIANTS_DIR / f"{variant}.jsonl")], stats=stats))
    assert not stats.problems and events, f"{variant}: unreadable: {stats.problems}"
    return events


def test_every_researched_variant_has_an_event_set() -> None:
    assert set(VARIANTS) == set(SIGNATURE_RULE)


@pytest.mark.parametrize("variant", VARIANTS)
def test_njrat_pack_catches_the_variant_at_two_stages(njrat_engine: Engine, variant: str) -> None:
    matches = list(njrat_engine.match(_events(variant)))
    stages = {Path(m.rule.path or "").parent.name for m in matches}
    rules = {Path(m.rule.path or "").stem for m in matches}

    assert len(stages) >= 2, f"{variant}: caught only at {sorted(stages)} by {sorted(rules)}"
    assert SIGNATURE_RULE[variant] in rules, f"{variant}: caught only by {sorted(rules)}"
    assert any(m.rule.level in ("high", "critical") for m in matches)


@pytest.mark.parametrize("variant", VARIANTS)
def test_seed_pack_catches_none_of_the_variant(seed_engine: Engine, variant: str) -> None:
    matches = list(seed_engine.match(_events(variant)))
    assert not matches, f"{variant}: seed rules matched: {[m.rule.title for m in matches]}"


def test_seed_pack_does_match_the_names_it_keys_on(seed_engine: Engine) -> None:
    """Guards the test above: the seed rules run, they only key on names njRAT does not use."""
    process = next(e for e in _events("default_temp_server_exe") if e.event_id == 1)
    renamed = Event(
        fields={
            **process.fields,
            "Image": "C:\\Users\\jsmith\\Desktop\\njrat.exe",
            "ParentImage": "C:\\Windows\\explorer.exe",
        },
        logsource=process.logsource,
        provenance=process.provenance,
        time=process.time,
    )
    titles = [m.rule.title for m in seed_engine.match([renamed])]
    assert titles == ["Suspicious njRAT Process Creation"]
