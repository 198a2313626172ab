// Condensation: aisbf.json's settings (GET/PUT /api/admin/condensation) and,
// for every provider model (GET /api/admin/providers), the threshold and
// methods that apply and where each comes from (condensation.ts).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Alert, Empty, errorText, Field, Loading, PageTitle, SelectField } from '../components';
import {
  condensationChanges, condensationForm, DEFAULT_METHODS, DEFAULT_PERCENT, describeOutcome, describeSource, modeOf,
  resolveAll, validateCondensation, type CondensationForm, type CondensationSettings, type ModelCascade, type Source,
} from '../condensation';
import { useSession } from '../session';
import type { Json } from '../settings';
import { useLoad } from '../useLoad';
import './config-pages.css';

interface Data {
  settings: CondensationSettings;
  providers: Record<string, Json>;
}

const MODES = [
  { value: 'inherit', label: 'inherit: each model’s settings decide' },
  { value: 'enabled', label: 'enabled: also condense models that set nothing' },
  { value: 'disabled', label: 'disabled: never condense' },
];

function SourceTag(props: { source: Source }) {
  const tone = props.source === 'model' ? 'accent' : props.source === 'provider' ? 'neutral' : 'ok';
  return <span class={`badge badge-${tone} source-tag`}>{describeSource(props.source)}</span>;
}

function OutcomeBadge(props: { row: ModelCascade }) {
  const tone = props.row.outcome === 'on' ? 'ok' : props.row.outcome === 'no-context-size' ? 'warn' : 'neutral';
  return <span class={`badge badge-${tone}`}>{describeOutcome(props.row)}</span>;
}

function CascadeTable(props: { rows: ModelCascade[] }) {
  return (
    <div class="table-wrap">
      <table class="table cascade-table">
        <caption class="visually-hidden">Condensation per provider model</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Condenses</th>
            <th scope="col">Threshold</th>
            <th scope="col">Methods</th>
            <th scope="col">Context size</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={`${r.provider}/${r.model ?? '*'}`}>
              <th scope="row">
                <span class="cell-title">{r.provider}/{r.model ?? '*'}</span>
                {r.model === null && <span class="cell-sub">any model (no models list)</span>}
              </th>
              <td><OutcomeBadge row={r} /></td>
              <td>
                {r.percent ? <>{r.percent.value} % <SourceTag source={r.percent.source} /></> : <span class="muted">—</span>}
              </td>
              <td>
                {r.methods ? (
                  <>
                    {r.methods.value.length ? r.methods.value.join(' → ') : 'none'} <SourceTag source={r.methods.source} />
                  </>
                ) : <span class="muted">—</span>}
              </td>
              <td>
                {r.contextSize
                  ? <>{r.contextSize.value.toLocaleString('en')} <SourceTag source={r.contextSize.source} /></>
                  : <span class="muted">none</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SettingsForm(props: { stored: CondensationSettings; onSaved: (s: CondensationSettings) => void }) {
  const session = useSession();
  const [form, setForm] = useState<CondensationForm>(() => condensationForm(props.stored));
  const [errors, setErrors] = useState<Partial<Record<keyof CondensationForm, string>>>({});
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const changes = condensationChanges(props.stored, form);
  const set = (k: keyof CondensationForm) => (v: string) => {
    setForm((f) => ({ ...f, [k]: v }));
    setErrors((e) => ({ ...e, [k]: undefined }));
    setMessage(null);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validateCondensation(form);
    setErrors(found);
    const first = (['mode', 'condensation_model_id', 'condensation_max_tokens'] as const).find((k) => found[k]);
    if (first) {
      document.getElementById(`cond-${first}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const saved = await api<CondensationSettings>('PUT', '/api/admin/condensation', changes);
      setForm(condensationForm(saved));
      props.onSaved(saved);
      setMessage({ kind: 'success', text: 'Saved. It applies to the next requests.' });
    } catch (err) {
      if (session.intercept(err)) return;
      const param = err instanceof ApiError ? err.param : null;
      if (param === 'mode' || param === 'condensation_model_id' || param === 'condensation_max_tokens') {
        setErrors({ [param]: errorText(err) });
      } else {
        setMessage({ kind: 'error', text: `Nothing was saved: ${errorText(err)}` });
      }
    } finally {
      setBusy(false);
    }
  };

  const modeOptions = form.mode === '' ? [{ value: '', label: 'not set (reads as inherit)' }, ...MODES] : MODES;
  return (
    <form class="card form-card cond-form" onSubmit={submit} noValidate aria-labelledby="cond-settings-title">
      <h2 id="cond-settings-title">Settings</h2>
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      <SelectField id="cond-mode" label="Mode" value={form.mode} options={modeOptions} error={errors.mode}
        hint="aisbf.json feature_controls.context_condensation.mode: the switch for every model." onChange={set('mode')} />
      <Field id="cond-condensation_model_id" label="Internal condensation model" value={form.condensation_model_id}
        error={errors.condensation_model_id} placeholder="provider/model"
        hint="internal_model.condensation_model_id: the model providers.json’s condensation block means by “internal”, as provider/model (aisbf runs no local model)."
        onInput={set('condensation_model_id')} />
      <Field id="cond-condensation_max_tokens" label="Summary length (tokens)" value={form.condensation_max_tokens}
        error={errors.condensation_max_tokens} inputMode="numeric"
        hint="internal_model.condensation_max_tokens, at least 64: AISBF’s setting, kept; aisbf does not read it and sizes each summary itself (256 to 4096 tokens)."
        onInput={set('condensation_max_tokens')} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy || Object.keys(changes).length === 0}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

export function Condensation() {
  const [load, reload] = useLoad<Data>(async () => {
    const [settings, p] = await Promise.all([
      api<CondensationSettings>('GET', '/api/admin/condensation'),
      api<{ providers: Record<string, Json> }>('GET', '/api/admin/providers'),
    ]);
    return { settings, providers: p.providers };
  });
  const [saved, setSaved] = useState<CondensationSettings | null>(null);
  const settings = saved ?? (load.state === 'ready' ? load.data.settings : null);
  const rows = load.state === 'ready' && settings ? resolveAll(load.data.providers, settings) : [];
  const on = rows.filter((r) => r.outcome === 'on').length;

  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>Condensation</PageTitle>
        <button type="button" class="button" onClick={() => { setSaved(null); reload(); }} disabled={load.state === 'loading'}>
          Refresh
        </button>
      </div>
      <p class="lead">Long conversations shrunk before they are sent, once a request reaches a share of its model’s context size.</p>
      {load.state === 'loading' && <Loading label="Loading the condensation settings…" />}
      {load.state === 'error' && (
        <Alert>
          The condensation settings could not be loaded: {load.message}{' '}
          <button type="button" class="link-button" onClick={reload}>Try again</button>
        </Alert>
      )}
      {load.state === 'ready' && settings && (
        <>
          <SettingsForm stored={settings} onSaved={setSaved} />
          <section class="card" aria-labelledby="cascade-title">
            <h2 id="cascade-title">Per model</h2>
            <p class="small">
              Each setting comes from the first that sets it: <SourceTag source="model" /> (condense_context,
              condense_method, context_size on the model) → <SourceTag source="provider" /> (the provider’s
              default_condense_context, default_condense_method, default_context_size) → <SourceTag source="global" />{' '}
              → <SourceTag source="built-in" /> ({DEFAULT_PERCENT} %, {DEFAULT_METHODS.join(' then ')}). A 0 % or an
              empty method list stops there. Mode now: <strong>{modeOf(settings)}</strong>. In a rotation, its model
              entry and its default_* come first.
            </p>
            {rows.length === 0 ? (
              <Empty title="No provider models">Add a provider; its models and their condensation appear here.</Empty>
            ) : (
              <>
                <p class="small muted" aria-live="polite">{on} of {rows.length} {rows.length === 1 ? 'model condenses' : 'models condense'}.</p>
                <CascadeTable rows={rows} />
              </>
            )}
          </section>
        </>
      )}
    </main>
  );
}
