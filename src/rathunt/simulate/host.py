"""Simulated Windows hosts and the processes that run on them.

A host hands out process ids, process GUIDs and logon sessions the way Windows and Sysmon do,
so every event of one process carries the same GUID and id and every child names its parent.
Identifiers derive from the host's own random stream, so a seed fixes them all.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

SYSTEM_SID = "S-1-5-18"
SYSTEM_LOGON = "0x3e7"

# Per-host-profile behaviour: how many users, which noise generators run and how busy they are.
PROFILES = ("workstation", "server")


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """The PE version resource and hashes Sysmon prints for an image."""

    file_version: str
    description: str
    product: str
    company: str
    original: str
    hashes: str


@dataclass(slots=True)
class Logon:
    """One logon session: the user it belongs to, its LogonId and Sysmon LogonGuid."""

    user: str
    domain: str
    sid: str
    logon_id: str
    logon_guid: str
    session: int
    elevated: bool = False


@dataclass(slots=True)
class Process:
    """A running process as Sysmon names it; `parent` is None for processes started at boot."""

    guid: str
    pid: int
    image: str
    command_line: str
    current_directory: str
    logon: Logon
    integrity: str
    info: ImageInfo
    parent: Process | None = None

    @property
    def user(self) -> str:
        return f"{self.logon.domain}\\{self.logon.user}"

    @property
    def name(self) -> str:
        return self.image.rsplit("\\", 1)[-1]


@dataclass(slots=True)
class Host:
    """One simulated machine with its identity, audit settings and id allocators."""

    index: int
    short: str
    domain: str
    dns_domain: str
    kind: str
    ip: str
    auditing: bool
    user: str
    user_sid: str
    seed: str
    machine: str = ""
    boot_tail: str = ""
    system_logon: Logon = field(init=False)
    boot: int = 0
    record_ids: dict[str, int] = field(default_factory=dict)
    services: dict[str, Process] = field(default_factory=dict)
    system_pids: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(init=False)
    _next_pid: int = 0
    _guid_seq: int = 0
    _logon_seq: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(f"{self.seed}:host:{self.index}")
        self.machine = f"{self._rng.getrandbits(32):08X}"
        self.boot_tail = f"0000{self._rng.choice(['00000102', '00000C00', '00000D00'])}"
        self._next_pid = 600 + 4 * self._rng.randrange(50)
        self._logon_seq = 0x40000 + self._rng.randrange(0x20000)
        self.system_logon = Logon(
            "SYSTEM", "NT AUTHORITY", SYSTEM_SID, SYSTEM_LOGON, self._logon_guid(0, 0x3E7), 0
        )
        # Disjoint ranges per channel, so a record id alone rarely names two records.
        for channel, base in (
            ("Microsoft-Windows-Sysmon/Operational", 20000),
            ("Security", 1_000_000),
            ("System", 3000),
        ):
            self.record_ids[channel] = base + self._rng.randrange(base * 4)
        for name in ("sysmon", "lsass", "services", "mpssvc", "dnscache", "winlogon"):
            self.system_pids[name] = self.new_pid()

    @property
    def name(self) -> str:
        """The Computer value: the fully qualified name, as domain members log it."""
        return f"{self.short}.{self.dns_domain}"

    @property
    def rng(self) -> random.Random:
        return self._rng

    def new_pid(self) -> int:
        self._next_pid += 4 * self._rng.randint(1, 90)
        if self._next_pid > 0xFFFC:
            self._next_pid = 400 + 4 * self._rng.randrange(40)
        return self._next_pid

    def process_guid(self, t_us: int) -> str:
        """A Sysmon ProcessGuid: machine part, start time in seconds, a per-boot counter."""
        self._guid_seq += 1
        seconds = t_us // 1_000_000
        seq = self._guid_seq & 0xFFFF
        return (
            f"{self.machine}-{seconds & 0xFFFF:04X}-{(seconds >> 16) & 0xFFFF:04X}-"
            f"{seq & 0xFF:02X}{seq >> 8:02X}-{self.boot_tail}"
        )

    def _logon_guid(self, t_us: int, logon_id: int) -> str:
        seconds = t_us // 1_000_000
        return (
            f"{self.machine}-{seconds & 0xFFFF:04X}-{(seconds >> 16) & 0xFFFF:04X}-"
            f"0000-0020{logon_id & 0xFFFFFFFF:08X}"
        )

    def new_logon(self, t_us: int, user: str, sid: str, elevated: bool = False) -> Logon:
        """A new interactive logon session of `user` (in the host's domain)."""
        self._logon_seq += self._rng.randint(0x200, 0x9000)
        return Logon(
            user,
            self.domain,
            sid,
            f"0x{self._logon_seq:x}",
            self._logon_guid(t_us, self._logon_seq),
            1,
            elevated,
        )

    def process(
        self,
        t_us: int,
        image: str,
        command_line: str,
        parent: Process | None,
        logon: Logon | None = None,
        current_directory: str | None = None,
        integrity: str | None = None,
        content: str | None = None,
    ) -> Process:
        """A new process started at `t_us`; user and directory default to the parent's."""
        logon = logon or (parent.logon if parent else self.system_logon)
        if integrity is None:
            integrity = (
                "System" if logon.sid == SYSTEM_SID else ("High" if logon.elevated else "Medium")
            )
        if current_directory is None:
            current_directory = parent.current_directory if parent else "C:\\Windows\\system32\\"
        return Process(
            guid=self.process_guid(t_us),
            pid=self.new_pid(),
            image=image,
            command_line=command_line,
            current_directory=current_directory,
            logon=logon,
            integrity=integrity,
            info=image_info(image, content),
            parent=parent,
        )

    def service(self, name: str, image: str, command_line: str) -> Process:
        """A long-running system process started at boot (svchost groups, lsass, System)."""
        proc = self.services.get(name)
        if proc is None:
            proc = self.process(self.boot, image, command_line, None)
            if name in self.system_pids:
                proc.pid = self.system_pids[name]
            self.services[name] = proc
        return proc

    def next_record(self, channel: str) -> int:
        self.record_ids[channel] += 1
        return self.record_ids[channel]


# Version resources of the binaries the simulator starts: (FileVersion, Description, Product,
# Company, OriginalFileName). Unknown images get the empty resource of an unsigned build.
_MS = "Microsoft Corporation"
_WIN = "Microsoft\u00ae Windows\u00ae Operating System"
_KNOWN: dict[str, tuple[str, str, str, str, str]] = {
    "cmd.exe": (
        "10.0.19041.746 (WinBuild.160101.0800)",
        "Windows Command Processor",
        _WIN,
        _MS,
        "Cmd.Exe",
    ),
    "powershell.exe": (
        "10.0.19041.546 (WinBuild.160101.0800)",
        "Windows PowerShell",
        _WIN,
        _MS,
        "PowerShell.EXE",
    ),
    "netsh.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "Network Command Shell",
        _WIN,
        _MS,
        "netsh.exe",
    ),
    "ping.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "TCP/IP Ping Command",
        _WIN,
        _MS,
        "ping.exe",
    ),
    "explorer.exe": (
        "10.0.19041.1023 (WinBuild.160101.0800)",
        "Windows Explorer",
        _WIN,
        _MS,
        "EXPLORER.EXE",
    ),
    "svchost.exe": (
        "10.0.19041.546 (WinBuild.160101.0800)",
        "Host Process for Windows Services",
        _WIN,
        _MS,
        "svchost.exe",
    ),
    "whoami.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "whoami - displays logged on user information",
        _WIN,
        _MS,
        "whoami.exe",
    ),
    "systeminfo.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "Displays system information",
        _WIN,
        _MS,
        "sysinfo.exe",
    ),
    "ipconfig.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "IP Configuration Utility",
        _WIN,
        _MS,
        "ipconfig.exe",
    ),
    "net.exe": ("10.0.19041.1 (WinBuild.160101.0800)", "Net Command", _WIN, _MS, "net.exe"),
    "tasklist.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "Lists the current running tasks",
        _WIN,
        _MS,
        "tasklist.exe",
    ),
    "rundll32.exe": (
        "10.0.19041.746 (WinBuild.160101.0800)",
        "Windows host process (Rundll32)",
        _WIN,
        _MS,
        "RUNDLL32.EXE",
    ),
    "services.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "Services and Controller app",
        _WIN,
        _MS,
        "services.exe",
    ),
    "userinit.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "Userinit Logon Application",
        _WIN,
        _MS,
        "USERINIT.EXE",
    ),
    "taskhostw.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "Host Process for Windows Tasks",
        _WIN,
        _MS,
        "taskhostw.exe",
    ),
    "mousocoreworker.exe": (
        "10.0.19041.1023 (WinBuild.160101.0800)",
        "MoUSO Core Worker Process",
        _WIN,
        _MS,
        "MoUsoCoreWorker.exe",
    ),
    "winword.exe": ("16.0.13530.20424", "Microsoft Word", "Microsoft Office", _MS, "WinWord.exe"),
    "excel.exe": ("16.0.13530.20424", "Microsoft Excel", "Microsoft Office", _MS, "Excel.exe"),
    "onenote.exe": (
        "16.0.13530.20424",
        "Microsoft OneNote",
        "Microsoft Office",
        _MS,
        "OneNote.exe",
    ),
    "chrome.exe": ("96.0.4664.110", "Google Chrome", "Google Chrome", "Google LLC", "chrome.exe"),
    "msedge.exe": ("96.0.1054.62", "Microsoft Edge", "Microsoft Edge", _MS, "msedge.exe"),
    "googleupdate.exe": (
        "1.3.36.112",
        "Google Installer",
        "Google Update",
        "Google LLC",
        "GoogleUpdate.exe",
    ),
    "onedrive.exe": (
        "21.230.1107.0004",
        "Microsoft OneDrive",
        "Microsoft OneDrive",
        _MS,
        "OneDrive.exe",
    ),
    "teams.exe": ("1.4.00.32771", "Microsoft Teams", "Microsoft Teams", _MS, "Teams.exe"),
    "update.exe": ("1.4.00.32771", "Microsoft Teams Updater", "Microsoft Teams", _MS, "Update.exe"),
    "spotify.exe": ("1.1.75.572", "Spotify", "Spotify", "Spotify Ltd", "Spotify.exe"),
    "sqlservr.exe": (
        "2019.150.4198.2 ((SQLServer).211116-2229)",
        "SQL Server Windows NT - 64 Bit",
        "Microsoft SQL Server",
        _MS,
        "SQLSERVR.EXE",
    ),
    "mmc.exe": (
        "10.0.19041.1 (WinBuild.160101.0800)",
        "Microsoft Management Console",
        _WIN,
        _MS,
        "mmc.exe",
    ),
}


def image_info(image: str, content: str | None = None) -> ImageInfo:
    """Version resource and hashes for an image.

    Hashes are stable per `content` (copies of one file share them), else per full path.
    """
    name = image.rsplit("\\", 1)[-1].lower()
    known = _KNOWN.get(name)
    key = (content or image.lower()).encode()
    digest = hashlib.sha256(key).hexdigest().upper()
    md5 = hashlib.md5(key).hexdigest().upper()
    imphash = hashlib.md5(name.encode()).hexdigest().upper()
    hashes = f"SHA1={digest[:40]},MD5={md5},SHA256={digest},IMPHASH={imphash}"
    if known is None:
        return ImageInfo("0.0.0.0", "", "", "", "-", hashes)
    return ImageInfo(*known, hashes)
