"""Dynamic-DNS and tunnelling services: a documented list of name suffixes, extendable.

RATs like njRAT reach their C2 through names that follow a home connection's changing address
(No-IP, DuckDNS, DynDNS...) or through tunnels that expose a panel behind NAT (ngrok,
localtunnel...). A name under one of these suffixes is worth a look whatever process asked for
it. The built-in list is `BUILTIN`; `load_suffixes` adds a user's file (one suffix a line,
`#` comments, an optional `tunnel`/`dyndns` word after the suffix) so a team can extend it
without a release.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rathunt.errors import ConfigError

# Providers and their suffixes. Sources: the providers' own domain lists (No-IP, DynDNS,
# DuckDNS, Afraid.org FreeDNS, ChangeIP, Dynu, ngrok, localtunnel, serveo, Cloudflare
# quick tunnels, playit.gg) and the names seen in njRAT reports (docs/network.md).
BUILTIN: dict[str, tuple[str, tuple[str, ...]]] = {
    "no-ip": ("dyndns", (
        "ddns.net", "hopto.org", "zapto.org", "no-ip.org", "no-ip.biz", "no-ip.info",
        "noip.me", "sytes.net", "servebeer.com", "serveftp.com",
        "servehttp.com", "myftp.biz", "myftp.org", "redirectme.net", "servegame.com",
        "serveblog.net", "bounceme.net", "myvnc.com", "ddns.me", "hopto.me", "zapto.me",
        "3utilities.com", "gotdns.ch", "ddnsking.com", "webhop.me", "viewdns.net",
    )),
    "duckdns": ("dyndns", ("duckdns.org",)),
    "dyndns": ("dyndns", (
        "dyndns.org", "dyndns.info", "dyndns.biz", "homeip.net", "dynalias.com",
        "dnsalias.com", "dnsalias.net", "dnsalias.org", "homelinux.com", "homelinux.net",
        "is-a-geek.com", "is-a-geek.net", "selfip.com", "gotdns.com", "dyndns-ip.com",
    )),
    "freedns": ("dyndns", ("mooo.com", "chickenkiller.com", "us.to", "strangled.net",
                           "crabdance.com", "ignorelist.com", "jumpingcrab.com")),
    "changeip": ("dyndns", ("changeip.net", "changeip.org", "dns04.com",
                            "ddns.info", "onmypc.net", "dynssl.com")),
    "dynu": ("dyndns", ("dynu.net", "freeddns.org", "mywire.org", "giize.com")),
    "portmap": ("tunnel", ("portmap.io", "portmap.host")),
    "ngrok": ("tunnel", ("ngrok.io", "ngrok-free.app", "ngrok.app",
                         "ngrok-free.dev", "ngrok.dev")),
    "localtunnel": ("tunnel", ("loca.lt", "localtunnel.me")),
    "serveo": ("tunnel", ("serveo.net",)),
    "cloudflare-tunnel": ("tunnel", ("trycloudflare.com",)),
    "playit": ("tunnel", ("playit.gg", "at.ply.gg", "ply.gg")),
    "pinggy": ("tunnel", ("pinggy.io", "pinggy.link", "a.free.pinggy.link")),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Service:
    """The provider a name belongs to, and whether it is dynamic DNS or a tunnel."""

    provider: str
    kind: str
    suffix: str


class SuffixList:
    """Suffix lookup by walking a name's labels from the right: cost grows with the name's
    length, never with the list's."""

    def __init__(self, entries: dict[str, Service] | None = None) -> None:
        self._by_suffix: dict[str, Service] = dict(entries or {})

    @classmethod
    def builtin(cls) -> SuffixList:
        entries = {
            suffix: Service(provider, kind, suffix)
            for provider, (kind, suffixes) in BUILTIN.items()
            for suffix in suffixes
        }
        return cls(entries)

    def add(self, suffix: str, provider: str, kind: str) -> None:
        clean = suffix.strip().lower().strip(".")
        self._by_suffix[clean] = Service(provider, kind, clean)

    def match(self, name: str | None) -> Service | None:
        """The service `name` is under (the longest listed suffix), or None."""
        if not name:
            return None
        labels = str(name).lower().rstrip(".").split(".")
        for start in range(len(labels)):
            found = self._by_suffix.get(".".join(labels[start:]))
            if found is not None:
                # The suffix itself, or www under it, is the provider's own site.
                return found if start > 1 or (start == 1 and labels[0] != "www") else None
        return None

    def __len__(self) -> int:
        return len(self._by_suffix)


def load_suffixes(path: str | Path, into: SuffixList | None = None) -> SuffixList:
    """The built-in list (or `into`) plus the suffixes of a user's file."""
    suffixes = into if into is not None else SuffixList.builtin()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            f"cannot read the suffix list: {err.strerror or err}",
            path=str(path),
            hint="give a text file of one suffix a line",
        ) from err
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        kind = words[1].lower() if len(words) > 1 else "dyndns"
        if kind not in ("dyndns", "tunnel") or "." not in words[0]:
            raise ConfigError(
                f"bad entry {line.strip()[:60]!r}",
                path=str(path),
                where=f"line {number}",
                hint="write a suffix like example.org, then optionally dyndns or tunnel",
            )
        suffixes.add(words[0], "custom", kind)
    return suffixes
