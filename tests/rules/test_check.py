"""`rathunt rules check`: every rule's support status, printed and machine-readable."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rathunt.cli import main

RULE = """\
title: {title}
id: {id}
name: {name}
status: test
logsource: {{category: process_creation, product: windows}}
detection:
  selection:
    {selection}
  condition: {condition}
level: medium
"""


def rule(title: str, uuid: str, selection: str, condition: str = "selection") -> str:
    name = title.lower().replace(" ", "_")
    return RULE.format(title=title, id=uuid, name=name, selection=selection, condition=condition)


def test_check_reports_full_rejected_and_broken_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "good.yml").write_text(
        rule("Good", "0d5e2c1a-1111-4a4a-8b8b-000000000001", "Image|endswith: '\\\\netsh.exe'")
    )
    (rules / "undefined.yml").write_text(
        rule(
            "Undefined selection",
            "0d5e2c1a-1111-4a4a-8b8b-000000000002",
            "Image|endswith: '\\\\cmd.exe'",
            condition="selection and not missing_filter",
        )
    )
    (rules / "broken.yml").write_text("title: [unclosed\n")
    (rules / "correlation.yml").write_text(
        """\
title: Repeated good
id: 0d5e2c1a-1111-4a4a-8b8b-000000000003
correlation:
  type: event_count
  rules: [good]
  group-by: [Computer]
  timespan: 5m
  condition: {gte: 3}
level: high
"""
    )
    report = tmp_path / "check.json"
    done = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["rules", "check", str(rules), "-o", str(report), "--strict"]
    )

    assert done.exit_code == 1, done.output
    summary = json.loads(report.read_text())
    assert (summary["files"], summary["files_failed"], summary["rules"]) == (4, 1, 3)
    status = {entry["title"]: entry for entry in summary["results"]}
    assert status["Good"]["status"] == "full"
    assert status["Repeated good"]["kind"] == "correlation"
    assert status["Repeated good"]["status"] == "full"
    undefined = status["Undefined selection"]
    assert undefined["status"] == "rejected"
    assert "missing_filter" in " ".join(undefined["reasons"])
    assert summary["problems"][0]["path"].endswith("broken.yml")
    assert summary["problems"][0]["where"] == "line 2, column 1"
    assert "Rule support" in done.output and "broken.yml" in done.output


def test_bundled_njrat_pack_checks_clean() -> None:
    done = CliRunner().invoke(main, ["rules", "check", "--pack", "njrat", "--strict"])
    assert done.exit_code == 0, done.output
