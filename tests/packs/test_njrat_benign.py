"""The pack over the shared EVTX samples raises high findings only where an attack was recorded.

The samples are third-party recordings of benign background and of attacks unrelated to
njRAT. Each high or critical hit below was reviewed and is a real technique in its sample
(credential dumping, side-loading persistence, Atomic Red Team RunOnce, ...). A rule change that
adds a hit fails this test until someone reviews the new hit and either tunes the rule or adds
it here with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.engine import Engine
from rathunt.events import ReadStats, read_paths
from rathunt.model import Event
from rathunt.rules import load_pack

BATCH = 2000

# (rule file stem, sample under EVTX-ATTACK-SAMPLES, why the hit is a true positive)
REVIEWED_HITS = [
    (
        "file_event_win_startup_folder_executable",
        "Lateral Movement/LM_tsclient_startup_folder.evtx",
        "cmd.exe copied into Startup over \\\\tsclient",
    ),
    (
        "file_event_win_startup_folder_executable",
        "Lateral Movement/lateral_movement_startup_3_11.evtx",
        "onedrive.exe dropped into a user's Startup folder",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx",
        "Atomic Red Team credential dumping from PowerShell",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/CA_sysmon_hashdump_cmd_meterpreter.evtx",
        "meterpreter hashdump",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/babyshark_mimikatz_powershell.evtx",
        "mimikatz in PowerShell",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/sysmon_10_11_lsass_memdump.evtx",
        "procdump of lsass",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/sysmon_10_11_outlfank_dumpert_and_andrewspecial_memdump.evtx",
        "Outflank Dumpert and AndrewSpecial",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx",
        "mimikatz sekurlsa::logonpasswords",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/sysmon_2x10_lsass_with_different_pid_RtlCreateProcessReflection.evtx",
        "procdump with process reflection",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/sysmon_3_10_Invoke-Mimikatz_hosted_Github.evtx",
        "Invoke-Mimikatz",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Credential Access/tutto_malseclogon.evtx",
        "MalSeclogon lsass dump",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Defense Evasion/DE_BYOV_Zam64_CA_Memdump_sysmon_7_10.evtx",
        "ppldump through a vulnerable driver",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Discovery/discovery_meterpreter_ps_cmd_process_listing_sysmon_10.evtx",
        "meterpreter reading lsass while listing processes",
    ),
    (
        "proc_access_win_lsass_read_by_uncommon_process",
        "Persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx",
        "python running the winpwnage elevation tool",
    ),
    (
        "registry_set_win_run_key_powershell",
        "AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx",
        "Atomic Red Team RunOnce with IEX DownloadString",
    ),
    (
        "registry_set_win_run_key_user_writable",
        "AutomatedTestingTools/Malware/DE_timestomp_and_dll_sideloading_and_RunPersist.evtx",
        "malware persisting AppData\\Roaming\\svchost.exe",
    ),
    (
        "registry_set_win_run_key_user_writable",
        "AutomatedTestingTools/Malware/sideloading_injection_persistence_run_key.evtx",
        "side-loading sample persisting Users\\Public\\tools\\apt\\tendyron.exe",
    ),
    (
        "win_security_browser_credential_store_read",
        "Credential Access/CA_chrome_firefox_opera_4663.evtx",
        "wsus.exe in a fake profile reading Opera's Login Data",
    ),
    (
        "win_security_scheduled_task_user_writable_action",
        "Privilege Escalation/PrivEsc_SeImpersonatePriv_enabled_back_for_upnp_localsvc_4698.evtx",
        "FullPowers.exe privilege-escalation task in Users\\Public",
    ),
]
REVIEWED = {(rule, sample) for rule, sample, _ in REVIEWED_HITS}


def _high_hits(engine: Engine, root: Path) -> set[tuple[str, str]]:
    hits: set[tuple[str, str]] = set()
    batch: list[Event] = []

    def flush() -> None:
        for match in engine.match(batch):
            if match.rule.level in ("high", "critical"):
                sample = Path(match.event.provenance.path).relative_to(root)
                hits.add((Path(match.rule.path or "").stem, sample.as_posix()))
        batch.clear()

    for event in read_paths([str(root)], stats=ReadStats()):
        batch.append(event)
        if len(batch) >= BATCH:
            flush()
    flush()
    return hits


@pytest.mark.data
def test_high_findings_on_the_shared_samples_are_the_reviewed_true_positives(
    shared_data: Path,
) -> None:
    rules = [
        rule
        for rule in load_pack("njrat").rules
        if not rule.is_correlation and "correlations" not in Path(rule.path or "").parts
    ]
    root = shared_data / "evtx" / "EVTX-ATTACK-SAMPLES"

    hits = _high_hits(Engine(rules), root)

    new = sorted(hits - set(REVIEWED))
    gone = sorted(set(REVIEWED) - hits)
    assert not new, "high findings nobody reviewed:\n" + "\n".join(map(str, new))
    assert not gone, "reviewed attacks no longer caught:\n" + "\n".join(map(str, gone))
