// Rate limits: the gateway's live health (GET /api/admin/health) per
// provider and model, refreshed every few seconds while the page is open
// (and visible), cooldowns and blocks counting down in between, with reset
// buttons (POST /api/admin/health/reset) behind a confirmation.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { Alert, ConfirmDialog, Empty, errorText, Loading, PageTitle } from '../components';
import {
  countByStatus, describeStatus, formatDuration, formatInterval, limitRows, recovery, resetMessage, secondsLeft, statusAt,
  SUMMARY_ORDER, type FullHealthReport, type LimitRow, type RowStatus,
} from '../ratelimits';
import { useSession } from '../session';
import { getPath, type SettingsAnswer } from '../settings';
import './config-pages.css';

export const REFRESH_MS = 3000;

interface Live {
  rows: LimitRow[];
  at: number; // when the report arrived (Date.now())
  tracked: FullHealthReport['tracked'];
}

// Polls the report every REFRESH_MS while mounted; skips a round while the
// tab is hidden. Stops (no timer; the request in flight aborted) when the
// page is left.
function useHealth(): { live: Live | null; error: string; refresh: () => void } {
  const session = useSession();
  const [live, setLive] = useState<Live | null>(null);
  const [error, setError] = useState('');
  const round = useRef(0);
  const [kick, setKick] = useState(0);
  useEffect(() => {
    let alive = true;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchOnce = async () => {
      const mine = ++round.current;
      try {
        const report = await api<FullHealthReport>('GET', '/api/admin/health', undefined, abort.signal);
        if (!alive || mine !== round.current) return;
        const at = Date.now();
        setLive({ rows: limitRows(report, at), at, tracked: report.tracked });
        setError('');
      } catch (err) {
        if (!alive || session.intercept(err)) return;
        setError(errorText(err));
      }
    };
    const loop = async () => {
      if (!document.hidden) await fetchOnce();
      if (alive) timer = setTimeout(loop, REFRESH_MS);
    };
    void loop();
    return () => {
      alive = false;
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [kick]);
  return { live, error, refresh: () => setKick((k) => k + 1) };
}

// The clock the countdowns read, ticking every second.
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

const TONE: Record<RowStatus, string> = { cooling: 'warn', blocked: 'warn', trial: 'neutral', learned: 'accent', ok: 'ok' };

function StatusCell(props: { row: LimitRow; now: number }) {
  const status = statusAt(props.row, props.now);
  const until = status === 'cooling' ? props.row.cooldownUntilMs : status === 'blocked' ? props.row.blockedUntilMs : null;
  return (
    <td>
      <span class={`badge badge-${TONE[status]}`}>{describeStatus(status)}</span>
      {until !== null && <span class="cell-sub countdown">{formatDuration(secondsLeft(until, props.now))} left</span>}
      {props.row.lastError && status !== 'ok' && <span class="cell-sub">{props.row.lastError}</span>}
    </td>
  );
}

function RecoveryCell(props: { row: LimitRow; needed: number }) {
  const r = recovery(props.row, props.needed);
  if (!r) return <td class="muted">—</td>;
  const id = `rec-${props.row.key.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  return (
    <td>
      <progress id={id} max={r.needed} value={r.done} aria-label={`Recovery of ${props.row.key}`} />
      <span class="cell-sub">{r.done} of {r.needed} successes</span>
    </td>
  );
}

function LimitsTable(props: { rows: LimitRow[]; now: number; needed: number; onReset: (key: string) => void }) {
  return (
    <div class="table-wrap limits-wrap">
      <table class="table limits-table">
        <caption class="visually-hidden">Health and rate limits per provider and model</caption>
        <thead>
          <tr>
            <th scope="col">Provider / model</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Failures</th>
            <th scope="col">Learned interval</th>
            <th scope="col" class="num">429s</th>
            <th scope="col">Recovery</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">
                <span class="cell-title">{r.key}</span>
                {r.spacingS !== null && <span class="cell-sub">rate_limit {formatInterval(r.spacingS)}</span>}
                {r.tokens && r.tokens.last_minute > 0 && (
                  <span class="cell-sub">{r.tokens.last_minute.toLocaleString('en')} tokens in the last minute</span>
                )}
              </th>
              <StatusCell row={r} now={props.now} />
              <td class="num">{r.failures}</td>
              <td>{r.learnedIntervalS !== null ? formatInterval(r.learnedIntervalS) : <span class="muted">none</span>}</td>
              <td class="num">{r.rateLimited}</td>
              <RecoveryCell row={r} needed={props.needed} />
              <td>
                <button type="button" class="button button-small" aria-label={`Reset ${r.key}`}
                  onClick={() => props.onReset(r.key)}>Reset</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RateLimits() {
  const session = useSession();
  const { live, error, refresh } = useHealth();
  const now = useNow();
  const [needed, setNeeded] = useState(10); // consecutive_successes_for_recovery: AISBF's default until read
  const [asking, setAsking] = useState<{ key: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const mounted = useRef(true);
  useEffect(() => {
    const abort = new AbortController();
    api<SettingsAnswer>('GET', '/api/admin/settings', undefined, abort.signal).then((a) => {
      const n = getPath(a.settings, 'adaptive_rate_limiting.consecutive_successes_for_recovery');
      if (typeof n === 'number' && n > 0) setNeeded(n);
    }, () => { /* the default stays (or the page is gone); the table does not depend on it */ });
    return () => {
      mounted.current = false;
      abort.abort();
    };
  }, []);

  // A reset is not aborted when the page is left (it is a write); its answer is then dropped.
  const reset = async () => {
    if (!asking) return;
    setBusy(true);
    try {
      const answer = await api<{ reset: boolean }>('POST', '/api/admin/health/reset',
        asking.key === null ? undefined : { key: asking.key });
      if (!mounted.current) return;
      setMessage({ kind: 'success', text: resetMessage(asking.key, answer?.reset !== false) });
      refresh();
    } catch (err) {
      if (mounted.current && !session.intercept(err)) setMessage({ kind: 'error', text: `The reset failed: ${errorText(err)}` });
    } finally {
      if (mounted.current) {
        setBusy(false);
        setAsking(null);
      }
    }
  };

  const counts = live ? countByStatus(live.rows, now) : null;
  const age = live ? Math.max(0, Math.round((now - live.at) / 1000)) : 0;
  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>Rate limits</PageTitle>
        <span class="actions">
          <button type="button" class="button" onClick={refresh}>Refresh</button>
          <button type="button" class="button button-danger" disabled={!live || live.rows.length === 0}
            onClick={() => { setMessage(null); setAsking({ key: null }); }}>Reset all…</button>
        </span>
      </div>
      <p class="lead">
        Providers and models that failed or were rate limited: cooldowns, what their 429 answers taught, and their way back.
        Refreshed every {REFRESH_MS / 1000} s while this page is open.
      </p>
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      {error && <Alert>The health could not be read: {error}{live ? ' (showing the last report)' : ''}</Alert>}
      {!live && !error && <Loading label="Loading the gateway’s health…" />}
      {live && counts && (
        <>
          <section class="stats stats-wide" aria-label="At a glance">
            {SUMMARY_ORDER.map((s) => (
              <div class="stat" key={s}>
                <span class="stat-value">{counts[s]}</span>
                <span class="stat-label">{describeStatus(s)}</span>
              </div>
            ))}
          </section>
          <section class="card" aria-labelledby="limits-title">
            <div class="setting-head">
              <h2 id="limits-title">Providers and models</h2>
              <span class="small muted">Updated {age === 0 ? 'just now' : `${age} s ago`}</span>
            </div>
            {live.rows.length === 0 ? (
              <Empty title="Nothing to watch">
                No provider or model has failed or been rate limited since aisbf started or was last reset.
              </Empty>
            ) : (
              <LimitsTable rows={live.rows} now={now} needed={needed}
                onReset={(key) => { setMessage(null); setAsking({ key }); }} />
            )}
            {live.tracked && (
              <p class="small muted">
                Tracked keys: {Object.entries(live.tracked).map(([k, t]) => `${k} ${t.keys} of ${t.max_keys}`).join(', ')}.
              </p>
            )}
          </section>
        </>
      )}
      <ConfirmDialog open={asking !== null} title={asking?.key ? `Reset ${asking.key}?` : 'Reset every provider and model?'}
        confirmLabel="Reset" busyLabel="Resetting…" busy={busy} onConfirm={() => void reset()} onCancel={() => setAsking(null)}>
        <p>
          {asking?.key ? 'Its' : 'Every'} cooldown, learned interval, 429 count, spacing and token window
          {asking?.key ? ' is' : 's are'} cleared: requests go to {asking?.key ? 'it' : 'them'} again at once, even if the
          provider is still limiting.
        </p>
      </ConfirmDialog>
    </main>
  );
}
