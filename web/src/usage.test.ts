import { describe, expect, it } from 'vitest';
import {
  bucketLabel, bucketStarts, chartData, errorRate, formatCost, formatCount, formatMs, formatPercent, pointCount,
  tableRows, type UsageReport, type UsageTotals,
} from './usage';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-12-02T10:00:00Z');

function totals(over: Partial<UsageTotals> = {}): UsageTotals {
  return {
    requests: 0, prompt_tokens: 0, completion_tokens: 0, cost: null, unpriced_requests: 0, errors: 0,
    latency_p50_ms: null, latency_p95_ms: null, ...over,
  };
}

// Requests at 10:00 and 12:00 of a 10:30 .. 13:15 range by hour: 11:00 and 13:00 have none.
const REPORT: UsageReport = {
  from: '2025-12-02T10:30:00Z',
  to: '2025-12-02T13:15:00Z',
  totals: totals({ requests: 5, errors: 1, prompt_tokens: 50, completion_tokens: 20, cost: 0.5, latency_p50_ms: 130, latency_p95_ms: 900 }),
  series: [
    { t: '2025-12-02T10:00:00Z', ...totals({ requests: 4, errors: 1, prompt_tokens: 40, completion_tokens: 16, cost: 0.5, latency_p50_ms: 120, latency_p95_ms: 900 }) },
    { t: '2025-12-02T12:00:00Z', ...totals({ requests: 1, prompt_tokens: 10, completion_tokens: 4, unpriced_requests: 1, latency_p50_ms: 200, latency_p95_ms: 200 }) },
  ],
  groups: [
    { key: 'mock', ...totals({ requests: 4, errors: 0, cost: 0.5 }) },
    { key: '', ...totals({ requests: 1, errors: 1 }) },
  ],
  dropped: 0,
};

describe('bucketStarts', () => {
  it('covers the range from the bucket holding its start', () => {
    expect(bucketStarts(T0 + 30 * 60_000, T0 + 3 * HOUR + 15 * 60_000, HOUR)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]);
    expect(bucketStarts(T0, T0 + 2 * HOUR, HOUR)).toEqual([T0, T0 + HOUR]); // the end is exclusive
    expect(bucketStarts(T0, T0, HOUR)).toEqual([]);
  });
});

describe('chartData', () => {
  const from = T0 + 30 * 60_000;
  const to = T0 + 3 * HOUR + 15 * 60_000;
  it('fills the empty buckets of counts with 0, in unix seconds', () => {
    const d = chartData(REPORT, 'requests', from, to, HOUR);
    expect(d.x).toEqual([T0 / 1000, T0 / 1000 + 3600, T0 / 1000 + 7200, T0 / 1000 + 10800]);
    expect(d.unit).toBe('count');
    expect(d.series.map((s) => [s.label, s.values])).toEqual([['Requests', [4, 0, 1, 0]], ['Errors', [1, 0, 0, 0]]]);
    expect(pointCount(d)).toBe(8);
  });
  it('leaves gaps for latencies and rates where nothing was asked, and for unpriced cost', () => {
    expect(chartData(REPORT, 'latency', from, to, HOUR).series.map((s) => s.values))
      .toEqual([[120, null, 200, null], [900, null, 200, null]]);
    expect(chartData(REPORT, 'errors', from, to, HOUR).series[0].values).toEqual([25, null, 0, null]);
    expect(chartData(REPORT, 'cost', from, to, HOUR).series[0].values).toEqual([0.5, 0, null, 0]);
    expect(chartData(REPORT, 'tokens', from, to, HOUR).series.map((s) => s.values)).toEqual([[40, 0, 10, 0], [16, 0, 4, 0]]);
    expect(pointCount(chartData(REPORT, 'latency', from, to, HOUR))).toBe(4);
  });
});

describe('tableRows', () => {
  it('one row per group, the empty key named, and the totals', () => {
    const { rows, total } = tableRows(REPORT, true, () => '');
    expect(rows.map((r) => [r.label, r.requests, r.errorRate])).toEqual([['mock', 4, 0], ['(none)', 1, 100]]);
    expect(total).toMatchObject({ label: 'Total', requests: 5, errors: 1, errorRate: 20, cost: 0.5, p50: 130, p95: 900 });
  });
  it('ungrouped: one row per bucket with requests, newest first', () => {
    const { rows } = tableRows(REPORT, false, (ms) => bucketLabel(ms, 'hour'));
    expect(rows.map((r) => r.label)).toEqual(['2025-12-02 12:00 UTC', '2025-12-02 10:00 UTC']);
    expect(rows[0].cost).toBeNull();
  });
});

describe('formats', () => {
  it('reads numbers as people do', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCost(null)).toBe('—');
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(12.345)).toBe('$12.35');
    expect(formatCost(0.000123)).toBe('$0.00012');
    expect(formatMs(null)).toBe('—');
    expect(formatMs(830)).toBe('830 ms');
    expect(formatMs(2500)).toBe('2.50 s');
    expect(formatMs(90_000)).toBe('1.5 min');
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.05)).toBe('<0.1%');
    expect(formatPercent(2.345)).toBe('2.3%');
    expect(formatPercent(25)).toBe('25%');
    expect(errorRate({ requests: 0, errors: 0 })).toBeNull();
    expect(bucketLabel(T0, 'day')).toBe('2025-12-02');
    expect(bucketLabel(T0, 'minute')).toBe('2025-12-02 10:00 UTC');
  });
});
