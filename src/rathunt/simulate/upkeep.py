"""Benign upkeep: updates, services and tasks of real products, administrators' firewall
rules and checks, background network traffic, and a file server's day.

These run around the clock or on an administrator's schedule rather than a user's; the user
activity is in `noise.py`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from rathunt.simulate.host import Host, Process
from rathunt.simulate.noise import (
    BACKGROUND,
    FW_RULES,
    RUN,
    Episode,
    _in_session,
    _process,
    _session_arrivals,
)
from rathunt.simulate.schedule import HOUR, MINUTE, SECOND, Session, arrivals, days, user_profile
from rathunt.simulate.security import logon, service_installed, share_access, task_created
from rathunt.simulate.shapes import (
    dns_query,
    network_connect,
    registry_event,
    to_datetime,
    user_reg,
)


def updates(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """Daily update work: the update orchestrator, Google Update, app Run keys, RunOnce."""
    profile = user_profile(host)
    services = host.service(
        "services", "C:\\Windows\\system32\\services.exe", "C:\\Windows\\system32\\services.exe"
    )
    for day in days(start, end):
        t = day + 10 * HOUR + rng.randrange(6 * HOUR)
        if not start <= t < end:
            continue
        worker, events = _process(
            host,
            t,
            "C:\\Windows\\System32\\MoUsoCoreWorker.exe",
            "C:\\Windows\\System32\\mousocoreworker.exe -Embedding",
            services,
        )
        events += dns_query(
            host, t + 2 * SECOND, worker, "fe3cr.delivery.mp.microsoft.com", ["20.54.24.148"]
        )
        google, episode = _process(
            host,
            t + 5 * MINUTE,
            "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe",
            '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /ua /installsource '
            "scheduler",
            services,
        )
        events += episode
        events += dns_query(
            host, t + 5 * MINUTE + SECOND, google, "update.googleapis.com", ["142.250.185.99"]
        )
        session = _in_session(sessions, t + 9 * MINUTE)
        if session is not None and rng.random() < 0.3:
            events += _app_run_key(host, t + 9 * MINUTE, session, profile, rng)
        if rng.random() < 0.15:
            events += _run_once(host, t + 12 * MINUTE, services)
        yield events


def _app_run_key(host: Host, t: int, session: Session, profile: str, rng: random.Random) -> Episode:
    name, image, data = rng.choice(
        (
            (
                "Spotify",
                f"{profile}\\AppData\\Roaming\\Spotify\\Spotify.exe",
                f'"{profile}\\AppData\\Roaming\\Spotify\\Spotify.exe" --autostart --minimized',
            ),
            (
                "com.squirrel.Teams.Teams",
                f"{profile}\\AppData\\Local\\Microsoft\\Teams\\Update.exe",
                f"{profile}\\AppData\\Local\\Microsoft\\Teams\\Update.exe "
                '--processStart "Teams.exe" --process-start-args "--system-initiated"',
            ),
            (
                "OneDrive",
                f"{profile}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
                f'"{profile}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background',
            ),
        )
    )
    proc, events = _process(host, t, image, f'"{image}" --update', session.explorer)
    events += registry_event(
        host, t + 4 * SECOND, proc, "SetValue", user_reg(session.logon, f"{RUN}\\{name}"), data
    )
    return events


def _run_once(host: Host, t: int, services: Process) -> Episode:
    proc, events = _process(
        host,
        t,
        "C:\\Windows\\System32\\msiexec.exe",
        "C:\\Windows\\system32\\msiexec.exe /V",
        services,
    )
    data = (
        "C:\\Windows\\System32\\RUNDLL32.EXE C:\\Windows\\System32\\advpack.dll,"
        'DelNodeRunDLL32 "C:\\Windows\\System32\\Temp\\IXP000.TMP\\"'
    )
    events += registry_event(
        host,
        t + SECOND,
        proc,
        "SetValue",
        "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce\\wextract_cleanup0",
        data,
    )
    return events


def services_and_tasks(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """Services and scheduled tasks that real products register, a few a month."""
    for t in arrivals(rng, start, end, 0.004 if host.kind == "workstation" else 0.008):
        choice = rng.randrange(4)
        system = host.system_logon
        if choice == 0:
            yield service_installed(
                host,
                t,
                "Google Update Service (gupdatem)",
                '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /medsvc',
                start="demand start",
            )
        elif choice == 1:
            yield service_installed(
                host,
                t,
                "Microsoft Edge Update Service (edgeupdate)",
                '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /svc',
            )
        elif choice == 2:
            guid = f"{{{rng.getrandbits(32):08X}-3E1A-4B6C-9F3D-{rng.getrandbits(48):012X}}}"
            yield task_created(
                host,
                t,
                system,
                f"\\GoogleUpdateTaskMachineUA{guid}",
                "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe",
                "/ua /installsource scheduler",
            )
        else:
            yield task_created(
                host,
                t,
                system,
                "\\Microsoft\\Office\\Office Automatic Updates 2.0",
                "C:\\Program Files\\Common Files\\Microsoft Shared\\ClickToRun\\"
                "OfficeC2RClient.exe",
                "/frequentupdate SCHEDULEDTASK displaylevel=False",
            )


def admin_firewall(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """Administrators and installers adding `netsh advfirewall` rules, and their values."""
    rate = 0.01 if host.kind == "server" else 0.002
    mpssvc = host.service(
        "mpssvc",
        "C:\\Windows\\system32\\svchost.exe",
        "C:\\Windows\\system32\\svchost.exe -k LocalServiceNoNetworkFirewall -p",
    )
    for t, session in _session_arrivals(sessions, rng, rate):
        name, extra, value = rng.choice(
            (
                ("SQL Server", "protocol=TCP localport=1433", "Protocol=6|LPort=1433"),
                (
                    "Dropbox",
                    'program="C:\\Program Files (x86)\\Dropbox\\Client\\Dropbox.exe"',
                    "App=C:\\Program Files (x86)\\Dropbox\\Client\\Dropbox.exe",
                ),
                ("Remote Management", "protocol=TCP localport=5985", "Protocol=6|LPort=5985"),
            )
        )
        cmd, events = _process(
            host,
            t,
            "C:\\Windows\\System32\\cmd.exe",
            '"C:\\Windows\\system32\\cmd.exe" ',
            session.explorer,
        )
        _, episode = _process(
            host,
            t + 20 * SECOND,
            "C:\\Windows\\System32\\netsh.exe",
            f'netsh  advfirewall firewall add rule name="{name}" dir=in '
            f"action=allow {extra} enable=yes",
            cmd,
        )
        events += episode
        guid = (
            f"{rng.getrandbits(32):08X}-{rng.getrandbits(16):04X}-4{rng.getrandbits(12):03X}-"
            f"A{rng.getrandbits(12):03X}-{rng.getrandbits(48):012X}"
        )
        events += registry_event(
            host,
            t + 20 * SECOND + 400_000,
            mpssvc,
            "SetValue",
            f"{FW_RULES}\\{{{guid}}}",
            f"v2.30|Action=Allow|Active=TRUE|Dir=In|{value}|Name={name}|",
        )
        yield events


def admin_tools(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """Administrators and helpdesk checking a machine in working hours: the same commands an
    operator runs, a few minutes apart from one shell."""
    rate = 0.3 if host.kind == "server" else 0.01
    for t, session in _session_arrivals(sessions, rng, rate):
        if not _working_hours(t):
            continue
        cmd, events = _process(
            host,
            t,
            "C:\\Windows\\System32\\cmd.exe",
            '"C:\\Windows\\system32\\cmd.exe" ',
            session.explorer,
        )
        for image, command in rng.sample(
            [
                ("ipconfig.exe", "ipconfig  /all"),
                ("whoami.exe", "whoami  /groups"),
                ("systeminfo.exe", "systeminfo"),
                ("tasklist.exe", "tasklist  /svc"),
                ("net.exe", "net  localgroup administrators"),
            ],
            k=rng.randint(1, 3),
        ):
            t += rng.randrange(5 * SECOND, 2 * MINUTE)
            events += _process(host, t, f"C:\\Windows\\System32\\{image}", command, cmd)[1]
        yield events


def _working_hours(t: int) -> bool:
    moment = to_datetime(t)
    return moment.weekday() < 5 and 8 <= moment.hour < 18


def background_network(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """System services looking up and reaching their endpoints around the clock."""
    port = 52000 + rng.randrange(8000)
    procs: dict[str, Process] = {}
    for t in arrivals(rng, start, end, 10.0):
        image, name, ip = rng.choice(BACKGROUND)
        proc = procs.get(image)
        if proc is None:
            proc = host.service(
                image, image, f'"{image}"' if " " in image else f"{image} -k NetworkService -p"
            )
            procs[image] = proc
        port = 49200 + (port - 49200 + 3) % 16000
        events = dns_query(host, t, proc, name, [ip])
        events += network_connect(host, t + 40_000, proc, ip, 443, port, name)
        yield events


def server_access(
    host: Host, sessions: list[Session], rng: random.Random, start: int, end: int
) -> Iterator[Episode]:
    """A file server's day: network logons from workstations and share access."""
    if host.kind != "server":
        return
    for t in arrivals(rng, start, end, 6.0):
        hour = (t // HOUR) % 24
        if not 7 <= hour < 19 and rng.random() < 0.8:
            continue
        client = f"10.20.{rng.randint(1, 4)}.{rng.randint(10, 250)}"
        user = rng.choice(["amartin", "jsmith", "lchen", "okafor", "pnovak"])
        session = host.new_logon(
            t, user, f"{host.user_sid.rsplit('-', 1)[0]}-{1200 + sum(map(ord, user)) % 400}"
        )
        events = logon(host, t, session, 3, ip=client)
        events += share_access(host, t + 30_000, session, client, "shared", "D:\\Shares\\shared")
        yield events
