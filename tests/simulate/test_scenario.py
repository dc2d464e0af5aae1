"""The intrusion follows the 0.7d install sequence, and each variant changes what it should."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import datetime

import pytest

SYSMON = "Microsoft-Windows-Sysmon/Operational"
INSTALL_ORDER = [
    "first-run",
    "self-copy",
    "install-run",
    "zone-check",
    "netsh-allow",
    "firewall-rule",
    "run-key",
    "startup-copy",
]


@pytest.fixture(scope="module")
def labelled(events, labels) -> dict[str, list[tuple[dict, dict]]]:
    """Per variant, (label, event) pairs in time order."""
    index = {(e["_host"], e["_channel"], e["_record"]): e for e in events}
    out: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for label in labels:
        event = index[(label["host"], label["channel"], label["record_id"])]
        assert event["_id"] == label["event_id"]
        out[label["variant"]].append((label, event))
    for pairs in out.values():
        pairs.sort(key=lambda pair: pair[1]["_time"])
    return out


def sysmon(pairs, step: str, event_id: int | None = None) -> list[dict]:
    return [
        e
        for lab, e in pairs
        if lab["step"] == step
        and e["_channel"] == SYSMON
        and (event_id is None or e["_id"] == event_id)
    ]


def test_default_install_runs_in_the_stub_order(labelled) -> None:
    pairs = labelled["default"]
    firsts = {}
    for label, event in pairs:
        firsts.setdefault(label["step"], event["_time"])
    assert [s for s in INSTALL_ORDER if s in firsts] == INSTALL_ORDER
    assert [firsts[s] for s in INSTALL_ORDER] == sorted(firsts[s] for s in INSTALL_ORDER)


def test_default_install_artefacts_have_njrat_shapes(labelled) -> None:
    pairs = labelled["default"]
    (rat,) = sysmon(pairs, "install-run", 1)
    assert rat["Image"].endswith("\\AppData\\Local\\Temp\\server.exe")
    (netsh,) = sysmon(pairs, "netsh-allow", 1)
    assert netsh["ParentProcessGuid"] == rat["ProcessGuid"]
    assert netsh["CommandLine"] == (
        f'netsh firewall add allowedprogram "{rat["Image"]}" "server.exe" ENABLE'
    )
    rules = sysmon(pairs, "firewall-rule", 13)
    assert sorted(re.search(r"Protocol=(\d+)", r["Details"]).group(1) for r in rules) == ["17", "6"]
    assert all(f"|App={rat['Image']}|Name=server.exe|" in r["Details"] for r in rules)
    (run,) = sysmon(pairs, "run-key", 13)
    assert re.search(r"\\CurrentVersion\\Run\\[0-9a-f]{32}$", run["TargetObject"])
    assert run["Details"] == f'"{rat["Image"]}" ..'
    (zone,) = sysmon(pairs, "zone-check", 13)
    assert zone["TargetObject"].endswith("\\Environment\\SEE_MASK_NOZONECHECKS")
    (startup,) = sysmon(pairs, "startup-copy", 11)
    value_name = run["TargetObject"].rsplit("\\", 1)[1]
    assert startup["TargetFilename"].endswith(f"\\Startup\\{value_name}.exe")


def test_c2_lookups_repeat_at_the_retry_interval(labelled) -> None:
    """While the panel is down the stub resolves its C2 every 2-26 seconds."""
    times = [datetime.fromisoformat(e["UtcTime"]) for e in sysmon(labelled["default"], "c2-dns")]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    short = [g for g in gaps if g < 60]
    assert len(short) > 100
    assert min(short) >= 2 and max(short) <= 26


def test_relaunch_passes_two_dots_and_writes_di(labelled) -> None:
    relaunch = sysmon(labelled["default"], "relaunch", 1)
    assert (
        any(
            e["CommandLine"].endswith('" ..') and e["ParentImage"].endswith("explorer.exe")
            for e in relaunch
        )
        or not relaunch
    )
    for event in sysmon(labelled["default"], "di-marker", 13):
        assert event["TargetObject"].endswith("\\di") and event["Details"] == "!"


def test_uninstall_deletes_with_a_ping_delay(labelled) -> None:
    (cmd,) = [
        e for e in sysmon(labelled["default"], "self-delete", 1) if e["Image"].endswith("cmd.exe")
    ]
    assert re.fullmatch(r'cmd\.exe /c ping 0 -n 2 & del ".*server\.exe"', cmd["CommandLine"])
    (green,) = [
        e for e in sysmon(labelled["green"], "self-delete", 1) if e["Image"].endswith("cmd.exe")
    ]
    assert green["CommandLine"].startswith("cmd.exe /k ping 0 & del ")


@pytest.mark.parametrize(
    ("variant", "check"),
    [
        ("renamed", lambda p: not sysmon(p, "install-run", 1)[0]["Image"].endswith("server.exe")),
        (
            "sysname",
            lambda p: sysmon(p, "install-run", 1)[0]["Image"].endswith(
                "\\AppData\\Local\\Temp\\svchost.exe"
            ),
        ),
        (
            "allusers",
            lambda p: sysmon(p, "install-run", 1)[0]["Image"] == "C:\\ProgramData\\System.exe",
        ),
        (
            "powershell-run",
            lambda p: (
                sysmon(p, "run-key-powershell", 13)[0]["Details"].startswith("powershell.exe ")
                and sysmon(p, "script-host", 1)
            ),
        ),
        (
            "ngrok",
            lambda p: (
                all(e["QueryName"].endswith("ngrok.io") for e in sysmon(p, "c2-dns"))
                and all(10000 <= e["DestinationPort"] <= 19999 for e in sysmon(p, "c2-connect", 3))
            ),
        ),
        ("no-startup", lambda p: not sysmon(p, "startup-copy")),
        (
            "usb",
            lambda p: (
                {e["TargetFilename"] for e in sysmon(p, "usb-copy") + sysmon(p, "usb-autorun")}
                == {"E:\\svchost.exe", "E:\\autorun.inf"}
            ),
        ),
        (
            "seed-naive",
            lambda p: (
                sysmon(p, "first-run", 1)[0]["Image"].endswith("\\njrat.exe")
                and sysmon(p, "first-run", 1)[0]["ParentImage"].endswith("\\explorer.exe")
                and {e["DestinationIp"] for e in sysmon(p, "c2-connect", 3)}
                <= {"192.168.1.100", "10.0.0.200"}
            ),
        ),
        (
            "default",
            lambda p: all(e["DestinationPort"] == 5552 for e in sysmon(p, "c2-connect", 3)),
        ),
    ],
)
def test_variant_changes_its_telemetry(labelled, variant, check) -> None:
    assert labelled[variant], f"no labelled events for {variant}"
    assert check(labelled[variant])


def test_lateral_movement_leaves_events_on_the_target(labelled) -> None:
    pairs = labelled["lateral"]
    hosts = {e["_host"] for lab, e in pairs if lab["step"] in ("smb-lateral", "service")}
    assert len(hosts) == 2
    target_ids = {
        (e["_channel"], e["_id"])
        for lab, e in pairs
        if lab["step"] in ("smb-lateral", "service") and e["_host"].startswith("SRV")
    }
    assert {("Security", 4624), ("Security", 5140), ("System", 7045), (SYSMON, 11)} <= target_ids


def test_security_twins_only_on_auditing_hosts(simulation, labelled) -> None:
    import orjson

    manifest = orjson.loads((simulation / "simulation.json").read_bytes())
    auditing = {h["name"]: h["auditing"] for h in manifest["hosts"]}
    for variant, pairs in labelled.items():
        host = next(e["_host"] for lab, e in pairs if lab["step"] == "install-run")
        twins = [e for lab, e in pairs if e["_host"] == host and e["_id"] in (4688, 4657, 5156)]
        assert bool(twins) == auditing[host], variant
        if twins:
            (netsh,) = [
                e for e in twins if e["_id"] == 4688 and "add allowedprogram" in e["CommandLine"]
            ]
            assert re.fullmatch(r"0x[0-9a-f]+", netsh["NewProcessId"])
