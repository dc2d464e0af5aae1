"""njRAT builds as the operator configures them, and the variants that change them.

An `Implant` holds the builder settings that shape telemetry (file name, install folder,
persistence choices, C2, delete command). A variant is a named change to an implant;
variants compose in the order given, so `--variant renamed --variant ngrok` is one build.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rathunt.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Implant:
    """The builder settings of one njRAT payload (section 1.1 of the research notes)."""

    exe: str = "server.exe"
    install_dir: str = "temp"  # temp | appdata | allusers
    startup_copy: bool = True
    run_key: bool = True
    run_style: str = "exe"  # exe | powershell
    c2_host: str = ""
    c2_port: int = 5552
    c2_ip: str = ""
    c2_kind: str = "ddns"  # ddns | ngrok | lab
    delete_style: str = "0.7d"  # 0.7d | green
    delivery: str = "office"  # office | script | explorer
    usb: bool = False
    lateral: bool = False
    naive: bool = False
    victim: str = "HacKed"

    def registry_id(self) -> str:
        """The `[RG]` id: an MD5 over the build settings, used for Run value and mutex."""
        flags = f"{self.startup_copy}{self.run_key}{self.usb}"
        text = f"{self.victim}{self.c2_host}{self.c2_port}{self.exe}{self.install_dir}{flags}"
        return hashlib.md5(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    description: str
    apply: Callable[[Implant, random.Random], Implant]


def _default(implant: Implant, rng: random.Random) -> Implant:
    return implant


def _renamed(implant: Implant, rng: random.Random) -> Implant:
    name = rng.choice(["windows.exe", "msupdate.exe", "WinDefend.exe", "Chrome_Updater.exe"])
    return replace(implant, exe=name)


def _sysname(implant: Implant, rng: random.Random) -> Implant:
    return replace(implant, exe="svchost.exe", install_dir="temp")


def _allusers(implant: Implant, rng: random.Random) -> Implant:
    return replace(implant, exe="System.exe", install_dir="allusers")


def _powershell(implant: Implant, rng: random.Random) -> Implant:
    return replace(implant, run_style="powershell", delivery="script")


def _ngrok(implant: Implant, rng: random.Random) -> Implant:
    host = f"{rng.randint(0, 8)}.tcp.{rng.choice(['', 'eu.', 'ap.'])}ngrok.io"
    return replace(implant, c2_kind="ngrok", c2_host=host, c2_port=rng.randint(10000, 19999))


def _green(implant: Implant, rng: random.Random) -> Implant:
    return replace(implant, delete_style="green")


def _no_startup(implant: Implant, rng: random.Random) -> Implant:
    return replace(implant, startup_copy=False)


def _usb(implant: Implant, rng: random.Random) -> Implant:
    return replace(implant, usb=True)


def _lateral(implant: Implant, rng: random.Random) -> Implant:
    return replace(implant, lateral=True)


def _seed_naive(implant: Implant, rng: random.Random) -> Implant:
    return replace(
        implant,
        exe="njrat.exe",
        install_dir="appdata",
        delivery="explorer",
        c2_kind="lab",
        c2_ip=rng.choice(["192.168.1.100", "10.0.0.200"]),
        c2_port=80,
        naive=True,
    )


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("default", "0.7d defaults: %TEMP%\\server.exe, dynamic DNS C2 on 5552", _default),
        Variant("renamed", "install file renamed by the builder", _renamed),
        Variant("sysname", "system binary name (svchost.exe) copied into %TEMP%", _sysname),
        Variant("allusers", "%AllUsersProfile%\\System.exe install", _allusers),
        Variant("powershell-run", "PowerShell command in the Run value (fileless)", _powershell),
        Variant("ngrok", "ngrok TCP tunnel C2 on a random port", _ngrok),
        Variant("green", "Green Edition self-delete (cmd /k ping 0 & del)", _green),
        Variant("no-startup", "no Startup-folder copy", _no_startup),
        Variant("usb", "USB spreading: exe and autorun.inf at a removable drive's root", _usb),
        Variant("lateral", "lateral movement to another simulated host over SMB", _lateral),
        Variant(
            "seed-naive", "the literal names the seed rules expect (njrat.exe, ...)", _seed_naive
        ),
    )
}


def build_implant(names: Sequence[str], rng: random.Random) -> Implant:
    """The implant for a list of variant names, applied in order; unknown names fail."""
    implant = Implant(c2_host=_ddns_host(rng), c2_ip=_public_ip(rng))
    for name in names or ["default"]:
        variant = VARIANTS.get(name)
        if variant is None:
            raise ConfigError(
                f"unknown variant {name!r}", hint=f"use one of {', '.join(sorted(VARIANTS))}"
            )
        implant = variant.apply(implant, rng)
    if implant.c2_kind != "lab" and not implant.c2_ip:
        implant = replace(implant, c2_ip=_public_ip(rng))
    return implant


def variant_label(names: Sequence[str]) -> str:
    """How labels and reports name a combination: `renamed+ngrok`, or `default`."""
    return "+".join(names) if names else "default"


def _ddns_host(rng: random.Random) -> str:
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
    return f"{word}.{rng.choice(['duckdns.org', 'zapto.org', 'ddns.net', 'hopto.org'])}"


def _public_ip(rng: random.Random) -> str:
    # Documentation-free public ranges seen in hosting providers; never contacted.
    first = rng.choice([37, 45, 91, 146, 185, 193])
    return f"{first}.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(2, 254)}"
