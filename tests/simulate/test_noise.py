"""Benign noise: the ordinary activity baselines learn from, at workstation and server rates."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from rathunt.simulate import SimOptions, simulate

SYSMON = "Microsoft-Windows-Sysmon/Operational"


@pytest.fixture(scope="module")
def fortnight() -> list:
    """A workstation and a server over 14 days, noise only."""
    return list(simulate(SimOptions(hosts=2, servers=1, days=14, seed="n", intrusions=[])))


def by_host(events, prefix: str) -> list:
    return [e for e in events if e.host.short.startswith(prefix)]


def test_noise_carries_no_label(fortnight) -> None:
    assert fortnight and all(e.label is None for e in fortnight)


def test_rates_per_day_fit_each_profile(fortnight) -> None:
    workstation = len(by_host(fortnight, "WS")) / 14
    server = len(by_host(fortnight, "SRV")) / 14
    assert 300 < workstation < 5000
    assert 300 < server < 5000


def test_workstation_is_quiet_at_weekends(fortnight) -> None:
    """User activity (children of explorer) happens on working days only."""
    days = Counter(
        datetime.fromisoformat(e.data["UtcTime"]).weekday()
        for e in by_host(fortnight, "WS")
        if e.channel == SYSMON
        and e.event_id == 1
        and e.data["ParentImage"].endswith("explorer.exe")
    )
    assert days[0] and days[4]
    assert days[5] + days[6] < 0.1 * sum(days.values())


@pytest.mark.parametrize(
    ("what", "test"),
    [
        (
            "netsh advfirewall by an admin",
            lambda e: e.event_id == 1 and "advfirewall firewall add rule" in e.data["CommandLine"],
        ),
        (
            "ping -n wait in a logon script",
            lambda e: e.event_id == 1 and e.data["CommandLine"].startswith("ping  -n "),
        ),
        (
            "Run value of a common app under AppData",
            lambda e: (
                e.event_id == 13
                and "\\CurrentVersion\\Run\\" in e.data["TargetObject"]
                and "\\AppData\\" in e.data["Details"]
            ),
        ),
        ("logon", lambda e: e.event_id == 4624),
        ("browser DNS", lambda e: e.event_id == 22 and e.data["Image"].endswith("chrome.exe")),
        (
            "Office document",
            lambda e: e.event_id == 1 and e.data["Image"].endswith(("WINWORD.EXE", "EXCEL.EXE")),
        ),
        ("update worker", lambda e: e.event_id == 1 and "GoogleUpdate.exe" in e.data["Image"]),
        ("share access on the server", lambda e: e.event_id == 5140),
        (
            "admin discovery command",
            lambda e: (
                e.event_id == 1
                and e.data["Image"].endswith(
                    ("ipconfig.exe", "whoami.exe", "systeminfo.exe", "tasklist.exe", "net.exe")
                )
            ),
        ),
    ],
)
def test_noise_contains_the_ordinary(fortnight, what, test) -> None:
    assert any(test(e) for e in fortnight), what


def test_services_and_tasks_of_real_products_appear_over_a_month() -> None:
    events = list(simulate(SimOptions(hosts=1, days=30, seed="svc", intrusions=[])))
    names = {
        e.data.get("ServiceName") or e.data.get("TaskName")
        for e in events
        if e.event_id in (7045, 4698)
    }
    assert names and all(("Google" in n) or ("Edge" in n) or ("Office" in n) for n in names)
