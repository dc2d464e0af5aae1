"""`*`-only wildcards are matched by finding their literals in order, not by a regex: the two
must agree on every pattern and value, including repeated and adjacent stars, overlapping
literals and newlines."""

from __future__ import annotations

import random

import re2

from rathunt.engine.values import compile_text

ALPHABET = "ab\\\n"


def _regex_oracle(parts: list[str | None]) -> re2._Regexp:
    body = "".join(".*" if part is None else re2.escape(part) for part in parts)
    return re2.compile("(?s)^" + body + "$")


def test_star_wildcards_agree_with_a_regex_on_random_patterns() -> None:
    chooser = random.Random(20261204)
    compared = 0
    for _ in range(20_000):
        parts: list[str | None] = [
            None
            if chooser.random() < 0.5
            else "".join(chooser.choice(ALPHABET) for _ in range(chooser.randint(0, 3)))
            for _ in range(chooser.randint(1, 6))
        ]
        if None not in parts:
            continue
        test = compile_text(parts, cased=True)
        oracle = _regex_oracle(parts)
        for _ in range(5):
            text = "".join(chooser.choice(ALPHABET) for _ in range(chooser.randint(0, 8)))
            assert test.match_folded(text) is (oracle.search(text) is not None), (parts, text)
            compared += 1
    assert compared > 40_000


def test_middle_stars_compile_to_literal_search() -> None:
    test = compile_text([None, "\\AppData\\", None, "\\Temp\\", None, ".exe"], cased=False)
    assert test.kind == "stars"
    assert test.parts == ("\\appdata\\", "\\temp\\", ".exe")
    assert test.match_folded("c:\\users\\x\\appdata\\local\\temp\\a.exe")
    assert not test.match_folded("c:\\users\\x\\temp\\appdata\\a.exe")
    # The suffix must not reuse characters the middle literals consumed.
    assert not compile_text(["ab", None, "ba"], cased=True).match_folded("aba")
    assert compile_text(["ab", None, "ba"], cased=True).match_folded("abba")
