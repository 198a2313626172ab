// The rate-limits page's rows, from GET /api/admin/health: one row per
// provider or provider/model key, joining its health (cooldown after
// failures), its adaptive state (what 429s taught: a learned interval, a
// block until Retry-After, the 429 count, the run of successes towards
// recovering) and its spacing and token windows. Times left become
// deadlines on the page's clock when the report arrives, so they count down
// between refreshes. Pure, tested in ratelimits.test.ts.

export interface HealthItem {
  key: string;
  status: 'healthy' | 'cooling_down' | 'half_open';
  consecutive_failures: number;
  cooldown_left_s: number;
  last_error: string;
  trial_in_flight?: boolean;
}
export interface AdaptiveItem {
  key: string;
  learned_interval_s: number;
  blocked_for_s: number;
  rate_limited_count: number;
  consecutive_successes: number;
}
export interface SpacingItem {
  key: string;
  interval_s: number;
  next_free_in_s: number;
}
export interface TokenItem {
  key: string;
  last_minute: number;
  last_hour: number;
  last_day: number;
}
export interface TrackedItem {
  keys: number;
  max_keys: number;
  evicted: number;
  refused: number;
}
export interface FullHealthReport {
  health: HealthItem[];
  rate_limits: AdaptiveItem[];
  spacing?: SpacingItem[];
  tokens?: TokenItem[];
  tracked?: Record<string, TrackedItem>;
}

export type RowStatus = 'cooling' | 'blocked' | 'trial' | 'learned' | 'ok';

export interface LimitRow {
  key: string;
  provider: string;
  model: string | null;
  status: RowStatus;
  cooldownUntilMs: number | null;
  blockedUntilMs: number | null;
  failures: number;
  lastError: string;
  learnedIntervalS: number | null;
  rateLimited: number; // 429s within the history window
  successes: number; // in a row, towards the next recovery step
  spacingS: number | null;
  tokens: TokenItem | null;
}

function split(key: string): { provider: string; model: string | null } {
  const slash = key.indexOf('/');
  return slash < 0 ? { provider: key, model: null } : { provider: key.slice(0, slash), model: key.slice(slash + 1) };
}

const deadline = (nowMs: number, leftS: number) => (leftS > 0 ? nowMs + leftS * 1000 : null);

// The rows at `nowMs` (when the report arrived), worst first, then by key.
export function limitRows(report: FullHealthReport, nowMs: number): LimitRow[] {
  const rows = new Map<string, LimitRow>();
  const row = (key: string): LimitRow => {
    let r = rows.get(key);
    if (!r) {
      r = {
        key, ...split(key), status: 'ok', cooldownUntilMs: null, blockedUntilMs: null, failures: 0, lastError: '',
        learnedIntervalS: null, rateLimited: 0, successes: 0, spacingS: null, tokens: null,
      };
      rows.set(key, r);
    }
    return r;
  };
  for (const h of report.health) {
    const r = row(h.key);
    r.failures = h.consecutive_failures;
    r.lastError = h.last_error;
    if (h.status === 'cooling_down') r.cooldownUntilMs = deadline(nowMs, h.cooldown_left_s);
    if (h.status === 'half_open') r.status = 'trial';
  }
  for (const a of report.rate_limits) {
    const r = row(a.key);
    r.learnedIntervalS = a.learned_interval_s > 0 ? a.learned_interval_s : null;
    r.blockedUntilMs = deadline(nowMs, a.blocked_for_s);
    r.rateLimited = a.rate_limited_count;
    r.successes = a.consecutive_successes;
  }
  // Spacing and token windows only add to a row that has health or limits:
  // every used model has them, and they are not trouble by themselves.
  for (const s of report.spacing ?? []) {
    const r = rows.get(s.key);
    if (r && s.interval_s > 0) r.spacingS = s.interval_s;
  }
  for (const t of report.tokens ?? []) {
    const r = rows.get(t.key);
    if (r) r.tokens = t;
  }
  const list = [...rows.values()];
  for (const r of list) r.status = statusAt(r, nowMs);
  const rank: Record<RowStatus, number> = { cooling: 0, blocked: 1, trial: 2, learned: 3, ok: 4 };
  return list.sort((a, b) => rank[a.status] - rank[b.status] || a.key.localeCompare(b.key));
}

// A row's status at `nowMs`: a cooldown or block over by now no longer counts.
export function statusAt(r: LimitRow, nowMs: number): RowStatus {
  if (r.cooldownUntilMs !== null && r.cooldownUntilMs > nowMs) return 'cooling';
  if (r.blockedUntilMs !== null && r.blockedUntilMs > nowMs) return 'blocked';
  if (r.status === 'trial') return 'trial';
  if (r.learnedIntervalS !== null) return 'learned';
  return 'ok';
}

// Whole seconds left until `untilMs` (0 when past).
export function secondsLeft(untilMs: number | null, nowMs: number): number {
  if (untilMs === null) return 0;
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}

// 5 → "5 s", 65 → "1 min 05 s", 3725 → "1 h 02 min".
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

// An interval in seconds, as short as it reads well: 0.25 → "0.25 s", 12 → "12 s".
export function formatInterval(seconds: number): string {
  if (seconds >= 60) return formatDuration(seconds);
  return `${Number(seconds.toFixed(seconds < 10 ? 2 : 1))} s`;
}

// The run of successes towards the next recovery step of a learned
// interval (adaptive_rate_limiting.consecutive_successes_for_recovery).
export function recovery(r: LimitRow, needed: number): { done: number; needed: number; fraction: number } | null {
  if (r.learnedIntervalS === null || needed <= 0) return null;
  const done = Math.min(r.successes, needed);
  return { done, needed, fraction: done / needed };
}

export function describeStatus(status: RowStatus): string {
  switch (status) {
    case 'cooling': return 'Cooling down';
    case 'blocked': return 'Rate limited';
    case 'trial': return 'Trying again';
    case 'learned': return 'Spaced out';
    case 'ok': return 'OK';
  }
}

export const SUMMARY_ORDER: readonly RowStatus[] = ['cooling', 'blocked', 'trial', 'learned', 'ok'];

export function countByStatus(rows: readonly LimitRow[], nowMs: number): Record<RowStatus, number> {
  const counts: Record<RowStatus, number> = { cooling: 0, blocked: 0, trial: 0, learned: 0, ok: 0 };
  for (const r of rows) counts[statusAt(r, nowMs)]++;
  return counts;
}

// What a reset did, from POST /api/admin/health/reset's `{"reset": bool}`:
// false when no failure cooldown was recorded for the key (or for any key)
// — what 429s taught (a block, a learned interval), the spacing and the
// token windows are cleared all the same.
export function resetMessage(key: string | null, cleared: boolean): string {
  if (cleared) return key === null ? 'Every provider and model is reset.' : `${key} is reset.`;
  return key === null
    ? 'Learned limits, blocks, spacing and token windows are cleared; no provider or model had a failure cooldown.'
    : `${key}: its learned limits, block, spacing and token windows are cleared; it had no failure cooldown.`;
}
