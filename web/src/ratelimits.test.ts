import { describe, expect, it } from 'vitest';
import {
  resetMessage,
  countByStatus, formatDuration, formatInterval, limitRows, recovery, secondsLeft, statusAt, type FullHealthReport,
} from './ratelimits';

const NOW = 1_000_000;

const REPORT: FullHealthReport = {
  health: [
    { key: 'mock/fault-500', status: 'cooling_down', consecutive_failures: 3, cooldown_left_s: 299.5, last_error: 'HTTP 500' },
    { key: 'mock/ok', status: 'healthy', consecutive_failures: 1, cooldown_left_s: 0, last_error: 'cut' },
    { key: 'other', status: 'half_open', consecutive_failures: 3, cooldown_left_s: 0, last_error: 'HTTP 503' },
  ],
  rate_limits: [
    { key: 'mock/fault-429', learned_interval_s: 2, blocked_for_s: 6.2, rate_limited_count: 2, consecutive_successes: 0 },
    { key: 'mock/learned', learned_interval_s: 0.5, blocked_for_s: 0, rate_limited_count: 1, consecutive_successes: 4 },
    { key: 'mock/ok', learned_interval_s: 0, blocked_for_s: 0, rate_limited_count: 0, consecutive_successes: 9 },
  ],
  spacing: [
    { key: 'mock/learned', interval_s: 1, next_free_in_s: 0 },
    { key: 'mock/unrelated', interval_s: 1, next_free_in_s: 0 },
  ],
  tokens: [{ key: 'mock/ok', last_minute: 10, last_hour: 20, last_day: 30 }],
};

describe('limitRows', () => {
  const rows = limitRows(REPORT, NOW);

  it('one row per key of health or limits, the worst first', () => {
    expect(rows.map((r) => [r.key, r.status])).toEqual([
      ['mock/fault-500', 'cooling'],
      ['mock/fault-429', 'blocked'],
      ['other', 'trial'],
      ['mock/learned', 'learned'],
      ['mock/ok', 'ok'],
    ]);
  });

  it('times left become deadlines on the page’s clock', () => {
    expect(rows[0].cooldownUntilMs).toBe(NOW + 299_500);
    expect(rows[1].blockedUntilMs).toBe(NOW + 6_200);
    expect(rows[4].cooldownUntilMs).toBeNull();
  });

  it('splits provider and model; joins spacing and tokens to known rows only', () => {
    expect(rows[2]).toMatchObject({ provider: 'other', model: null });
    expect(rows[0]).toMatchObject({ provider: 'mock', model: 'fault-500', failures: 3, lastError: 'HTTP 500' });
    expect(rows.find((r) => r.key === 'mock/learned')?.spacingS).toBe(1);
    expect(rows.find((r) => r.key === 'mock/ok')?.tokens?.last_day).toBe(30);
    expect(rows.some((r) => r.key === 'mock/unrelated')).toBe(false);
  });

  it('a cooldown or block over by now no longer counts', () => {
    const cooling = rows[0];
    expect(statusAt(cooling, NOW + 299_000)).toBe('cooling');
    expect(statusAt(cooling, NOW + 300_000)).toBe('ok');
    expect(statusAt(rows[1], NOW + 7_000)).toBe('learned');  // blocked no more, the interval stays
    expect(countByStatus(rows, NOW)).toEqual({ cooling: 1, blocked: 1, trial: 1, learned: 1, ok: 1 });
  });

  it('an empty report: no rows', () => {
    expect(limitRows({ health: [], rate_limits: [] }, NOW)).toEqual([]);
  });
});

describe('countdown and formats', () => {
  it('secondsLeft rounds up and stops at 0', () => {
    expect(secondsLeft(NOW + 6_200, NOW)).toBe(7);
    expect(secondsLeft(NOW + 6_200, NOW + 6_000)).toBe(1);
    expect(secondsLeft(NOW, NOW + 1)).toBe(0);
    expect(secondsLeft(null, NOW)).toBe(0);
  });

  it('formatDuration', () => {
    expect(formatDuration(5)).toBe('5 s');
    expect(formatDuration(65)).toBe('1 min 05 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
    expect(formatDuration(-3)).toBe('0 s');
  });

  it('formatInterval', () => {
    expect(formatInterval(0.25)).toBe('0.25 s');
    expect(formatInterval(12.34)).toBe('12.3 s');
    expect(formatInterval(90)).toBe('1 min 30 s');
  });
});

describe('recovery', () => {
  const rows = limitRows(REPORT, NOW);
  it('the run of successes towards the next step, for a learned interval only', () => {
    expect(recovery(rows.find((r) => r.key === 'mock/learned')!, 10)).toEqual({ done: 4, needed: 10, fraction: 0.4 });
    expect(recovery(rows.find((r) => r.key === 'mock/ok')!, 10)).toBeNull();
    const over = { ...rows.find((r) => r.key === 'mock/learned')!, successes: 15 };
    expect(recovery(over, 10)).toEqual({ done: 10, needed: 10, fraction: 1 });
  });
});

describe('resetMessage: what the reset answer says', () => {
  it('reset: true or false, one key or all', () => {
    expect(resetMessage('mock/m', true)).toBe('mock/m is reset.');
    expect(resetMessage(null, true)).toBe('Every provider and model is reset.');
    expect(resetMessage('mock/m', false)).toBe(
      'mock/m: its learned limits, block, spacing and token windows are cleared; it had no failure cooldown.');
    expect(resetMessage(null, false)).toMatch(/no provider or model had a failure cooldown\.$/);
  });
});
