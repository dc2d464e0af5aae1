"""The prefilter never loses a match: regex needles, column scans, odd values."""

from __future__ import annotations

import pytest
from engine_shapes import matches, rule_from_yaml, sysmon_process

from rathunt.engine import Engine
from rathunt.engine.needles import regex_needles

# (pattern, flags, needles every match must contain; None: none known)
REGEXES: list[tuple[str, str, tuple[str, ...] | None]] = [
    (r"cmd.{0,5}(?:/c|/r).+powershell.+", "", ("powershell",)),
    (r"ipconfig\s+/all", "", ("ipconfig",)),
    (r"IPCONFIG", "i", ("ipconfig",)),
    (r"(?i)Net\s+User", "", ("user",)),
    (r"(?i:ab)cdef", "", ("cdef",)),
    (r"(abc|defg)x+", "", ("abc", "defg")),
    (r"(?:abcd)+z", "", ("abcd",)),
    (r"(?:abcd)*z", "", None),
    (r"ab|cd", "", None),
    (r"[a-f0-9]{64}", "", None),
    (r"task(?=mgr)", "", ("task",)),
    (r"\p{L}+", "", None),
]


@pytest.mark.parametrize(("pattern", "flags", "needles"), REGEXES)
def test_regex_needles(pattern: str, flags: str, needles: tuple[str, ...] | None) -> None:
    assert regex_needles(pattern, flags) == needles


def test_ignorecase_regex_keeps_no_non_ascii_needle() -> None:
    assert regex_needles("(?i)straße", "") == ("stra",)


@pytest.mark.parametrize(
    ("lines", "fields"),
    [
        ("CommandLine|re: 'Power[Ss]hell\\s+-enc'", {"CommandLine": "PowerShell -enc x"}),
        ("CommandLine|re|i: 'powershell\\s+-enc'", {"CommandLine": "PowerShell -Enc x"}),
        ("CommandLine|contains: 'STRASSE'", {"CommandLine": "x straße y"}),
        ("CommandLine|contains: 'b'", {"CommandLine": ["a", "xbx"]}),
        ("ProcessId: 18404", {"ProcessId": ["1", "18404"]}),
        ("ProcessId: 18404", {"ProcessId": 18404.0}),
    ],
    ids=["regex case", "regex i flag", "fold changes length", "list", "number list", "float"],
)
def test_prefilter_admits_what_matches(lines: str, fields: dict[str, object]) -> None:
    rule = rule_from_yaml(f"    selection:\n        {lines}\n    condition: selection")
    assert matches(rule, sysmon_process(**fields))


def test_column_scan_assigns_hits_to_their_own_events() -> None:
    rule = rule_from_yaml("    s:\n        CommandLine|endswith: 'evil.exe'\n    condition: s")
    events = [
        sysmon_process(EventRecordID=n, CommandLine=text)
        for n, text in enumerate(["a", "b evil.exe", "", "ß evil.exe", "evil.ex", "e", "EVIL.EXE"])
    ]
    hits = [m.event.record_id for m in Engine([rule]).match(events)]
    assert hits == [1, 3, 6]


def test_batch_of_mixed_log_sources_keeps_event_order() -> None:
    rule = rule_from_yaml("    s:\n        CommandLine|contains: 'evil'\n    condition: s")
    other = rule_from_yaml(
        "    s:\n        TargetFilename|contains: 'evil'\n    condition: s",
        logsource="category: file_event",
    )
    events = []
    for n in range(6):
        event = sysmon_process(EventRecordID=n, CommandLine="evil", TargetFilename="evil")
        if n % 2:
            event.logsource = type(event.logsource)("windows", "sysmon", ("file_event",))
        events.append(event)
    engine = Engine([rule, other])
    assert [m.event.record_id for m in engine.match(events)] == list(range(6))
    assert [m.rule for m in engine.match(events)] == [rule, other] * 3


def test_keyword_found_in_a_list_item() -> None:
    rule = rule_from_yaml("    keywords:\n        - 'mimikatz'\n    condition: keywords")
    assert matches(rule, sysmon_process(Data=["x", "Invoke-Mimikatz -DumpCreds"]))
    assert matches(rule, sysmon_process(Data=("Invoke-Mimikatz",)))
    assert not matches(rule, sysmon_process(Data=["x", 7]))


def test_keyword_search_over_ascii_and_folded_texts_in_one_batch() -> None:
    """ASCII texts go through the RE2 finder, others through folding and the automaton; a
    batch holding both must find each keyword in its own event, in any case."""
    rule = rule_from_yaml(
        "    keywords:\n        - 'sekurlsa::logonpasswords'\n        - 'STRASSE'\n"
        "    condition: keywords"
    )
    texts = [
        "mimikatz.exe SEKURLSA::LogonPasswords exit",  # ASCII, other case
        "Microsoft® Windows® sekurlsa::logonpasswords",  # not ASCII
        "die straße",  # folds to 'strasse', and changes length
        "plain text",
        "sekurlsa::logon passwords",  # broken needle
    ]
    events = [sysmon_process(EventRecordID=n, Description=text) for n, text in enumerate(texts)]
    events.append(sysmon_process(EventRecordID=9, Data=["®", "sekurlsa::logonpasswords"]))
    engine = Engine([rule])
    fast = [m.event.record_id for m in engine.match(events)]
    assert fast == [m.event.record_id for m in engine.match_reference(events)]
    assert fast == [0, 1, 2, 9]


def test_regex_guard_never_rejects_a_match() -> None:
    """The short literal checked before a regex call must hold in every match."""
    cases = [
        (r"\w+`(?:\w+|-|.)`[\w+|\s]", "i`e`x (new-object net.webclient)", True),
        (r"(?i)\$\{`?e`?n`?v`?:", "${E`NV:path}", True),
        (r"0x[a-fA-F0-9]{8}", "ping 0x7F000001", True),
        (r"0x[a-fA-F0-9]{8}", "ping 0X7F000001", False),  # case-sensitive regex
        (r"(?:ab|cd)x", "zzCDx", False),
        (r"(?i)(?:ab|cd)x", "zzCDx", True),
    ]
    for pattern, text, expected in cases:
        rule = rule_from_yaml(f"    s:\n        CommandLine|re: '{pattern}'\n    condition: s")
        event = sysmon_process(CommandLine=text)
        assert matches(rule, event) is expected, (pattern, text)


def test_posix_classes_in_a_regex_match_as_re2_reads_them() -> None:
    """`[[:digit:]]` is a class to RE2 but a set and a literal `]` to Python's parser, which
    the needles are read with: no needle may be taken from such a pattern."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pySigma checks the regex with Python's parser
        digit = rule_from_yaml("    s:\n        CommandLine|re: 'x[[:digit:]]yz'\n    condition: s")
        space = rule_from_yaml(
            "    s:\n        CommandLine|re: 'ab[[:space:]]cd'\n    condition: s"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # compiling must not print Python's parser notes
        Engine([digit, space])
    assert matches(digit, sysmon_process(CommandLine="run x1yz now"))
    assert not matches(digit, sysmon_process(CommandLine="run xayz now"))
    assert matches(space, sysmon_process(CommandLine="ab cd"))


def test_keyword_found_in_a_str_subclass_value() -> None:
    class Text(str):
        pass

    rule = rule_from_yaml("    keywords:\n        - 'mimikatz'\n    condition: keywords")
    assert matches(rule, sysmon_process(Description=Text("Invoke-Mimikatz")))


def test_keyword_with_no_ascii_needle_is_still_found() -> None:
    rule = rule_from_yaml("    keywords:\n        - 'Привет'\n    condition: keywords")
    engine = Engine([rule])
    events = [
        sysmon_process(EventRecordID=1, Description="plain ascii text"),
        sysmon_process(EventRecordID=2, Description="ПРИВЕТ, мир"),
    ]
    assert [m.event.record_id for m in engine.match(events)] == [2]
    assert [m.event.record_id for m in engine.match_reference(events)] == [2]
