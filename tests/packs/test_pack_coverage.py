"""The generated coverage table: current in the docs, and rewritten only between its markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.errors import ConfigError
from rathunt.packs.coverage import END, START, committed_table, main, render_table, update_doc


@pytest.fixture(scope="module")
def table() -> str:
    return render_table()


def test_committed_table_is_what_the_generator_writes(table: str) -> None:
    assert committed_table() == table, "run: python -m rathunt.packs.coverage"


def test_table_lists_every_stage_in_kill_chain_order(table: str) -> None:
    stages = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines()[2:-2]]
    order = list(dict.fromkeys(stages))
    assert order == [
        "Execution",
        "Persistence",
        "Defense evasion",
        "Credential access",
        "Discovery",
        "Lateral movement",
        "Command and control",
    ]


def test_table_names_the_technique_and_the_rules_on_each_row(table: str) -> None:
    rows = table.splitlines()
    run_keys = next(r for r in rows if r.startswith("| Persistence | T1547.001 "))
    assert "Registry Run Keys / Startup Folder" in run_keys
    assert "`registry_set_win_run_key_dotdot_argument` (critical)" in run_keys
    assert rows[-1].startswith("34 rules, ")


def test_update_rewrites_only_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "pack.md"
    doc.write_text(f"# Title\n\nbefore\n{START}\nold table\n{END}\nafter\n", encoding="utf-8")

    assert update_doc(doc, "| new |\n") is True
    assert doc.read_text(encoding="utf-8") == f"# Title\n\nbefore\n{START}\n| new |\n{END}\nafter\n"
    assert update_doc(doc, "| new |\n") is False


def test_check_mode_fails_on_a_stale_table(tmp_path: Path) -> None:
    doc = tmp_path / "pack.md"
    doc.write_text(f"{START}\n| stale |\n{END}\n", encoding="utf-8")

    assert main(["--doc", str(doc), "--check"]) == 1
    assert main(["--doc", str(doc)]) == 0
    assert main(["--doc", str(doc), "--check"]) == 0


def test_missing_markers_name_the_file_and_what_to_add(tmp_path: Path) -> None:
    doc = tmp_path / "pack.md"
    doc.write_text("# no markers here\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"pack\.md: coverage markers missing.*coverage:start"):
        update_doc(doc, "| t |\n")
