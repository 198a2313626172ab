import { api, type HealthReport, type ProviderEntry } from '../api';
import { Alert, Empty, Loading, PageTitle } from '../components';
import { describeState, providerState, type ProviderState } from '../health';
import { useSession } from '../session';
import { isBusy, useLoad } from '../useLoad';

interface Namespace {
  providers: Record<string, ProviderEntry>;
  rotations: number;
  autoselects: number;
  health: HealthReport | null; // the gateway's (admins)
  at: number;
}

type Docs<K extends string, T> = Record<K, Record<string, T>>;

// The three lists of a namespace (the gateway's at /api/admin/…, the
// caller's own at /api/user/…), and for the gateway its health.
async function loadNamespace(prefix: '/api/admin' | '/api/user', withHealth: boolean): Promise<Namespace> {
  const [p, r, a, h] = await Promise.all([
    api<Docs<'providers', ProviderEntry>>('GET', `${prefix}/providers`),
    api<Docs<'rotations', unknown>>('GET', `${prefix}/rotations`),
    api<Docs<'autoselects', unknown>>('GET', `${prefix}/autoselects`),
    withHealth ? api<HealthReport>('GET', '/api/admin/health') : Promise.resolve(null),
  ]);
  return {
    providers: p.providers,
    rotations: Object.keys(r.rotations).length,
    autoselects: Object.keys(a.autoselects).length,
    health: h,
    at: Date.now(),
  };
}

function Count(props: { label: string; value: number }) {
  return (
    <div class="stat">
      <span class="stat-value">{props.value}</span>
      <span class="stat-label">{props.label}</span>
    </div>
  );
}

function StateBadge(props: { state: ProviderState }) {
  const tone = props.state.kind === 'ok' ? 'ok' : props.state.kind === 'trial' ? 'neutral' : 'warn';
  return <span class={`badge badge-${tone}`}>{describeState(props.state)}</span>;
}

function ProviderTable(props: { ns: Namespace; withHealth: boolean }) {
  const ids = Object.keys(props.ns.providers);
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">Providers</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Type</th>
            <th scope="col" class="num">Models</th>
            {props.withHealth && <th scope="col">Health</th>}
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const p = props.ns.providers[id];
            const state = providerState(props.ns.health, id, props.ns.at);
            return (
              <tr key={id}>
                <th scope="row">
                  <span class="cell-title">{id}</span>
                  {p.name && p.name !== id && <span class="cell-sub">{p.name}</span>}
                </th>
                <td>{p.type ?? '—'}</td>
                <td class="num">{p.models?.length ?? 0}</td>
                {props.withHealth && (
                  <td>
                    <StateBadge state={state} />
                    {state.kind === 'cooling' && state.error && <span class="cell-sub">{state.error}</span>}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function Overview() {
  const { me } = useSession();
  const admin = me.role === 'admin';
  const [load, reload] = useLoad(() => loadNamespace(admin ? '/api/admin' : '/api/user', admin));
  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle onShown={() => performance.mark('aisbf:overview-heading')}>Overview</PageTitle>
        <button type="button" class="button" onClick={reload} disabled={isBusy(load)}>
          Refresh
        </button>
      </div>
      <p class="lead">
        {admin ? 'The gateway’s providers, rotations and autoselects.' : `Your own namespace, ${me.user}.`}
      </p>
      {load.state === 'loading' && <Loading label="Loading the overview…" />}
      {load.state === 'error' && (
        <Alert>
          The overview could not be loaded: {load.message}{' '}
          <button type="button" class="link-button" onClick={reload}>Try again</button>
        </Alert>
      )}
      {load.state === 'ready' && (
        <>
          <section class="stats" aria-label="Counts">
            <Count label={Object.keys(load.data.providers).length === 1 ? 'provider' : 'providers'}
              value={Object.keys(load.data.providers).length} />
            <Count label={load.data.rotations === 1 ? 'rotation' : 'rotations'} value={load.data.rotations} />
            <Count label={load.data.autoselects === 1 ? 'autoselect' : 'autoselects'} value={load.data.autoselects} />
          </section>
          <section class="card" aria-labelledby="providers-title">
            <h2 id="providers-title">{admin ? 'Providers' : 'Your providers'}</h2>
            {Object.keys(load.data.providers).length === 0 ? (
              admin ? (
                <Empty title="No providers yet">Add one to providers.json in the configuration directory.</Empty>
              ) : (
                <Empty title="You have no providers of your own">
                  The gateway’s models work for you as they are; your own providers, with your keys, appear here.
                </Empty>
              )
            ) : (
              <ProviderTable ns={load.data} withHealth={admin} />
            )}
          </section>
        </>
      )}
    </main>
  );
}
