"""Benign activity at realistic rates for workstations and servers.

Each generator yields episodes (the events of one ordinary action) in time order: logons and
their shell, startup apps and logon scripts with `ping -n` waits, browsing, Office, updates,
Run keys of common apps under AppData, services and scheduled tasks of real products, admin
`netsh advfirewall` changes, background DNS and connections, and, on servers, network logons
and share access. This is what baselines learn from and what rules must stay quiet on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from rathunt.simulate.host import Host, Process
from rathunt.simulate.schedule import HOUR, MINUTE, SECOND, Session, arrivals, days, user_profile
from rathunt.simulate.shapes import (
    SimEvent,
    dns_query,
    file_create,
    logon,
    network_connect,
    process_create,
    registry_event,
    service_installed,
    share_access,
    task_created,
    user_reg,
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
    host: Host, t: int, image: str, command: str, parent: Process | None, **kwargs: object
) -> tuple[Process, Episode]:
    proc = host.process(t, image, command, parent, **kwargs)  # type: ignore[arg-type]
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
    """Administrators and helpdesk checking a machine: the same commands an operator runs."""
    rate = 0.15 if host.kind == "server" else 0.01
    for t, session in _session_arrivals(sessions, rng, rate):
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


GENERATORS: dict[str, Generator] = {
    "logons": logons,
    "browsing": browsing,
    "office": office,
    "updates": updates,
    "services": services_and_tasks,
    "firewall": admin_firewall,
    "network": background_network,
    "admin": admin_tools,
    "fileserver": server_access,
}
