#!/usr/bin/env bash
# Regenerate the sample intrusion under examples/njrat-demo with the simulator. The seed fixes
# every byte, so a rerun reproduces the committed files exactly (check with `git diff`).
set -euo pipefail
cd "$(dirname "$0")"
rm -rf njrat-demo
rathunt -q simulate njrat --hosts 2 --days 0.25 --start 2026-11-02T08:00:00Z \
  --variant default --auditing all --seed demo --gzip --out njrat-demo
