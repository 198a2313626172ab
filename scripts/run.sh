#!/usr/bin/env bash
# Sets up, builds (optimised) and runs the gateway on its embedded defaults:
# the config is generated in ~/.aisbf (or $AISBF_CONFIG_DIR) on first start.
# Extra arguments go to aisbf, e.g. scripts/run.sh --port 18000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAISBF_TESTS=OFF >/dev/null
cmake --build build --target aisbf aisbf-mock
exec build/aisbf "$@"
