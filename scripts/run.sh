#!/usr/bin/env bash
# Sets up, builds and starts Barnbesök on http://127.0.0.1:8080/ with SQLite
# in ./data, seeded with fictional demo data on first start.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
at_exit print_step_times
step "Setup"
"$ROOT/scripts/setup.sh" --run
step "Building the app"
"$ROOT/scripts/build-app.sh"
step "Building the server"
cargo build --release -p barnbesok-server
print_step_times "Time per step of scripts/run.sh"
EXIT_HOOKS=()
exec "$CARGO_TARGET_DIR/release/barnbesok-server" \
  --listen "${BARNBESOK_LISTEN:-127.0.0.1:8080}" \
  --data-dir "${BARNBESOK_DATA_DIR:-$ROOT/data}" \
  --static-dir "$ROOT/dist" \
  --demo-data "$@"
