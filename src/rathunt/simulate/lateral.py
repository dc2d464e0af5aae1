"""Steps that reach beyond the first host, and the seed write-up's literal extras.

USB spreading copies the payload and an `autorun.inf` to a removable drive's root (Green
Edition). SMB lateral movement copies it to another simulated host's ADMIN$ and starts it
as a service, leaving 4648 on the source and 4624, 5140, 7045 on the target. The seed-naive
extras (lsass access, a service and a task with njRAT's literal names) exist so the seed
rules have something to match, which shows what they key on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rathunt.simulate.host import Host, Process
from rathunt.simulate.schedule import SECOND
from rathunt.simulate.security import (
    explicit_logon,
    logon,
    service_installed,
    share_access,
    task_created,
)
from rathunt.simulate.shapes import (
    SimEvent,
    file_create,
    network_connect,
    process_access,
    process_create,
)

if TYPE_CHECKING:
    from rathunt.simulate.scenario import Intrusion


def usb_spread(intrusion: Intrusion, t: int) -> list[SimEvent]:
    """`<drive>:\\svchost.exe` and `<drive>:\\autorun.inf` at the root of drive E:."""
    rat = intrusion._rat()
    events = file_create(intrusion.host, t, rat, "E:\\svchost.exe", intrusion.label("usb-copy"))
    events += file_create(
        intrusion.host, t + 40_000, rat, "E:\\autorun.inf", intrusion.label("usb-autorun")
    )
    return events


def naive_extras(intrusion: Intrusion, t: int) -> list[SimEvent]:
    """lsass opened by the payload, plus the service and task names the seed rules expect."""
    host, rat = intrusion.host, intrusion._rat()
    lsass = host.service(
        "lsass", "C:\\Windows\\system32\\lsass.exe", "C:\\Windows\\system32\\lsass.exe"
    )
    events = process_access(host, t, rat, lsass, "0x1010", intrusion.label("lsass-access"))
    events += service_installed(
        host, t + 20 * SECOND, "njRATService", intrusion.path, label=intrusion.label("service")
    )
    events += task_created(
        host,
        t + 40 * SECOND,
        rat.logon,
        "njRATTask",
        intrusion.path,
        "..",
        label=intrusion.label("task"),
    )
    return events


def lateral_movement(intrusion: Intrusion, shell: Process, target: Host, t: int) -> list[SimEvent]:
    """`net use` with explicit credentials, copy to ADMIN$, `sc create` and start."""
    host = intrusion.host
    label = intrusion.label("smb-lateral")
    name = intrusion.path.rsplit("\\", 1)[1]
    admin = "svc_backup"
    net = host.process(
        t,
        "C:\\Windows\\SysWOW64\\net.exe",
        f"net use \\\\{target.short}\\ADMIN$ /user:{host.domain}\\{admin} *",
        shell,
    )
    events = process_create(host, t, net, label)
    events += explicit_logon(host, t + 300_000, net, admin, target.short, target.ip, label)
    system = host.service("system", "System", "System")
    events += network_connect(
        host, t + 400_000, system, target.ip, 445, 49152 + t % 9000, label=label
    )
    session = target.new_logon(t + 500_000, admin, _admin_sid(target), elevated=True)
    events += logon(target, t + 500_000, session, 3, ip=host.ip, label=label)
    events += share_access(target, t + 600_000, session, host.ip, "ADMIN$", "C:\\Windows")
    events[-1].label = label
    remote_path = f"C:\\Windows\\{name}"
    target_system = target.service("system", "System", "System")
    t += 8 * SECOND
    events += file_create(target, t, target_system, remote_path, label)
    sc = host.process(
        t + 2 * SECOND,
        "C:\\Windows\\SysWOW64\\sc.exe",
        f"sc \\\\{target.short} create WinUpdSvc binPath= {remote_path} start= auto",
        shell,
    )
    events += process_create(host, t + 2 * SECOND, sc, label)
    service = intrusion.label("service", "T1569.002")
    events += service_installed(target, t + 2_400_000, "WinUpdSvc", remote_path, label=service)
    services = target.service(
        "services", "C:\\Windows\\system32\\services.exe", "C:\\Windows\\system32\\services.exe"
    )
    remote = target.process(
        t + 4 * SECOND, remote_path, remote_path, services, content=intrusion.rg
    )
    events += process_create(target, t + 4 * SECOND, remote, service)
    return events


def _admin_sid(host: Host) -> str:
    base = host.user_sid.rsplit("-", 1)[0]
    return f"{base}-1104"
