"""Reading speed and memory on a large crafted capture (see tests/network/bench_capture.py).

    python bench/network.py --hosts 200 --flows 50

The capture generator lives with the network tests, which craft their captures the same way;
this script runs that benchmark from the repository root.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    runpy.run_module("tests.network.bench_capture", run_name="__main__", alter_sys=True)
