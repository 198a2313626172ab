# bench/usage_lib.sh — sourced by bench/usage-query and bench/analytics_rows:
# an aisbf on a config dir of its own, and the SQL that fills a store with
# generated usage rows and their rollups, as the writer
# (src/store/sql_store_usage.cpp) would have left them.
#
# The caller sets AISBF (the binary), TMP (a scratch dir), GLOBAL (the
# gateway token), ROWS, END_MS (the rows cover the SPAN_MS before it) and
# SPAN_MS. Every value is integer arithmetic on the row number i, so that
# SQLite and PostgreSQL hold the same rows: 50 users, 5 providers, 20
# models, a few rotations; latencies spread from 40 ms to ~13 s (a long
# tail), about 1 request in 30 failed (a 502 with error_kind
# upstream_status, a 429, or a stream that failed after its 200 head).

config_dir() { # DIR DATABASE_JSON
  mkdir -p "$1"
  cat > "$1/aisbf.json" <<EOF
{"server":{"host":"127.0.0.1"},"auth":{"enabled":true,"tokens":["$GLOBAL"]},"database":$2}
EOF
  echo '{"providers":{}}' > "$1/providers.json"
  echo '{"rotations":{}}' > "$1/rotations.json"
  echo '{}' > "$1/autoselect.json"
  chmod 600 "$1"/*.json
}

start_aisbf() { # CONFIG_DIR ; sets AISBF_PID and PORT
  local out=$TMP/aisbf.out deadline=$(( $(date +%s) + 60 ))
  env HOME="$TMP/home" "$AISBF" --config-dir "$1" --host 127.0.0.1 --port 0 --workers 1 > "$out" 2> "$TMP/aisbf.err" &
  AISBF_PID=$!
  PORT=
  while [[ $(date +%s) -le $deadline ]]; do
    PORT=$(sed -n '1s|^LISTENING http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$out" 2>/dev/null)
    [[ -n $PORT ]] && return 0
    kill -0 "$AISBF_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$out" "$TMP/aisbf.err" >&2
  echo "$(basename "$0"): aisbf did not start" >&2
  exit 1
}

stop_aisbf() {
  kill -TERM "$AISBF_PID"
  wait "$AISBF_PID" 2>/dev/null || true
  AISBF_PID=
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# The latency histogram's upper bounds in ms (src/store/usage_latency.hpp,
# frozen with schema version 8's columns lat_le_<bound>, and lat_over).
USAGE_LATENCY_BOUNDS=(10 16 25 40 63 100 160 250 400 630 1000 1600 2500 4000 6300 10000 16000 25000 40000 63000
  100000 160000 250000 400000 630000 1000000)

# $1: the FROM clause that yields i = 0 … ROWS-1.
fill_rows_sql() { # FROM_CLAUSE
  cat <<EOF
INSERT INTO usage_rows (time_ms, username, token_id, route, requested_model, provider, model, rotation, attempts,
  prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, tokens_estimated, cost,
  latency_ms, ttfb_ms, status, error_kind, streamed, aborted)
SELECT t, 'user' || u, 'tok-' || u, 'chat', 'provider' || (m % 5) || '/model-' || m, 'provider' || (m % 5),
  'model-' || m, CASE WHEN m % 4 = 0 THEN 'rotation' || (m % 3) ELSE '' END, 1, (i * 37) % 2000, (i * 53) % 500,
  0, 0, 0, 0, CASE WHEN m = 7 THEN NULL ELSE ((i * 37) % 2000) * 0.000001 END,
  40 + (i * 7919) % 1500 + CASE WHEN i % 17 = 0 THEN (i * 31) % 12000 ELSE 0 END, 80,
  CASE WHEN i % 97 = 0 THEN 502 WHEN i % 89 = 0 THEN 429 ELSE 200 END,
  CASE WHEN i % 97 = 0 THEN 'upstream_status' WHEN i % 89 = 0 THEN 'rate_limited'
       WHEN i % 83 = 0 THEN 'upstream_protocol' ELSE '' END, i % 2, 0
FROM (SELECT i, $((END_MS - SPAN_MS)) + i * $SPAN_MS / $ROWS AS t, (i * 7 + i / 13) % 50 AS u,
             (i * 11 + i / 7) % 20 AS m FROM $1) AS r;
EOF
}

# ", SUM(CASE WHEN latency_ms <= 10 THEN 1 ELSE 0 END), …": one count per
# histogram bucket, in the columns' order.
latency_bucket_sums_sql() {
  local lower= bound
  for bound in "${USAGE_LATENCY_BOUNDS[@]}"; do
    if [[ -z $lower ]]; then
      printf ', SUM(CASE WHEN latency_ms <= %s THEN 1 ELSE 0 END)' "$bound"
    else
      printf ', SUM(CASE WHEN latency_ms > %s AND latency_ms <= %s THEN 1 ELSE 0 END)' "$lower" "$bound"
    fi
    lower=$bound
  done
  printf ', SUM(CASE WHEN latency_ms > %s THEN 1 ELSE 0 END)' "$lower"
}

# ", lat_le_10, …, lat_over": the histogram's columns, each wrapped in $1 … $2
# when given (', SUM(lat_le_10)' …).
latency_columns_sql() { # [BEFORE AFTER]
  local bound
  for bound in "${USAGE_LATENCY_BOUNDS[@]}"; do printf ', %slat_le_%s%s' "${1:-}" "$bound" "${2:-}"; done
  printf ', %slat_over%s' "${1:-}" "${2:-}"
}

# The rollups as the writer keeps them: hourly from the rows, daily from the hours.
fill_rollups_sql() {
  cat <<EOF
INSERT INTO usage_hourly (hour_ms, username, token_id, provider, model, rotation, requests, prompt_tokens,
  completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost, unpriced, errors$(latency_columns_sql))
SELECT time_ms - time_ms % 3600000, username, token_id, provider, model, rotation, COUNT(*), SUM(prompt_tokens),
  SUM(completion_tokens), SUM(cached_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens), COALESCE(SUM(cost), 0),
  SUM(CASE WHEN cost IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN status >= 400 OR (error_kind <> '' AND aborted = 0) THEN 1 ELSE 0 END)
  $(latency_bucket_sums_sql)
FROM usage_rows GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO usage_daily (day_ms, username, token_id, provider, model, rotation, requests, prompt_tokens,
  completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost, unpriced, errors$(latency_columns_sql))
SELECT hour_ms - hour_ms % 86400000, username, token_id, provider, model, rotation, SUM(requests), SUM(prompt_tokens),
  SUM(completion_tokens), SUM(cached_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens), SUM(cost), SUM(unpriced),
  SUM(errors)$(latency_columns_sql 'SUM(' ')')
FROM usage_hourly GROUP BY 1, 2, 3, 4, 5, 6;
EOF
}
