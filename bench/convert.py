"""Convert the SigmaHQ Windows rules to every installed target and print the counts.

    python bench/convert.py [SIGMA_CHECKOUT]      (default ../shared/data/sigma)

Prints, per target, how many rules converted, failed and were folded into correlations, the
most common failure reasons, and the time taken, as a Markdown table for docs/convert.md.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

from rathunt.rules import load_rules
from rathunt.rules.convert import TARGETS, convert_rules

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "sigma"


def main() -> None:
    checkout = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    ruleset = load_rules([checkout])
    windows = [r for r in ruleset.rules if _product(r) == "windows"]
    print(
        f"{len(windows)} Windows rules of {len(ruleset.rules)} loaded from {checkout} "
        f"({len(ruleset.problems)} load problems)\n"
    )
    print("| Target | Converted | Failed | Folded | Seconds |")
    print("|---|---:|---:|---:|---:|")
    reasons: dict[str, Counter[str]] = {}
    for target in TARGETS.values():
        if not target.is_installed():
            print(f"| {target.name} | not installed | | | |")
            continue
        start = time.perf_counter()
        report = convert_rules(windows, target)
        seconds = time.perf_counter() - start
        counts = report.counts()
        print(
            f"| {target.name} | {counts['converted']} | {counts['failed']} | "
            f"{counts['folded']} | {seconds:.1f} |"
        )
        reasons[target.name] = Counter(_reason(r.reason) for r in report.failed)
    for name, counter in reasons.items():
        print(f"\n{name}: most common failure reasons")
        for reason, count in counter.most_common(6):
            print(f"  {count:5d}  {reason}")


def _product(rule: object) -> str | None:
    logsource = getattr(getattr(rule, "sigma", None), "logsource", None)
    return getattr(logsource, "product", None)


def _reason(text: str) -> str:
    """Group reasons that differ only by quoted names or numbers."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\b\d+\b", "…", text)[:140]


if __name__ == "__main__":
    main()
