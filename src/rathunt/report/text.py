"""Making attacker-controlled text safe to show: on a terminal, in a spreadsheet, in HTML.

Every event field reaches a report as text an intruder may have chosen: a command line, a
registry value, a host name. Each output has its own hazard. A terminal obeys escape
sequences (cursor moves, title changes, hyperlinks); a spreadsheet runs a cell that looks
like a formula; HTML runs markup (jinja2 autoescape handles that, the helpers here make
control characters visible). The JSONL export keeps the text exactly: it is the evidence.
"""

from __future__ import annotations

import re

# Longest text shown in one terminal cell or HTML value; the exports keep everything.
DISPLAY_LIMIT = 300

# ANSI escape sequences, each matched in linear time: CSI (ESC [ or the C1 byte 0x9B),
# OSC and the other string commands (ESC ] P X ^ _ ... terminated by BEL or ST, or by the
# end of the text), and the two-byte escapes.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)

# What remains after the sequences: C0 and C1 controls, DEL, and the Unicode marks that
# reorder or hide text (bidirectional overrides and isolates, zero-width characters).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

# The same set plus tab, CR and LF stay visible in HTML as \xNN or \uNNNN.
_HTML_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2069\ufeff]"
)

# A spreadsheet treats a cell starting with one of these as a formula (or strips the
# whitespace and then does).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def shorten(text: str, limit: int = DISPLAY_LIMIT, *, total: int | None = None) -> str:
    """Cut text to `limit` characters, saying how much of the `total` was left out."""
    total = len(text) if total is None else total
    if total <= limit:
        return text
    return f"{text[:limit]}… (+{total - limit} chars)"


def terminal_safe(value: object, limit: int = DISPLAY_LIMIT) -> str:
    """Text for a terminal cell: escape sequences and control characters stripped.

    Tabs and line breaks become spaces so a value stays on its row. The text is cut to
    `limit` before any pattern runs, so the work per value is bounded.
    """
    text = "" if value is None else str(value)
    total = len(text)
    text = _ESCAPE_SEQUENCE.sub("", text[: limit + 64])
    text = text.replace("\t", " ").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = _CONTROL.sub("", text)
    if total > limit + 64:
        return shorten(text, limit, total=total - (limit + 64) + len(text))
    return shorten(text, limit)


def html_visible(value: object, limit: int = DISPLAY_LIMIT) -> str:
    """Text for HTML: control characters shown as `\\xNN`/`\\uNNNN`, cut to `limit`.

    The result is plain text, not markup: the template's autoescape still escapes it.
    Showing the characters rather than dropping them keeps the evidence honest.
    """
    text = "" if value is None else str(value)
    text = shorten(text, limit)
    return _HTML_CONTROL.sub(_visible_escape, text)


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run: formula-looking text gets a leading `'`."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
