"""Neutralising attacker text for the terminal, spreadsheets and HTML."""

from __future__ import annotations

import pytest

from rathunt.report.text import csv_safe, html_visible, shorten, terminal_safe


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("WIN10-VICTIM", "WIN10-VICTIM"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b]0;title\x07after", "after"),
        ("\x9b2Jcleared", "cleared"),
        ("a\x1bcb", "ab"),
        ("bell\x07 back\x08space", "bell backspace"),
        ("line\r\nbreak\ttab", "line break tab"),
        ("gpj.\u202eexe", "gpj.exe"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("[bold]not markup[/]", "[bold]not markup[/]"),
        (
            "C:\\Users\\alice\\AppData\\Local\\Temp\\server.exe",
            "C:\\Users\\alice\\AppData\\Local\\Temp\\server.exe",
        ),
        (None, ""),
        (5552, "5552"),
    ],
)
def test_terminal_safe_strips_sequences_and_controls(raw: object, shown: str) -> None:
    assert terminal_safe(raw) == shown


def test_terminal_safe_bounds_long_values() -> None:
    text = terminal_safe("A" * 10_000, limit=20)
    assert text == "A" * 20 + "… (+9980 chars)"


def test_terminal_safe_bounds_an_unterminated_osc() -> None:
    """An OSC without its terminator swallows only the cut text, not the work of the whole value."""
    assert terminal_safe("ok\x1b]0;" + "x" * 1_000_000, limit=10).startswith("ok… (+")


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("netsh firewall add allowedprogram", "netsh firewall add allowedprogram"),
        (" =leading space is not a formula", " =leading space is not a formula"),
        ("", ""),
    ],
)
def test_csv_safe_defuses_formulas(cell: str, safe: str) -> None:
    assert csv_safe(cell) == safe


def test_html_visible_shows_controls_and_keeps_markup_for_autoescape() -> None:
    shown = html_visible("<b>\x1b[31m\x00\u202e</b>\n\t")
    assert shown == "<b>\\x1b[31m\\x00\\u202e</b>\n\t"


def test_shorten_says_what_was_left_out() -> None:
    assert shorten("abcdef", 4) == "abcd… (+2 chars)"
    assert shorten("abcd", 4) == "abcd"
