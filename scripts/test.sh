#!/usr/bin/env bash
# Sets up, builds one tree with AddressSanitizer and UndefinedBehaviorSanitizer
# and runs every test (unit, integration, e2e) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${AISBF_TEST_BUILD_DIR:-build-test}
phases=()
phase_start=$(date +%s)
phase() {
  local now; now=$(date +%s)
  phases+=("$1: $((now - phase_start)) s")
  echo "== $1 took $((now - phase_start)) s"
  phase_start=$now
}

bash scripts/setup.sh --tests
phase "setup"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAISBF_SANITIZE=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
phase "build"

set +e
ctest --test-dir "$build_dir" --output-on-failure -j 2 --timeout 300 2>&1 | tee "$build_dir/ctest.log"
status=${PIPESTATUS[0]}
set -e
phase "tests"

# The soak's counts (good answers, well-formed errors) are part of what it reports.
grep -h -E '^soak: ' "$build_dir/Testing/Temporary/LastTest.log" 2>/dev/null | sed 's/^/== /' || true
echo "== phases: ${phases[*]}"
grep -E '^[0-9]+% tests passed' "$build_dir/ctest.log" | tail -n 1
exit "$status"
