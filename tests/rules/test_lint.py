"""Lint: the seed pack's known faults, each rathunt check on inline rules, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rathunt.cli import main
from rathunt.rules.lint import LintFinding, is_placeholder_id, lint_paths

SEED = Path(__file__).resolve().parents[2] / "src" / "rathunt" / "packs" / "seed"

RULE = """
title: {title}
id: {id}
status: test
description: A test rule for the lint.
author: rathunt
date: 2026-12-04
tags:
    - attack.execution
    - attack.t1059.003
logsource:
{logsource}
detection:
{detection}
falsepositives:
    - Unknown
level: medium
"""
PROCESS = "    category: process_creation\n    product: windows"


def _write(
    tmp_path: Path,
    name: str,
    detection: str,
    *,
    logsource: str = PROCESS,
    rule_id: str = "7d1f2c3e-5a6b-4c8d-9e0f-a1b2c3d4e5f6",
) -> Path:
    path = tmp_path / name
    path.write_text(
        RULE.format(title=name, id=rule_id, logsource=logsource, detection=detection),
        encoding="utf-8",
    )
    return path


def _checks(findings: list[LintFinding], check: str) -> list[LintFinding]:
    return [f for f in findings if f.check == check]


@pytest.fixture(scope="module")
def seed_findings() -> list[LintFinding]:
    return lint_paths([SEED], sigmahq=False).findings


def test_every_seed_rule_has_a_placeholder_id_found_on_its_id_line(seed_findings) -> None:
    found = _checks(seed_findings, "placeholder-id")
    assert sorted(Path(f.path or "").name for f in found) == sorted(
        p.name for p in SEED.glob("*.yml")
    )
    assert {f.line for f in found} == {2}
    first = next(f for f in found if f.path and f.path.endswith("1-process-creation.yml"))
    assert first.rule_id == "12345678-1234-5678-1234-567812345678"
    assert first.severity == "error" and "uuid4" in first.hint


def test_off_taxonomy_log_sources_are_found_on_the_category_line(seed_findings) -> None:
    found = {
        (Path(f.path or "").name, f.line, f.rule_id): f.message
        for f in _checks(seed_findings, "logsource-taxonomy")
    }
    assert set(found) == {
        ("6-service-installation.yml", 6, "67890123-6789-0123-6789-012367890123"),
        ("7-scheduled-task.yml", 6, "78901234-7890-1234-7890-123478901234"),
    }
    assert any("service_creation" in message for message in found.values())
    assert any("task_creation" in message for message in found.values())


def test_private_c2_addresses_are_found_on_the_field_line(seed_findings) -> None:
    [found] = _checks(seed_findings, "private-c2-address")
    assert Path(found.path or "").name == "4-c2-connection.yml"
    assert (found.line, found.rule_id) == (10, "45678901-4567-8901-4567-890145678901")
    assert "192.168.1.100" in found.message and "10.0.0.200" in found.message


def test_attacker_chosen_names_are_found_in_every_rule_that_depends_on_them(seed_findings) -> None:
    found = {Path(f.path or "").name: f for f in _checks(seed_findings, "attacker-chosen-literal")}
    assert set(found) == {p.name for p in SEED.glob("*.yml")}
    assert "njrat.exe" in found["1-process-creation.yml"].message
    assert "njRATService" in found["6-service-installation.yml"].message
    assert "njRATTask" in found["7-scheduled-task.yml"].message
    assert all(f.line == 8 and f.rule_id for f in found.values())


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("12345678-1234-5678-1234-567812345678", True),
        ("23456789-2345-6789-2345-678923456789", True),
        ("00000000-0000-0000-0000-000000000000", True),
        ("8a1b2c3d-4e5f-6789-abcd-ef1234567890", True),
        ("b5f1a7c3-2d9e-4e1f-8a6b-3c4d5e6f7a8b", False),
        ("4480827a-9799-4232-b2c4-ccc6c4e9e12b", False),
        ("ded2b07a-d12f-4284-9b76-653e37b6c8b0", False),
    ],
)
def test_placeholder_ids_are_told_from_generated_ones(value: str, placeholder: bool) -> None:
    assert is_placeholder_id(value) is placeholder


def test_duplicate_ids_name_the_other_file(tmp_path: Path) -> None:
    detection = "    selection:\n        Image|endswith: '\\\\netsh.exe'\n    condition: selection"
    _write(tmp_path, "a.yml", detection)
    second = _write(tmp_path, "b.yml", detection)
    [found] = _checks(lint_paths([tmp_path], sigmahq=False).findings, "duplicate-id")
    assert found.path == str(second) and found.line == 3
    assert "a.yml" in found.message


@pytest.mark.parametrize(
    "detection",
    [
        "    a:\n        EventID: 1\n    b:\n        EventID: 4688\n    condition: a and b",
        "    a:\n        Image|endswith: '\\\\cmd.exe'\n    condition: a and not a",
        "    a:\n        EventID: 4104\n        Image|endswith: '\\\\cmd.exe'\n    condition: a",
    ],
    ids=["two-values", "required-and-excluded", "event-id-of-another-source"],
)
def test_conditions_that_can_never_be_true_are_errors(tmp_path: Path, detection: str) -> None:
    path = _write(tmp_path, "r.yml", detection)
    [found] = _checks(lint_paths([path], sigmahq=False).findings, "never-true")
    assert found.severity == "error" and found.line is not None


def test_a_satisfiable_condition_is_not_never_true(tmp_path: Path) -> None:
    detection = (
        "    a:\n        EventID: 1\n    b:\n        EventID: 4688\n"
        "    c:\n        Image|endswith: '\\\\cmd.exe'\n    condition: (a or b) and c"
    )
    path = _write(tmp_path, "r.yml", detection)
    assert not _checks(lint_paths([path], sigmahq=False).findings, "never-true")


def test_windash_misuse_and_fields_the_log_source_never_carries(tmp_path: Path) -> None:
    detection = (
        "    a:\n        Image|contains|windash: '-x'\n"
        "    b:\n        CommandLine|contains|windash: 'findstr lsass'\n"
        "    c:\n        QueryName: 'example.org'\n    condition: a or b or c"
    )
    path = _write(tmp_path, "r.yml", detection)
    findings = lint_paths([path], sigmahq=False).findings
    windash = _checks(findings, "windash-misuse")
    assert {f.line for f in windash} == {16, 18}
    assert any("only command lines" in f.message for f in windash)
    assert any("no leading - or /" in f.message for f in windash)
    [unknown] = _checks(findings, "unknown-field")
    assert "QueryName" in unknown.message and unknown.line == 20


def test_a_well_formed_behavioural_rule_has_no_rathunt_findings(tmp_path: Path) -> None:
    detection = (
        "    parent:\n        ParentImage|endswith: '\\\\wscript.exe'\n"
        "    child:\n        Image|endswith: '\\\\cmd.exe'\n    condition: parent and child"
    )
    path = _write(tmp_path, "r.yml", detection)
    assert lint_paths([path], sigmahq=False).findings == []


def test_cli_exit_status_is_fit_for_ci(tmp_path: Path) -> None:
    runner = CliRunner()
    failed = runner.invoke(main, ["-q", "rules", "lint", str(SEED)])
    assert failed.exit_code == 1
    assert "1-process-creation.yml:2: error placeholder-id" in failed.stdout
    assert (
        runner.invoke(main, ["-q", "rules", "lint", "--fail-on", "never", str(SEED)]).exit_code == 0
    )
    detection = (
        "    parent:\n        ParentImage|endswith: '\\\\wscript.exe'\n"
        "    child:\n        Image|endswith: '\\\\cmd.exe'\n    condition: parent and child"
    )
    clean = _write(tmp_path, "proc_creation_win_wscript_spawns_cmd.yml", detection)
    result = runner.invoke(main, ["-q", "rules", "lint", str(clean)])
    assert result.exit_code == 0, result.stdout


def test_a_rule_file_that_does_not_load_is_an_error_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("title: x\ndetection: [unclosed\n", encoding="utf-8")
    [found] = lint_paths([bad], sigmahq=False).findings
    assert found.check == "load-error" and found.path == str(bad) and found.line is not None


def test_a_condition_naming_an_undefined_selection_is_an_error_not_a_crash(tmp_path: Path) -> None:
    detection = "    a:\n        Image|endswith: '\\\\cmd.exe'\n    condition: a and not filter"
    path = _write(tmp_path, "r.yml", detection)
    findings = lint_paths([path]).findings
    [found] = _checks(findings, "bad-condition")
    assert found.severity == "error" and "'filter' not defined" in found.message
    assert found.line == 17  # the condition line
