// The provider form's logic, without DOM: a providers.json entry turned into
// the form's fields and back (keys the form does not know are kept as they
// came), the checks made before sending, the server's error `param` mapped
// to the field it names, presets applied, and fetched models turned into
// model entries. Tested in providers.test.ts.
import { byteLength, type FieldErrors } from './validation';

export type Entry = Record<string, unknown>;

// Where a scope's providers live: the admin's global ones or a user's own.
export interface ProviderScope {
  kind: 'admin' | 'user';
  base: string; // '/api/admin/providers' | '/api/user/providers'
}
export const ADMIN_SCOPE: ProviderScope = { kind: 'admin', base: '/api/admin/providers' };
export const USER_SCOPE: ProviderScope = { kind: 'user', base: '/api/user/providers' };

export function providerUrl(scope: ProviderScope, id: string, tail = ''): string {
  return `${scope.base}/${encodeURIComponent(id)}${tail}`;
}

// The server masks a key as "abc…wxyz" (or "…" when short); sent back
// unchanged, it keeps the stored one.
export function isMasked(value: string): boolean {
  return value === '…' || (value.length === 8 && value[3] === '…');
}

export const TIMEOUT_FIELDS = ['connect', 'first_byte', 'idle', 'total'] as const;
export type TimeoutField = (typeof TIMEOUT_FIELDS)[number];

// Numbers a provider gives its models (`default_*`), as the form edits them.
export const DEFAULT_FIELDS = [
  { key: 'default_context_size', label: 'Context size (tokens)', integer: true },
  { key: 'default_max_request_tokens', label: 'Max request tokens', integer: true },
  { key: 'default_rate_limit_TPM', label: 'Tokens per minute', integer: true },
  { key: 'default_rate_limit_TPD', label: 'Tokens per day', integer: true },
  { key: 'default_error_cooldown', label: 'Error cooldown (s)', integer: true },
] as const;
export type DefaultField = (typeof DEFAULT_FIELDS)[number]['key'];

export interface ModelRow {
  name: string;
  context_size: string;
  rate_limit: string; // seconds between requests
  rate_limit_TPM: string;
  capabilities: string; // comma-separated
  extra: Entry; // every other key of the entry (pricing, max_request_tokens, …)
}

export type KeyMode = 'new' | 'keep' | 'replace';

// Where a saved entry's requests go, as the form had it when loaded: a
// masked key is kept by the server only while these stay (the effective
// endpoint's origin, type, preset, api); otherwise it must be entered again.
export interface Destination {
  type: string;
  preset: string;
  api: string;
  endpoint: string;
}

export interface ProviderForm {
  id: string;
  name: string;
  type: string;
  preset: string; // with type "openai": a preset named explicitly
  api: string; // '' (not written), 'chat' or 'responses'
  endpoint: string;
  storedKey: string; // the masked key the server showed ('' when none)
  keyMode: KeyMode; // 'keep': send storedKey back (the server keeps the real one)
  api_key: string; // the new key ('new' and 'replace'; empty in 'replace': keep the stored one)
  // 'replace' forced because the destination changed (saved): the stored key
  // cannot be kept, so an empty key means none.
  keyForced: boolean;
  saved: Destination | null; // the loaded entry's destination; null for a new one
  api_key_required: boolean | null; // null: not written, the preset's default applies
  rate_limit: string;
  defaults: Record<DefaultField, string>;
  timeouts: Record<TimeoutField, string>;
  models: ModelRow[];
  extra: Entry; // keys the form does not edit, sent back as they came
}

const FORM_KEYS = new Set([
  'id', 'name', 'type', 'preset', 'api', 'endpoint', 'api_key', 'api_key_required', 'rate_limit', 'timeouts', 'models',
  ...DEFAULT_FIELDS.map((f) => f.key),
]);
const MODEL_KEYS = new Set(['name', 'context_size', 'rate_limit', 'rate_limit_TPM', 'capabilities']);

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function pick(entry: Entry, keep: Set<string>): Entry {
  return Object.fromEntries(Object.entries(entry).filter(([k]) => !keep.has(k)));
}

export function modelFromEntry(entry: Entry): ModelRow {
  const caps = Array.isArray(entry.capabilities) ? entry.capabilities.filter((c) => typeof c === 'string') : [];
  return {
    name: text(entry.name),
    context_size: text(entry.context_size),
    rate_limit: text(entry.rate_limit),
    rate_limit_TPM: text(entry.rate_limit_TPM),
    capabilities: caps.join(', '),
    extra: pick(entry, MODEL_KEYS),
  };
}

export function emptyModel(name = ''): ModelRow {
  return { name, context_size: '', rate_limit: '', rate_limit_TPM: '', capabilities: '', extra: {} };
}

export function emptyForm(): ProviderForm {
  return {
    id: '', name: '', type: 'openai', preset: '', api: '', endpoint: '', storedKey: '', keyMode: 'new', api_key: '',
    keyForced: false, saved: null, api_key_required: true, rate_limit: '',
    defaults: Object.fromEntries(DEFAULT_FIELDS.map((f) => [f.key, ''])) as Record<DefaultField, string>,
    timeouts: { connect: '', first_byte: '', idle: '', total: '' },
    models: [], extra: {},
  };
}

export function formFromEntry(id: string, entry: Entry): ProviderForm {
  const form = emptyForm();
  const key = text(entry.api_key);
  const timeouts = (entry.timeouts && typeof entry.timeouts === 'object' ? entry.timeouts : {}) as Entry;
  return {
    ...form,
    id,
    name: text(entry.name),
    type: text(entry.type),
    preset: text(entry.preset),
    api: text(entry.api),
    endpoint: text(entry.endpoint),
    storedKey: key,
    keyMode: key ? 'keep' : 'new',
    api_key: '',
    saved: { type: text(entry.type), preset: text(entry.preset), api: text(entry.api), endpoint: text(entry.endpoint) },
    api_key_required: typeof entry.api_key_required === 'boolean' ? entry.api_key_required : null,
    rate_limit: text(entry.rate_limit),
    defaults: Object.fromEntries(DEFAULT_FIELDS.map((f) => [f.key, text(entry[f.key])])) as Record<DefaultField, string>,
    timeouts: Object.fromEntries(TIMEOUT_FIELDS.map((f) => [f, text(timeouts[f])])) as Record<TimeoutField, string>,
    models: Array.isArray(entry.models) ? entry.models.filter((m) => m && typeof m === 'object').map((m) => modelFromEntry(m as Entry)) : [],
    extra: pick(entry, FORM_KEYS),
  };
}

// The key the entry carries: the masked stored one (kept by the server), a
// new one, or none. A replacement left empty keeps the stored key, unless
// the destination changed (then there is no stored key to keep).
function keyOf(form: ProviderForm): string {
  if (form.keyMode === 'keep') return form.storedKey;
  const typed = form.api_key.trim();
  if (!typed && form.keyMode === 'replace' && !form.keyForced) return form.storedKey;
  return typed;
}

function num(v: string): number | undefined {
  return v.trim() === '' ? undefined : Number(v.trim());
}

function capabilities(v: string): string[] {
  return v.split(',').map((c) => c.trim()).filter(Boolean);
}

export function modelToEntry(row: ModelRow): Entry {
  const out: Entry = { ...row.extra, name: row.name.trim() };
  const set = (k: string, v: unknown) => {
    if (v !== undefined) out[k] = v;
  };
  set('context_size', num(row.context_size));
  set('rate_limit', num(row.rate_limit));
  set('rate_limit_TPM', num(row.rate_limit_TPM));
  const caps = capabilities(row.capabilities);
  if (caps.length) out.capabilities = caps;
  return out;
}

// The entry to PUT: the keys the form does not know first, as they came.
export function entryFromForm(form: ProviderForm): Entry {
  const out: Entry = { ...form.extra };
  if (form.name.trim()) out.name = form.name.trim();
  out.type = form.type.trim();
  if (form.preset.trim()) out.preset = form.preset.trim();
  if (form.api) out.api = form.api;
  out.endpoint = form.endpoint.trim();
  const key = keyOf(form);
  if (key) out.api_key = key;
  if (form.api_key_required !== null) out.api_key_required = form.api_key_required;
  const rate = num(form.rate_limit);
  if (rate !== undefined) out.rate_limit = rate;
  for (const f of DEFAULT_FIELDS) {
    const v = num(form.defaults[f.key]);
    if (v !== undefined) out[f.key] = v;
  }
  const timeouts: Entry = {};
  for (const f of TIMEOUT_FIELDS) {
    const v = num(form.timeouts[f]);
    if (v !== undefined) timeouts[f] = v;
  }
  if (Object.keys(timeouts).length) out.timeouts = timeouts;
  out.models = form.models.map(modelToEntry);
  return out;
}

// --- checks before sending (the server checks again)

export interface PresetInfo {
  id: string;
  name: string;
  label: string;
  kind: 'type' | 'preset';
  endpoint: string;
  api_key_required: boolean;
  notes: string;
  template: Entry;
}

const HAS_CONTROL = /[\u0000-\u001f\u007f]/;

function checkUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'Enter a URL such as https://api.example.com/v1.';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'The endpoint must start with http:// or https://.';
  if (u.username || u.password) return 'Put no credentials in the URL; use the API key field.';
  if (u.search || u.hash || url.includes('?') || url.includes('#')) return 'A base URL has no query (?) or fragment (#).';
  return undefined;
}

function checkNumber(v: string, integer: boolean, positive: boolean): string | undefined {
  if (v.trim() === '') return undefined;
  const n = Number(v.trim());
  if (!Number.isFinite(n)) return 'Enter a number.';
  if (integer && !Number.isInteger(n)) return 'Enter a whole number.';
  if (positive ? n <= 0 : n < 0) return positive ? 'Enter a number above 0.' : 'Enter 0 or more.';
  return undefined;
}

// The preset in effect: `type` naming one, else `preset` with type openai.
export function presetFor(form: Pick<ProviderForm, 'type' | 'preset'>, presets: readonly PresetInfo[]): PresetInfo | undefined {
  const name = form.type === 'openai' ? form.preset : form.type;
  return presets.find((p) => p.kind === 'preset' && p.name === name);
}

// Whether the provider needs a key: as set, else the preset's default (the
// server's rule: a preset's `key_required`, none without a preset).
export function keyRequired(form: Pick<ProviderForm, 'type' | 'preset' | 'api_key_required'>, presets: readonly PresetInfo[]): boolean {
  return form.api_key_required ?? presetFor(form, presets)?.api_key_required ?? false;
}

// "https://host:port" of a URL (default ports made explicit), or the text
// itself when it is no URL.
function originOf(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return `${u.protocol}//${u.hostname.toLowerCase()}:${port}`;
  } catch {
    return url.trim();
  }
}

function destinationKey(d: Destination, presets: readonly PresetInfo[]): string {
  const preset = presetFor(d, presets);
  const endpoint = d.endpoint.trim() || preset?.endpoint || '';
  return JSON.stringify([d.type.trim(), d.type === 'openai' ? d.preset.trim() : '', d.api || 'chat', originOf(endpoint)]);
}

// Whether a saved entry now goes elsewhere than it did (its stored key
// would not be kept by the server).
export function destinationChanged(form: ProviderForm, presets: readonly PresetInfo[]): boolean {
  if (!form.saved) return false;
  return destinationKey(form.saved, presets) !== destinationKey(form, presets);
}

// After an edit of the type, preset, api or endpoint: a stored key kept
// while the destination changes must be entered again ('replace', forced);
// back at the saved destination with nothing typed, it is kept again.
export function keyAfterDestination(form: ProviderForm, presets: readonly PresetInfo[]): ProviderForm {
  if (!form.storedKey) return form;
  const changed = destinationChanged(form, presets);
  if (changed && (form.keyMode === 'keep' || form.keyMode === 'replace') && !form.keyForced) {
    return { ...form, keyMode: 'replace', keyForced: true };
  }
  if (!changed && form.keyForced) {
    return { ...form, keyForced: false, keyMode: form.api_key.trim() ? 'replace' : 'keep' };
  }
  return form;
}

export function validateProvider(
  form: ProviderForm,
  opts: { isNew: boolean; takenIds: readonly string[]; presets: readonly PresetInfo[] },
): FieldErrors<string> {
  const e: FieldErrors<string> = {};
  const id = form.id.trim();
  if (opts.isNew) {
    if (!id) e.id = 'Choose an id: clients name the models as <id>/<model>.';
    else if (byteLength(id) > 128) e.id = 'An id has at most 128 bytes.';
    else if (/[/\s]/.test(id) || HAS_CONTROL.test(id)) e.id = 'An id has no "/", spaces or control characters.';
    else if (opts.takenIds.includes(id)) e.id = `A provider named ${id} exists already.`;
  }
  if (!form.type.trim()) e.type = 'Choose a type.';
  const preset = presetFor(form, opts.presets);
  const endpoint = form.endpoint.trim();
  if (!endpoint) {
    if (!preset || !preset.endpoint) e.endpoint = 'Enter the endpoint URL.';
  } else {
    const bad = checkUrl(endpoint);
    if (bad) e.endpoint = bad;
  }
  if (form.keyMode !== 'keep') {
    const key = form.api_key.trim();
    const required = keyRequired(form, opts.presets);
    if (HAS_CONTROL.test(key)) e.api_key = 'A key has no line breaks or control characters.';
    else if (isMasked(key)) e.api_key = 'Paste the whole key, not its masked form.';
    else if (!key && form.keyForced && required) e.api_key = 'The endpoint, type or preset changed: enter the key again.';
    else if (!key && form.keyMode === 'new' && required) e.api_key = 'This provider needs a key (or untick "needs a key").';
  }
  const rate = checkNumber(form.rate_limit, false, false);
  if (rate) e.rate_limit = rate;
  for (const f of DEFAULT_FIELDS) {
    const bad = checkNumber(form.defaults[f.key], f.integer, f.key !== 'default_error_cooldown');
    if (bad) e[f.key] = bad;
  }
  for (const f of TIMEOUT_FIELDS) {
    const bad = checkNumber(form.timeouts[f], false, true);
    if (bad) e[`timeouts.${f}`] = bad;
  }
  const seen = new Set<string>();
  form.models.forEach((m, i) => {
    const name = m.name.trim();
    if (!name) e[`models.${i}.name`] = 'Name the model as the provider knows it.';
    else if (HAS_CONTROL.test(name)) e[`models.${i}.name`] = 'No control characters.';
    else if (seen.has(name)) e[`models.${i}.name`] = `${name} is listed twice.`;
    seen.add(name);
    const ctx = checkNumber(m.context_size, true, true);
    if (ctx) e[`models.${i}.context_size`] = ctx;
    const r = checkNumber(m.rate_limit, false, false);
    if (r) e[`models.${i}.rate_limit`] = r;
    const tpm = checkNumber(m.rate_limit_TPM, true, true);
    if (tpm) e[`models.${i}.rate_limit_TPM`] = tpm;
  });
  return e;
}

// The form field a server `param` names: the admin API's paths are the
// file's ("providers.<id>.endpoint", `providers["a b"].models[0].name`),
// the user API's and the probes' relative to the entry ("endpoint"). An
// empty path or the entry itself is the id. null: no field of the form.
export function fieldOfParam(param: string | null, id: string): string | null {
  if (param === null) return null;
  let p = param;
  for (const prefix of [`providers.${id}`, `providers[${JSON.stringify(id)}]`]) {
    if (p === prefix) return 'id';
    if (p.startsWith(`${prefix}.`)) p = p.slice(prefix.length + 1);
    else if (p.startsWith(`${prefix}[`)) p = p.slice(prefix.length);
  }
  if (p === '' || p === 'id') return 'id';
  p = p.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
  const known = ['name', 'type', 'preset', 'api', 'endpoint', 'api_key', 'api_key_required', 'rate_limit',
    ...DEFAULT_FIELDS.map((f) => f.key)];
  if (known.includes(p)) return p;
  if (/^timeouts\.(connect|first_byte|idle|total)$/.test(p)) return p;
  const model = /^models\.(\d+)(?:\.(\w+))?/.exec(p);
  if (model) {
    const field = model[2] && MODEL_KEYS.has(model[2]) && model[2] !== 'capabilities' ? model[2] : 'name';
    return `models.${model[1]}.${field}`;
  }
  if (p === 'models') return 'models';
  return null;
}

// A template applied: its type, preset, endpoint and whether it needs a
// key; what the user typed elsewhere (id, key, models, limits) stays.
export function applyPreset(form: ProviderForm, preset: PresetInfo): ProviderForm {
  const t = preset.template;
  return {
    ...form,
    type: text(t.type),
    preset: text(t.preset),
    api: '',
    endpoint: text(t.endpoint),
    api_key_required: typeof t.api_key_required === 'boolean' ? t.api_key_required : null,
    extra: { ...form.extra, ...pick(t, FORM_KEYS) },
    name: form.name || (preset.kind === 'preset' ? preset.label : ''),
  };
}

// --- test connection and fetch models (the server's answers)

export interface ProbeError {
  message: string;
  code: string | null;
  status: number;
}
export interface ProbeStep {
  ok: boolean | null;
  skipped?: string;
  latency_ms?: number;
  error?: ProbeError;
}
export interface TestReport {
  ok: boolean;
  provider: string;
  models: ProbeStep & { count?: number };
  chat: ProbeStep & { model?: string; reply?: string };
}

export interface UpstreamModel {
  id: string;
  name?: string;
  context_size?: number;
  max_output_tokens?: number;
  pricing?: { prompt?: number; completion?: number };
  capabilities: string[];
  configured: boolean;
}

export function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

// "$2.50 / 1M" from a price per token.
export function formatPrice(perToken: number | undefined): string {
  if (perToken === undefined) return '';
  const perMillion = perToken * 1_000_000;
  const digits = perMillion === 0 ? 0 : perMillion < 0.1 ? 3 : 2;
  return `$${perMillion.toFixed(digits)} / 1M`;
}

export function formatTokens(n: number | undefined): string {
  if (n === undefined) return '';
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(2)}M`;
  if (n >= 1000) return `${+(n / 1000).toFixed(1)}k`;
  return String(n);
}

// A fetched model as a model entry: its name, and what the provider told of
// it that aisbf reads (context size, capabilities, prices per token).
export function modelFromUpstream(m: UpstreamModel): ModelRow {
  const row = emptyModel(m.id);
  if (m.context_size !== undefined) row.context_size = String(m.context_size);
  row.capabilities = m.capabilities.join(', ');
  if (m.pricing && (m.pricing.prompt !== undefined || m.pricing.completion !== undefined)) {
    row.extra = { pricing: { ...m.pricing } };
  }
  return row;
}

// The picked models appended to the form's (names it has already are skipped).
export function addPicked(form: ProviderForm, picked: readonly UpstreamModel[]): ProviderForm {
  const have = new Set(form.models.map((m) => m.name.trim()));
  const added = picked.filter((m) => !have.has(m.id)).map(modelFromUpstream);
  return { ...form, models: [...form.models, ...added] };
}

// Upstream models matching a filter (id or name, case-insensitive).
export function filterModels(models: readonly UpstreamModel[], query: string): UpstreamModel[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...models];
  return models.filter((m) => m.id.toLowerCase().includes(q) || (m.name ?? '').toLowerCase().includes(q));
}
