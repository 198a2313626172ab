// TOR (admin): whether requests go out through TOR and the hidden service's
// onion address, from GET /api/admin/tor. aisbf runs no TOR service yet:
// the page says so, and whether aisbf.json asks for one.
import { api } from '../api';
import { Alert, CopyButton, Link, Loading, PageTitle } from '../components';
import { isBusy, useLoad } from '../useLoad';

export interface TorStatus {
  enabled: boolean;
  configured: boolean;
  hidden_service: string | null;
  message: string;
}

export function Tor() {
  const [load, reload] = useLoad(() => api<TorStatus>('GET', '/api/admin/tor'));
  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>TOR</PageTitle>
        <button type="button" class="button" onClick={reload} disabled={isBusy(load)}>Refresh</button>
      </div>
      <p class="lead">A hidden service for the gateway, and requests to providers through TOR.</p>
      {load.state === 'loading' && <Loading label="Loading the TOR status…" />}
      {load.state === 'error' && <Alert>The status could not be loaded: {load.message}</Alert>}
      {load.state === 'ready' && (
        <section class="card" aria-labelledby="tor-status">
          <h2 id="tor-status">Status</h2>
          <dl class="facts facts-grid">
            <div>
              <dt>TOR</dt>
              <dd>
                {load.data.enabled ? <span class="badge badge-ok">Running</span> : <span class="badge badge-neutral">Off</span>}
              </dd>
            </div>
            <div>
              <dt>Asked for in aisbf.json</dt>
              <dd>{load.data.configured ? 'Yes' : 'No'}</dd>
            </div>
            <div>
              <dt>Onion address</dt>
              <dd>{load.data.hidden_service ? <code>{load.data.hidden_service}</code> : 'None'}</dd>
            </div>
          </dl>
          {load.data.hidden_service && <CopyButton text={load.data.hidden_service} label="Copy the address" />}
          <Alert kind={load.data.configured && !load.data.enabled ? 'error' : 'info'}>{load.data.message}</Alert>
          <p class="small muted">
            Its settings are in <Link to="/settings">Settings</Link> (section TOR).
          </p>
        </section>
      )}
    </main>
  );
}
