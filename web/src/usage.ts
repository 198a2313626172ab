// The usage report (GET /api/admin/usage, /api/user/usage) shaped for the
// charts and tables: every bucket of the range on the x axis (the API
// leaves out buckets without requests), the metric's series, the table's
// rows, and how numbers read. Pure, tested in usage.test.ts.
import type { Metric } from './analyticsQuery';

export interface UsageTotals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number | null; // null: nothing priced
  unpriced_requests: number;
  errors: number;
  latency_p50_ms: number | null; // null: no request
  latency_p95_ms: number | null;
}

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
  series: (UsageTotals & { t: string })[];
  groups: (UsageTotals & { key: string })[];
  dropped: number;
}

// The starts of the buckets that cover [fromMs, toMs), in UTC steps of
// `bucketMs` (the API's buckets: t - t % bucket).
export function bucketStarts(fromMs: number, toMs: number, bucketMs: number): number[] {
  const out: number[] = [];
  for (let t = fromMs - (((fromMs % bucketMs) + bucketMs) % bucketMs); t < toMs; t += bucketMs) out.push(t);
  return out;
}

export interface ChartSeries {
  label: string;
  values: (number | null)[]; // null: no value (a gap, not 0)
}

export interface ChartData {
  x: number[]; // bucket starts, unix seconds (uPlot's time scale)
  series: ChartSeries[];
  unit: 'count' | 'tokens' | 'usd' | 'ms' | 'percent';
}

export function errorRate(t: Pick<UsageTotals, 'requests' | 'errors'>): number | null {
  return t.requests > 0 ? (100 * t.errors) / t.requests : null;
}

type Pick1 = (t: UsageTotals) => number | null;

const METRIC_SERIES: Record<Metric, { unit: ChartData['unit']; series: [string, Pick1][] }> = {
  requests: { unit: 'count', series: [['Requests', (t) => t.requests], ['Errors', (t) => t.errors]] },
  tokens: {
    unit: 'tokens',
    series: [['Prompt tokens', (t) => t.prompt_tokens], ['Completion tokens', (t) => t.completion_tokens]],
  },
  cost: { unit: 'usd', series: [['Cost (USD)', (t) => t.cost]] },
  latency: { unit: 'ms', series: [['p50 latency', (t) => t.latency_p50_ms], ['p95 latency', (t) => t.latency_p95_ms]] },
  errors: { unit: 'percent', series: [['Error rate', errorRate]] },
};

// Counts are 0 in a bucket without requests; latencies and rates have no
// value there (a gap).
const ZERO_WHEN_EMPTY: Record<ChartData['unit'], boolean> = {
  count: true, tokens: true, usd: true, ms: false, percent: false,
};

// One value per bucket of [fromMs, toMs) for `metric`.
export function chartData(report: UsageReport, metric: Metric, fromMs: number, toMs: number, bucketMs: number): ChartData {
  const xs = bucketStarts(fromMs, toMs, bucketMs);
  const byStart = new Map<number, UsageTotals>();
  for (const p of report.series) byStart.set(Date.parse(p.t), p);
  const def = METRIC_SERIES[metric];
  return {
    x: xs.map((t) => t / 1000),
    unit: def.unit,
    series: def.series.map(([label, pick]) => ({
      label,
      values: xs.map((t) => {
        const p = byStart.get(t);
        if (!p) return ZERO_WHEN_EMPTY[def.unit] ? 0 : null;
        return pick(p);
      }),
    })),
  };
}

// Points with a value, over every series: what the chart draws.
export function pointCount(data: ChartData): number {
  return data.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
}

export interface TableRow {
  key: string; // the group's key or the bucket's start (ISO)
  label: string; // as shown
  requests: number;
  errors: number;
  errorRate: number | null;
  promptTokens: number;
  completionTokens: number;
  cost: number | null;
  p50: number | null;
  p95: number | null;
}

function row(key: string, label: string, t: UsageTotals): TableRow {
  return {
    key,
    label,
    requests: t.requests,
    errors: t.errors,
    errorRate: errorRate(t),
    promptTokens: t.prompt_tokens,
    completionTokens: t.completion_tokens,
    cost: t.cost,
    p50: t.latency_p50_ms,
    p95: t.latency_p95_ms,
  };
}

// The table below the chart: one row per group (by requests, as the API
// orders them) when grouped, else one per bucket with requests, newest
// first; and the totals.
export function tableRows(report: UsageReport, grouped: boolean, bucketLabel: (ms: number) => string): {
  rows: TableRow[];
  total: TableRow;
} {
  const rows = grouped
    ? report.groups.map((g) => row(g.key, g.key === '' ? '(none)' : g.key, g))
    : [...report.series].reverse().map((p) => row(p.t, bucketLabel(Date.parse(p.t)), p));
  return { rows, total: row('', 'Total', report.totals) };
}

// --- how numbers read

const COUNT = new Intl.NumberFormat('en-US');
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return COUNT.format(n);
}

export function formatCompact(n: number): string {
  return Math.abs(n) < 10_000 ? COUNT.format(Math.round(n)) : COMPACT.format(n);
}

// Cents and up with 2 decimals; below a cent, 2 significant digits.
export function formatCost(usd: number | null): string {
  if (usd === null) return '—';
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${usd.toPrecision(2)}`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function formatPercent(p: number | null): string {
  if (p === null) return '—';
  if (p === 0) return '0%';
  return p < 0.1 ? '<0.1%' : `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

export function formatValue(unit: ChartData['unit'], v: number | null): string {
  switch (unit) {
    case 'count':
    case 'tokens':
      return v === null ? '—' : formatCompact(v);
    case 'usd':
      return formatCost(v);
    case 'ms':
      return formatMs(v);
    case 'percent':
      return formatPercent(v);
  }
}

// A bucket's start as the table shows it (UTC, as the buckets are).
export function bucketLabel(ms: number, bucket: 'minute' | 'hour' | 'day'): string {
  const iso = new Date(ms).toISOString();
  if (bucket === 'day') return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
