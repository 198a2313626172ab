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
  ALL_FIELDS, changedSections, defaultOf, effectOf, fieldOfParam, formFrom, getPath, isMasked, newToken, removedTokens,
  SECTIONS, sharedMasks, TOKENS, tokenList, turnsAuthOff, validateSettings, visible, type Effect, type FieldDef,
  type FormErrors, type FormValues, type JsonObject, type SettingsAnswer,
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

// A secret: hidden as a password is, with a button that shows it. A value
// read back is masked by the server ("abc…wxyz"): left as it is, the stored
// secret stays.
function SecretField(props: { id: string; label: string; value: string; hint?: string; error?: string;
  onInput: (value: string) => void }) {
  const [shown, setShown] = useState(false);
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      <div class="secret-input">
        <input id={props.id} name={props.id} type={shown ? 'text' : 'password'} value={props.value}
          autocomplete="new-password" spellcheck={false} aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={described}
          onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)} />
        <button type="button" class="button button-small" aria-pressed={shown} aria-controls={props.id}
          aria-label={`${shown ? 'Hide' : 'Show'} ${props.label}`} onClick={() => setShown((v) => !v)}>
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
      {props.hint && <p class="field-hint" id={`${props.id}-hint`}>{props.hint}</p>}
      {props.error && <p class="field-error" id={`${props.id}-error`}>{props.error}</p>}
    </div>
  );
}

function SettingField(props: {
  def: FieldDef;
  settings: JsonObject; // as read: what an absent key means
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
    if (current === '') choices.unshift({ value: '', label: `not set (${String(defaultOf(def, props.settings) || 'the default')})` });
    control = <SelectField id={id} label={def.label} value={current} hint={hint} error={props.error}
      options={choices} onChange={(v) => props.onChange(def.path, v)} />;
  } else if (def.type === 'lines') {
    control = <TextAreaField id={id} label={def.label} value={String(value ?? '')} rows={3} mono hint={hint}
      error={props.error} onInput={(v) => props.onChange(def.path, v)} />;
  } else if (def.type === 'secret') {
    const secretHint = isMasked(String(value ?? ''))
      ? 'Stored, shown masked: leave it to keep the stored value, or type a new one.' : '';
    control = <SecretField id={id} label={def.label} value={String(value ?? '')} error={props.error}
      hint={[hint, secretHint].filter(Boolean).join(' ') || undefined} onInput={(v) => props.onChange(def.path, v)} />;
  } else {
    const numeric = def.type === 'int' || def.type === 'number';
    control = <Field id={id} label={def.label} value={String(value ?? '')} error={props.error} hint={hint}
      inputMode={numeric ? (def.type === 'int' ? 'numeric' : 'decimal') : undefined}
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
  const shared = sharedMasks(props.stored);
  // Stored tokens come back masked: a new one is new while the stored ones
  // (counted: several may read "…") are not all accounted for by others.
  const fresh = new Set<number>();
  {
    const left = new Map<string, number>();
    for (const t of props.stored) left.set(t, (left.get(t) ?? 0) + 1);
    tokens.forEach((t, i) => {
      const n = left.get(t) ?? 0;
      if (n > 0) left.set(t, n - 1);
      else fresh.add(i);
    });
  }
  const add = (token: string) => {
    const t = token.trim();
    if (t === '') return setDraftError('Enter or generate a token first.');
    if (/\s/.test(t)) return setDraftError('A token cannot hold spaces: a client sends it in a header.');
    if (isMasked(t)) return setDraftError('This is how a stored token is shown, not a token: enter the token itself.');
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
          {tokens.map((t, i) => {
            const isNew = fresh.has(i);
            const which = tokens.filter((x) => x === t).length > 1 ? ` (number ${i + 1})` : '';
            return (
              <li key={i}>
                <code class="token">{t}</code>
                {isNew && <span class="badge badge-accent">New: copy it now, it is masked once saved</span>}
                <span class="actions">
                  {isNew && <CopyButton text={t} label="Copy" />}
                  <button type="button" class="button button-small" aria-label={`Remove the token ${t}${which}`}
                    onClick={() => props.onChange(tokens.filter((_, j) => j !== i))}>Remove</button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {shared.length > 0 && (
        <p class="field-hint">
          Tokens under 12 characters all show as <code>…</code>: aisbf cannot tell which of them you remove. To remove
          one, remove them all and add back, in full, those to keep.
        </p>
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
  const [busy, setBusy] = useState(false);
  // Asked before a save: tokens removed, auth turned off.
  const [confirm, setConfirm] = useState<{ removed: string[]; authOff: ReturnType<typeof turnsAuthOff> } | null>(null);
  // Written, not in effect until aisbf restarts: the server compares the
  // file with what it started with (a change put back clears its mark).
  const pending = answer.restart_required ?? [];

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
    setConfirm(null);
    setBusy(true);
    try {
      const next = await api<SettingsAnswer>('PUT', '/api/admin/settings', changes);
      setAnswer(next);
      setForm(formFrom(next.settings));
      setSaved({ restart: next.restart_required ?? [], warnings: next.warnings ?? [] });
    } catch (err) {
      if (session.intercept(err)) return;
      const field = err instanceof ApiError ? fieldOfParam(err.param, form) : null;
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
    const removed = removedTokens(storedTokens, tokenList(form));
    const authOff = turnsAuthOff(answer.settings, form);
    if (removed.length > 0 || authOff) setConfirm({ removed, authOff });
    else void send();
  };
  const authOff = confirm?.authOff ?? null;
  const removed = confirm?.removed ?? [];

  const isPending = (path: string) => pending.some((p) => p === path || path.startsWith(`${p}.`));

  return (
    <form onSubmit={submit} noValidate>
      {failure && <Alert>{failure}</Alert>}
      {!saved && pending.length > 0 && (
        <Alert kind="info">
          Saved, waiting for a restart of aisbf: {pending.map((p) => `${labelOf(p)} (${p})`).join(', ')}.
        </Alert>
      )}
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
                <SettingField key={f.path} def={f} settings={answer.settings} form={form} effect={effectOf(f.path, answer)}
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
      <ConfirmDialog open={confirm !== null && !(authOff && !authOff.loopback)}
        title={authOff ? 'Turn authentication off?' : 'Remove gateway tokens?'}
        confirmLabel={authOff ? 'Turn it off and save' : 'Remove and save'}
        busy={busy} onConfirm={() => void send()} onCancel={() => setConfirm(null)}>
        {authOff && (
          <p>
            Every API call is then served without a token: any program or user on this machine that can reach
            {' '}<code>{authOff.host}</code> can use your providers’ keys and change these settings. It applies at once.
          </p>
        )}
        {removed.length > 0 && (
          <p>
            {removed.length === 1 ? 'The token ' : 'The tokens '}
            {removed.map((t, i) => <code key={i}>{t}</code>)} will stop working at once: clients that send
            {removed.length === 1 ? ' it' : ' them'} are refused.
          </p>
        )}
      </ConfirmDialog>
      <ConfirmDialog open={authOff !== null && !authOff.loopback} title="Authentication cannot be off on this address"
        confirmLabel="Keep authentication on" danger={false}
        onConfirm={() => { setConfirm(null); set('auth.enabled', true); }} onCancel={() => setConfirm(null)}>
        <p>
          aisbf listens on <code>{authOff?.host}</code>, which is not a loopback address: with authentication off,
          anyone who can reach it could spend your providers’ keys, read the usage and change every setting. aisbf
          refuses this (and would not start so). To turn authentication off, set the listen address to
          {' '}<code>127.0.0.1</code> first.
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
