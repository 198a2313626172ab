// TOR (admin): the onion service aisbf publishes through tor's control port
// (aisbf.json `tor`, read at start), from GET /api/admin/tor: its state,
// address, port mapping, persistent or ephemeral, and the last error.
import { api } from '../api';
import { Alert, CopyButton, Link, Loading, PageTitle } from '../components';
import { isBusy, useLoad } from '../useLoad';

export interface TorStatus {
  enabled: boolean;
  configured: boolean;
  state: 'disabled' | 'starting' | 'running' | 'error';
  hidden_service: string | null;
  port: number;
  target: string | null;
  persistent: boolean;
  control: string;
  tor_version: string | null;
  connects: number;
  last_error: string | null;
  message: string;
}

const STATE_BADGE: Record<TorStatus['state'], [string, string]> = {
  running: ['badge-ok', 'Running'],
  starting: ['badge-neutral', 'Starting'],
  error: ['badge-warn', 'Error'],
  disabled: ['badge-neutral', 'Off'],
};

function StatusCard({ data }: { data: TorStatus }) {
  const [badge, label] = STATE_BADGE[data.state] ?? STATE_BADGE.disabled;
  return (
    <section class="card" aria-labelledby="tor-status">
      <h2 id="tor-status">Status</h2>
      <dl class="facts facts-grid">
        <div>
          <dt>Onion service</dt>
          <dd><span class={`badge ${badge}`}>{label}</span></dd>
        </div>
        <div>
          <dt>Asked for in aisbf.json</dt>
          <dd>{data.configured ? 'Yes' : 'No'}</dd>
        </div>
        <div>
          <dt>Onion address</dt>
          <dd>{data.hidden_service ? <code>{data.hidden_service}</code> : 'None'}</dd>
        </div>
        <div>
          <dt>Port</dt>
          <dd>{data.target ? <>{data.port} → <code>{data.target}</code></> : data.port}</dd>
        </div>
        <div>
          <dt>Address kept</dt>
          <dd>{data.persistent ? 'Persistent (key in hidden_service_dir)' : 'Ephemeral (new at each start)'}</dd>
        </div>
        <div>
          <dt>Control port</dt>
          <dd><code>{data.control}</code>{data.tor_version ? ` (tor ${data.tor_version})` : ''}</dd>
        </div>
      </dl>
      {data.hidden_service && <CopyButton text={data.hidden_service} label="Copy the address" />}
      <Alert kind={data.state === 'error' ? 'error' : 'info'}>{data.message}</Alert>
      {data.last_error && data.state !== 'error' && (
        <p class="small muted">Last error: {data.last_error}</p>
      )}
      <p class="small muted">
        Its settings are in <Link to="/settings">Settings</Link> (section TOR); they apply at the next start.
      </p>
    </section>
  );
}

export function Tor() {
  const [load, reload] = useLoad(() => api<TorStatus>('GET', '/api/admin/tor'));
  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>TOR</PageTitle>
        <button type="button" class="button" onClick={reload} disabled={isBusy(load)}>Refresh</button>
      </div>
      <p class="lead">The gateway as a TOR onion service. Providers reach through TOR with <code>"proxy": "tor"</code>.</p>
      {load.state === 'loading' && <Loading label="Loading the TOR status…" />}
      {load.state === 'error' && <Alert>The status could not be loaded: {load.message}</Alert>}
      {load.state === 'ready' && <StatusCard data={load.data} />}
    </main>
  );
}
