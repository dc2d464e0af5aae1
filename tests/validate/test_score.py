"""Scoring: true and false positives by record, misses by kind of event, stages, the matrix."""

from __future__ import annotations

from rathunt.validate import score


def test_true_false_positives_and_misses(make_finding, labels_table, rules_list) -> None:
    findings = [
        make_finding("run", "WS-1.corp", 10),
        # The same record again, in other letter case: still one true positive.
        make_finding("run", "ws-1.CORP", 10),
        make_finding("run", "WS-3.corp", 99, level="medium"),
        make_finding("netsh", "WS-1.corp", 11, event_id=1),
        make_finding("netsh", "WS-2.corp", 21, event_id=1),
    ]
    scores = score(findings, labels_table, rules_list)
    run, netsh, quiet = (scores.rules[r] for r in ("run", "netsh", "quiet"))
    assert (run.tp, run.fp, run.fn) == (1, 1, 1)
    assert (netsh.tp, netsh.fp, netsh.fn) == (2, 0, 0)
    assert (quiet.tp, quiet.fp, quiet.fn) == (0, 0, 0)
    assert scores.benign_by_level == {"medium": 1}


def test_stages_by_variant_and_recall(make_finding, labels_table, rules_list) -> None:
    scores = score(
        [make_finding("run", "WS-1.corp", 10), make_finding("netsh", "WS-2.corp", 21, event_id=1)],
        labels_table,
        rules_list,
    )
    assert scores.stage_status("default", "persistence") == "detected"
    assert scores.stage_status("allusers", "persistence") == "missed"
    assert scores.stage_status("allusers", "defense-evasion") == "detected"
    assert scores.stage_status("default", "cleanup") == "n/a"
    assert scores.stage_recall("persistence") == 0.5
    assert scores.stage_recall("cleanup") is None
    assert scores.detected_stages("default") == ["persistence"]


def test_evasion_matrix_shows_what_each_variant_slips_past(
    make_finding, labels_table, rules_list
) -> None:
    scores = score([make_finding("run", "WS-1.corp", 10)], labels_table, rules_list)
    assert scores.matrix() == {"run": {"allusers": 0, "default": 1}}
    body = scores.as_dict()
    assert body["evasion_matrix"] == {"run": {"allusers": 0, "default": 1}}
    assert body["variants"]["allusers"]["missed"] == ["defense-evasion", "persistence"]


def test_a_finding_without_a_record_id_is_benign(make_finding, labels_table, rules_list) -> None:
    lone = make_finding("run", "WS-1.corp", 10)
    lone.record_id = None
    scores = score([lone], labels_table, rules_list)
    assert scores.rules["run"].fp == 1 and scores.rules["run"].tp == 0
