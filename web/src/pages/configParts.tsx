// What the rotation and autoselect pages share: where their API is (the
// gateway's under /api/admin, the caller's own under /api/user), the model
// list they pick from, and two small form pieces (a text field with
// suggestions, a three-way setting).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import './config.css';
import { Alert, ConfirmDialog, errorText, Loading, PageTitle, type Option } from '../components';
import type { ListedModel, Scope } from '../modelChoices';
import type { Json, Tri } from '../rotation';
import { useSession } from '../session';
import { useLoad } from '../useLoad';
import { hasErrors, type FieldErrors } from '../validation';

export type { Scope };

export interface ConfigScope {
  kind: Scope;
  base: '/api/admin' | '/api/user';
}
export const ADMIN: ConfigScope = { kind: 'admin', base: '/api/admin' };
export const USER: ConfigScope = { kind: 'user', base: '/api/user' };

// The models the signed-in caller may name (/api/v1/models: the global ones
// and, in their namespace, their own).
export async function loadModels(): Promise<ListedModel[]> {
  const list = await api<{ data?: ListedModel[] }>('GET', '/api/v1/models');
  return Array.isArray(list.data) ? list.data : [];
}

// A list page's data: the entries as the API lists them (id → the entry as
// written) and the models to pick from.
export interface Loaded {
  entries: Record<string, Json>;
  models: ListedModel[];
}

export async function loadEntries(scope: ConfigScope, plural: Plural): Promise<Loaded> {
  const [list, models] = await Promise.all([
    api<Partial<Record<Plural, Record<string, Json>>>>('GET', `${scope.base}/${plural}`),
    loadModels(),
  ]);
  return { entries: list[plural] ?? {}, models };
}

// What an editor is given.
export interface EditorProps<F> {
  scope: ConfigScope;
  initial: F;
  isNew: boolean;
  taken: string[];
  models: ListedModel[];
  onDone: (saved: string | null) => void;
}

export const TRI_OPTIONS = (inherit: string): Option[] => [
  { value: 'default', label: inherit },
  { value: 'on', label: 'On' },
  { value: 'off', label: 'Off' },
];

export function TriField(props: {
  id: string;
  label: string;
  value: Tri;
  inherit: string;
  hint?: string;
  onChange: (v: Tri) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id} value={props.value}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value as Tri)}>
        {TRI_OPTIONS(props.inherit).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      {props.hint && <p class="field-hint" id={`${props.id}-hint`}>{props.hint}</p>}
    </div>
  );
}

// A text field with suggestions (a <datalist>): any id may be typed, the
// known ones are offered.
export function ComboField(props: {
  id: string;
  label: string;
  value: string;
  list: string; // the datalist's id
  error?: string;
  hint?: string;
  placeholder?: string;
  onInput: (v: string) => void;
}) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      <input id={props.id} name={props.id} type="text" list={props.list} value={props.value} autocomplete="off"
        spellcheck={false} placeholder={props.placeholder} aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described} onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)} />
      {props.hint && <p class="field-hint" id={`${props.id}-hint`}>{props.hint}</p>}
      {props.error && <p class="field-error" id={`${props.id}-error`}>{props.error}</p>}
    </div>
  );
}

export function Suggestions(props: { id: string; values: readonly { value: string; label: string }[] }) {
  return (
    <datalist id={props.id}>
      {props.values.map((v) => <option key={v.value} value={v.value}>{v.label}</option>)}
    </datalist>
  );
}

// Up, down and remove buttons of a row in an ordered list, named for the
// row; the moved row's button keeps the focus (refocusMoved finds it by id).
export function RowActions(props: {
  id: string; // the row's key
  name: string;
  first: boolean;
  last: boolean;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  return (
    <span class="candidate-actions">
      <button type="button" class="button button-small" id={`up-${props.id}`} disabled={props.first}
        aria-label={`Move ${props.name} up`} onClick={() => props.onMove(-1)}>↑</button>
      <button type="button" class="button button-small" id={`down-${props.id}`} disabled={props.last}
        aria-label={`Move ${props.name} down`} onClick={() => props.onMove(1)}>↓</button>
      <button type="button" class="button button-small button-danger-quiet" aria-label={`Remove ${props.name}`}
        onClick={props.onRemove}>Remove</button>
    </span>
  );
}

// After a move, the focus goes back to the moved row's button (or its
// other one, when the row reached an end and that button is disabled).
export function refocusMoved(key: string, by: -1 | 1): void {
  requestAnimationFrame(() => {
    const same = document.getElementById(`${by < 0 ? 'up' : 'down'}-${key}`) as HTMLButtonElement | null;
    const other = document.getElementById(`${by < 0 ? 'down' : 'up'}-${key}`) as HTMLButtonElement | null;
    (same && !same.disabled ? same : other)?.focus();
  });
}

// --- the list page and the editor, the same for rotations and autoselects

export type Plural = 'rotations' | 'autoselects';
type Message = { kind: 'success' | 'error'; text: string };

// A list page's state: the entries loaded, the one in the editor, the one
// whose delete is being confirmed, and what the last action said.
export function useEntryList<D, F>(scope: ConfigScope, plural: Plural, noun: string, fetcher: () => Promise<D>) {
  const session = useSession();
  const [load, reload] = useLoad(fetcher);
  const [editing, setEditing] = useState<{ form: F; isNew: boolean } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const remove = async () => {
    if (!deleting) return;
    setBusy(true);
    try {
      await api('DELETE', `${scope.base}/${plural}/${encodeURIComponent(deleting)}`);
      await reload(); // "deleted" once the list shown is without it
      setMessage({ kind: 'success', text: `${noun} ${deleting} deleted.` });
    } catch (err) {
      if (!session.intercept(err)) setMessage({ kind: 'error', text: `${deleting} was not deleted: ${errorText(err)}` });
    } finally {
      setBusy(false);
      setDeleting(null);
    }
  };
  const edit = (form: F, isNew: boolean) => {
    setMessage(null);
    setEditing({ form, isNew });
  };
  const ask = (id: string) => {
    setMessage(null);
    setDeleting(id);
  };
  // The editor closed: `saved` says what was saved (null: cancelled).
  const done = async (saved: string | null) => {
    if (saved) await reload(); // "saved" once the list shown holds it
    setEditing(null);
    if (saved) setMessage({ kind: 'success', text: saved });
  };
  const dialog = (consequence: string) => (
    <ConfirmDialog open={deleting !== null} title={`Delete ${noun.toLowerCase()} ${deleting ?? ''}?`} confirmLabel="Delete"
      busyLabel="Deleting…" busy={busy} onConfirm={remove} onCancel={() => setDeleting(null)}>
      <p>{consequence}</p>
    </ConfirmDialog>
  );
  return { load, editing, message, edit, ask, done, dialog };
}

// An editor's state and its save: the form's checks first (errors beside
// the fields), then PUT; the server's field error beside its field, any
// other above the form. An edited field's error goes, the summary with the
// last one.
export function useEntryEditor<F, K extends string>(o: {
  scope: ConfigScope;
  plural: Plural;
  noun: string;
  initial: F;
  idOf: (form: F) => string;
  validate: (form: F) => FieldErrors<K>;
  body: (form: F) => Json;
  fieldOf: (param: string | null, form: F, prefix: string) => K | null;
  prefix: (id: string) => string; // where the admin API's JSON paths start
  onDone: (saved: string | null) => void;
}) {
  const session = useSession();
  const [form, setForm] = useState(o.initial);
  const [errors, setErrors] = useState<FieldErrors<K>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const clear = (...fields: K[]) => {
    if (!fields.some((f) => errors[f])) return;
    const next = { ...errors };
    for (const f of fields) delete next[f];
    setErrors(next);
    if (!hasErrors(next)) setFailure(null);
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setFailure(null);
    const found = o.validate(form);
    setErrors(found);
    if (hasErrors(found)) {
      setFailure('Some fields need a look before saving.');
      return;
    }
    const id = o.idOf(form);
    setSaving(true);
    try {
      const answer = await api<{ warnings?: string[] }>('PUT', `${o.scope.base}/${o.plural}/${encodeURIComponent(id)}`,
        o.body(form));
      const warnings = answer?.warnings?.length ? ` Warnings: ${answer.warnings.join('; ')}` : '';
      o.onDone(`${o.noun} ${id} saved.${warnings}`);
    } catch (err) {
      if (session.intercept(err)) return;
      const field = err instanceof ApiError ? o.fieldOf(err.param, form, o.prefix(id)) : null;
      if (field) setErrors({ [field]: errorText(err) } as FieldErrors<K>);
      setFailure(field ? 'The gateway refused a field: see below.' : `Not saved: ${errorText(err)}`);
    } finally {
      setSaving(false);
    }
  };
  return { form, setForm, errors, failure, saving, clear, save };
}

type EntryList<D, F> = ReturnType<typeof useEntryList<D, F>>;

// A list page: its title and "New" button, what it is, the last action's
// message, the list once loaded (or the editor, while one is open) and the
// delete confirmation.
export function EntryPage<D, F>(props: {
  page: EntryList<D, F>;
  title: string;
  noun: string; // "rotation"
  lead: ComponentChildren;
  consequence: string; // of a delete
  blank: () => F;
  editor: (data: D, editing: { form: F; isNew: boolean }) => ComponentChildren;
  children: (data: D) => ComponentChildren;
}) {
  const { page } = props;
  const { load } = page;
  if (page.editing && load.state === 'ready') {
    return <main id="main" class="page">{props.editor(load.data, page.editing)}</main>;
  }
  return (
    <main id="main" class="page">
      <div class="page-head">
        <PageTitle>{props.title}</PageTitle>
        <button type="button" class="button button-primary" disabled={load.state !== 'ready'}
          onClick={() => page.edit(props.blank(), true)}>
          New {props.noun}
        </button>
      </div>
      <p class="lead">{props.lead}</p>
      {page.message && <Alert kind={page.message.kind}>{page.message.text}</Alert>}
      {load.state === 'loading' && <Loading label={`Loading the ${props.noun}s…`} />}
      {load.state === 'error' && <Alert>The {props.noun}s could not be loaded: {load.message}</Alert>}
      {load.state === 'ready' && props.children(load.data)}
      {page.dialog(props.consequence)}
    </main>
  );
}

// An editor's last row: save and cancel.
export function EditorActions(props: { saving: boolean; noun: string; onCancel: () => void }) {
  return (
    <div class="actions">
      <button type="submit" class="button button-primary" disabled={props.saving}>
        {props.saving ? 'Saving…' : `Save ${props.noun}`}
      </button>
      <button type="button" class="button" onClick={props.onCancel} disabled={props.saving}>Cancel</button>
    </div>
  );
}
