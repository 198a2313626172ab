# bench/cost_lib.sh — what bench/accounts-cost and bench/metrics-cost share
# (sourced, not run): the binaries' check, a temp dir and process cleanup,
# core pinning, starting a process and waiting for its LISTENING line.
# Needs BUILD_DIR and NAME (the script's name, for messages) set.
AISBF=$BUILD_DIR/aisbf MOCK=$BUILD_DIR/aisbf-mock LOADGEN=$BUILD_DIR/bench-loadgen
for b in "$AISBF" "$MOCK" "$LOADGEN"; do
  [[ -x $b ]] || { echo "$NAME: $b is missing (cmake --build $BUILD_DIR)" >&2; exit 1; }
done
command -v callgrind_control > /dev/null || { echo "$NAME: valgrind is missing" >&2; exit 1; }

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
if [[ $(nproc) -ge 2 ]]; then PIN_GW=(taskset -c 1) PIN_LOAD=(taskset -c 0); else PIN_GW=() PIN_LOAD=(); fi

start() { # NAME CMD... ; sets PID_NAME
  local name=$1; shift
  "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" &
  PIDS+=("$!")
  printf -v "PID_$name" '%s' "$!"
}
wait_listening() { # NAME SECONDS ; sets PORT_NAME
  local name=$1 pidvar="PID_$1" port= deadline=$(( $(date +%s) + $2 ))
  while [[ $(date +%s) -le $deadline ]]; do
    port=$(sed -n '1s|^LISTENING http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$TMP/$name.out" 2>/dev/null)
    [[ -n $port ]] && break
    kill -0 "${!pidvar}" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -z $port ]]; then tail -20 "$TMP/$name.out" "$TMP/$name.err" >&2; return 1; fi
  printf -v "PORT_$name" '%s' "$port"
}
json_num() { sed -n 's/.*"'"$1"'":\(-\{0,1\}[0-9.]*\).*/\1/p' | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
