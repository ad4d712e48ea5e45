#!/usr/bin/env bash
# Retakes the screenshots the README and docs show: runs the browser tests (headless
# Chromium, which scripts/test.sh installs), which write them under target/screenshots/,
# and copies them to docs/screenshots/. Review with `git diff --stat docs/screenshots`.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$(pwd)/target}"
export ARREARS_REQUIRE_BROWSER=1
cargo nextest run -p web -E 'test(/browser|e2e/)'
cp "$target"/screenshots/*.png docs/screenshots/
ls -l docs/screenshots
