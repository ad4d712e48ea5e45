#!/usr/bin/env bash
# schemathesis against the JSON API of a demo portfolio served on loopback: every check,
# a bounded number of examples per operation, a fixed seed; exit non-zero on any failure.
# Part of the test command (scripts/test.sh); runs alone too: bash scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"

# schemathesis in its own virtual environment under target/ (pinned: its checks change).
venv="$target/schemathesis-venv"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv" 2>/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install --quiet 'schemathesis==4.32.5'
fi

cargo build --quiet -p cli
arrears="$target/debug/arrears"

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$arrears" demo --no-serve --accounts 200 >/dev/null
token=$("$arrears" --db sqlite://arrears-demo.db user token manager --label schemathesis | tail -n 1)
# One active account the operations' paths name, so they reach the checks past the 404.
read -r creditor account < <(sqlite3 -separator ' ' arrears-demo.db \
  "SELECT c.code, a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.status = 'active' ORDER BY a.id LIMIT 1")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$arrears" --db sqlite://arrears-demo.db serve --listen "127.0.0.1:$port" >serve.log 2>&1 &
server=$!

cp "$root/scripts/schemathesis.toml" config.toml
cat >>config.toml <<TOML

[parameters]
"path.creditor" = "$creditor"
"path.account_ref" = "$account"
TOML

"$venv/bin/st" --config-file config.toml run "http://127.0.0.1:$port/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples "${ARREARS_SCHEMATHESIS_EXAMPLES:-25}" \
  --seed 20261206 \
  --workers 2 \
  --wait-for-schema 60 \
  --report junit --report-dir "$target/schemathesis-report"
