#!/usr/bin/env bash
# Fuzzes every decoder of untrusted input (fuzz/fuzz_targets/) with libFuzzer
# through cargo-fuzz, each target for a bounded time, starting from the seed
# corpus in fuzz/corpus/<target>/. Exits non-zero if any input crashes a
# target, and names the file that holds it. See docs/security.md, "Fuzzing".
#   scripts/fuzz.sh                   every target, 20 s each
#   scripts/fuzz.sh push_body         some targets
#   BARNBESOK_FUZZ_SECONDS=600 scripts/fuzz.sh push_body   longer
# BARNBESOK_FUZZ_SANITIZER=address builds with AddressSanitizer (default none:
# the project's code has no `unsafe`, and uninstrumented runs are faster).
# New corpus entries and crashes go to BARNBESOK_FUZZ_DIR (default
# ~/.cache/barnbesok/fuzz), never into the checkout.
set -euo pipefail
source "$(dirname "$0")/env.sh"

seconds="${BARNBESOK_FUZZ_SECONDS:-20}"
sanitizer="${BARNBESOK_FUZZ_SANITIZER:-none}"
scratch="${BARNBESOK_FUZZ_DIR:-$HOME/.cache/barnbesok/fuzz}"
# Its own target directory (one per sanitizer): instrumented builds would
# otherwise evict the normal ones.
fuzz_target_dir="${CARGO_TARGET_DIR}-fuzz"
[ "$sanitizer" = none ] || fuzz_target_dir="$fuzz_target_dir-$sanitizer"
# cargo-fuzz passes -Z flags (sanitizer coverage); stable rustc takes them so.
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz >/dev/null || {
  echo "cargo-fuzz is not installed: run scripts/setup.sh" >&2
  exit 1
}

cd "$ROOT/fuzz"
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

# The fuzz package has its own Cargo.lock; it should decode with the same
# crate versions as the server ships with.
python3 - "$ROOT/Cargo.lock" "$ROOT/fuzz/Cargo.lock" <<'EOF' || true
import sys, tomllib
root = {(p["name"], p["version"]) for p in tomllib.load(open(sys.argv[1], "rb"))["package"]}
names = {p["name"] for p in tomllib.load(open(sys.argv[1], "rb"))["package"]}
drift = [f'{p["name"]} {p["version"]}' for p in tomllib.load(open(sys.argv[2], "rb"))["package"]
         if p["name"] in names and (p["name"], p["version"]) not in root]
if drift:
    print("warning: fuzz/Cargo.lock differs from Cargo.lock in: " + ", ".join(drift)
          + " (copy Cargo.lock to fuzz/Cargo.lock and rebuild)", file=sys.stderr)
EOF

say "Building ${#targets[@]} fuzz targets (sanitizer: $sanitizer)"
if [ $# -gt 0 ]; then
  for target in "${targets[@]}"; do
    cargo fuzz build --sanitizer "$sanitizer" --target-dir "$fuzz_target_dir" "$target"
  done
else
  cargo fuzz build --sanitizer "$sanitizer" --target-dir "$fuzz_target_dir"
fi
bin_dir="$fuzz_target_dir/x86_64-unknown-linux-gnu/release"

failed=()
for target in "${targets[@]}"; do
  seeds="$ROOT/fuzz/corpus/$target"
  corpus="$scratch/corpus/$target"
  artifacts="$scratch/artifacts/$target"
  log="$scratch/logs/$target.log"
  [ -d "$seeds" ] || { echo "no seed corpus $seeds" >&2; exit 1; }
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  # The scratch corpus grows with every run: once large, keep only the
  # inputs that add coverage (a few seconds), so loading it stays quick.
  if [ "$(find "$corpus" -type f | wc -l)" -gt 5000 ]; then
    rm -rf "$corpus.merged" && mkdir -p "$corpus.merged"
    if "$bin_dir/$target" -merge=1 "$corpus.merged" "$corpus" >"$log" 2>&1; then
      rm -rf "$corpus" && mv "$corpus.merged" "$corpus"
    fi
  fi
  dict=()
  case "$target" in
    push_body | merge_patch | local_read | login_body | refresh_body | grant_body | routine_body | template_body) dict=(-dict="$ROOT/fuzz/dict/json.dict") ;;
    pull_query | audit_query | bearer_token | session_id_path) dict=(-dict="$ROOT/fuzz/dict/query.dict") ;;
    markdown) dict=(-dict="$ROOT/fuzz/dict/markdown.dict") ;;
  esac
  # New entries go to the first directory (the scratch corpus); the seeds
  # and the regressions are only read.
  dirs=("$corpus" "$seeds")
  [ -d "$ROOT/fuzz/regressions/$target" ] && dirs+=("$ROOT/fuzz/regressions/$target")
  set +e
  "$bin_dir/$target" "${dirs[@]}" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  stat() { sed -n "s/^stat::$1: *//p" "$log"; }
  runs="$(stat number_of_executed_units)"
  per_sec="$(stat average_exec_per_sec)"
  new="$(stat new_units_added)"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2 || true)"
  crashes=("$artifacts"/*)
  if [ "$status" -ne 0 ] || [ -e "${crashes[0]}" ]; then
    failed+=("$target")
    printf '%-14s FAILED (exit %s); last lines of %s:\n' "$target" "$status" "$log" >&2
    grep -v -E '^#[0-9]+' "$log" | tail -n 40 >&2 || true
    for crash in "${crashes[@]}"; do
      [ -e "$crash" ] || continue
      echo "crash input: $crash" >&2
      echo "  reproduce: $bin_dir/$target $crash" >&2
      echo "  then copy it to fuzz/regressions/$target/ and fix the decoder" >&2
    done
  else
    printf '%-14s ok: %s runs in %s s (%s/s), coverage %s, %s new inputs\n' \
      "$target" "${runs:-?}" "$seconds" "${per_sec:-?}" "${cov:-?}" "${new:-?}" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]}" >&2
  exit 1
fi
