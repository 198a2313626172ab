// A provider's state at a glance, from GET /api/admin/health: the worst of
// its own key's and its models' entries. Pure, tested in health.test.ts.
import type { HealthReport } from './api';

export type ProviderState =
  | { kind: 'ok' }
  | { kind: 'cooling'; untilMs: number; error: string }
  | { kind: 'trial' }
  | { kind: 'rate-limited'; forS: number };

const belongs = (key: string, provider: string) => key === provider || key.startsWith(`${provider}/`);

export function providerState(report: HealthReport | null, provider: string, nowMs: number): ProviderState {
  if (!report) return { kind: 'ok' };
  let cooling: ProviderState | null = null;
  let trial = false;
  for (const h of report.health) {
    if (!belongs(h.key, provider)) continue;
    if (h.status === 'cooling_down' && h.cooldown_left_s > 0) {
      const untilMs = nowMs + h.cooldown_left_s * 1000;
      if (!cooling || (cooling.kind === 'cooling' && untilMs > cooling.untilMs)) {
        cooling = { kind: 'cooling', untilMs, error: h.last_error };
      }
    } else if (h.status === 'half_open') {
      trial = true;
    }
  }
  if (cooling) return cooling;
  let blocked = 0;
  for (const r of report.rate_limits) {
    if (belongs(r.key, provider)) blocked = Math.max(blocked, r.blocked_for_s);
  }
  if (blocked > 0) return { kind: 'rate-limited', forS: blocked };
  if (trial) return { kind: 'trial' };
  return { kind: 'ok' };
}

export function describeState(state: ProviderState, locale?: string): string {
  switch (state.kind) {
    case 'ok': return 'OK';
    case 'trial': return 'Trying again';
    case 'rate-limited': return `Rate limited for ${Math.ceil(state.forS)} s`;
    case 'cooling':
      return `Cooling down until ${new Date(state.untilMs).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
  }
}
