// Analytics (admin): requests, errors, tokens, cost and latency over time,
// by provider, model, rotation, user or token, from GET /api/admin/usage.
// Everything the page shows is in its URL (analyticsQuery.ts): a link
// opens the same view, back and forward step through the changes.
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  apiQuery, BUCKET_MS, effectiveBucket, FILTERS, isoToLocalInput, localInputToIso, METRICS, parseState, resolveWindow,
  toSearch, validate, DEFAULT_STATE, type AnalyticsState, type Bucket, type FilterName, type GroupBy, type Metric,
  type Range, type TimeWindow,
} from '../analyticsQuery';
import { api, ApiError } from '../api';
import { PREFIX } from '../routes';
import { Chart } from '../charts/Chart';
import { Alert, Empty, Field, Loading, PageTitle, SelectField } from '../components';
import { navigate, useLocation } from '../navigation';
import { useSession } from '../session';
import {
  bucketLabel, chartData, formatCompact, formatCost, formatCount, formatMs, formatPercent, errorRate, tableRows,
  type TableRow, type UsageReport,
} from '../usage';
import { isBusy, loadDone, loadFailed, loadStarted, type Load } from '../useLoad';

const RANGE_LABELS: [Range, string][] = [
  ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['custom', 'Custom'],
];
const BUCKET_OPTIONS: { value: Bucket; label: string }[] = [
  { value: 'auto', label: 'Automatic' }, { value: 'minute', label: 'Minute (up to 6 hours)' },
  { value: 'hour', label: 'Hour' }, { value: 'day', label: 'Day (UTC)' },
];
const GROUP_OPTIONS: { value: GroupBy; label: string }[] = [
  { value: '', label: 'Time (no grouping)' }, { value: 'provider', label: 'Provider' }, { value: 'model', label: 'Model' },
  { value: 'rotation', label: 'Rotation' }, { value: 'user', label: 'User' }, { value: 'token', label: 'Token' },
];
const METRIC_LABELS: Record<Metric, string> = {
  requests: 'Requests', tokens: 'Tokens', cost: 'Cost', latency: 'Latency', errors: 'Error rate',
};
const FILTER_LABELS: Record<FilterName, string> = {
  user: 'User', provider: 'Provider', model: 'Model', rotation: 'Rotation', token: 'Token id',
};
const BUCKET_WORD = { minute: 'minute', hour: 'hour', day: 'day' } as const;

// A report with the window, step and grouping it was asked for: while the
// next one loads, the page keeps showing it as it was.
interface Shown {
  report: UsageReport;
  w: TimeWindow;
  bucket: Exclude<Bucket, 'auto'>;
  groupBy: GroupBy;
}
type Fetch = { state: 'idle' } | Load<Shown>;

function go(next: AnalyticsState) {
  navigate(`/analytics${toSearch(next)}`);
}

function Stat(props: { label: string; value: string; sub?: string }) {
  return (
    <div class="stat">
      <span class="stat-value">{props.value}</span>
      <span class="stat-label">{props.label}</span>
      {props.sub && <span class="stat-sub">{props.sub}</span>}
    </div>
  );
}

// The range presets as a group of radio buttons; picking one applies it.
function RangePicker(props: { state: AnalyticsState }) {
  return (
    <fieldset class="segmented">
      <legend>Time range</legend>
      {RANGE_LABELS.map(([value, label]) => (
        <label key={value} class={props.state.range === value ? 'segment segment-on' : 'segment'}>
          <input type="radio" name="range" value={value} checked={props.state.range === value}
            onChange={() => go({ ...props.state, range: value })} />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

interface Draft {
  from: string; // datetime-local values
  to: string;
  filters: Record<FilterName, string>;
}

function draftOf(state: AnalyticsState): Draft {
  return { from: isoToLocalInput(state.from), to: isoToLocalInput(state.to), filters: { ...state.filters } };
}

// The custom range and the filters: typed, then applied together.
// `invalid`: what is wrong with the applied state (a link's filter or
// range), shown beside its field until the user applies a correction.
function Refine(props: { state: AnalyticsState; invalid: Record<string, string>; serverError: ApiError | null }) {
  const [draft, setDraft] = useState<Draft>(draftOf(props.state));
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    setDraft(draftOf(props.state));
    setErrors({});
  }, [props.state]);
  const custom = props.state.range === 'custom';
  const submit = (e: Event) => {
    e.preventDefault();
    const next: AnalyticsState = {
      ...props.state,
      from: custom ? localInputToIso(draft.from) : '',
      to: custom ? localInputToIso(draft.to) : '',
      filters: Object.fromEntries(FILTERS.map((f) => [f, draft.filters[f].trim()])) as Record<FilterName, string>,
    };
    const found = validate(next, Date.now());
    setErrors(found as Record<string, string>);
    if (Object.keys(found).length === 0) go(next);
  };
  const server = props.serverError?.param ? { [props.serverError.param]: props.serverError.message } : {};
  const err = (name: string) => errors[name] ?? props.invalid[name] ?? (server as Record<string, string>)[name];
  const active = FILTERS.filter((f) => props.state.filters[f]);
  return (
    <form class="refine" onSubmit={submit} noValidate>
      {custom && (
        <div class="refine-range">
          <Field id="an-from" label="From (your local time)" type="datetime-local" value={draft.from} error={err('from')}
            onInput={(v) => setDraft({ ...draft, from: v })} />
          <Field id="an-to" label="To (empty: now)" type="datetime-local" value={draft.to} error={err('to')}
            onInput={(v) => setDraft({ ...draft, to: v })} />
        </div>
      )}
      <details class="filters" open={active.length > 0 || FILTERS.some((f) => err(f))}>
        <summary>Filters{active.length > 0 ? ` (${active.length})` : ''}</summary>
        <div class="filter-grid">
          {FILTERS.map((f) => (
            <Field key={f} id={`an-${f}`} label={FILTER_LABELS[f]} value={draft.filters[f]} error={err(f)}
              hint={f === 'token' ? 'As in usage rows, e.g. auth.tokens[0]' : undefined}
              onInput={(v) => setDraft({ ...draft, filters: { ...draft.filters, [f]: v } })} />
          ))}
        </div>
      </details>
      <div class="actions">
        <button type="submit" class="button button-primary">Apply</button>
        {active.map((f) => (
          <button key={f} type="button" class="chip"
            onClick={() => go({ ...props.state, filters: { ...props.state.filters, [f]: '' } })}>
            <span class="visually-hidden">Remove the filter </span>
            {FILTER_LABELS[f]}: {props.state.filters[f]} <span aria-hidden="true">×</span>
          </button>
        ))}
      </div>
    </form>
  );
}

function MetricTabs(props: { state: AnalyticsState }) {
  return (
    <fieldset class="segmented segmented-small">
      <legend class="visually-hidden">Chart</legend>
      {METRICS.map((m) => (
        <label key={m} class={props.state.metric === m ? 'segment segment-on' : 'segment'}>
          <input type="radio" name="metric" value={m} checked={props.state.metric === m}
            onChange={() => navigate(`/analytics${toSearch({ ...props.state, metric: m })}`, { replace: true })} />
          {METRIC_LABELS[m]}
        </label>
      ))}
    </fieldset>
  );
}

function UsageTable(props: { rows: TableRow[]; total: TableRow; first: string; groupBy: GroupBy; state: AnalyticsState }) {
  const group = props.groupBy;
  const filterName: FilterName | null = group === '' ? null : group;
  return (
    <div class="table-wrap">
      <table class="table usage-table" id="usage-table">
        <caption class="visually-hidden">Usage by {props.first.toLowerCase()}</caption>
        <thead>
          <tr>
            <th scope="col">{props.first}</th>
            <th scope="col" class="num">Requests</th>
            <th scope="col" class="num">Errors</th>
            <th scope="col" class="num">Error rate</th>
            <th scope="col" class="num">Prompt tokens</th>
            <th scope="col" class="num">Completion tokens</th>
            <th scope="col" class="num">Cost</th>
            <th scope="col" class="num">p50</th>
            <th scope="col" class="num">p95</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key} data-key={r.key}>
              <th scope="row">
                <span class="cell-title">{r.label}</span>
                {filterName && r.key !== '' && props.state.filters[filterName] !== r.key && (
                  <button type="button" class="link-button small"
                    onClick={() => go({ ...props.state, filters: { ...props.state.filters, [filterName]: r.key } })}>
                    Only this<span class="visually-hidden"> {filterName}</span>
                  </button>
                )}
              </th>
              <Cells r={r} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{props.total.label}</th>
            <Cells r={props.total} />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function Cells(props: { r: TableRow }) {
  const r = props.r;
  return (
    <>
      <td class="num">{formatCount(r.requests)}</td>
      <td class="num">{formatCount(r.errors)}</td>
      <td class="num">{formatPercent(r.errorRate)}</td>
      <td class="num">{formatCount(r.promptTokens)}</td>
      <td class="num">{formatCount(r.completionTokens)}</td>
      <td class="num">{formatCost(r.cost)}</td>
      <td class="num">{formatMs(r.p50)}</td>
      <td class="num">{formatMs(r.p95)}</td>
    </>
  );
}

function chartTitle(metric: Metric, bucket: 'minute' | 'hour' | 'day'): string {
  const per = `per ${BUCKET_WORD[bucket]}`;
  switch (metric) {
    case 'requests': return `Requests and errors ${per}`;
    case 'tokens': return `Prompt and completion tokens ${per}`;
    case 'cost': return `Cost ${per}`;
    case 'latency': return `Latency p50 and p95 ${per}`;
    case 'errors': return `Error rate ${per}`;
  }
}

export function Analytics() {
  const session = useSession();
  const { search } = useLocation();
  const state = useMemo(() => parseState(search), [search]);
  // Presets end now: "now" is read again whenever what is asked changes or
  // a refresh asks; not for the chart's metric, which only changes how the
  // report is drawn (no new request, nothing unmounted).
  const asked = useMemo(() => toSearch({ ...state, metric: DEFAULT_STATE.metric }), [state]);
  const [round, setRound] = useState(0);
  const now = useMemo(() => Date.now(), [asked, round]);
  const invalidFields = useMemo(() => validate(state, now) as Record<string, string>, [state, now]);
  const invalid = Object.keys(invalidFields).length > 0;
  const w = invalid ? null : resolveWindow(state, now);
  const bucket = w ? effectiveBucket(state, w) : 'hour';
  const query = w ? apiQuery(state, w) : null;
  const [fetch, setFetch] = useState<Fetch>({ state: 'idle' });

  useEffect(() => {
    if (!query || !w) {
      setFetch({ state: 'idle' });
      return;
    }
    let live = true;
    const about: Omit<Shown, 'report'> = { w, bucket, groupBy: state.groupBy };
    // The report shown stays (refreshing) until the new one comes.
    setFetch((prev) => (prev.state === 'idle' ? { state: 'loading' } : loadStarted(prev)));
    api<UsageReport>('GET', `/api/admin/usage${query}`).then(
      (report) => live && setFetch(loadDone({ ...about, report })),
      (error) => {
        if (!live || session.intercept(error)) return;
        setFetch(loadFailed(error));
      },
    );
    return () => {
      live = false;
    };
  }, [query]);

  const shown = fetch.state === 'ready' ? fetch.data : null;
  const report = shown?.report ?? null;
  const data = useMemo(
    () => (shown ? chartData(shown.report, state.metric, shown.w.fromMs, shown.w.toMs, BUCKET_MS[shown.bucket]) : null),
    [shown, state.metric],
  );
  const table = useMemo(
    () => (shown ? tableRows(shown.report, shown.groupBy !== '', (ms) => bucketLabel(ms, shown.bucket)) : null),
    [shown],
  );
  const serverError = fetch.state === 'error' && fetch.error instanceof ApiError ? fetch.error : null;
  const shownGroup = shown?.groupBy ?? state.groupBy;
  const first = shownGroup ? GROUP_OPTIONS.find((g) => g.value === shownGroup)!.label : 'Time (UTC)';
  const title = chartTitle(state.metric, shown?.bucket ?? bucket);
  // A reload (refreshing) keeps the Refresh button enabled: disabling it
  // would drop the keyboard focus it holds.
  const busy = fetch.state !== 'idle' && isBusy(fetch);

  return (
    <main id="main" class="page page-wide">
      <div class="page-head">
        <PageTitle>Analytics</PageTitle>
        <div class="actions">
          <span class="muted" role="status">{fetch.state === 'ready' && fetch.refreshing ? 'Updating…' : ''}</span>
          <button type="button" class="button" onClick={() => setRound((r) => r + 1)}
            disabled={fetch.state === 'loading'}>
            Refresh
          </button>
          {w && (
            <>
              <a class="button" href={`${PREFIX}/api/admin/usage${apiQuery(state, w, { csv: true })}`} download="usage.csv">
                Export CSV
              </a>
              <a class="button" href={`${PREFIX}/api/admin/usage${query}`} download="usage-report.json">Export JSON</a>
            </>
          )}
        </div>
      </div>
      <p class="lead">Requests, errors, tokens, cost and latency of the gateway’s traffic; times in UTC.</p>

      <section class="card controls" aria-label="What to show">
        <RangePicker state={state} />
        <div class="control-row">
          <SelectField id="an-bucket" label="Step" value={state.bucket} options={BUCKET_OPTIONS}
            error={invalidFields.bucket ?? (serverError?.param === 'bucket' ? serverError.message : undefined)}
            hint={state.bucket === 'auto' && w ? `Now: per ${BUCKET_WORD[bucket]}` : undefined}
            onChange={(v) => go({ ...state, bucket: v as Bucket })} />
          <SelectField id="an-group" label="Group the table by" value={state.groupBy} options={GROUP_OPTIONS}
            onChange={(v) => go({ ...state, groupBy: v as GroupBy })} />
        </div>
        <Refine state={state} invalid={invalidFields} serverError={serverError} />
      </section>

      {invalid && (
        <Alert kind="info">Correct the fields marked above to see the usage.</Alert>
      )}
      {fetch.state === 'loading' && <Loading label="Loading the usage…" />}
      {fetch.state === 'error' && (
        <Alert>
          The usage could not be loaded: {fetch.message}{' '}
          <button type="button" class="link-button" onClick={() => setRound((r) => r + 1)}>Try again</button>
        </Alert>
      )}
      {report && data && table && (
        report.totals.requests === 0 ? (
          <Empty title="No requests in this range">
            Widen the time range{FILTERS.some((f) => state.filters[f]) ? ' or remove a filter' : ''}; requests appear here
            a second or so after they are answered.
          </Empty>
        ) : (
          <>
            <section class="stats stats-6" aria-label="Totals" aria-busy={busy}>
              <Stat label="requests" value={formatCompact(report.totals.requests)} />
              <Stat label="errors" value={formatCompact(report.totals.errors)}
                sub={`${formatPercent(errorRate(report.totals))} of requests`} />
              <Stat label="tokens" value={formatCompact(report.totals.prompt_tokens + report.totals.completion_tokens)}
                sub={`${formatCompact(report.totals.prompt_tokens)} in, ${formatCompact(report.totals.completion_tokens)} out`} />
              <Stat label="cost" value={formatCost(report.totals.cost)}
                sub={report.totals.unpriced_requests > 0 ? `${formatCount(report.totals.unpriced_requests)} unpriced` : undefined} />
              <Stat label="p50 latency" value={formatMs(report.totals.latency_p50_ms)} />
              <Stat label="p95 latency" value={formatMs(report.totals.latency_p95_ms)} />
            </section>
            <section class="card" aria-labelledby="chart-title" aria-busy={busy}>
              <div class="card-head">
                <h2 id="chart-title">{title}</h2>
                <MetricTabs state={state} />
              </div>
              <Chart id="usage-chart" data={data} height={280} label={`${title}, ${data.x.length} points; the table below has the numbers`} />
            </section>
            <section class="card" aria-labelledby="table-title" aria-busy={busy}>
              <h2 id="table-title">{shownGroup ? `By ${first.toLowerCase()}` : `By ${BUCKET_WORD[shown!.bucket]}`}</h2>
              {table.rows.length === 0 ? (
                <Empty title="Nothing to list" />
              ) : (
                <UsageTable rows={table.rows} total={table.total} first={first} groupBy={shownGroup} state={state} />
              )}
            </section>
          </>
        )
      )}
    </main>
  );
}
