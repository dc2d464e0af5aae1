"""Shared fixtures: the path to ../shared/data, skipped cleanly where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A clone elsewhere than beside shared/ names the data with RATHUNT_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("RATHUNT_SHARED_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party test data; tests that use it carry the `data` marker."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (set RATHUNT_SHARED_DATA)")
    return SHARED_DATA
