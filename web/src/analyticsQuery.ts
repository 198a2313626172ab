// The analytics page's state as its URL query (shareable, back/forward
// work) and as the usage API's query. Pure, tested in analyticsQuery.test.ts.
//
// URL: ?range=24h|1h|7d|30d|custom&from=…&to=… (custom only, ISO 8601 UTC)
//      &bucket=auto|minute|hour|day&group_by=…&metric=…&user=…&provider=…
// Defaults are left out, so the plain page is /dashboard/analytics.

export const RANGES = ['1h', '24h', '7d', '30d', 'custom'] as const;
export type Range = (typeof RANGES)[number];
export const BUCKETS = ['auto', 'minute', 'hour', 'day'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const GROUPS = ['', 'provider', 'model', 'rotation', 'user', 'token'] as const;
export type GroupBy = (typeof GROUPS)[number];
export const METRICS = ['requests', 'tokens', 'cost', 'latency', 'errors'] as const;
export type Metric = (typeof METRICS)[number];
export const FILTERS = ['user', 'provider', 'model', 'rotation', 'token'] as const;
export type FilterName = (typeof FILTERS)[number];

export interface AnalyticsState {
  range: Range;
  from: string; // custom range only: ISO 8601 UTC, '' when not set
  to: string;
  bucket: Bucket;
  groupBy: GroupBy;
  metric: Metric;
  filters: Record<FilterName, string>; // '' : any
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const BUCKET_MS = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS } as const;
// The server reads minutes from the raw rows, for at most this long.
export const MAX_MINUTE_RANGE_MS = 6 * HOUR_MS;
const PRESET_MS: Record<Exclude<Range, 'custom'>, number> = { '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS };
const MAX_FILTER_BYTES = 256;

export const DEFAULT_STATE: AnalyticsState = {
  range: '24h',
  from: '',
  to: '',
  bucket: 'auto',
  groupBy: '',
  metric: 'requests',
  filters: { user: '', provider: '', model: '', rotation: '', token: '' },
};

function oneOf<T extends string>(list: readonly T[], value: string | null, fallback: T): T {
  return value !== null && (list as readonly string[]).includes(value) ? (value as T) : fallback;
}

// Whatever the URL holds: an unknown value falls back to the default (a
// hand-edited link still opens a page).
export function parseState(search: string): AnalyticsState {
  const q = new URLSearchParams(search);
  const from = q.get('from') ?? '';
  const to = q.get('to') ?? '';
  const filters = { ...DEFAULT_STATE.filters };
  for (const f of FILTERS) filters[f] = q.get(f) ?? '';
  return {
    range: q.has('range') ? oneOf(RANGES, q.get('range'), DEFAULT_STATE.range) : from || to ? 'custom' : DEFAULT_STATE.range,
    from,
    to,
    bucket: oneOf(BUCKETS, q.get('bucket'), DEFAULT_STATE.bucket),
    groupBy: oneOf(GROUPS, q.get('group_by'), DEFAULT_STATE.groupBy),
    metric: oneOf(METRICS, q.get('metric'), DEFAULT_STATE.metric),
    filters,
  };
}

// '?…' (or '') in a fixed order, defaults left out.
export function toSearch(state: AnalyticsState): string {
  const q = new URLSearchParams();
  if (state.range !== DEFAULT_STATE.range) q.set('range', state.range);
  if (state.range === 'custom') {
    if (state.from) q.set('from', state.from);
    if (state.to) q.set('to', state.to);
  }
  if (state.bucket !== DEFAULT_STATE.bucket) q.set('bucket', state.bucket);
  if (state.groupBy) q.set('group_by', state.groupBy);
  if (state.metric !== DEFAULT_STATE.metric) q.set('metric', state.metric);
  for (const f of FILTERS) if (state.filters[f]) q.set(f, state.filters[f]);
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ISO 8601 with a zone (Z or an offset), as the API takes it.
const ISO = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d))?$/i;
export function parseTime(text: string): number | null {
  if (!ISO.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isFinite(ms) ? ms : null;
}

// "2026-01-31T12:00:00Z": what the URL and the API get for a time.
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

// The field errors of a state, by the API's parameter names; empty: fine.
export function validate(state: AnalyticsState, nowMs: number): Partial<Record<'from' | 'to' | 'bucket' | FilterName, string>> {
  const errors: Partial<Record<'from' | 'to' | 'bucket' | FilterName, string>> = {};
  if (state.range === 'custom') {
    const from = parseTime(state.from);
    const to = state.to ? parseTime(state.to) : nowMs;
    if (!state.from) errors.from = 'Choose where the range starts.';
    else if (from === null) errors.from = 'Not a date and time.';
    if (state.to && to === null) errors.to = 'Not a date and time.';
    if (from !== null && to !== null && from >= to) errors.to = 'The end must be after the start.';
  }
  const w = resolveWindow(state, nowMs);
  if (state.bucket === 'minute' && w && w.toMs - w.fromMs > MAX_MINUTE_RANGE_MS) {
    errors.bucket = 'Minutes cover at most 6 hours: choose hours or a shorter range.';
  }
  for (const f of FILTERS) {
    if (new TextEncoder().encode(state.filters[f]).length > MAX_FILTER_BYTES) errors[f] = `At most ${MAX_FILTER_BYTES} bytes.`;
  }
  return errors;
}

// The time range a valid state covers at `nowMs` (presets end now); null
// when its custom range is not valid.
export function resolveWindow(state: AnalyticsState, nowMs: number): TimeWindow | null {
  if (state.range !== 'custom') return { fromMs: nowMs - PRESET_MS[state.range], toMs: nowMs };
  const from = parseTime(state.from);
  const to = state.to ? parseTime(state.to) : nowMs;
  if (from === null || to === null || from >= to) return null;
  return { fromMs: from, toMs: to };
}

// 'auto': minutes up to 6 hours, hours up to 7 days, days beyond.
export function effectiveBucket(state: AnalyticsState, w: TimeWindow): Exclude<Bucket, 'auto'> {
  if (state.bucket !== 'auto') return state.bucket;
  const span = w.toMs - w.fromMs;
  if (span <= MAX_MINUTE_RANGE_MS) return 'minute';
  if (span <= 7 * DAY_MS) return 'hour';
  return 'day';
}

// The usage API's query for the state over `w`: the report (with its
// bucket and group_by), or with `csv` the rows (the same range and filters).
export function apiQuery(state: AnalyticsState, w: TimeWindow, opts: { csv?: boolean } = {}): string {
  const q = new URLSearchParams();
  q.set('from', isoUtc(w.fromMs));
  q.set('to', isoUtc(w.toMs));
  if (opts.csv) {
    q.set('format', 'csv');
  } else {
    q.set('bucket', effectiveBucket(state, w));
    if (state.groupBy) q.set('group_by', state.groupBy);
  }
  for (const f of FILTERS) if (state.filters[f]) q.set(f, state.filters[f]);
  return `?${q.toString()}`;
}

// A datetime-local input's value ("2026-01-31T12:00", local time) as ISO
// UTC, and back; '' when empty or not a time.
export function localInputToIso(value: string): string {
  if (!value) return '';
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? isoUtc(ms) : '';
}

export function isoToLocalInput(iso: string): string {
  const ms = parseTime(iso);
  if (ms === null) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
