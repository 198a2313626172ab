import { useState } from 'preact/hooks';
import { api, type CacheStats } from '../api';
import { Alert, ConfirmDialog, errorText, Loading, PageTitle } from '../components';
import { useSession } from '../session';
import { isBusy, useLoad } from '../useLoad';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function ResponseCache() {
  const session = useSession();
  const [load, reload] = useLoad(() => api<CacheStats>('GET', '/api/admin/cache/stats'));
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const clear = async () => {
    setBusy(true);
    try {
      const r = await api<{ cleared: number }>('POST', '/api/admin/cache/clear');
      await reload(); // the figures shown are the cleared cache's when it says so
      setMessage({ kind: 'success', text: `Cleared ${r.cleared} ${r.cleared === 1 ? 'entry' : 'entries'}.` });
    } catch (err) {
      if (!session.intercept(err)) setMessage({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };

  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>Response cache</PageTitle>
        <button type="button" class="button" onClick={reload} disabled={isBusy(load)}>Refresh</button>
      </div>
      <p class="lead">Identical deterministic requests answered without a provider call, per namespace.</p>
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      {load.state === 'loading' && <Loading label="Loading the cache’s statistics…" />}
      {load.state === 'error' && <Alert>The statistics could not be loaded: {load.message}</Alert>}
      {load.state === 'ready' && (
        <section class="card" aria-labelledby="stats-title">
          <h2 id="stats-title">Since the start or the last clear</h2>
          {load.data.error && <Alert>The backend did not answer: {load.data.error}</Alert>}
          <dl class="facts facts-grid">
            <div>
              <dt>Status</dt>
              <dd>
                {load.data.enabled ? (
                  <span class="badge badge-ok">On</span>
                ) : (
                  <span class="badge badge-neutral">Off</span>
                )}
              </dd>
            </div>
            <div><dt>Backend</dt><dd>{load.data.backend}</dd></div>
            <div><dt>Entries</dt><dd>{load.data.entries}</dd></div>
            <div><dt>Size</dt><dd>{formatBytes(load.data.bytes)}</dd></div>
            <div><dt>Hits</dt><dd>{load.data.hits}</dd></div>
            <div><dt>Misses</dt><dd>{load.data.misses}</dd></div>
            <div><dt>Hit rate</dt><dd>{(load.data.hit_rate * 100).toFixed(1)} %</dd></div>
            <div><dt>Shared misses</dt><dd>{load.data.coalesced}</dd></div>
            <div><dt>Evictions</dt><dd>{load.data.evictions}</dd></div>
          </dl>
          <div class="actions">
            <button type="button" class="button button-danger" onClick={() => { setMessage(null); setAsking(true); }}>
              Clear the cache…
            </button>
          </div>
        </section>
      )}
      <ConfirmDialog open={asking} title="Clear the response cache?" confirmLabel="Clear the cache" busyLabel="Clearing…"
        busy={busy} onConfirm={clear} onCancel={() => setAsking(false)}>
        <p>Every cached answer is removed; the next identical requests go to the providers again.</p>
      </ConfirmDialog>
    </main>
  );
}
