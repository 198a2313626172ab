// aisbf.json's sections over GET/PUT /api/admin/settings: each field marked
// with when a change applies, as the server says (`start_only`, `unused`);
// one save sends the changed sections whole (unknown keys kept); the
// server's field errors beside their fields.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import {
  Alert, CheckboxField, ConfirmDialog, CopyButton, errorText, Field, Loading, PageTitle, SelectField, TextAreaField,
} from '../components';
import { useSession } from '../session';
import {
  ALL_FIELDS, changedSections, effectOf, fieldOfParam, formFrom, getPath, isMasked, newToken, SECTIONS, TOKENS,
  tokenList, validateSettings, visible, type Effect, type FieldDef, type FormErrors, type FormValues,
  type SettingsAnswer,
} from '../settings';
import { useLoad } from '../useLoad';
import './config-pages.css';

const fieldId = (path: string) => `set-${path.replace(/[._]/g, '-')}`;

const EFFECT_NOTE: Record<Effect, string> = {
  now: '',
  restart: 'Applies at the next start of aisbf.',
  unused: 'Kept in aisbf.json; aisbf does not use it (yet).',
};

function labelOf(path: string): string {
  return ALL_FIELDS.find((f) => f.path === path)?.label ?? path;
}

function SettingField(props: {
  def: FieldDef;
  form: FormValues;
  effect: Effect;
  pending: boolean; // saved, waiting for a restart
  error?: string;
  onChange: (path: string, value: string | boolean) => void;
}) {
  const { def, form } = props;
  const id = fieldId(def.path);
  const notes = [props.pending ? 'Saved: restart aisbf to apply it.' : EFFECT_NOTE[props.effect], def.hint]
    .filter(Boolean).join(' ');
  const hint = notes || undefined;
  const value = form[def.path];
  let control;
  if (def.readOnly) {
    control = (
      <div class="field">
        <span class="setting-readonly-label">{def.label}</span>
        <p class="setting-readonly"><code>{String(value || 'http')}</code></p>
        {hint && <p class="field-hint">{hint}</p>}
      </div>
    );
  } else if (def.type === 'bool') {
    control = <CheckboxField id={id} label={def.label} checked={value === true} hint={hint} error={props.error}
      onChange={(v) => props.onChange(def.path, v)} />;
  } else if (def.type === 'select') {
    const current = String(value ?? '');
    const options = [...(def.options ?? [])];
    if (current && !options.includes(current)) options.unshift(current); // a spelling the server accepts (mariadb, postgresql)
    const choices = options.map((o) => ({ value: o, label: o }));
    if (current === '') choices.unshift({ value: '', label: `not set (${def.defaultValue ?? 'the default'})` });
    control = <SelectField id={id} label={def.label} value={current} hint={hint} error={props.error}
      options={choices} onChange={(v) => props.onChange(def.path, v)} />;
  } else if (def.type === 'lines') {
    control = <TextAreaField id={id} label={def.label} value={String(value ?? '')} rows={3} mono hint={hint}
      error={props.error} onInput={(v) => props.onChange(def.path, v)} />;
  } else {
    const numeric = def.type === 'int' || def.type === 'number';
    const secretHint = def.type === 'secret' && isMasked(String(value ?? ''))
      ? 'Shown masked: leave it to keep the stored value, or type a new one.' : '';
    control = <Field id={id} label={def.label} value={String(value ?? '')} error={props.error}
      hint={[hint, secretHint].filter(Boolean).join(' ') || undefined}
      inputMode={numeric ? (def.type === 'int' ? 'numeric' : 'decimal') : undefined}
      autocomplete={def.type === 'secret' ? 'off' : undefined}
      placeholder={numeric ? 'default' : undefined} onInput={(v) => props.onChange(def.path, v)} />;
  }
  return <div class={`setting setting-${props.pending ? 'pending' : props.effect}`}>{control}</div>;
}

function EffectBadge(props: { effect: Effect }) {
  if (props.effect === 'now') return <span class="badge badge-ok">Applies at once</span>;
  if (props.effect === 'restart') return <span class="badge badge-warn">Needs a restart</span>;
  return <span class="badge badge-neutral">Not used by aisbf</span>;
}

// The gateway tokens: the stored ones masked, new ones shown until saved.
function TokensEditor(props: { form: FormValues; stored: string[]; error?: string; onChange: (tokens: string[]) => void }) {
  const [draft, setDraft] = useState('');
  const [draftError, setDraftError] = useState('');
  const tokens = tokenList(props.form);
  const add = (token: string) => {
    const t = token.trim();
    if (t === '') return setDraftError('Enter or generate a token first.');
    if (/\s/.test(t)) return setDraftError('A token cannot hold spaces: a client sends it in a header.');
    if (tokens.includes(t)) return setDraftError('This token is listed already.');
    setDraftError('');
    setDraft('');
    props.onChange([...tokens, t]);
  };
  const generate = () => add(newToken((n) => crypto.getRandomValues(new Uint8Array(n))));
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`} id={fieldId(TOKENS)} tabIndex={-1}>
      <h3 class="setting-subtitle">Tokens</h3>
      {tokens.length === 0 ? (
        <p class="muted small">No gateway token. Users’ own tokens and dashboard sessions still work.</p>
      ) : (
        <ul class="token-list">
          {tokens.map((t) => {
            const fresh = !props.stored.includes(t);
            return (
              <li key={t}>
                <code class="token">{t}</code>
                {fresh && <span class="badge badge-accent">New: copy it now, it is masked once saved</span>}
                <span class="actions">
                  {fresh && <CopyButton text={t} label="Copy" />}
                  <button type="button" class="button button-small" aria-label={`Remove the token ${t}`}
                    onClick={() => props.onChange(tokens.filter((x) => x !== t))}>Remove</button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {props.error && <p class="field-error" id={`${fieldId(TOKENS)}-error`}>{props.error}</p>}
      <div class="token-add">
        <Field id="set-new-token" label="Add a token" value={draft} error={draftError} autocomplete="off"
          hint="Your own, or generate 32 random bytes." onInput={(v) => { setDraft(v); setDraftError(''); }} />
        <div class="actions">
          <button type="button" class="button" onClick={() => add(draft)}>Add</button>
          <button type="button" class="button" onClick={generate}>Generate a token</button>
        </div>
      </div>
    </div>
  );
}

function SettingsForm(props: { initial: SettingsAnswer }) {
  const session = useSession();
  const [answer, setAnswer] = useState(props.initial);
  const [form, setForm] = useState<FormValues>(() => formFrom(props.initial.settings));
  const [errors, setErrors] = useState<FormErrors>({});
  const [failure, setFailure] = useState('');
  const [saved, setSaved] = useState<{ restart: string[]; warnings: string[] } | null>(null);
  const [pending, setPending] = useState<string[]>([]); // saved start-only paths, for this page's life
  const [busy, setBusy] = useState(false);
  const [confirmRemoval, setConfirmRemoval] = useState<string[] | null>(null);

  const changes = changedSections(answer.settings, form);
  const before = formFrom(answer.settings);
  const nothingToSave = Object.keys(changes).length === 0;
  const changedTitles = nothingToSave ? [] : SECTIONS.filter((s) => s.fields.some((f) => form[f.path] !== before[f.path]) ||
    (s.id === 'auth' && form[TOKENS] !== before[TOKENS])).map((s) => s.title);
  const storedTokens = (getPath(answer.settings, TOKENS) as string[] | undefined) ?? [];

  const set = (path: string, value: string | boolean) => {
    setForm((f) => ({ ...f, [path]: value }));
    if (errors[path]) setErrors((e) => ({ ...e, [path]: '' }));
    setSaved(null);
  };

  const send = async () => {
    setConfirmRemoval(null);
    setBusy(true);
    try {
      const next = await api<SettingsAnswer>('PUT', '/api/admin/settings', changes);
      setAnswer(next);
      setForm(formFrom(next.settings));
      const restart = next.restart_required ?? [];
      setSaved({ restart, warnings: next.warnings ?? [] });
      setPending((p) => [...new Set([...p, ...restart])]);
    } catch (err) {
      if (session.intercept(err)) return;
      const field = err instanceof ApiError ? fieldOfParam(err.param) : null;
      if (field) {
        setErrors({ [field]: err instanceof Error ? err.message : String(err) });
        document.getElementById(fieldId(field))?.focus();
      } else {
        setFailure(`Nothing was saved: ${errorText(err)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    setFailure('');
    setSaved(null);
    const found = validateSettings(form);
    setErrors(found);
    const first = ALL_FIELDS.find((f) => found[f.path])?.path ?? (found[TOKENS] ? TOKENS : null);
    if (first) {
      document.getElementById(fieldId(first))?.focus();
      return;
    }
    const removed = storedTokens.filter((t) => !tokenList(form).includes(t));
    if (removed.length > 0) setConfirmRemoval(removed);
    else void send();
  };

  const isPending = (path: string) => pending.some((p) => p === path || path.startsWith(`${p}.`));

  return (
    <form onSubmit={submit} noValidate>
      {failure && <Alert>{failure}</Alert>}
      {saved && (
        <Alert kind={saved.restart.length ? 'info' : 'success'}>
          {saved.restart.length === 0
            ? 'Saved. The changes apply to the next requests.'
            : `Saved. These apply at the next start of aisbf: ${saved.restart.map((p) => `${labelOf(p)} (${p})`).join(', ')}; the others apply at once.`}
          {saved.warnings.length > 0 && (
            <ul class="small">{saved.warnings.map((w) => <li key={w}>{w}</li>)}</ul>
          )}
        </Alert>
      )}
      {SECTIONS.map((section) => {
        const shown = section.fields.filter((f) => visible(f, form));
        const effects = new Set(shown.map((f) => effectOf(f.path, answer)));
        return (
          <section key={section.id} class="card setting-section" aria-labelledby={`sec-${section.id}`}>
            <div class="setting-head">
              <h2 id={`sec-${section.id}`}>{section.title}</h2>
              <span class="setting-badges">{[...effects].map((e) => <EffectBadge key={e} effect={e} />)}</span>
            </div>
            <p class="muted small">{section.lead}</p>
            <div class="setting-grid">
              {shown.map((f) => (
                <SettingField key={f.path} def={f} form={form} effect={effectOf(f.path, answer)}
                  pending={isPending(f.path)} error={errors[f.path] || undefined} onChange={set} />
              ))}
            </div>
            {section.id === 'auth' && (
              <TokensEditor form={form} stored={storedTokens} error={errors[TOKENS] || undefined}
                onChange={(tokens) => set(TOKENS, tokens.join('\n'))} />
            )}
          </section>
        );
      })}
      <div class="save-bar" role="region" aria-label="Save the settings">
        <span class="small" aria-live="polite">
          {changedTitles.length ? `Unsaved changes: ${changedTitles.join(', ')}` : 'No unsaved change.'}
        </span>
        <span class="actions">
          <button type="button" class="button" disabled={busy || nothingToSave}
            onClick={() => { setForm(formFrom(answer.settings)); setErrors({}); }}>Discard</button>
          <button type="submit" class="button button-primary" disabled={busy || nothingToSave}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
        </span>
      </div>
      <ConfirmDialog open={confirmRemoval !== null} title="Remove gateway tokens?" confirmLabel="Remove and save"
        busy={busy} onConfirm={() => void send()} onCancel={() => setConfirmRemoval(null)}>
        <p>
          {confirmRemoval?.length === 1 ? 'The token ' : 'The tokens '}
          {confirmRemoval?.map((t) => <code key={t}>{t}</code>)} will stop working at once: clients that send
          {confirmRemoval?.length === 1 ? ' it' : ' them'} are refused.
        </p>
      </ConfirmDialog>
    </form>
  );
}

export function Settings() {
  const [load, reload] = useLoad(() => api<SettingsAnswer>('GET', '/api/admin/settings'));
  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>Settings</PageTitle>
      </div>
      <p class="lead">
        The gateway’s settings in aisbf.json. Most apply to the next request; those read when aisbf starts are marked.
        Keys this page does not show are kept as they are.
      </p>
      {load.state === 'loading' && <Loading label="Loading the settings…" />}
      {load.state === 'error' && (
        <Alert>
          The settings could not be loaded: {load.message}{' '}
          <button type="button" class="link-button" onClick={reload}>Try again</button>
        </Alert>
      )}
      {load.state === 'ready' && <SettingsForm initial={load.data} />}
    </main>
  );
}
