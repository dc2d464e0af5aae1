"""njRAT's C2 protocol: commands, the check-in and the config report, decoded from messages.

A message's text is `command<sep>field<sep>field...` with the separator `|'|'|` in 0.7d and
its forks (other separators can be given). The victim opens the connection and checks in
with `ll` (`lv` before 0.7) carrying its name (base64 of `<campaign>_<volume serial>`), host,
user, install date, OS, camera, version and foreground window title; right after it sends
`inf`, its builder settings in base64. See docs/network.md for the sources of each layout.
Every field is attacker-controlled: decoded text is bounded, NULs and control characters are
dropped, and anything that does not decode is recorded as an anomaly, never raised.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rathunt.network.framing import Framer, Message

SEPARATORS = ("|'|'|",)
MAX_FIELD = 256
MAX_FIELDS = 32
MAX_TITLES = 20
MAX_ANOMALIES = 20

# Commands of 0.7d, its forks and older builds, both directions (docs/network.md lists them).
COMMANDS = frozenset(
    """ll lv inf act kl proc rss rs rsc prof rn inv ret CAP P un up RG nwpr site fun IEhome
    shutdowncomputer restartcomputer logoff ErrorMsg ErorrMsg peech BepX piano OpenCD CloseCD
    EnableKM DisableKM TurnOnMonitor TurnOffMonitor NormalMouse ReverseMouse EnableCMD
    DisableCMD EnableRegistry DisableRegistry EnableRestore DisableRestore CursorShow
    CursorHide sendmusicplay OpenSite dos udp udpstp pingstop pas Ex PLG pl MSG bla ER
    getvalue srv fm FM sc~ scPK MIC CAM k""".split()  # noqa: SIM905
)
CHECKIN = ("ll", "lv")
# Messages only a victim sends: its check-in, config report, window titles, replies.
VICTIM_ONLY = frozenset({"ll", "lv", "inf", "act", "MSG", "pl", "bla"})
# Field positions of the 0.7d check-in after the command (docs/network.md, "Check-in").
CHECKIN_FIELDS = (
    "victim_id",
    "machine_name",
    "user_name",
    "install_date",
    "reserved",
    "os",
    "camera",
    "version",
    "launch_argument",
    "window_title",
    "plugins",
)
INF_FLAGS = ("copy_to_dir", "startup_copy", "run_key", "bsod_protect")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BASE64 = re.compile(rb"^[A-Za-z0-9+/\r\n]*={0,2}$")


@dataclass(slots=True)
class Session:
    """What one connection's messages say, both directions together."""

    checkin: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    client_commands: Counter[str] = field(default_factory=Counter)
    server_commands: Counter[str] = field(default_factory=Counter)
    unknown_commands: Counter[str] = field(default_factory=Counter)
    window_titles: list[str] = field(default_factory=list)
    keepalives: int = 0
    messages: int = 0
    framing: set[str] = field(default_factory=set)
    separator: str | None = None
    anomalies: list[str] = field(default_factory=list)
    anomaly_count: int = 0
    first: float | None = None
    last: float | None = None
    checkin_from_server: bool = False
    victim_only: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})

    @property
    def victim_is_server(self) -> bool:
        """The side that accepted the connection is the victim: it checked in, or (with no
        check-in seen) only it sent what victims send. A capture that began mid-session
        cannot tell who opened the connection."""
        if self.checkin:
            return self.checkin_from_server
        return self.victim_only[False] > 0 and self.victim_only[True] == 0

    @property
    def is_njrat(self) -> bool:
        """A check-in, or a known command with the separator, was seen."""
        return bool(self.checkin) or bool(self.client_commands) or bool(self.server_commands)

    @property
    def victim_commands(self) -> Counter[str]:
        return self.server_commands if self.victim_is_server else self.client_commands

    @property
    def c2_commands(self) -> Counter[str]:
        return self.client_commands if self.victim_is_server else self.server_commands

    def anomaly(self, text: str) -> None:
        self.anomaly_count += 1
        if len(self.anomalies) < MAX_ANOMALIES:
            self.anomalies.append(text)


class SessionDecoder:
    """Decodes a connection's messages as they complete, so none has to be kept."""

    __slots__ = ("_separators", "session")

    def __init__(self, separators: tuple[str, ...] = SEPARATORS) -> None:
        self.session = Session()
        self._separators = separators

    def client(self, message: Message) -> None:
        _decode_message(self.session, message, True, self._separators)

    def server(self, message: Message) -> None:
        _decode_message(self.session, message, False, self._separators)

    def finish(self, client: Framer, server: Framer) -> Session:
        """The session, with the framing anomalies of both directions."""
        for framer, from_client in ((client, True), (server, False)):
            for message in framer.messages:
                _decode_message(self.session, message, from_client, self._separators)
        victim_is_client = not self.session.victim_is_server
        for framer, from_client in ((client, True), (server, False)):
            side = "victim" if from_client == victim_is_client else "C2"
            for text in framer.anomalies:
                self.session.anomaly(f"{side}: {text}")
            self.session.anomaly_count += framer.anomaly_count - len(framer.anomalies)
        return self.session


def decode_session(
    client: Framer, server: Framer, separators: tuple[str, ...] = SEPARATORS
) -> Session:
    """The session told by two framers that kept their messages (client = opener)."""
    return SessionDecoder(separators).finish(client, server)


def _decode_message(
    session: Session, message: Message, from_client: bool, separators: tuple[str, ...]
) -> None:
    session.messages += 1
    session.first = message.time if session.first is None else min(session.first, message.time)
    session.last = message.time if session.last is None else max(session.last, message.time)
    if message.length == 0 or (message.form == "legacy" and message.data == b"P"):
        session.keepalives += 1
        return
    text = message.data.decode("utf-8", errors="replace")
    separator = next((s for s in separators if s in text), None)
    if separator is None:
        return
    session.separator = separator
    session.framing.add("length-prefixed" if message.form == "framed" else "legacy [endof]")
    parts = text.split(separator, MAX_FIELDS)
    command = parts[0]
    if command not in COMMANDS:
        session.unknown_commands[clean(command)[:32]] += 1
        return
    (session.client_commands if from_client else session.server_commands)[command] += 1
    if command in VICTIM_ONLY:
        session.victim_only[from_client] += 1
    if command in CHECKIN and not session.checkin:
        session.checkin = decode_checkin(parts[1:], session)
        session.checkin_from_server = not from_client
    elif command == "inf" and not session.config and len(parts) > 1 and parts[1]:
        session.config = decode_config(parts[1], session)
    elif command == "act" and len(parts) > 1 and len(session.window_titles) < MAX_TITLES:
        title = decode_base64(parts[1], session, "act window title")
        if title and title not in session.window_titles:
            session.window_titles.append(title)


def decode_checkin(fields: list[str], session: Session) -> dict[str, Any]:
    """The check-in's fields by name; the victim id split into campaign name and serial."""
    decoded: dict[str, Any] = {}
    for name, value in zip(CHECKIN_FIELDS, fields, strict=False):
        decoded[name] = clean(value)
    victim = decode_base64(fields[0], session, "check-in victim id") if fields else None
    if victim is not None:
        decoded["victim_id"] = victim
        name, _sep, serial = victim.rpartition("_")
        decoded["victim_name"] = name or victim
        if serial and re.fullmatch(r"[0-9A-Fa-f]{1,16}", serial):
            decoded["volume_serial"] = serial
    if len(fields) > 9 and fields[9]:
        title = decode_base64(fields[9], session, "check-in window title")
        if title is not None:
            decoded["window_title"] = title
    if len(fields) > 10:
        decoded["plugins"] = [p for p in (clean(x) for x in fields[10].split(",")) if p][:64]
    if len(fields) < 10:
        session.anomaly(f"check-in has {len(fields)} fields, 0.7d sends 11")
    return decoded


def decode_config(value: str, session: Session) -> dict[str, Any]:
    """The `inf` report: campaign, C2 host:port, install folder and name, builder flags."""
    text = decode_base64(value, session, "inf config", keep_lines=True)
    if text is None:
        return {}
    lines = [clean(line) for line in text.split("\n")]
    config: dict[str, Any] = {}
    for name, line in zip(("campaign", "c2", "install_dir", "install_name"), lines, strict=False):
        config[name] = line
    host, _colon, port = config.get("c2", "").rpartition(":")
    if host and port.isdigit():
        config["c2_host"], config["c2_port"] = host, int(port)
    flags = lines[4:12]
    for name, flag in zip(INF_FLAGS, flags, strict=False):
        config[name] = flag == "True"
    if len(flags) > len(INF_FLAGS):
        config["other_flags"] = flags[len(INF_FLAGS) :]
    return config


def decode_base64(
    value: str, session: Session, what: str, *, keep_lines: bool = False
) -> str | None:
    """Base64 text as a bounded, printable string; an anomaly and None when it is not."""
    raw = value.strip().encode("ascii", errors="replace")
    if not raw or not _BASE64.match(raw):
        session.anomaly(f"{what} is not base64: {clean(value)[:40]!r}")
        return None
    try:
        data = base64.b64decode(raw + b"=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        session.anomaly(f"{what} is not base64: {clean(value)[:40]!r}")
        return None
    text = data[: MAX_FIELD * 4].decode("utf-8", errors="replace")
    if keep_lines:
        return text.replace("\r", "")
    return clean(text)


def clean(text: str) -> str:
    """Attacker text made safe to carry: control characters dropped, length bounded."""
    return _CONTROL.sub("", text).strip()[:MAX_FIELD]
