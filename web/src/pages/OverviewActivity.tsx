// The overview's activity: requests and errors per minute over the last
// hour, tokens and cost today (UTC, per hour), each with a sparkline (uPlot,
// loaded after the page). An admin sees the gateway's traffic, a user their own.
import { useMemo } from 'preact/hooks';
import { DAY_MS, HOUR_MS, isoUtc, MINUTE_MS } from '../analyticsQuery';
import { api, ApiError } from '../api';
import { Chart } from '../charts/Chart';
import { Link, Loading } from '../components';
import { useLoad } from '../useLoad';
import {
  chartData, errorRate, formatCompact, formatCost, formatPercent, type ChartData, type UsageReport,
} from '../usage';

interface Activity {
  at: number;
  hour: UsageReport; // the last hour by minute
  today: UsageReport; // since UTC midnight by hour
}

async function loadActivity(prefix: '/api/admin' | '/api/user'): Promise<Activity | 'off'> {
  const at = Date.now();
  const midnight = at - (at % DAY_MS);
  try {
    const [hour, today] = await Promise.all([
      api<UsageReport>('GET', `${prefix}/usage?bucket=minute&from=${isoUtc(at - HOUR_MS)}&to=${isoUtc(at)}`),
      api<UsageReport>('GET', `${prefix}/usage?bucket=hour&from=${isoUtc(midnight)}&to=${isoUtc(at)}`),
    ]);
    return { at, hour, today };
  } catch (e) {
    // No database: usage accounting is off, which is not an error of this page.
    if (e instanceof ApiError && e.code === 'store_unavailable') return 'off';
    throw e;
  }
}

function only(data: ChartData, index: number): ChartData {
  return { ...data, series: [data.series[index]] };
}

function Tile(props: { label: string; value: string; sub?: string; spark: ChartData; sparkLabel: string }) {
  return (
    <div class="stat">
      <span class="stat-value">{props.value}</span>
      <span class="stat-label">{props.label}</span>
      {props.sub && <span class="stat-sub">{props.sub}</span>}
      <Chart data={props.spark} height={36} sparkline label={props.sparkLabel} />
    </div>
  );
}

export function OverviewActivity(props: { admin: boolean }) {
  const [load] = useLoad(() => loadActivity(props.admin ? '/api/admin' : '/api/user'));
  const sparks = useMemo(() => {
    if (load.state !== 'ready' || load.data === 'off') return null;
    const { at, hour, today } = load.data;
    const minutes = chartData(hour, 'requests', at - HOUR_MS, at, MINUTE_MS);
    const tokens = chartData(today, 'tokens', at - (at % DAY_MS), at, HOUR_MS);
    const summed: ChartData = {
      ...tokens,
      series: [{ label: 'Tokens', values: tokens.series[0].values.map((v, i) => (v ?? 0) + (tokens.series[1].values[i] ?? 0)) }],
    };
    return {
      requests: only(minutes, 0),
      errors: only(minutes, 1),
      tokens: summed,
      cost: chartData(today, 'cost', at - (at % DAY_MS), at, HOUR_MS),
    };
  }, [load]);
  return (
    <section class="card" aria-labelledby="activity-title">
      <div class="card-head">
        <h2 id="activity-title">{props.admin ? 'Activity' : 'Your activity'}</h2>
        {props.admin && <Link to="/analytics" class="small">Open analytics</Link>}
      </div>
      {load.state === 'loading' && <Loading label="Loading the activity…" />}
      {load.state === 'error' && <p class="muted">The activity could not be loaded: {load.message}</p>}
      {load.state === 'ready' && load.data === 'off' && (
        <p class="muted">Usage accounting is off (it needs a database: aisbf.json <code>database</code>).</p>
      )}
      {load.state === 'ready' && load.data !== 'off' && sparks && (
        <div class="stats stats-6 stats-spark">
          <Tile label="requests, last hour" value={formatCompact(load.data.hour.totals.requests)}
            spark={sparks.requests} sparkLabel="Requests per minute over the last hour" />
          <Tile label="errors, last hour" value={formatCompact(load.data.hour.totals.errors)}
            sub={load.data.hour.totals.requests > 0 ? `${formatPercent(errorRate(load.data.hour.totals))} of requests` : undefined}
            spark={sparks.errors} sparkLabel="Errors per minute over the last hour" />
          <Tile label="tokens today (UTC)"
            value={formatCompact(load.data.today.totals.prompt_tokens + load.data.today.totals.completion_tokens)}
            spark={sparks.tokens} sparkLabel="Tokens per hour today" />
          <Tile label="cost today (UTC)" value={formatCost(load.data.today.totals.cost)}
            spark={sparks.cost} sparkLabel="Cost per hour today" />
        </div>
      )}
    </section>
  );
}
