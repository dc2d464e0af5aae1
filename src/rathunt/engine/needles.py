"""Literal text a regular expression cannot match without: the regex's prefilter needles.

A rule whose only test is a regex would otherwise be evaluated on every event. Parsing the
pattern (Python's own regex parser, used for its syntax tree only; nothing is matched with it)
shows runs of literal characters every match must contain, e.g. `powershell` in
`cmd.{0,5}/c.+powershell`. Alternations give one needle per branch. Anything the walk does not
understand yields no needle, which only costs speed, never a missed match.
"""

from __future__ import annotations

import importlib
import re
import warnings
from typing import Any

# The standard library's regex parser (private, so not in the type stubs): used to read the
# syntax tree only.
sre_parser: Any = importlib.import_module("re._parser")
sre_constants: Any = importlib.import_module("re._constants")

# Needles shorter than this admit too many events to be worth the automaton entry.
MIN_NEEDLE = 3
_LITERAL = sre_constants.LITERAL
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)
_IGNORECASE = re.IGNORECASE


def regex_needles(source: str, flags: str, shortest: int = MIN_NEEDLE) -> tuple[str, ...] | None:
    """Case-folded literals (of `shortest` characters or more) one of which occurs in every
    match, or None if none is known."""
    if "[:" in source:
        # POSIX classes (`[[:digit:]]`) mean one thing to RE2 and another to Python's
        # parser (a set, then a literal `]`): no needle is safe to take from them.
        return None
    py_flags = re.IGNORECASE if "i" in flags else 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python's own notes on its syntax, not RE2's
            parsed = sre_parser.parse(source, py_flags)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    ignorecase = bool(parsed.state.flags & _IGNORECASE) or _scan_flags(list(parsed))
    best = _best(_sequence(list(parsed), ignorecase, shortest))
    return tuple(sorted(best)) if best else None


def _sequence(items: list[Any], ignorecase: bool, shortest: int) -> list[frozenset[str]]:
    """Candidate needle sets of a sequence: each set holds alternatives, one must occur."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if len(run) >= shortest:
            candidates.append(frozenset({"".join(run).casefold()}))
        run.clear()

    for op, argument in items:
        if op == _LITERAL and _usable(argument, ignorecase):
            run.append(chr(argument))
            continue
        close()
        if op == _SUBPATTERN:
            candidates.extend(_sequence(list(argument[-1]), ignorecase, shortest))
        elif op == _BRANCH:
            alternatives = _branches(argument[1], ignorecase, shortest)
            if alternatives:
                candidates.append(alternatives)
        elif (op in _REPEATS or op == _POSSESSIVE) and argument[0] >= 1:
            candidates.extend(_sequence(list(argument[2]), ignorecase, shortest))
    close()
    return candidates


def _branches(branches: list[Any], ignorecase: bool, shortest: int) -> frozenset[str] | None:
    union: set[str] = set()
    for branch in branches:
        best = _best(_sequence(list(branch), ignorecase, shortest))
        if not best:
            return None
        union |= best
    return frozenset(union)


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The candidate whose shortest alternative is longest (fewest events admitted)."""
    if not candidates:
        return None
    return max(candidates, key=lambda needles: (min(map(len, needles)), -len(needles)))


def _usable(code: int, ignorecase: bool) -> bool:
    """Under ignore-case only ASCII folds the same in the regex engine and in casefold()."""
    return code < 128 or not ignorecase


def _scan_flags(items: list[Any]) -> bool:
    """Whether any group turns ignore-case on with a scoped flag such as `(?i:...)`."""
    for op, argument in items:
        if op == _SUBPATTERN:
            add_flags = argument[1] or 0
            if add_flags & _IGNORECASE or _scan_flags(list(argument[-1])):
                return True
        elif op == _BRANCH:
            if any(_scan_flags(list(branch)) for branch in argument[1]):
                return True
        elif (op in _REPEATS or op == _POSSESSIVE) and _scan_flags(list(argument[2])):
            return True
    return False
