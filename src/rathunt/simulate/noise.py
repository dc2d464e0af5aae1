"""Benign user activity, and the helpers every noise generator shares.

Each generator yields episodes (the events of one ordinary action) in time order: logons and
their shell, startup apps and logon scripts with `ping -n` waits, browsing and Office here;
updates, services, tasks, admin work and background traffic in `upkeep.py`. This is what
baselines learn from and what rules must stay quiet on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from rathunt.simulate.host import Host, Process
from rathunt.simulate.schedule import MINUTE, SECOND, Session, arrivals, user_profile
from rathunt.simulate.security import logon
from rathunt.simulate.shapes import (
    SimEvent,
    dns_query,
    file_create,
    network_connect,
    process_create,
)

Episode = list[SimEvent]
Generator = Callable[[Host, list[Session], random.Random, int, int], Iterator[Episode]]

CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
WORD = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"
EXCEL = "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE"
RUN = "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
FW_RULES = (
    "HKLM\\System\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy"
    "\\FirewallRules"
)
SITES = (
    ("www.google.com", "142.250.185.68"),
    ("outlook.office365.com", "52.97.146.18"),
    ("login.microsoftonline.com", "20.190.159.2"),
    ("www.bing.com", "204.79.197.200"),
    ("github.com", "140.82.121.4"),
    ("www.wikipedia.org", "185.15.59.224"),
    ("teams.microsoft.com", "52.113.194.132"),
    ("www.linkedin.com", "13.107.42.14"),
)
BACKGROUND = (
    ("C:\\Windows\\system32\\svchost.exe", "settings-win.data.microsoft.com", "20.42.65.85"),
    ("C:\\Windows\\system32\\svchost.exe", "ctldl.windowsupdate.com", "93.184.221.240"),
    ("C:\\Windows\\system32\\svchost.exe", "ocsp.digicert.com", "93.184.220.29"),
    (
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2111.5-0\\MsMpEng.exe",
        "wdcp.microsoft.com",
        "13.89.179.10",
    ),
)


def _process(
    host: Host,
    t: int,
    image: str,
    command: str,
    parent: Process | None,
    current_directory: str | None = None,
) -> tuple[Process, Episode]:
    """A new process and its creation events."""
    proc = host.process(t, image, command, parent, current_directory=current_directory)
    return proc, process_create(host, t, proc)


def _in_session(sessions: list[Session], t: int) -> Session | None:
    for session in sessions:
        if session.start <= t < session.end:
            return session
    return None


def _session_arrivals(
    sessions: list[Session], rng: random.Random, per_hour: float
) -> Iterator[tuple[int, Session]]:
    for session in sessions:
        for t in arrivals(rng, session.start + 2 * MINUTE, session.end, per_hour):
            yield t, session


def logons(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """Each session: 4624, userinit, explorer, startup apps, the logon script's ping wait."""
    profile = user_profile(host)
    for session in sessions:
        t = session.start
        events = logon(host, t, session.logon, session.logon_type)
        events += process_create(host, session.userinit_time, session.userinit)
        events += process_create(host, session.explorer_time, session.explorer)
        t = session.explorer_time + 8 * SECOND
        if host.kind == "workstation":
            for image, command in (
                (
                    f"{profile}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
                    f'"{profile}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background',
                ),
                (
                    f"{profile}\\AppData\\Local\\Microsoft\\Teams\\Update.exe",
                    f'"{profile}\\AppData\\Local\\Microsoft\\Teams\\Update.exe" --processStart '
                    '"Teams.exe" --process-start-args "--system-initiated"',
                ),
                (
                    f"{profile}\\AppData\\Roaming\\Spotify\\Spotify.exe",
                    f'"{profile}\\AppData\\Roaming\\Spotify\\Spotify.exe" --autostart --minimized',
                ),
            ):
                t += rng.randrange(400_000, 3 * SECOND)
                events += _process(host, t, image, command, session.explorer)[1]
        t += 5 * SECOND
        script, episode = _process(
            host,
            t,
            "C:\\Windows\\System32\\cmd.exe",
            f'C:\\Windows\\system32\\cmd.exe /c ""\\\\{host.dns_domain}\\NETLOGON\\logon.bat""',
            session.userinit,
        )
        events += episode
        events += _process(
            host, t + 700_000, "C:\\Windows\\System32\\PING.EXE", "ping  -n 5 127.0.0.1", script
        )[1]
        events += _process(
            host,
            t + 5 * SECOND,
            "C:\\Windows\\System32\\net.exe",
            f"net  use S: \\\\fs01.{host.dns_domain}\\shared /persistent:no",
            script,
        )[1]
        yield events


def browsing(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """Browser launches from explorer, each with its lookups and HTTPS connections."""
    port = 50000 + rng.randrange(10000)
    for t, session in _session_arrivals(sessions, rng, 4.0):
        chrome, events = _process(
            host,
            t,
            CHROME,
            f'"{CHROME}" ',
            session.explorer,
            current_directory="C:\\Program Files\\Google\\Chrome\\Application\\96.0.4664.110\\",
        )
        for _ in range(rng.randint(2, 5)):
            t += rng.randrange(2 * SECOND, 90 * SECOND)
            name, ip = rng.choice(SITES)
            port = 49200 + (port - 49200 + 7) % 16000
            events += dns_query(host, t, chrome, name, [ip])
            events += network_connect(host, t + 30_000, chrome, ip, 443, port, name)
        yield events


def office(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """Documents opened from Documents and Downloads; Office writes its temp files."""
    profile = user_profile(host)
    for t, session in _session_arrivals(sessions, rng, 0.35):
        image = rng.choice([WORD, EXCEL])
        ext = "docx" if image == WORD else "xlsx"
        doc = (
            f"{profile}\\Documents\\{rng.choice(['Report', 'Budget', 'Minutes', 'Plan'])}_"
            f"{rng.randint(1, 40)}.{ext}"
        )
        proc, events = _process(
            host,
            t,
            image,
            f'"{image}" /n "{doc}"',
            session.explorer,
            current_directory=f"{profile}\\Documents\\",
        )
        folder, _, name = doc.rpartition("\\")
        events += file_create(host, t + 3 * SECOND, proc, f"{folder}\\~${name[2:]}")
        events += dns_query(
            host, t + 5 * SECOND, proc, "officeclient.microsoft.com", ["52.109.8.20"]
        )
        yield events
