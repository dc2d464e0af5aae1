"""The lint's data against real data: field sets cover real records, SigmaHQ lints cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.rules.lint import lint_paths
from rathunt.rules.lint.derive import SYSMON_CATEGORY_IDS, SYSMON_CHANNEL, observed_fields, records
from rathunt.rules.lint.fieldsets import knowledge


@pytest.mark.data
def test_every_sysmon_field_in_real_records_is_in_the_field_sets(shared_data: Path) -> None:
    """A field a real record carries must never be reported as one the log source lacks."""
    seen = observed_fields(records(shared_data / "evtx"))
    kb = knowledge()
    missing = [
        f"{category}: {name} (event {event_id})"
        for category, ids in SYSMON_CATEGORY_IDS.items()
        for event_id in ids
        for name in seen.get((SYSMON_CHANNEL, event_id), ())
        if name not in kb.logsources[category].fields
    ]
    assert missing == []


@pytest.mark.data
@pytest.mark.slow
def test_sigmahq_windows_rules_lint_without_crashing_and_the_typed_id_is_found(
    shared_data: Path,
) -> None:
    """SigmaHQ's own rules: no load errors, no taxonomy errors, and one typed id we know of."""
    report = lint_paths(
        [shared_data / "sigma" / "rules" / "windows" / "process_creation"], sigmahq=False
    )
    checks = {f.check for f in report.findings}
    assert "load-error" not in checks and "logsource-taxonomy" not in checks
    placeholders = [f for f in report.findings if f.check == "placeholder-id"]
    assert [Path(f.path or "").name for f in placeholders] == [
        "proc_creation_win_pua_memprocfs.yml"
    ]
    assert placeholders[0].line == 2
