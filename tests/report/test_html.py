"""The HTML report: self-contained, every event field escaped, usable with many findings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_samples import make_finding, njrat_findings, njrat_incident

from rathunt.model import Finding, Incident, Provenance, RunCounts
from rathunt.report import write_html

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(2)>',
    "template": "{{7*7}}{% raw %}",
    "controls": "ok\x1b[31mred\x00nul\u202eexe.txt",
    "entity": "&lt;already&gt;",
}


class Elements(HTMLParser):
    """The tags and attributes of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)


def parse(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    return elements


def hostile_finding() -> Finding:
    return make_finding(
        computer=HOSTILE["attribute"],
        rule_title=HOSTILE["script"],
        rule_id=HOSTILE["template"],
        level="<b>high</b>",
        logsource=HOSTILE["script"],
        channel=HOSTILE["attribute"],
        matched={HOSTILE["script"]: HOSTILE["controls"], "Image": HOSTILE["entity"]},
    )


@pytest.fixture()
def page(tmp_path: Path, findings: list[Finding], incident: Incident, counts: RunCounts) -> str:
    counts.problems.append(HOSTILE["script"])
    hostile = hostile_finding()
    incident.stages[0][1].append(hostile)
    out = tmp_path / "report.html"
    write_html(out, [*findings, hostile], [incident], counts, title=HOSTILE["attribute"])
    return out.read_text("utf-8")


def test_hostile_values_stay_text(page: str) -> None:
    elements = parse(page)
    assert "script" not in elements.tags and "img" not in elements.tags
    assert not any(name.startswith("on") for name, _ in elements.attributes)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&amp;lt;already&amp;gt;" in page


def test_template_syntax_in_data_is_not_evaluated(page: str) -> None:
    assert '<div class="muted mono">{{7*7}}{% raw %}</div>' in page
    assert ">49<" not in page


def test_control_characters_are_shown_not_sent(page: str) -> None:
    assert "ok\\x1b[31mred\\x00nul\\u202eexe.txt" in page
    for raw in ("\x1b", "\x00", "\u202e"):
        assert raw not in page


def test_an_unknown_level_never_reaches_a_class_attribute(page: str) -> None:
    classes = [value or "" for name, value in parse(page).attributes if name == "class"]
    assert "level-other" in " ".join(classes)
    assert not any("<" in value or "high</b>" in value for value in classes)


def test_the_page_is_self_contained(page: str) -> None:
    """Nothing is fetched: no scripts, no external links, styles inline, a strict CSP."""
    elements = parse(page)
    assert "script" not in elements.tags and "link" not in elements.tags
    urls = [value or "" for name, value in elements.attributes if name in ("src", "href")]
    assert all(url.startswith("#") for url in urls)
    assert "default-src 'none'" in page
    assert "@import" not in page and "url(" not in page


def test_sections_show_the_run(page: str) -> None:
    for heading in ("Overview", "Incidents", "Findings", "By tactic (kill-chain order)", "By host"):
        assert f">{heading}</h2>" in page
    assert 'defense-evasion</span><span>→</span><span class="stage">persistence' in page
    assert "netsh  firewall add allowedprogram" in page
    assert "DestinationPort</span> <code>5552</code>" in page
    assert "logs/WIN10-VICTIM/Microsoft-Windows-Sysmon%4Operational.evtx (record 4714)" in page
    tactic_rows = re.findall(r"<tr><td>([a-z-]+)</td><td class=\"num\">", page)
    assert tactic_rows == ["persistence", "defense-evasion", "command-and-control"]


def test_thousands_of_findings_are_capped_with_a_note(tmp_path: Path, counts: RunCounts) -> None:
    base = njrat_findings()
    many = [
        make_finding(
            record_id=n,
            provenance=Provenance("logs/fleet.evtx", n, "evtx"),
            computer=f"WS-{n % 300:03d}",
            time=datetime(2026, 3, 14, 9, 30, tzinfo=UTC) + timedelta(seconds=n),
        )
        for n in range(3_000)
    ]
    out = tmp_path / "report.html"
    seen = write_html(out, iter(many), [njrat_incident(base)], counts, findings_shown=200)
    page = out.read_text("utf-8")

    assert seen.findings == 3_000
    assert "Showing the first 200 of 3,000 findings by time" in page
    assert "Showing 200 of 300 hosts." in page
    table = page.split('<h2 id="findings">')[1].split('<h2 id="tactics">')[0]
    assert table.count('<td class="time">') == 200
    assert "fleet.evtx (record 199)" in table and "fleet.evtx (record 200)" not in page
