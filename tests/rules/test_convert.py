"""Conversion: a result for every rule, failures that name the feature, deployable packages."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from rathunt.cli import main
from rathunt.rules import load_pack, load_rules
from rathunt.rules.convert import convert_rules, get_target, package

GOLDEN = Path(__file__).with_name("golden")

CORRELATION = """
title: Many netsh firewall exceptions
id: 0b6f3f2e-2b51-4f1e-9f0a-3c1d2e4f5a6b
correlation:
    type: event_count
    rules:
        - 3f0c5d0e-8b1e-4a52-9d7e-6f4f2b1c9a11
    group-by:
        - Computer
    timespan: 10m
    condition:
        gte: 3
level: high
"""


def _golden_with_correlation(tmp_path: Path) -> list[Path]:
    rule = tmp_path / "rule.yml"
    rule.write_text((GOLDEN / "rule.yml").read_text(encoding="utf-8"), encoding="utf-8")
    correlation = tmp_path / "correlation.yml"
    correlation.write_text(CORRELATION, encoding="utf-8")
    return [rule, correlation]


def test_every_seed_rule_gets_a_result_and_unmapped_categories_fail_by_name() -> None:
    """service_creation and task_creation have no Sysmon mapping: failed, with the category."""
    ruleset = load_pack("seed")
    report = convert_rules(ruleset.rules, get_target("splunk-sysmon"))
    assert len(report.results) == 7
    assert report.counts() == {"converted": 5, "failed": 2}
    reasons = sorted(result.reason for result in report.failed)
    assert "category service_creation has no mapping in splunk-sysmon" in reasons[0]
    assert "category task_creation has no mapping in splunk-sysmon" in reasons[1]
    assert all(result.error and result.error.path for result in report.failed)


def test_converting_leaves_the_loaded_rules_unchanged() -> None:
    """Pipelines edit rules in place; the converter works on copies, so a rerun is identical."""
    ruleset = load_rules([GOLDEN / "rule.yml"])
    first = convert_rules(ruleset.rules, get_target("splunk-sysmon")).results[0].queries
    second = convert_rules(ruleset.rules, get_target("splunk-sysmon")).results[0].queries
    assert first == second
    assert "EventCode=1" in first[0] and first[0].count("EventCode") == 1


def test_correlation_converts_where_supported_and_fails_naming_the_feature(tmp_path: Path) -> None:
    """Correlation first in the input: base rules still convert before it."""
    ruleset = load_rules(list(reversed(_golden_with_correlation(tmp_path))))
    assert ruleset.rules[0].is_correlation
    splunk = convert_rules(ruleset.rules, get_target("splunk-sysmon"))
    by_title = {result.rule.title: result for result in splunk.results}
    correlated = by_title["Many netsh firewall exceptions"]
    assert correlated.status == "converted"
    assert by_title["Netsh Adds a Firewall Exception for a Program in AppData"].status == "folded"
    assert "| stats count as event_count by _time Computer" in correlated.queries[0]
    assert correlated.queries[0].endswith("| search event_count >= 3")

    kusto = convert_rules(ruleset.rules, get_target("kql-defender"))
    failed = {result.rule.title: result for result in kusto.results}[
        "Many netsh firewall exceptions"
    ]
    assert failed.status == "failed"
    assert "correlation rule (event_count) is not supported by kql-defender" in failed.reason
    assert "0b6f3f2e-2b51-4f1e-9f0a-3c1d2e4f5a6b" in str(failed.error)


def test_splunk_package_keeps_title_description_severity_attack_and_references() -> None:
    report = convert_rules(load_rules([GOLDEN / "rule.yml"]).rules, get_target("splunk-sysmon"))
    conf = package(report)
    assert "[Netsh Adds a Firewall Exception for a Program in AppData]" in conf
    assert "description = njRAT runs netsh firewall add allowedprogram" in conf
    assert "alert.severity = 4" in conf
    assert '"mitre_attack": ["T1562.004"]' in conf
    assert "https://attack.mitre.org/software/S0385/" in conf
    assert 'search = source="WinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=1' in conf


def test_elastic_package_is_one_detection_rule_per_line() -> None:
    report = convert_rules(load_rules([GOLDEN / "rule.yml"]).rules, get_target("elastic-eql"))
    [line] = package(report).splitlines()
    document = json.loads(line)
    assert document["rule_id"] == "3f0c5d0e-8b1e-4a52-9d7e-6f4f2b1c9a11"
    assert (document["type"], document["language"], document["severity"]) == ("eql", "eql", "high")
    assert document["risk_score"] == 73
    assert document["references"] == ["https://attack.mitre.org/software/S0385/"]
    [threat] = document["threat"]
    assert threat["tactic"]["id"] == "TA0005"
    [technique] = threat["technique"]
    assert (technique["id"], technique["name"]) == ("T1562", "Impair Defenses")
    [sub] = technique["subtechnique"]
    assert sub["id"] == "T1562.004"
    assert sub["reference"] == "https://attack.mitre.org/techniques/T1562/004/"
    assert document["query"].startswith("any where ")


def test_sentinel_package_is_a_scheduled_analytic_rule() -> None:
    report = convert_rules(load_rules([GOLDEN / "rule.yml"]).rules, get_target("kql-sentinel"))
    [document] = list(yaml.safe_load_all(package(report)))
    assert document["kind"] == "Scheduled"
    assert document["severity"] == "High"
    assert document["tactics"] == ["DefenseEvasion"]
    assert document["relevantTechniques"] == ["T1562.004"]
    assert document["query"].startswith("imProcessCreate\n| where ")
    assert "https://attack.mitre.org/software/S0385/" in document["description"]


def test_cli_convert_reports_each_failure_and_the_counts() -> None:
    result = CliRunner().invoke(
        main, ["-q", "rules", "convert", "-t", "kql-defender", "--pack", "seed", "-f", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 7
    assert sorted(r["status"] for r in records) == ["converted"] * 4 + ["failed"] * 3
    assert "kql-defender: 4 converted, 3 failed" in result.stderr


def test_cli_targets_lists_every_target_with_its_install_state() -> None:
    result = CliRunner().invoke(main, ["rules", "targets", "--json"])
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) >= {
        "splunk-sysmon",
        "kql-defender",
        "kql-sentinel",
        "elastic-lucene",
        "elastic-eql",
        "elastic-esql",
        "spark-sql",
        "duckdb",
    }
    assert rows["splunk-sysmon"]["installed"] and rows["splunk-sysmon"]["correlations"]
    assert rows["kql-defender"]["correlations"] is False


def test_a_missing_backend_is_not_installed_and_names_the_extra() -> None:
    from dataclasses import replace

    from rathunt.rules.convert.targets import _resolve

    missing = replace(get_target("duckdb"), backend="sigma_backend_absent:Backend")
    assert not missing.is_installed()
    try:
        _resolve(missing.backend)
    except Exception as err:
        assert "pip install 'rathunt[convert]'" in str(err)
    else:
        raise AssertionError("a missing backend module must raise")


def test_powershell_script_rules_reach_splunk_with_their_source_and_event_id(
    tmp_path: Path,
) -> None:
    rule = tmp_path / "ps.yml"
    rule.write_text(
        "title: PowerShell decodes base64\nid: 6b1d2f3a-4c5e-4f70-8a9b-0c1d2e3f4a5b\n"
        "logsource:\n    product: windows\n    category: ps_script\n"
        "detection:\n    selection:\n        ScriptBlockText|contains: 'FromBase64String'\n"
        "    condition: selection\nlevel: medium\n",
        encoding="utf-8",
    )
    [result] = convert_rules(load_rules([rule]).rules, get_target("splunk-sysmon")).results
    assert result.queries == [
        'source IN ("WinEventLog:Microsoft-Windows-PowerShell/Operational", '
        '"WinEventLog:PowerShellCore/Operational") EventCode=4104 '
        'ScriptBlockText="*FromBase64String*"'
    ]
