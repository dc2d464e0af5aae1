"""Thresholds load from TOML with every mistake named, and write back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathunt.baseline import BaselineConfig
from rathunt.errors import ConfigError


def test_defaults_and_rare_limit() -> None:
    config = BaselineConfig()
    assert (config.min_days, config.min_host_days, config.rare_hosts) == (7, 3, 1)
    assert config.rare_limit(10) == 1
    assert config.rare_limit(100) == 5
    assert config.profiles["network"].level_new == "low"


def test_a_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "baseline.toml"
    path.write_text(
        '[score]\nmin_days = 14\nrare_fraction = 0\n\n[profiles.autorun]\nlevel_new = "high"\n'
        "\n[suppress]\nenabled = false\n"
    )
    config = BaselineConfig.load(path)
    assert (config.min_days, config.rare_fraction, config.min_host_days) == (14, 0.0, 3)
    assert config.profiles["autorun"].level_new == "high"
    assert config.profiles["autorun"].level_rare == "low"
    assert config.suppress.enabled is False


def test_to_toml_reads_back_to_the_same_config(tmp_path: Path) -> None:
    path = tmp_path / "round.toml"
    config = BaselineConfig(min_host_days=5, rare_fraction=0.1)
    path.write_text(config.to_toml())
    assert BaselineConfig.load(path) == config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[score]\nmin_dayz = 3\n", r"\(score\): unknown key 'min_dayz'; keys here are"),
        ("[profiles.lolbins]\nenabled = true\n", r"unknown profile 'lolbins'"),
        ('[profiles.dns]\nlevel_new = "severe"\n', r"\(profiles.dns.level_new\): unknown level"),
        ('[score]\nmin_days = "7"\n', r"min_days must be int, not str"),
        ("[score]\nmin_days = true\n", r"min_days must be int, not bool"),
        ("[score]\nrare_fraction = 2\n", r"\(score.rare_fraction\): must lie in \[0, 1\]"),
        ("[score]\nhost_count = -1\n", r"\(score.host_count\): must not be negative"),
        ("[scoring]\n", r"unknown key 'scoring'"),
        ("[score\n", r"not valid TOML"),
    ],
)
def test_mistakes_are_named_with_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        BaselineConfig.load(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        BaselineConfig.load(tmp_path / "nope.toml")
