"""The typed steps of an njRAT intrusion: what each is, its kill-chain stage and technique.

Stages are the columns validation scores; techniques are ATT&CK ids. The install order is
`INS()` then `ko()` in the 0.7d stub (research notes, sections 1.2 and 6).
"""

from __future__ import annotations

from dataclasses import dataclass

STAGES = (
    "delivery",
    "execution",
    "defense-evasion",
    "persistence",
    "credential-access",
    "command-and-control",
    "collection",
    "discovery",
    "lateral-movement",
    "cleanup",
)


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    stage: str
    technique: str
    what: str


def _steps(*rows: tuple[str, str, str, str]) -> dict[str, Step]:
    return {row[0]: Step(*row) for row in rows}


STEPS = _steps(
    ("office-macro", "delivery", "T1566.001", "Office document spawns a PowerShell loader"),
    ("script-host", "delivery", "T1059.005", "script host spawns a PowerShell loader"),
    ("loader-download", "delivery", "T1105", "loader fetches and writes the payload"),
    ("user-download", "delivery", "T1204.002", "user saves and opens the payload"),
    ("first-run", "execution", "T1204.002", "the dropped payload starts"),
    ("self-copy", "execution", "T1036.005", "payload copies itself to the install folder"),
    ("install-run", "execution", "T1106", "the installed copy starts, the dropper exits"),
    ("zone-check", "defense-evasion", "T1112", "SEE_MASK_NOZONECHECKS set in HKCU\\Environment"),
    ("netsh-allow", "defense-evasion", "T1562.004", "netsh firewall add allowedprogram"),
    ("firewall-rule", "defense-evasion", "T1562.004", "FirewallRules values for the payload"),
    ("run-key", "persistence", "T1547.001", "Run value with the quoted path and ' ..'"),
    ("run-key-powershell", "persistence", "T1059.001", "Run value holding a PowerShell command"),
    ("startup-copy", "persistence", "T1547.001", "copy in the Startup folder as <RG>.exe"),
    ("relaunch", "persistence", "T1547.001", "payload relaunched at logon with '..'"),
    ("di-marker", "persistence", "T1112", "HKCU\\di = '!' on an argument launch"),
    ("service", "persistence", "T1543.003", "a service for the payload"),
    ("task", "persistence", "T1053.005", "a scheduled task for the payload"),
    ("lsass-access", "credential-access", "T1003.001", "payload opens lsass"),
    ("c2-dns", "command-and-control", "T1568", "C2 name resolved on every connect attempt"),
    ("c2-connect", "command-and-control", "T1571", "TCP connection to the C2 port"),
    ("keylog", "collection", "T1056.001", "keylog buffer saved in HKCU\\Software\\<RG>\\[kl]"),
    ("remote-shell", "execution", "T1059.003", "operator opens a hidden cmd.exe"),
    ("discovery", "discovery", "T1082", "operator runs discovery commands"),
    ("usb-copy", "lateral-movement", "T1091", "payload copied to a removable drive's root"),
    ("usb-autorun", "lateral-movement", "T1091", "autorun.inf written beside the copy"),
    ("smb-lateral", "lateral-movement", "T1021.002", "copy to ADMIN$ and start as a service"),
    ("uninstall-registry", "cleanup", "T1070.009", "Run values and HKCU\\Software\\<RG> removed"),
    ("netsh-delete", "cleanup", "T1562.004", "netsh firewall delete allowedprogram"),
    ("self-delete", "cleanup", "T1070.004", "cmd ping delay then del of the payload"),
)

DISCOVERY_COMMANDS = (
    ("whoami.exe", "whoami", "T1033"),
    ("ipconfig.exe", "ipconfig /all", "T1016"),
    ("systeminfo.exe", "systeminfo", "T1082"),
    ("net.exe", "net user", "T1087.001"),
    ("tasklist.exe", "tasklist", "T1057"),
)
