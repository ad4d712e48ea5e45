#!/usr/bin/env bash
# Runs every Arrears test, on SQLite and on PostgreSQL, and the web UI's in headless
# Chromium (Debian's chromium + chromium-driver, installed when missing).
#
# Uses the PostgreSQL at $ARREARS_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432,
# trust auth). When none answers, installs Debian's postgresql and starts it. Each test
# creates its own throwaway database (arrears_test_<run>_*) and drops it; leftovers of
# this run, and only of this run, are dropped at the end. PostgreSQL tests are required: they fail rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."

export ARREARS_TEST_POSTGRES_URL="${ARREARS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export ARREARS_REQUIRE_POSTGRES=1

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# A C compiler: SQLite is compiled in, and the fuzz workspace's check builds C too.
command -v cc >/dev/null || apt_install build-essential

# The sqlite3 shell: the tamper test edits a database behind Arrears' back with it.
command -v sqlite3 >/dev/null || apt_install sqlite3

# poppler-utils: the PDF tests read documents back with pdftotext and pdffonts.
command -v pdftotext >/dev/null && command -v pdffonts >/dev/null || apt_install poppler-utils

# Headless Chromium and its WebDriver: the web crate's browser tests drive the real UI.
# Required like PostgreSQL: installed when missing, and those tests fail rather than skip.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "test: installing Debian's chromium and chromium-driver for the browser tests" >&2
  apt_install chromium chromium-driver
fi
export ARREARS_REQUIRE_BROWSER=1

postgres_ready() {
  command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432
}

if ! postgres_ready; then
  echo "test: no PostgreSQL on 127.0.0.1:5432; installing/starting Debian's" >&2
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # A test server only: let the postgres user in over loopback without a password.
  if ! grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  for _ in $(seq 1 30); do postgres_ready && break; sleep 1; done
  postgres_ready || { echo "test: PostgreSQL did not start" >&2; exit 1; }
fi

# This run's name: its tests' databases are arrears_test_<run>_…, and only those are
# dropped at the end (another run on a shared server keeps its own).
export ARREARS_TEST_RUN="r$(date +%s)$$"

drop_leftovers() {
  command -v psql >/dev/null || return 0
  psql "$ARREARS_TEST_POSTGRES_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'arrears\_test\_${ARREARS_TEST_RUN}\_%'" 2>/dev/null |
    while read -r name; do
      psql "$ARREARS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
trap drop_leftovers EXIT

# Formatting and lints are part of the test: a warning fails the run.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi

# schemathesis against the API's OpenAPI document on a served demo portfolio: zero
# failures (docs/workspace.md, "The API"). Needs python3 (venv) and sqlite3.
command -v python3 >/dev/null || apt_install python3 python3-venv
bash scripts/schemathesis.sh

# The fuzz targets (their own workspace, see docs/fuzzing.md) must keep compiling with
# the parsers they drive; running them is a separate command.
cargo check --quiet --manifest-path fuzz/Cargo.toml
