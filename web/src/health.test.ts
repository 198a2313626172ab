import { describe, expect, it } from 'vitest';
import type { HealthReport } from './api';
import { describeState, providerState } from './health';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const entry = (key: string, status: 'healthy' | 'cooling_down' | 'half_open', left = 0, error = '') => ({
  key, status, consecutive_failures: 3, cooldown_left_s: left, last_error: error,
});

describe('providerState', () => {
  it('is OK without entries', () => {
    expect(providerState(null, 'mock', now)).toEqual({ kind: 'ok' });
    expect(providerState({ health: [], rate_limits: [] }, 'mock', now)).toEqual({ kind: 'ok' });
  });
  it('takes the longest cooldown of the provider and its models, not of lookalikes', () => {
    const report: HealthReport = {
      health: [entry('mock/a', 'cooling_down', 5, 'HTTP 500'), entry('mock/b', 'cooling_down', 30, 'timeout'),
        entry('mockery/a', 'cooling_down', 90)],
      rate_limits: [],
    };
    expect(providerState(report, 'mock', now)).toEqual({ kind: 'cooling', untilMs: now + 30_000, error: 'timeout' });
    expect(providerState(report, 'other', now)).toEqual({ kind: 'ok' });
  });
  it('says rate limited while a learned limit blocks, and a trial when half open', () => {
    expect(providerState({ health: [], rate_limits: [{ key: 'mock/a', blocked_for_s: 12.2, rate_limited_count: 2 }] },
      'mock', now)).toEqual({ kind: 'rate-limited', forS: 12.2 });
    expect(providerState({ health: [entry('mock', 'half_open')], rate_limits: [] }, 'mock', now)).toEqual({ kind: 'trial' });
  });
  it('describes each state', () => {
    expect(describeState({ kind: 'ok' })).toBe('OK');
    expect(describeState({ kind: 'rate-limited', forS: 12.2 })).toBe('Rate limited for 13 s');
    expect(describeState({ kind: 'cooling', untilMs: now, error: '' }, 'en-GB')).toMatch(/^Cooling down until \d\d:\d\d:\d\d$/);
  });
});
