#!/usr/bin/env bash
# Sets up, builds and starts Barnbesök on http://127.0.0.1:8080/ with SQLite
# in ./data, seeded with fictional demo data on first start.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh" --run
"$ROOT/scripts/build-app.sh"
say "Building the server"
cargo build --release -p barnbesok-server
exec "$CARGO_TARGET_DIR/release/barnbesok-server" \
  --listen "${BARNBESOK_LISTEN:-127.0.0.1:8080}" \
  --data-dir "${BARNBESOK_DATA_DIR:-$ROOT/data}" \
  --static-dir "$ROOT/dist" \
  --demo-data "$@"
