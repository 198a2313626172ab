// The providers pages: the gateway's (/dashboard/providers, admins) and a
// user's own (/dashboard/user/providers): one set of components over the
// scope's API prefix. The list, with create, edit (ProviderEditor) and
// delete behind a confirmation.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Alert, ConfirmDialog, Empty, errorText, Loading, PageTitle } from '../components';
import { ADMIN_SCOPE, isMasked, providerUrl, USER_SCOPE, type Entry, type PresetInfo, type ProviderScope } from '../providers';
import { useSession } from '../session';
import { isBusy, useLoad } from '../useLoad';
import { ProviderEditor } from './ProviderEditor';

type Editing = { id: string | null; entry: Entry } | null; // id null: a new provider

function keyText(entry: Entry): string {
  const key = typeof entry.api_key === 'string' ? entry.api_key : '';
  if (!key) return entry.api_key_required === true ? 'missing' : 'none';
  return isMasked(key) ? key : 'set';
}

function modelCount(entry: Entry): number {
  return Array.isArray(entry.models) ? entry.models.length : 0;
}

function ProviderList(props: {
  providers: Record<string, Entry>;
  onEdit: (id: string) => void;
  onDelete: (id: string) => void;
}) {
  const ids = Object.keys(props.providers);
  return (
    <div class="table-wrap">
      <table class="table provider-table">
        <caption class="visually-hidden">Providers</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Type</th>
            <th scope="col" class="num">Models</th>
            <th scope="col">Key</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const p = props.providers[id];
            const name = typeof p.name === 'string' && p.name !== id ? p.name : '';
            const type = String(p.type ?? '');
            const preset = typeof p.preset === 'string' && p.preset ? ` (${p.preset})` : '';
            return (
              <tr key={id}>
                <th scope="row">
                  <span class="cell-title">{id}</span>
                  {name && <span class="cell-sub">{name}</span>}
                  {typeof p.endpoint === 'string' && p.endpoint && <span class="cell-sub">{p.endpoint}</span>}
                </th>
                <td data-label="Type">{type}{preset}</td>
                <td class="num" data-label="Models">{modelCount(p)}</td>
                <td data-label="Key"><code>{keyText(p)}</code></td>
                <td>
                  <div class="actions row-actions">
                    <button type="button" class="button button-small" onClick={() => props.onEdit(id)}
                      aria-label={`Edit ${id}`}>Edit</button>
                    <button type="button" class="button button-small button-danger-quiet" onClick={() => props.onDelete(id)}
                      aria-label={`Delete ${id}`}>Delete</button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ProvidersPage(props: { scope: ProviderScope; title: string; lead: string }) {
  const session = useSession();
  const { scope } = props;
  const [load, reload] = useLoad(() => api<{ providers: Record<string, Entry> }>('GET', scope.base));
  const [presets] = useLoad(() => api<{ presets: PresetInfo[] }>('GET', '/api/admin/provider-presets'));
  const [editing, setEditing] = useState<Editing>(null);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const remove = async () => {
    if (deleting === null) return;
    setBusy(true);
    try {
      await api('DELETE', providerUrl(scope, deleting));
      await reload(); // "deleted" once the list shown is without it
      setMessage({ kind: 'success', text: `Deleted provider ${deleting}.` });
    } catch (err) {
      if (session.intercept(err)) return;
      const why = err instanceof ApiError && err.status === 409 ? `${deleting} is still in use: ${err.message}` : errorText(err);
      setMessage({ kind: 'error', text: `Not deleted. ${why}` });
    } finally {
      setBusy(false);
      setDeleting(null);
    }
  };

  const presetList = presets.state === 'ready' ? presets.data.presets : [];
  const providers = load.state === 'ready' ? load.data.providers : {};

  if (editing) {
    return (
      <main id="main" class="page">
        <ProviderEditor scope={scope} id={editing.id} entry={editing.entry} presets={presetList}
          takenIds={Object.keys(providers)}
          onDone={async (text) => { await reload(); setEditing(null); setMessage({ kind: 'success', text }); }}
          onCancel={() => setEditing(null)} />
      </main>
    );
  }

  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>{props.title}</PageTitle>
        <div class="actions">
          <button type="button" class="button" onClick={reload} disabled={isBusy(load)}>Refresh</button>
          <button type="button" class="button button-primary" onClick={() => { setMessage(null); setEditing({ id: null, entry: {} }); }}>
            Add a provider
          </button>
        </div>
      </div>
      <p class="lead">{props.lead}</p>
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      {load.state === 'loading' && <Loading label="Loading the providers…" />}
      {load.state === 'error' && <Alert>The providers could not be loaded: {load.message}</Alert>}
      {load.state === 'ready' && (
        <section class="card" aria-labelledby="providers-title">
          <h2 id="providers-title">{Object.keys(providers).length} {Object.keys(providers).length === 1 ? 'provider' : 'providers'}</h2>
          {Object.keys(providers).length === 0 ? (
            <Empty title="No providers yet">
              Add one from a preset (OpenRouter, Groq, a local vLLM…) or by hand, test it, and pick its models.
            </Empty>
          ) : (
            <ProviderList providers={providers}
              onEdit={(id) => { setMessage(null); setEditing({ id, entry: providers[id] }); }}
              onDelete={(id) => { setMessage(null); setDeleting(id); }} />
          )}
        </section>
      )}
      <ConfirmDialog open={deleting !== null} title={`Delete provider ${deleting ?? ''}?`} confirmLabel="Delete the provider"
        busyLabel="Deleting…" busy={busy} onConfirm={remove} onCancel={() => setDeleting(null)}>
        <p>
          Its models stop answering at once{scope.kind === 'admin' ? ' for every client' : ''}. A rotation that still
          names it keeps it from being deleted.
        </p>
      </ConfirmDialog>
    </main>
  );
}

export function AdminProviders() {
  return (
    <ProvidersPage scope={ADMIN_SCOPE} title="Providers"
      lead="The gateway’s providers (providers.json): every user may call their models. Keys are masked; a key you leave unchanged is kept." />
  );
}

export function UserProviders() {
  return (
    <ProvidersPage scope={USER_SCOPE} title="My providers"
      lead="Your own providers, with your keys: only you can use them, as user-provider/<id>/<model>. Keys are masked; a key you leave unchanged is kept." />
  );
}
