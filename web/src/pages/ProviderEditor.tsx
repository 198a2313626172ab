// A provider's form (create or edit), with "test connection" and "fetch
// models" on the draft as typed: checked before anything is sent, the
// server's field errors shown beside the field, a stored key kept unless
// replaced.
import { useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Alert, CheckboxField, errorText, Field, Loading, PageTitle, SelectField, type Option } from '../components';
import {
  addPicked, applyPreset, DEFAULT_FIELDS, emptyForm, emptyModel, entryFromForm, fieldOfParam, filterModels,
  formatLatency, formatPrice, formatTokens, formFromEntry, keyAfterDestination, keyRequired, presetFor, providerUrl,
  TIMEOUT_FIELDS, validateProvider,
  type Entry, type PresetInfo, type ProviderForm, type ProviderScope, type TestReport, type UpstreamModel,
} from '../providers';
import { useSession } from '../session';
import { hasErrors, type FieldErrors } from '../validation';

// A field's DOM id: "models.0.name" → "pf-models-0-name".
const fid = (key: string) => `pf-${key.replace(/\./g, '-')}`;

const TIMEOUT_LABELS: Record<(typeof TIMEOUT_FIELDS)[number], string> = {
  connect: 'Connect timeout (s)', first_byte: 'First byte timeout (s)', idle: 'Idle timeout (s)', total: 'Total timeout (s)',
};

function typeOptions(presets: readonly PresetInfo[], current: string): Option[] {
  const options: Option[] = presets.map((p) =>
    p.kind === 'type' ? { value: p.name, label: p.label } : { value: p.name, label: `${p.name} (OpenAI-compatible preset)` });
  const unique = options.filter((o, i) => options.findIndex((x) => x.value === o.value) === i);
  if (current && !unique.some((o) => o.value === current)) unique.push({ value: current, label: `${current} (not built yet)` });
  return unique;
}

function StepResult(props: { title: string; step: TestReport['models'] | TestReport['chat']; detail?: string }) {
  const s = props.step;
  const badge = s.ok === null ? <span class="badge badge-neutral">Skipped</span>
    : s.ok ? <span class="badge badge-ok">OK</span> : <span class="badge badge-warn">Failed</span>;
  return (
    <div class="probe-step">
      <dt>{props.title}</dt>
      <dd>
        {badge} {s.latency_ms !== undefined && <span class="probe-latency">{formatLatency(s.latency_ms)}</span>}
        {props.detail && <span class="cell-sub">{props.detail}</span>}
        {s.skipped && <span class="cell-sub">{s.skipped}</span>}
        {s.error && <span class="probe-error">{s.error.message}</span>}
      </dd>
    </div>
  );
}

function TestResult(props: { report: TestReport }) {
  const { models, chat } = props.report;
  return (
    <div class="probe" role="status">
      <p class="probe-summary">
        {props.report.ok ? <span class="badge badge-ok">Connection works</span> : <span class="badge badge-warn">Connection failed</span>}
      </p>
      <dl class="facts">
        <StepResult title="Model list" step={models}
          detail={models.ok ? `${models.count ?? 0} ${models.count === 1 ? 'model' : 'models'} listed` : undefined} />
        <StepResult title={`One-token chat${chat.model ? ` to ${chat.model}` : ''}`} step={chat}
          detail={chat.ok && chat.reply ? `Answered “${chat.reply}”` : undefined} />
      </dl>
    </div>
  );
}

function ModelPicker(props: {
  models: UpstreamModel[];
  have: Set<string>;
  latency: number;
  onAdd: (picked: UpstreamModel[]) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const shown = filterModels(props.models, query).slice(0, 200);
  const toggle = (id: string, on: boolean) => setPicked((p) => {
    const next = new Set(p);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  });
  const add = () => props.onAdd(props.models.filter((m) => picked.has(m.id)));
  return (
    <section class="picker" aria-labelledby="picker-title">
      <h3 id="picker-title">The provider lists {props.models.length} {props.models.length === 1 ? 'model' : 'models'}</h3>
      <p class="field-hint">Fetched in {formatLatency(props.latency)}. Pick the ones clients may use.</p>
      <Field id="pf-model-filter" label="Filter" value={query} onInput={setQuery} placeholder="gpt, llama, …" />
      <ul class="pick-list">
        {shown.map((m) => {
          const added = props.have.has(m.id);
          const facts = [
            m.name && m.name !== m.id ? m.name : '',
            m.context_size !== undefined ? `${formatTokens(m.context_size)} context` : '',
            m.max_output_tokens !== undefined ? `${formatTokens(m.max_output_tokens)} output` : '',
            m.pricing?.prompt !== undefined ? `in ${formatPrice(m.pricing.prompt)}` : '',
            m.pricing?.completion !== undefined ? `out ${formatPrice(m.pricing.completion)}` : '',
            m.capabilities.join(', '),
          ].filter(Boolean).join(' · ');
          const id = `pick-${m.id}`;
          return (
            <li key={m.id} class="pick-item">
              <input type="checkbox" id={id} checked={added || picked.has(m.id)} disabled={added}
                onChange={(e) => toggle(m.id, (e.currentTarget as HTMLInputElement).checked)} />
              <label for={id}>
                <span class="cell-title">{m.id}{added && <span class="badge badge-neutral pick-badge">added</span>}</span>
                {facts && <span class="cell-sub">{facts}</span>}
              </label>
            </li>
          );
        })}
      </ul>
      {shown.length === 0 && <p class="muted">No model matches “{query}”.</p>}
      <div class="actions">
        <button type="button" class="button button-primary" onClick={add} disabled={picked.size === 0}>
          Add {picked.size || ''} {picked.size === 1 ? 'model' : 'models'}
        </button>
        <button type="button" class="button" onClick={props.onClose}>Close the list</button>
      </div>
    </section>
  );
}

export function ProviderEditor(props: {
  scope: ProviderScope;
  id: string | null;
  entry: Entry;
  presets: readonly PresetInfo[];
  takenIds: readonly string[];
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const session = useSession();
  const isNew = props.id === null;
  const [form, setForm] = useState<ProviderForm>(() => (isNew ? emptyForm() : formFromEntry(props.id!, props.entry)));
  const [start, setStart] = useState('');
  const [errors, setErrors] = useState<FieldErrors<string>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState<'' | 'save' | 'test' | 'fetch'>('');
  const [report, setReport] = useState<TestReport | null>(null);
  const [fetched, setFetched] = useState<{ models: UpstreamModel[]; latency: number } | null>(null);
  const preset = presetFor(form, props.presets);
  const types = useMemo(() => typeOptions(props.presets, form.type), [props.presets, form.type]);

  const update = (patch: Partial<ProviderForm>, ...fields: string[]) => {
    setForm((f) => ({ ...f, ...patch }));
    if (fields.some((k) => errors[k])) setErrors((e) => ({ ...e, ...Object.fromEntries(fields.map((k) => [k, undefined])) }));
  };
  // An edit of where the requests go: a stored key is then asked for again.
  const updateDestination = (patch: Partial<ProviderForm>, ...fields: string[]) => {
    setForm((f) => keyAfterDestination({ ...f, ...patch }, props.presets));
    if (fields.some((k) => errors[k])) setErrors((e) => ({ ...e, ...Object.fromEntries(fields.map((k) => [k, undefined])) }));
  };
  const setModel = (i: number, key: 'name' | 'context_size' | 'rate_limit_TPM' | 'capabilities', value: string) => {
    setForm((f) => ({ ...f, models: f.models.map((m, j) => (j === i ? { ...m, [key]: value } : m)) }));
    if (errors[`models.${i}.${key}`]) setErrors((e) => ({ ...e, [`models.${i}.${key}`]: undefined }));
  };

  // Checked first; the first field in error takes focus.
  const check = (): boolean => {
    const found = validateProvider(form, { isNew, takenIds: props.takenIds, presets: props.presets });
    setErrors(found);
    setFailure('');
    if (!hasErrors(found)) return true;
    const first = Object.keys(found).find((k) => found[k]);
    if (first) document.getElementById(fid(first))?.focus();
    return false;
  };

  // A refusal of the server: beside its field, else above the form.
  const showError = (err: unknown) => {
    if (session.intercept(err)) return;
    const field = err instanceof ApiError ? fieldOfParam(err.param, form.id.trim()) : null;
    if (err instanceof ApiError && field) {
      setErrors((e) => ({ ...e, [field]: err.message }));
      setTimeout(() => document.getElementById(fid(field))?.focus(), 0);
    } else {
      setFailure(errorText(err));
    }
  };

  const id = form.id.trim();
  const draft = () => ({ provider: entryFromForm(form) });

  const test = async () => {
    if (!check()) return;
    setBusy('test');
    setReport(null);
    try {
      setReport(await api<TestReport>('POST', providerUrl(props.scope, id, '/test'), draft()));
    } catch (err) {
      showError(err);
    } finally {
      setBusy('');
    }
  };

  const fetchModels = async () => {
    if (!check()) return;
    setBusy('fetch');
    try {
      const r = await api<{ data: UpstreamModel[]; latency_ms: number }>('POST', providerUrl(props.scope, id, '/upstream-models'), draft());
      setFetched({ models: r.data, latency: r.latency_ms });
    } catch (err) {
      showError(err);
    } finally {
      setBusy('');
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!check()) return;
    setBusy('save');
    try {
      const r = await api<{ warnings?: string[] }>('PUT', providerUrl(props.scope, id), entryFromForm(form));
      const warnings = r?.warnings?.length ? ` Warnings: ${r.warnings.join('; ')}` : '';
      props.onDone(`${isNew ? 'Created' : 'Saved'} provider ${id}.${warnings}`);
    } catch (err) {
      showError(err);
      setBusy('');
    }
  };

  const have = new Set(form.models.map((m) => m.name.trim()));
  const endpointHint = preset?.endpoint ? `Leave empty for the preset’s ${preset.endpoint}.` : 'The base URL, e.g. https://api.example.com/v1.';

  return (
    <form class="editor" onSubmit={save} noValidate>
      <div class="page-head">
        <PageTitle>{isNew ? 'New provider' : `Edit provider ${props.id}`}</PageTitle>
      </div>
      <p class="lead">
        {props.scope.kind === 'admin'
          ? 'Saved in providers.json and applied at once, for every client.'
          : 'Saved in your namespace, with your key sealed; only you can use it.'}{' '}
        Test it and fetch its models before saving if you like: nothing is saved until you do.
      </p>
      {failure && <Alert>{failure}</Alert>}
      <section class="card form-grid" aria-labelledby="basics-title">
        <h2 id="basics-title" class="span-all">Connection</h2>
        {isNew && (
          <div class="span-all">
            <SelectField id="pf-start" label="Start from a template" value={start}
              options={[{ value: '', label: 'Choose a type or preset…' }, ...props.presets.map((p) => ({ value: p.id, label: p.kind === 'type' ? p.label : `${p.name} (preset)` }))]}
              hint={props.presets.find((p) => p.id === start)?.notes || 'Fills in the type, endpoint and whether a key is needed.'}
              onChange={(v) => {
                setStart(v);
                const chosen = props.presets.find((p) => p.id === v);
                if (chosen) update(applyPreset(form, chosen), 'type', 'endpoint', 'api_key');
              }} />
          </div>
        )}
        {isNew && (
          <Field id={fid('id')} label="Id" value={form.id} error={errors.id} autofocus
            hint="Clients name its models <id>/<model>." onInput={(v) => update({ id: v }, 'id')} />
        )}
        <Field id={fid('name')} label="Display name" value={form.name} error={errors.name} onInput={(v) => update({ name: v }, 'name')} />
        <SelectField id={fid('type')} label="Type" value={form.type} options={types} error={errors.type}
          hint={preset?.notes || undefined}
          onChange={(v) => updateDestination({ type: v, preset: v === 'openai' ? form.preset : '', api: v === 'openai' ? form.api : '' }, 'type', 'api_key')} />
        {form.type === 'openai' && (
          <SelectField id={fid('api')} label="API" value={form.api || 'chat'} error={errors.api}
            options={[{ value: 'chat', label: 'Chat Completions' }, { value: 'responses', label: 'Responses' }]}
            onChange={(v) => updateDestination({ api: v === 'chat' ? '' : v }, 'api', 'api_key')} />
        )}
        <div class="span-all">
          <Field id={fid('endpoint')} label="Endpoint" type="url" inputMode="url" value={form.endpoint} error={errors.endpoint}
            hint={endpointHint} onInput={(v) => updateDestination({ endpoint: v }, 'endpoint', 'api_key')} />
        </div>
        <div class="span-all key-box">
          {form.keyMode === 'keep' ? (
            <div class="field" id={fid('api_key')} tabIndex={-1}>
              <span class="field-label">API key</span>
              <p class="key-stored">
                <code>{form.storedKey}</code> <span class="badge badge-neutral">stored, unchanged</span>
              </p>
              <p class="field-hint">The stored key is kept when you save; it is never shown in full.</p>
              {errors.api_key && <p class="field-error">{errors.api_key}</p>}
              <div class="actions">
                <button type="button" class="button button-small" onClick={() => update({ keyMode: 'replace', api_key: '' }, 'api_key')}>
                  Replace the key
                </button>
              </div>
            </div>
          ) : (
            <>
              <Field id={fid('api_key')} label={form.keyMode === 'replace' ? 'New API key' : 'API key'} type="password"
                autocomplete="off" value={form.api_key} error={errors.api_key}
                hint={form.keyForced
                  ? `The endpoint, type or preset changed, so the stored key (${form.storedKey}) will not be sent there: `
                    + `enter the key for the new destination${keyRequired(form, props.presets) ? '' : ', or leave it empty to save without one'}.`
                  : form.keyMode === 'replace' ? 'Replaces the stored key when you save; left empty, the stored key is kept.'
                    : 'Stored encrypted or in providers.json (mode 0600); shown masked afterwards.'}
                onInput={(v) => update({ api_key: v }, 'api_key')} />
              {form.keyMode === 'replace' && !form.keyForced && (
                <div class="actions">
                  <button type="button" class="button button-small" onClick={() => update({ keyMode: 'keep', api_key: '' }, 'api_key')}>
                    Keep the stored key ({form.storedKey})
                  </button>
                </div>
              )}
            </>
          )}
        </div>
        <div class="span-all">
          <CheckboxField id={fid('api_key_required')} label="Needs a key" checked={keyRequired(form, props.presets)}
            onChange={(v) => update({ api_key_required: v }, 'api_key_required', 'api_key')} />
        </div>
      </section>

      <section class="card" aria-labelledby="models-title">
        <h2 id="models-title">Models</h2>
        {form.models.length === 0 && <p class="muted">No models yet: fetch the provider’s list and pick, or add one by name.</p>}
        {errors.models && <p class="field-error">{errors.models}</p>}
        {form.models.map((m, i) => (
          <fieldset class="model-row" key={i}>
            <legend class="visually-hidden">Model {i + 1}</legend>
            <Field id={fid(`models.${i}.name`)} label="Name" value={m.name} error={errors[`models.${i}.name`]}
              onInput={(v) => setModel(i, 'name', v)} />
            <Field id={fid(`models.${i}.context_size`)} label="Context size" inputMode="numeric" value={m.context_size}
              error={errors[`models.${i}.context_size`]} onInput={(v) => setModel(i, 'context_size', v)} />
            <Field id={fid(`models.${i}.rate_limit_TPM`)} label="Tokens per minute" inputMode="numeric" value={m.rate_limit_TPM}
              error={errors[`models.${i}.rate_limit_TPM`]} onInput={(v) => setModel(i, 'rate_limit_TPM', v)} />
            <Field id={fid(`models.${i}.capabilities`)} label="Capabilities" value={m.capabilities}
              placeholder="vision, function_calling" onInput={(v) => setModel(i, 'capabilities', v)} />
            <button type="button" class="button button-small model-remove" aria-label={`Remove model ${m.name || i + 1}`}
              onClick={() => setForm((f) => ({ ...f, models: f.models.filter((_, j) => j !== i) }))}>Remove</button>
          </fieldset>
        ))}
        <div class="actions">
          <button type="button" class="button" onClick={() => setForm((f) => ({ ...f, models: [...f.models, emptyModel()] }))}>
            Add a model by name
          </button>
          <button type="button" class="button" onClick={fetchModels} disabled={busy !== ''}>
            {busy === 'fetch' ? 'Fetching models…' : 'Fetch models'}
          </button>
        </div>
        {busy === 'fetch' && <Loading label="Asking the provider for its models…" />}
        {fetched && (
          <ModelPicker models={fetched.models} have={have} latency={fetched.latency} onClose={() => setFetched(null)}
            onAdd={(picked) => setForm((f) => addPicked(f, picked))} />
        )}
      </section>

      <details class="card" open={Object.keys(errors).some((k) => errors[k] && (k.startsWith('default_') || k.startsWith('timeouts.') || k === 'rate_limit'))}>
        <summary><h2 class="summary-title">Limits and timeouts</h2></summary>
        <div class="form-grid">
          <Field id={fid('rate_limit')} label="Seconds between requests" inputMode="decimal" value={form.rate_limit}
            error={errors.rate_limit} hint="0 or empty: no spacing." onInput={(v) => update({ rate_limit: v }, 'rate_limit')} />
          {DEFAULT_FIELDS.map((f) => (
            <Field key={f.key} id={fid(f.key)} label={`Default: ${f.label.toLowerCase()}`} inputMode="numeric"
              value={form.defaults[f.key]} error={errors[f.key]}
              onInput={(v) => update({ defaults: { ...form.defaults, [f.key]: v } }, f.key)} />
          ))}
          {TIMEOUT_FIELDS.map((t) => (
            <Field key={t} id={fid(`timeouts.${t}`)} label={TIMEOUT_LABELS[t]} inputMode="decimal" value={form.timeouts[t]}
              error={errors[`timeouts.${t}`]} onInput={(v) => update({ timeouts: { ...form.timeouts, [t]: v } }, `timeouts.${t}`)} />
          ))}
        </div>
      </details>

      <section class="card" aria-labelledby="test-title">
        <h2 id="test-title">Test connection</h2>
        <p class="muted small">Asks the provider for its model list and sends a one-token chat, with the settings above (saved or not).</p>
        <div class="actions">
          <button type="button" class="button" onClick={test} disabled={busy !== ''}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
        </div>
        {busy === 'test' && <Loading label="Testing the connection…" />}
        {report && <TestResult report={report} />}
      </section>

      <div class="actions editor-actions">
        <button type="submit" class="button button-primary" disabled={busy !== ''}>
          {busy === 'save' ? 'Saving…' : isNew ? 'Create the provider' : 'Save the provider'}
        </button>
        <button type="button" class="button" onClick={props.onCancel} disabled={busy === 'save'}>Cancel</button>
      </div>
    </form>
  );
}
