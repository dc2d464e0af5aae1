"""The terminal summary: exact rendering at a fixed width, and hostile text kept inert."""

from __future__ import annotations

import io

from report_samples import make_finding
from rich.console import Console

from rathunt.model import Finding, Incident, RunCounts
from rathunt.report import render_summary

EXPECTED = """\
rathunt: 1 incident, 3 findings (5 events) on 1 host; 3 rules fired
events from 2026-03-14T09:26:53Z to 2026-03-14T09:26:58Z

Incidents
high 0.92  WIN10-VICTIM.corp.local  3 findings from 2026-03-14T09:26:53Z for 5s
           stages: defense-evasion > persistence > command-and-control

Findings by level
critical 0   high 2   medium 1   low 0   informational 0

By tactic (kill-chain order)
tactic               findings  top rule
──────────────────────────────────────────────────────────────────────────────────────
persistence                 1  Run Value Pointing Into a Temp Folder
defense-evasion             1  Program Allowed Through the Firewall From a Temp Folder
command-and-control         1  Outbound Connection to the njRAT Default Port

By host
host                     worst  findings  events  first                 for
───────────────────────────────────────────────────────────────────────────
WIN10-VICTIM.corp.local  high          3       5  2026-03-14T09:26:53Z   5s

Top rules
rule                                                     level   findings  hosts
────────────────────────────────────────────────────────────────────────────────
Program Allowed Through the Firewall From a Temp Folder  high           1      1
Run Value Pointing Into a Temp Folder                    high           1      1
Outbound Connection to the njRAT Default Port            medium         1      1

Counts
input: 2 files (1 failed), 12,480 records read, 2 skipped, 31 duplicates
rules: 9 loaded: 7 full, 1 degraded, 1 rejected; 0 rule files failed

Problems (7)
- logs/broken.evtx: not an EVTX file (bad file header); check the file is complete
- logs/WIN10-VICTIM/Security.evtx (record 88): bad chunk 3 skipped
- rules/x.yml (rule 5f2c): unsupported Sigma feature: |expand
- rules/y.yml: duplicate rule id 12345678-1234-5678-1234-567812345678
- rules/z.yml (line 4): mapping values are not allowed here
… and 2 more
"""


def plain_console(width: int = 100) -> Console:
    return Console(width=width, record=True, color_system=None, file=io.StringIO())


def rendered(console: Console) -> str:
    return "".join(line.rstrip() + "\n" for line in console.export_text().splitlines())


def test_summary_renders_exactly_at_100_columns(
    findings: list[Finding], incident: Incident, counts: RunCounts
) -> None:
    """Incidents first, levels, tactics in kill-chain order, hosts, rules, counts, problems."""
    console = plain_console()
    render_summary(console, findings, [incident], counts)
    assert rendered(console) == EXPECTED


def test_summary_reads_a_generator_once(
    findings: list[Finding], incident: Incident, counts: RunCounts
) -> None:
    seen = render_summary(plain_console(), iter(findings), [incident], counts)
    assert (seen.findings, seen.events) == (3, 5)


def test_without_incidents_or_findings_only_counts_show() -> None:
    console = plain_console()
    render_summary(console, [], [], RunCounts(files=1, records_read=40))
    text = rendered(console)
    assert text.startswith(
        "rathunt: 0 incidents, 0 findings (0 events) on 0 hosts; 0 rules fired\n"
    )
    assert "Incidents" not in text and "By host" not in text
    assert "input: 1 file (0 failed), 40 records read, 0 skipped, 0 duplicates" in text


def test_top_caps_hosts_and_rules_and_says_how_many(counts: RunCounts) -> None:
    many = [
        make_finding(computer=f"WS-{n:02d}", rule_id=f"rule-{n}", rule_title=f"Rule {n}")
        for n in range(12)
    ]
    console = plain_console()
    render_summary(console, many, [], counts, top=3)
    text = rendered(console)
    assert "By host (top 3 of 12)" in text
    assert "Top rules (top 3 of 12)" in text
    assert "WS-02" in text and "WS-03" not in text


def test_tactics_follow_the_kill_chain_whatever_the_spelling(counts: RunCounts) -> None:
    """Old underscore spellings sort with the new ones; untagged findings come last."""
    from rathunt.model import Tactic

    c2 = Tactic("TA0011", "Command and Control", "command_and_control")
    execution = Tactic("TA0002", "Execution", "execution")
    console = plain_console()
    render_summary(
        console,
        [make_finding(tactics=()), make_finding(tactics=(c2,)), make_finding(tactics=(execution,))],
        [],
        counts,
    )
    section = rendered(console).split("By tactic (kill-chain order)\n")[1].split("\n\n")[0]
    rows = [line.split("   ")[0] for line in section.splitlines()[2:]]
    assert rows == ["execution", "command-and-control", "(no tactic)"]


def test_attacker_text_cannot_inject_markup_or_escape_sequences(counts: RunCounts) -> None:
    """Rich markup, emoji codes and ANSI/OSC sequences in event fields reach the terminal inert."""
    hostile = make_finding(
        computer="[red]X[/] \x1b[2J\x1b]0;owned\x07\x1b[31mHOST",
        rule_title="[bold red]PWNED[/] :skull: Title\r\nwith\tbreaks\x9b31m and \u202eexe.txt",
    )
    console = Console(
        width=160, record=True, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    render_summary(console, [hostile], [], counts)
    raw = console.file.getvalue()  # type: ignore[attr-defined]

    text = rendered(console)
    assert "[red]X[/] HOST" in text
    assert "[bold red]PWNED[/] :skull: Title with breaks and exe.txt" in text
    for sequence in ("\x1b[2J", "\x1b]0;", "\x07", "\x9b", "\u202e", "\x1b[31mHOST", "💀"):
        assert sequence not in raw


def test_at_80_columns_every_column_stays(counts: RunCounts) -> None:
    """A long host name ends in an ellipsis; no column is squeezed out of an 80-column terminal."""
    long_host = "01566s-win16-ir.threebeesco.example.corp"
    console = plain_console(80)
    render_summary(console, [make_finding(computer=long_host, level="informational")], [], counts)
    lines = rendered(console).splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.startswith("host "))
    assert header.split() == ["host", "worst", "findings", "events", "first", "for"]
    row = lines[lines.index(header) + 2]
    assert row.startswith("01566s-win16-ir.th…  informational")
    assert row.endswith("2026-03-14T09:26:53Z   0s")


def test_incidents_rank_by_confidence_and_cap_at_top(
    findings: list[Finding], incident: Incident, counts: RunCounts
) -> None:
    """The most confident incidents come first; a hostile stage name is shown inert."""
    from dataclasses import replace

    low = replace(incident, id="inc-low", computer="WS-LOW", confidence="low", score=1.0)
    medium = replace(
        incident,
        id="inc-medium",
        computer="WS-MEDIUM",
        confidence="medium",
        score=2.5,
        stages=[("\x1b[2Jexecution", incident.stages[0][1])],
    )
    console = plain_console()
    render_summary(console, findings, [low, medium, incident], counts, top=2)
    text = rendered(console)
    assert "Incidents (top 2 of 3)" in text
    assert text.index("high 0.92") < text.index("medium 2.50")
    assert "WS-LOW" not in text
    assert "stages: execution\n" in text
