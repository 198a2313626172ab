import { describe, expect, it } from 'vitest';
import {
  apiQuery, DEFAULT_STATE, effectiveBucket, isoToLocalInput, isoUtc, localInputToIso, parseState, parseTime,
  resolveWindow, toSearch, validate, type AnalyticsState,
} from './analyticsQuery';

const NOW = Date.parse('2025-12-02T18:26:40Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

function state(over: Partial<AnalyticsState> = {}): AnalyticsState {
  return { ...DEFAULT_STATE, ...over, filters: { ...DEFAULT_STATE.filters, ...(over.filters ?? {}) } };
}

describe('URL state', () => {
  it('the plain page is the defaults, and the defaults write no query', () => {
    expect(parseState('')).toEqual(DEFAULT_STATE);
    expect(toSearch(DEFAULT_STATE)).toBe('');
  });

  it('round-trips every field, in a fixed order', () => {
    const s = state({
      range: 'custom', from: '2025-11-01T00:00:00Z', to: '2025-11-08T12:00:00Z', bucket: 'hour', groupBy: 'model',
      metric: 'latency', filters: { user: 'alice', provider: 'mock', model: 'org/m x', rotation: '', token: 't&1' },
    });
    const search = toSearch(s);
    expect(search).toBe('?range=custom&from=2025-11-01T00%3A00%3A00Z&to=2025-11-08T12%3A00%3A00Z&bucket=hour'
      + '&group_by=model&metric=latency&user=alice&provider=mock&model=org%2Fm+x&token=t%261');
    expect(parseState(search)).toEqual(s);
  });

  it('a preset range drops from/to; from/to without a range means custom', () => {
    expect(toSearch(state({ range: '7d', from: '2025-11-01', to: '2025-11-02' }))).toBe('?range=7d');
    expect(parseState('?from=2025-11-01').range).toBe('custom');
  });

  it('unknown values fall back to the defaults', () => {
    const s = parseState('?range=year&bucket=week&group_by=colour&metric=joy&colour=blue');
    expect(s).toEqual(DEFAULT_STATE);
  });
});

describe('windows and buckets', () => {
  it('presets end now', () => {
    expect(resolveWindow(state({ range: '1h' }), NOW)).toEqual({ fromMs: NOW - HOUR, toMs: NOW });
    expect(resolveWindow(state({ range: '30d' }), NOW)).toEqual({ fromMs: NOW - 30 * DAY, toMs: NOW });
  });

  it('a custom range without an end ends now; an invalid one has no window', () => {
    expect(resolveWindow(state({ range: 'custom', from: '2025-12-01' }), NOW))
      .toEqual({ fromMs: Date.parse('2025-12-01T00:00:00Z'), toMs: NOW });
    expect(resolveWindow(state({ range: 'custom', from: 'yesterday' }), NOW)).toBeNull();
    expect(resolveWindow(state({ range: 'custom', from: '2025-12-03' }), NOW)).toBeNull();
  });

  it('auto picks minutes up to 6 hours, hours up to 7 days, days beyond', () => {
    const auto = (fromMs: number) => effectiveBucket(state(), { fromMs, toMs: NOW });
    expect(auto(NOW - HOUR)).toBe('minute');
    expect(auto(NOW - 6 * HOUR)).toBe('minute');
    expect(auto(NOW - 6 * HOUR - 1)).toBe('hour');
    expect(auto(NOW - 7 * DAY)).toBe('hour');
    expect(auto(NOW - 30 * DAY)).toBe('day');
    expect(effectiveBucket(state({ bucket: 'day' }), { fromMs: NOW - HOUR, toMs: NOW })).toBe('day');
  });
});

describe('validation', () => {
  it('a valid state has no errors', () => {
    expect(validate(state(), NOW)).toEqual({});
    expect(validate(state({ range: '1h', bucket: 'minute' }), NOW)).toEqual({});
  });

  it('names the field at fault, as the API does', () => {
    expect(validate(state({ range: 'custom' }), NOW)).toEqual({ from: 'Choose where the range starts.' });
    expect(validate(state({ range: 'custom', from: 'soon' }), NOW).from).toBe('Not a date and time.');
    expect(validate(state({ range: 'custom', from: '2025-12-01', to: '2025-11-01' }), NOW).to)
      .toBe('The end must be after the start.');
    expect(validate(state({ range: '24h', bucket: 'minute' }), NOW).bucket).toMatch(/at most 6 hours/);
    expect(validate(state({ filters: { ...DEFAULT_STATE.filters, model: 'é'.repeat(129) } }), NOW).model)
      .toBe('At most 256 bytes.');
  });
});

describe('API query', () => {
  const w = { fromMs: NOW - DAY, toMs: NOW };
  it('has the range, the resolved bucket, the group and the filters', () => {
    const q = new URLSearchParams(apiQuery(state({ groupBy: 'provider', filters: { ...DEFAULT_STATE.filters, user: 'bob' } }), w));
    expect(Object.fromEntries(q)).toEqual({
      from: '2025-12-01T18:26:40Z', to: '2025-12-02T18:26:40Z', bucket: 'hour', group_by: 'provider', user: 'bob',
    });
  });
  it('the CSV export has the same range and filters, no bucket or group', () => {
    const q = new URLSearchParams(apiQuery(state({ groupBy: 'model', filters: { ...DEFAULT_STATE.filters, model: 'm' } }), w,
      { csv: true }));
    expect(Object.fromEntries(q)).toEqual({
      from: '2025-12-01T18:26:40Z', to: '2025-12-02T18:26:40Z', format: 'csv', model: 'm',
    });
  });
});

describe('times', () => {
  it('parses what the API parses, with a zone', () => {
    expect(parseTime('2025-12-02T18:26:40Z')).toBe(NOW);
    expect(parseTime('2025-12-02T20:26:40+02:00')).toBe(NOW);
    expect(parseTime('2025-12-02')).toBe(Date.parse('2025-12-02T00:00:00Z'));
    for (const bad of ['', '2025-12-02T18:26:40', 'tomorrow', '1764700000']) expect(parseTime(bad)).toBeNull();
    expect(isoUtc(NOW)).toBe('2025-12-02T18:26:40Z');
    expect(isoUtc(NOW + 5)).toBe('2025-12-02T18:26:40.005Z');
  });
  it('datetime-local values (local time) to ISO UTC and back', () => {
    const iso = localInputToIso('2025-12-02T18:26');
    expect(parseTime(iso)).toBe(new Date('2025-12-02T18:26').getTime());
    expect(isoToLocalInput(iso)).toBe('2025-12-02T18:26');
    expect(localInputToIso('')).toBe('');
    expect(isoToLocalInput('nonsense')).toBe('');
  });
});
