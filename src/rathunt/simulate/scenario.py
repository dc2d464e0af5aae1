"""One njRAT intrusion on one host, as a time-ordered stream of labelled events.

The intrusion walks the install sequence once (delivery, first run, self-copy, zone check,
netsh, FirewallRules values, Run keys, Startup copy), then, for every logon session after,
the steady state: relaunch, C2 lookups with their retry timing, connections while the panel
is up, keylog writes, the operator's discovery; optionally lateral movement and USB
spreading; and the uninstall with its self-delete near the end of the run.
"""

from __future__ import annotations

import base64
import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass

from rathunt.simulate.host import Host, Process
from rathunt.simulate.install import RUN_KEY, WOW64, delivery, first_run, install
from rathunt.simulate.labels import Label
from rathunt.simulate.lateral import lateral_movement, naive_extras, usb_spread
from rathunt.simulate.schedule import MINUTE, SECOND, Session, user_profile
from rathunt.simulate.shapes import (
    SimEvent,
    dns_query,
    network_connect,
    process_create,
    registry_event,
    to_datetime,
    user_reg,
)
from rathunt.simulate.steps import DISCOVERY_COMMANDS, STEPS
from rathunt.simulate.variants import Implant

Episode = list[SimEvent]


@dataclass(slots=True)
class IntrusionPlan:
    """Where and how one intrusion runs; `target` is the host lateral movement reaches."""

    id: str
    host: Host
    sessions: list[Session]
    implant: Implant
    variant: str
    end: int
    target: Host | None = None
    uninstall: bool = True


class Intrusion:
    """Builds the episodes of one intrusion; each episode is the events of one step."""

    def __init__(self, plan: IntrusionPlan, rng: random.Random) -> None:
        self.plan = plan
        self.host = plan.host
        self.implant = plan.implant
        self.rng = rng
        self.rg = plan.implant.registry_id()
        self.path = self._install_path()
        self.src_port = 49700 + rng.randrange(8000)
        self.retry = rng.randint(4, 25) * SECOND
        self.rat: Process | None = None
        self.keylog = ""
        self.discovered = False
        self.panel_shift = rng.randrange(3)

    def label(self, step: str, technique: str | None = None) -> Label:
        info = STEPS[step]
        return Label(info.stage, technique or info.technique, step, self.plan.variant, self.plan.id)

    # -- the whole run ---------------------------------------------------------------------

    def episodes(self) -> Iterator[Episode]:
        """Episodes in order of their first event, as `ordered()` needs them."""
        sessions = [s for s in self.plan.sessions if s.end > s.start + 20 * MINUTE]
        if not sessions:
            return
        first = sessions[0]
        t = first.start + min(
            30 * MINUTE + self.rng.randrange(60 * MINUTE), (first.end - first.start) // 4
        )
        uninstall_at = self._uninstall_time(sessions)
        t, dropper, episode = delivery(self, t, first)
        yield episode
        t, episode = first_run(self, t, dropper)
        yield episode
        t, episode = install(self, t)
        yield episode
        for index, session in enumerate(s for s in sessions if s.end > t):
            if index > 0 or session is not first:
                t, episode = self.relaunch(session)
                yield episode
            stop = min(session.end, uninstall_at or session.end)
            yield from self.steady_state(t, stop, session)
            if uninstall_at is not None and uninstall_at <= session.end:
                yield self.uninstall(uninstall_at)
                return

    def _uninstall_time(self, sessions: list[Session]) -> int | None:
        if not self.plan.uninstall:
            return None
        last = sessions[-1]
        if len(sessions) == 1 and last.end - last.start < 2 * 60 * MINUTE:
            return None
        # Near the end of the last session, but never before its relaunch.
        margin = min(20 * MINUTE + self.rng.randrange(10 * MINUTE), (last.end - last.start) // 2)
        return last.end - margin

    def _install_path(self) -> str:
        folder = {
            "temp": f"{user_profile(self.host)}\\AppData\\Local\\Temp",
            "appdata": f"{user_profile(self.host)}\\AppData\\Roaming",
            "allusers": "C:\\ProgramData",
        }[self.implant.install_dir]
        return f"{folder}\\{self.implant.exe}"

    def startup_path(self) -> str:
        return (
            f"{user_profile(self.host)}\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\"
            f"Programs\\Startup\\{self.rg}.exe"
        )

    # -- every later logon -----------------------------------------------------------------

    def relaunch(self, session: Session) -> tuple[int, Episode]:
        """The Run value starts the payload with `..`; it writes HKCU\\di and sleeps 5 s."""
        host = self.host
        t = session.start + 15 * SECOND + self.rng.randrange(40 * SECOND)
        events: Episode = []
        parent = session.explorer
        if self.implant.run_style == "powershell":
            encoded = base64.b64encode(
                f"Start-Process '{self.path}' -ArgumentList '..'".encode("utf-16-le")
            ).decode()
            parent = host.process(
                t,
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                f"powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand {encoded}",
                session.explorer,
            )
            events += process_create(host, t, parent, self.label("relaunch", "T1059.001"))
            t += 1_500_000
        self.rat = host.process(
            t,
            self.path,
            f'"{self.path}" ..',
            parent,
            content=self.rg,
            current_directory="C:\\Windows\\system32\\",
        )
        events += process_create(host, t, self.rat, self.label("relaunch"))
        events += registry_event(
            host,
            t + 1_100_000,
            self.rat,
            "SetValue",
            user_reg(self.rat.logon, "di"),
            "!",
            self.label("di-marker"),
        )
        if self.implant.startup_copy:
            copy = host.process(
                t + 2 * SECOND,
                self.startup_path(),
                f'"{self.startup_path()}" ',
                session.explorer,
                content=self.rg,
            )
            events += process_create(host, t + 2 * SECOND, copy, self.label("relaunch"))
        return t + 6 * SECOND, events

    def steady_state(self, t: int, stop: int, session: Session) -> Iterator[Episode]:
        """C2 attempts, keylog writes and the operator's work, merged in time order."""
        c2 = self._c2_attempts(t + 2 * SECOND, stop)
        keylog = ((k, "keylog") for k in self._keylog_times(t + 3 * MINUTE, stop))
        pending: list[tuple[int, int, Episode]] = []
        for when, kind in heapq.merge(c2, keylog):
            while pending and pending[0][0] <= when:
                yield heapq.heappop(pending)[2]
            if kind == "keylog":
                yield self.keylog_write(when)
            elif kind == "dns":
                yield self.c2_lookup(when)
            else:
                yield self.c2_connect(when)
                if not self.discovered:
                    self.discovered = True
                    start = when + 40 * SECOND + self.rng.randrange(MINUTE)
                    for seq, episode in enumerate(self.operator(start)):
                        if episode:
                            heapq.heappush(pending, (min(e.t for e in episode), seq, episode))
        while pending:
            yield heapq.heappop(pending)[2]

    def _c2_attempts(self, t: int, stop: int) -> Iterator[tuple[int, str]]:
        """While the panel is down, a lookup every retry interval; while up, one connection."""
        while t < stop:
            if self._panel_up(t):
                yield t, "connect"
                t += (20 + self.rng.randrange(140)) * MINUTE
                continue
            yield t, "dns"
            t += self.retry + self.rng.randrange(-SECOND, SECOND)

    def _panel_up(self, t: int) -> bool:
        # The operator's panel is online in a few stable windows a day (about a third).
        hour = (t // (60 * MINUTE)) % 24
        return (hour + self.panel_shift) % 3 == 0 or not self.discovered

    def _keylog_times(self, t: int, stop: int) -> Iterator[int]:
        while t < stop:
            yield t
            t += (2 + self.rng.randrange(9)) * MINUTE + self.rng.randrange(MINUTE)

    def c2_lookup(self, t: int) -> Episode:
        if self.implant.c2_kind == "lab":
            return []
        return dns_query(
            self.host,
            t,
            self._rat(),
            self.implant.c2_host,
            [self.implant.c2_ip],
            self.label("c2-dns"),
        )

    def c2_connect(self, t: int) -> Episode:
        events = self.c2_lookup(t)
        events += network_connect(
            self.host,
            t + 60_000,
            self._rat(),
            self.implant.c2_ip,
            self.implant.c2_port,
            self._port(),
            label=self.label("c2-connect"),
        )
        return events

    def keylog_write(self, t: int) -> Episode:
        """The polling keylogger persists its buffer to `HKCU\\Software\\<RG>\\[kl]`."""
        title = self.rng.choice(
            [
                "Inbox - Outlook",
                "Google - Google Chrome",
                "Budget.xlsx - Excel",
                "Untitled - Notepad",
            ]
        )
        typed = self.rng.choice(
            ["meeting at 3[ENTER]", "password123[ENTER]", "[Back][Back]ok", "hello[TAP]world"]
        )
        date = to_keylog_date(t)
        self.keylog = (self.keylog + f"\r\n{date} {title}\r\n{typed}")[-400:]
        rat = self._rat()
        return registry_event(
            self.host,
            t,
            rat,
            "SetValue",
            user_reg(rat.logon, f"Software\\{self.rg}\\[kl]"),
            self.keylog,
            self.label("keylog"),
        )

    def operator(self, t: int) -> Iterator[Episode]:
        """The first session at the panel: a remote shell, discovery, then spreading."""
        host, rat = self.host, self._rat()
        shell = host.process(t, f"{WOW64}\\cmd.exe", "cmd.exe", rat)
        yield process_create(host, t, shell, self.label("remote-shell"))
        for image, command, technique in DISCOVERY_COMMANDS:
            t += 5 * SECOND + self.rng.randrange(25 * SECOND)
            child = host.process(t, f"{WOW64}\\{image}", command, shell)
            yield process_create(host, t, child, self.label("discovery", technique))
        if self.implant.usb:
            t += MINUTE
            yield usb_spread(self, t)
        if self.implant.naive:
            t += MINUTE
            yield naive_extras(self, t)
        if self.implant.lateral and self.plan.target is not None:
            t += 2 * MINUTE
            yield lateral_movement(self, shell, self.plan.target, t)

    # -- uninstall -------------------------------------------------------------------------

    def uninstall(self, t: int) -> Episode:
        """`UNS`: Run values and the RG key deleted, netsh delete, ping delay and del."""
        host, rat = self.host, self._rat()
        cleanup = self.label("uninstall-registry")
        events = registry_event(
            host, t, rat, "DeleteValue", user_reg(rat.logon, f"{RUN_KEY}\\{self.rg}"), label=cleanup
        )
        if rat.logon.elevated:
            events += registry_event(
                host,
                t + 2000,
                rat,
                "DeleteValue",
                f"HKLM\\SOFTWARE\\WOW6432Node\\{RUN_KEY[9:]}\\{self.rg}",
                label=cleanup,
            )
        t += 200_000
        netsh = host.process(
            t, f"{WOW64}\\netsh.exe", f'netsh firewall delete allowedprogram "{self.path}"', rat
        )
        events += process_create(host, t, netsh, self.label("netsh-delete"))
        t += 5 * SECOND
        events += registry_event(
            host, t, rat, "DeleteKey", user_reg(rat.logon, f"Software\\{self.rg}"), label=cleanup
        )
        t += 300_000
        if self.implant.delete_style == "green":
            cmd_line, ping_line = f'cmd.exe /k ping 0 & del "{self.path}"', "ping  0"
        else:
            cmd_line, ping_line = f'cmd.exe /c ping 0 -n 2 & del "{self.path}"', "ping  0 -n 2"
        cmd = host.process(t, f"{WOW64}\\cmd.exe", cmd_line, rat)
        events += process_create(host, t, cmd, self.label("self-delete"))
        ping = host.process(t + 30_000, f"{WOW64}\\PING.EXE", ping_line, cmd)
        events += process_create(host, t + 30_000, ping, self.label("self-delete", "T1497.003"))
        return events

    # -- helpers ---------------------------------------------------------------------------

    def _rat(self) -> Process:
        assert self.rat is not None, "the payload runs before any steady-state step"
        return self.rat

    def _port(self) -> int:
        self.src_port = 49200 + (self.src_port - 49200 + 1 + self.rng.randrange(6)) % 16000
        return self.src_port

    def _guid(self) -> str:
        value = f"{self.rng.getrandbits(128):032X}"
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"

    def _service_host(self, name: str, args: str) -> Process:
        return self.host.service(
            name, "C:\\Windows\\system32\\svchost.exe", f"C:\\Windows\\system32\\svchost.exe {args}"
        )


def to_keylog_date(t: int) -> str:
    """The stub's window header date, `yy/MM/dd`."""
    return to_datetime(t).strftime("%y/%m/%d")
