"""Every Sigma value modifier and value type: inline rule in, event in, match or not out.

Each case runs on the Sysmon 1 shape and, where its fields exist there, on the Security 4688
shape (with its Sysmon twin names), through both the fast path and the reference evaluator.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from engine_shapes import matches, rule_from_yaml, security_process, sysmon_process


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


BOTH = ("sysmon", "security")
SYSMON = ("sysmon",)

# (case id, selection lines, field overrides, expected, shapes)
CASES: list[tuple[str, str, dict[str, Any], bool, tuple[str, ...]]] = [
    ("equals ignores case", r"Image: 'c:\windows\system32\TASKMGR.EXE'", {}, True, BOTH),
    ("equals is whole value", r"Image: 'taskmgr.exe'", {}, False, BOTH),
    ("contains", "CommandLine|contains: 'TASKMGR.exe /'", {}, True, BOTH),
    ("contains misses", "CommandLine|contains: 'mimikatz'", {}, False, BOTH),
    ("startswith", r"Image|startswith: 'C:\Windows\'", {}, True, BOTH),
    ("startswith misses", r"Image|startswith: 'Windows\'", {}, False, BOTH),
    ("endswith", r"Image|endswith: '\taskmgr.exe'", {}, True, BOTH),
    ("endswith misses", r"Image|endswith: '\cmd.exe'", {}, False, BOTH),
    ("star wildcard", r"Image: 'C:\\*\Taskmgr.exe'", {}, True, BOTH),
    ("star matches empty", r"Image: 'C:\Windows\System32\\*Taskmgr.exe'", {}, True, BOTH),
    ("question wildcard", r"Image: 'C:\Windows\System3?\Taskmgr.exe'", {}, True, BOTH),
    ("question is one char", r"Image: 'C:\Windows\System?\Taskmgr.exe'", {}, False, BOTH),
    ("two stars in order", r"CommandLine: '*system32*/7'", {}, True, BOTH),
    ("two stars wrong order", r"CommandLine: '*/7*system32*'", {}, False, BOTH),
    ("escaped star literal", r"CommandLine|contains: 'a\*b'", {"CommandLine": "x a*b"}, True, BOTH),
    (
        "escaped star not wild",
        r"CommandLine|contains: 'a\*b'",
        {"CommandLine": "x axxb"},
        False,
        BOTH,
    ),
    (
        "escaped question",
        r"CommandLine|endswith: 'what\?'",
        {"CommandLine": "so what?"},
        True,
        BOTH,
    ),
    (
        "escaped question not wild",
        r"CommandLine|endswith: 'what\?'",
        {"CommandLine": "whats"},
        False,
        BOTH,
    ),
    ("escaped backslash then star", r"Image: 'C:\Windows\System32\*Taskmgr.exe'", {}, False, BOTH),
    ("backslash before plain char", r"Image: 'C:\Windows\System32\Taskmgr.exe'", {}, True, BOTH),
    (
        "list is OR",
        "Image|endswith:\n            - '\\cmd.exe'\n            - '\\taskmgr.exe'",
        {},
        True,
        BOTH,
    ),
    (
        "all is AND",
        "CommandLine|contains|all:\n            - 'taskmgr'\n            - '/7'",
        {},
        True,
        BOTH,
    ),
    (
        "all needs every value",
        "CommandLine|contains|all:\n            - 'taskmgr'\n            - '/8'",
        {},
        False,
        BOTH,
    ),
    ("cased", r"Image|cased|endswith: '\Taskmgr.exe'", {}, True, BOTH),
    ("cased rejects other case", r"Image|cased|endswith: '\taskmgr.exe'", {}, False, BOTH),
    ("re searches", r"CommandLine|re: 'taskmgr\.exe /\d'", {}, True, BOTH),
    ("re is case-sensitive", "CommandLine|re: 'TASKMGR'", {}, False, BOTH),
    ("re i flag", "CommandLine|re|i: 'TASKMGR'", {}, True, BOTH),
    ("re anchors need m", "CommandLine|re: '^two$'", {"CommandLine": "one\ntwo"}, False, BOTH),
    ("re m flag", "CommandLine|re|m: '^two$'", {"CommandLine": "one\ntwo"}, True, BOTH),
    ("re dot needs s", "CommandLine|re: 'one.two'", {"CommandLine": "one\ntwo"}, False, BOTH),
    ("re s flag", "CommandLine|re|s: 'one.two'", {"CommandLine": "one\ntwo"}, True, BOTH),
    (
        "base64",
        "CommandLine|base64|contains: 'http://'",
        {"CommandLine": "powershell -e " + b64(b"http://")},
        True,
        BOTH,
    ),
    (
        "base64 whole value",
        "CommandLine|base64: 'http://a'",
        {"CommandLine": b64(b"http://a")},
        True,
        BOTH,
    ),
    (
        "base64offset 0",
        "CommandLine|base64offset|contains: 'IEX (New'",
        {"CommandLine": "powershell -enc " + b64(b"IEX (New-Object Net.WebClient)")},
        True,
        BOTH,
    ),
    (
        "base64offset 1",
        "CommandLine|base64offset|contains: 'IEX (New'",
        {"CommandLine": "powershell -enc " + b64(b"aIEX (New-Object Net.WebClient)")},
        True,
        BOTH,
    ),
    (
        "base64offset 2",
        "CommandLine|base64offset|contains: 'IEX (New'",
        {"CommandLine": "powershell -enc " + b64(b"abIEX (New-Object Net.WebClient)")},
        True,
        BOTH,
    ),
    (
        "base64offset misses",
        "CommandLine|base64offset|contains: 'IEX (New'",
        {"CommandLine": "powershell -enc " + b64(b"Write-Host hello")},
        False,
        BOTH,
    ),
    (
        "wide base64offset",
        "CommandLine|wide|base64offset|contains: 'IEX'",
        {"CommandLine": "powershell -e " + b64("$x;IEX $y".encode("utf-16-le"))},
        True,
        BOTH,
    ),
    (
        "utf16be base64",
        "CommandLine|utf16be|base64|contains: 'IEX'",
        {"CommandLine": "x " + b64("IEX".encode("utf-16-be"))},
        True,
        BOTH,
    ),
    (
        "wide contains",
        "CommandLine|wide|contains: 'ab'",
        {"CommandLine": "xa\x00b\x00"},
        True,
        BOTH,
    ),
    (
        "windash slash",
        "CommandLine|windash|contains: ' -enc '",
        {"CommandLine": "powershell /enc AAAA"},
        True,
        BOTH,
    ),
    (
        "windash en dash",
        "CommandLine|windash|contains: ' -enc '",
        {"CommandLine": "powershell \u2013enc AAAA"},
        True,
        BOTH,
    ),
    (
        "windash misses",
        "CommandLine|windash|contains: ' -enc '",
        {"CommandLine": "powershell +enc AAAA"},
        False,
        BOTH,
    ),
    ("cidr v4", "DestinationIp|cidr: '10.0.0.0/8'", {"DestinationIp": "10.1.2.3"}, True, BOTH),
    (
        "cidr v4 outside",
        "DestinationIp|cidr: '10.0.0.0/8'",
        {"DestinationIp": "110.1.2.3"},
        False,
        BOTH,
    ),
    (
        "cidr v4 odd prefix",
        "DestinationIp|cidr: '192.168.0.0/23'",
        {"DestinationIp": "192.168.1.200"},
        True,
        BOTH,
    ),
    (
        "cidr v4 odd prefix outside",
        "DestinationIp|cidr: '192.168.0.0/23'",
        {"DestinationIp": "192.168.2.1"},
        False,
        BOTH,
    ),
    (
        "cidr v4-mapped v6",
        "DestinationIp|cidr: '10.0.0.0/8'",
        {"DestinationIp": "::ffff:10.9.8.7"},
        True,
        BOTH,
    ),
    (
        "cidr v6",
        "DestinationIp|cidr: 'fe80::/10'",
        {"DestinationIp": "FE80:0:0:0:1::7"},
        True,
        BOTH,
    ),
    (
        "cidr v6 outside",
        "DestinationIp|cidr: 'fe80::/10'",
        {"DestinationIp": "2001:db8::1"},
        False,
        BOTH,
    ),
    (
        "cidr not an address",
        "DestinationIp|cidr: '10.0.0.0/8'",
        {"DestinationIp": "10.x"},
        False,
        BOTH,
    ),
    ("exists true", "OriginalFileName|exists: true", {}, True, SYSMON),
    (
        "exists true absent",
        "OriginalFileName|exists: true",
        {"OriginalFileName": None},
        False,
        BOTH,
    ),
    (
        "exists false absent",
        "OriginalFileName|exists: false",
        {"OriginalFileName": None},
        True,
        BOTH,
    ),
    (
        "fieldref equal",
        "ParentImage|fieldref: Image",
        {"ParentImage": r"C:\Windows\System32\TASKMGR.exe"},
        True,
        BOTH,
    ),
    ("fieldref differs", "ParentImage|fieldref: Image", {}, False, BOTH),
    (
        "fieldref endswith",
        "CommandLine|fieldref|endswith: Image",
        {"CommandLine": r"start C:\Windows\System32\Taskmgr.exe"},
        True,
        BOTH,
    ),
    (
        "fieldref startswith",
        "CommandLine|fieldref|startswith: Image",
        {"CommandLine": r"C:\Windows\System32\Taskmgr.exe /7"},
        True,
        BOTH,
    ),
    (
        "fieldref contains",
        "CommandLine|fieldref|contains: Image",
        {"CommandLine": r"x C:\Windows\System32\Taskmgr.exe /7"},
        True,
        BOTH,
    ),
    ("fieldref missing other", "CommandLine|fieldref: Missing", {}, False, BOTH),
    ("lt", "TerminalSessionId|lt: 3", {}, True, SYSMON),
    ("lt equal is false", "TerminalSessionId|lt: 2", {}, False, SYSMON),
    ("lte", "TerminalSessionId|lte: 2", {}, True, SYSMON),
    ("gt", "TerminalSessionId|gt: 1", {}, True, SYSMON),
    ("gt false", "TerminalSessionId|gt: 2", {}, False, SYSMON),
    ("gte numeric string", "TerminalSessionId|gte: 2", {"TerminalSessionId": "2"}, True, BOTH),
    ("gt not a number", "TerminalSessionId|gt: 1", {"TerminalSessionId": "two"}, False, BOTH),
    ("number equals int", "ProcessId: 18404", {}, True, SYSMON),
    ("number equals numeric string", "ProcessId: 18404", {"ProcessId": "18404"}, True, BOTH),
    ("number is not hex", "ProcessId: 632", {}, False, ("security",)),
    ("string equals int", "ProcessId: '18404'", {}, True, SYSMON),
    ("number list", "EventID:\n            - 1\n            - 4688", {}, True, BOTH),
    ("bool", "Elevated: true", {"Elevated": True}, True, BOTH),
    ("bool from text", "Elevated: false", {"Elevated": "False"}, True, BOTH),
    ("bool mismatch", "Elevated: true", {"Elevated": False}, False, BOTH),
    ("null absent", "OriginalFileName: null", {"OriginalFileName": None}, True, BOTH),
    ("null present", "OriginalFileName: null", {}, False, SYSMON),
    ("empty string", "RuleName: ''", {"RuleName": ""}, True, BOTH),
    ("empty string vs text", "RuleName: ''", {"RuleName": "x"}, False, BOTH),
    ("neq", r"Image|neq: 'C:\Windows\System32\cmd.exe'", {}, True, BOTH),
    ("neq same", r"Image|neq: 'C:\Windows\System32\taskmgr.exe'", {}, False, BOTH),
    ("list value in event", "Tags: 'b'", {"Tags": ["a", "B"]}, True, BOTH),
    ("hour", "UtcTime|hour: 20", {}, True, SYSMON),
    ("hour mismatch", "UtcTime|hour: 21", {}, False, SYSMON),
    ("absent field never equals", "Missing|contains: 'x'", {}, False, BOTH),
]


def _selection(lines: str) -> str:
    return f"    selection:\n        {lines}\n    condition: selection"


@pytest.mark.parametrize(
    ("lines", "fields", "expected", "shapes"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_modifier(
    lines: str, fields: dict[str, Any], expected: bool, shapes: tuple[str, ...]
) -> None:
    rule = rule_from_yaml(_selection(lines))
    for shape in shapes:
        make = sysmon_process if shape == "sysmon" else security_process
        event = make(**dict(fields))
        assert matches(rule, event) is expected, shape
    assert rule.support.status == "full", rule.support.reasons


def test_expand_uses_placeholder_values() -> None:
    rule = rule_from_yaml(_selection("Computer|expand: '%Admin_Hosts%'"))
    hosts = {"Admin_Hosts": ["ws-admin-*", "LAPTOP-JU4M3I0E"]}
    assert matches(rule, sysmon_process(), hosts)
    assert matches(rule, security_process(Computer="WS-ADMIN-07"), hosts)
    assert not matches(rule, security_process(), hosts)


def test_expand_without_values_rejects_naming_the_placeholder() -> None:
    rule = rule_from_yaml(_selection("Computer|expand: '%Admin_Hosts%'"))
    assert not matches(rule, sysmon_process())
    assert rule.support.status == "rejected"
    assert rule.support.reasons == ["placeholder %Admin_Hosts% has no values"]


def test_compiling_again_with_values_clears_the_rejection() -> None:
    rule = rule_from_yaml(_selection("Computer|expand: '%Admin_Hosts%'"))
    assert not matches(rule, sysmon_process())
    assert rule.support.status == "rejected"
    assert matches(rule, sysmon_process(), {"Admin_Hosts": ["laptop-*"]})
    assert (rule.support.status, rule.support.reasons) == ("full", [])


def test_expand_in_regex() -> None:
    rule = rule_from_yaml(_selection(r"CommandLine|re|expand: '^%Tools%\.exe'"))
    tools = {"Tools": ["C:\\windows\\system32\\taskmgr", "psexec"]}
    assert matches(rule, sysmon_process(), tools)
    assert not matches(rule, sysmon_process(CommandLine="cmd.exe"), tools)


def test_regex_outside_linear_engine_degrades_and_still_matches() -> None:
    rule = rule_from_yaml(_selection(r"CommandLine|re: 'task(?=mgr)'"))
    assert matches(rule, sysmon_process())
    assert rule.support.status == "degraded"
    assert "linear-time" in rule.support.reasons[0]


def test_backtracking_regex_is_cut_off_and_named_not_hung() -> None:
    from rathunt.engine import Engine
    from rathunt.engine.values import FALLBACK_REGEX_SECONDS

    rule = rule_from_yaml(_selection(r"CommandLine|re: '^(a|aa)+\1$'"))
    engine = Engine([rule])
    hostile = sysmon_process(CommandLine="a" * 50_000 + "b")
    assert list(engine.match([hostile])) == []
    assert engine.stats.errors == 1
    (problem,) = engine.stats.problems
    assert f"ran past {FALLBACK_REGEX_SECONDS} s" in str(problem)
    assert "catastrophic backtracking" in str(problem) and rule.id in str(problem)
    # The same pattern still matches where it should, on the whole value.
    assert matches(rule, sysmon_process(CommandLine="aaaa"))


def test_a_pattern_that_keeps_timing_out_stops_being_searched() -> None:
    import time

    from rathunt.engine import Engine
    from rathunt.engine.values import FALLBACK_REGEX_SECONDS, FALLBACK_REGEX_TIMEOUTS

    rule = rule_from_yaml(_selection(r"CommandLine|re: '^(a|aa)+\1$'"))
    engine = Engine([rule])
    hostile = [sysmon_process(CommandLine="a" * 50_000 + "b") for _ in range(40)]
    started = time.perf_counter()
    assert list(engine.match(hostile)) == []
    # Only the first few searches spend their time limit; the rest fail at once.
    assert time.perf_counter() - started < (FALLBACK_REGEX_TIMEOUTS + 10) * FALLBACK_REGEX_SECONDS
    assert engine.stats.errors == 40
    assert "no longer searched" in str(engine.stats.problems[-1])


def test_keyword_matches_any_string_value() -> None:
    rule = rule_from_yaml("    keywords:\n        - 'Akagi_64'\n    condition: keywords")
    assert matches(rule, sysmon_process())
    assert matches(rule, security_process())
    assert not matches(rule, sysmon_process(ParentImage="x", ParentCommandLine="y"))


def test_keyword_wildcards_and_case() -> None:
    rule = rule_from_yaml("    keywords:\n        - 'TASK*EXE /7'\n    condition: keywords")
    assert matches(rule, sysmon_process())
    assert not matches(rule, sysmon_process(CommandLine="taskmgr"))
