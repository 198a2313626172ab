// A rotation (rotations.json's entry, or a user's rotation document) as the
// editor holds it, and back; its candidates' shares of traffic as the
// gateway draws them; the form's checks. Pure, tested in rotation.test.ts.
//
// The gateway's rules (src/routing/rotation.cpp, selector.cpp; docs/config.md
// "Rotations"): with `models` listed, each model's `weight` (absent: 1) is
// its share and the entry's own weight is ignored; an entry without models
// (AISBF's simple format) gives every model the provider lists an equal part
// of the entry's `weight` (absent or null: 1). A weight of 0 makes a backup,
// tried in file order only when no weighted candidate is left; when every
// weight is 0 the first backup takes the traffic. An entry naming no known
// provider, or a provider listing no models in the simple format, is skipped.
import { type FieldErrors } from './validation';

export type Json = Record<string, unknown>;

export interface RotationCandidate {
  key: string; // stable across edits (list keys, focus)
  provider: string; // provider_id
  model: string | null; // null: every model the provider lists (the simple format)
  weight: string; // as typed; '' is absent (1)
  entry: number; // the provider entry it was read from; -1: added here
  extra: Json; // the model entry's other keys (rate_limit, context_size…), kept as read
}

// The rotation's own settings the form edits; every other key is kept.
export const ROTATION_SETTINGS = [
  { key: 'model_name', label: 'Display name', kind: 'text', hint: 'Shown in the model lists; the id when empty.' },
  { key: 'description', label: 'Description', kind: 'text' },
  { key: 'max_attempts', label: 'Attempts per request', kind: 'int', min: 1, max: 100,
    hint: 'Candidates tried for one request (1 to 100); empty: routing.max_attempts (5).' },
  { key: 'default_rate_limit', label: 'Seconds between requests', kind: 'number', min: 0,
    hint: 'For every candidate that does not set its own rate_limit.' },
  { key: 'default_error_cooldown', label: 'Cooldown after failures (s)', kind: 'int', min: 0,
    hint: 'How long a failing candidate rests.' },
  { key: 'default_context_size', label: 'Context size (tokens)', kind: 'int', min: 0 },
  { key: 'default_max_request_tokens', label: 'Max request tokens', kind: 'int', min: 0 },
  { key: 'default_rate_limit_TPM', label: 'Tokens per minute', kind: 'int', min: 0 },
  { key: 'default_rate_limit_TPH', label: 'Tokens per hour', kind: 'int', min: 0 },
  { key: 'default_rate_limit_TPD', label: 'Tokens per day', kind: 'int', min: 0 },
  { key: 'default_condense_context', label: 'Condense at (% of context)', kind: 'int', min: 0, max: 100 },
] as const;
export type SettingKey = (typeof ROTATION_SETTINGS)[number]['key'];

export type Tri = 'default' | 'on' | 'off';

export interface RotationForm {
  id: string;
  settings: Record<SettingKey, string>;
  notifyerrors: Tri; // 'default': rotations.json's top-level flag (false for a user's)
  candidates: RotationCandidate[];
  entries: Json[]; // each provider entry as read, for its other keys (api_key…)
  raw: Json; // the whole entry as read: unknown keys go back unchanged
}

let keys = 0;
export function newKey(): string {
  keys += 1;
  return `c${keys}`;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return v;
  return '';
}

function omit(o: Json, drop: readonly string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (!drop.includes(k)) out[k] = v;
  return out;
}

export function emptyRotation(): RotationForm {
  return fromRotation('', { providers: [] });
}

export function fromRotation(id: string, raw: Json): RotationForm {
  const settings = {} as Record<SettingKey, string>;
  for (const s of ROTATION_SETTINGS) settings[s.key] = text(raw[s.key]);
  const entries = Array.isArray(raw.providers) ? raw.providers.map((e) => (isObject(e) ? e : {})) : [];
  const candidates: RotationCandidate[] = [];
  entries.forEach((e, entry) => {
    const provider = typeof e.provider_id === 'string' ? e.provider_id : '';
    if (Array.isArray(e.models) && e.models.length > 0) {
      for (const m of e.models) {
        const o = isObject(m) ? m : {};
        candidates.push({
          key: newKey(), provider, model: typeof o.name === 'string' ? o.name : '', weight: text(o.weight), entry,
          extra: omit(o, ['name', 'weight']),
        });
      }
    } else {
      candidates.push({ key: newKey(), provider, model: null, weight: text(e.weight), entry, extra: {} });
    }
  });
  const notify = raw.notifyerrors;
  return {
    id, settings, candidates, entries, raw,
    notifyerrors: notify === true ? 'on' : notify === false ? 'off' : 'default',
  };
}

function numberOf(s: string): number | string {
  const t = s.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

// The entry to send: the keys read, the settings and candidates as edited.
// Consecutive candidates read from one provider entry go back into it (its
// other keys kept); added ones of the same provider next to each other
// share a new entry.
export function toRotation(form: RotationForm): Json {
  const out: Json = omit(form.raw, ['providers', 'notifyerrors', ...ROTATION_SETTINGS.map((s) => s.key)]);
  for (const s of ROTATION_SETTINGS) {
    const v = form.settings[s.key].trim();
    if (v === '') continue;
    out[s.key] = s.kind === 'text' ? v : numberOf(v);
  }
  if (form.notifyerrors !== 'default') out.notifyerrors = form.notifyerrors === 'on';
  const providers: Json[] = [];
  let last: { entry: number; provider: string; simple: boolean } | null = null;
  for (const c of form.candidates) {
    const simple = c.model === null;
    const joins = last !== null && !simple && !last.simple && last.provider === c.provider && last.entry === c.entry;
    if (!joins) {
      const base = c.entry >= 0 ? omit(form.entries[c.entry] ?? {}, ['provider_id', 'weight', 'models']) : {};
      const e: Json = { provider_id: c.provider, ...base };
      if (simple) {
        if (c.weight.trim() !== '') e.weight = numberOf(c.weight);
      } else {
        e.models = [];
      }
      providers.push(e);
    }
    if (!simple) {
      const m: Json = { name: c.model, ...c.extra };
      if (c.weight.trim() !== '') m.weight = numberOf(c.weight);
      (providers[providers.length - 1].models as Json[]).push(m);
    }
    last = { entry: c.entry, provider: c.provider, simple };
  }
  out.providers = providers;
  return out;
}

// --- shares of traffic

export interface ShareInput {
  weight: string; // as in the form
  // For the simple format: how many models the provider lists (undefined:
  // not known, taken as some). 0, or an unknown provider: skipped.
  models?: number;
  known?: boolean; // false: the gateway skips the entry (no such provider)
}

export type ShareRole = 'weighted' | 'backup' | 'skipped';
export interface Share {
  role: ShareRole;
  share: number; // 0..1 of the traffic when every candidate is healthy
  backupRank?: number; // 1 = first backup
}

// A typed weight as the gateway reads it: empty is 1; a non-number,
// negative or non-finite weight draws nothing (the loader refuses a
// negative one anyway).
export function weightOf(typed: string): number {
  const t = typed.trim();
  if (t === '') return 1;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function shares(candidates: readonly ShareInput[]): Share[] {
  const live = candidates.map((c) => c.known !== false && c.models !== 0);
  const weights = candidates.map((c, i) => (live[i] ? weightOf(c.weight) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  let rank = 0;
  const firstLive = live.indexOf(true);
  return candidates.map((_, i) => {
    if (!live[i]) return { role: 'skipped', share: 0 };
    if (weights[i] > 0) return { role: 'weighted', share: weights[i] / total };
    rank += 1;
    // No weighted candidate at all: the first backup (file order) serves.
    return { role: 'backup', share: total === 0 && i === firstLive ? 1 : 0, backupRank: rank };
  });
}

// What the gateway knows of the providers a rotation names
// (modelChoices.ts rotationProviders): which exist, and how many models
// each lists in its configuration.
export interface ProviderFacts {
  known: ReadonlySet<string>;
  counts: ReadonlyMap<string, number>;
}

// Each candidate's share as the gateway draws it: an entry naming no known
// provider is skipped; a whole provider (the simple format) shares its
// weight among its configured models, and is skipped when it lists none.
export function rotationShares(candidates: readonly RotationCandidate[], p: ProviderFacts): Share[] {
  return shares(candidates.map((c) => ({
    weight: c.weight,
    known: p.known.has(c.provider),
    models: c.model === null ? p.counts.get(c.provider) ?? 0 : undefined,
  })));
}

// 0.75 → "75 %", 1/3 → "33.3 %", 0.0004 → "< 0.1 %".
export function formatShare(share: number): string {
  if (share <= 0) return '0 %';
  const pct = share * 100;
  if (pct < 0.1) return '< 0.1 %';
  const rounded = Math.round(pct * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} %`;
}

// --- editing the list

export function moveCandidate<T>(list: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  [out[index], out[to]] = [out[to], out[index]];
  return out;
}

// A candidate from the model picker: `provider/model` as the models list
// names it (the first '/' splits: a model name may hold more).
export function candidateFrom(provider: string, model: string | null): RotationCandidate {
  return { key: newKey(), provider, model, weight: '', entry: -1, extra: {} };
}

// --- checks before sending

export type RotationField = 'id' | SettingKey | 'candidates' | `weight-${string}` | `model-${string}`;

const ID_RE = /^[A-Za-z0-9._-]+$/;

export function validateId(id: string, taken: readonly string[], isNew: boolean): string | undefined {
  const t = id.trim();
  if (t === '') return 'Give it an id: clients name it rotation/<id>.';
  if (new TextEncoder().encode(t).length > 128) return 'An id has at most 128 bytes.';
  if (!ID_RE.test(t)) return 'Letters, digits, dots, dashes and underscores only.';
  if (isNew && taken.includes(t)) return `There is a ${t} already.`;
  return undefined;
}

export function validateNumber(value: string, kind: 'int' | 'number', min?: number, max?: number): string | undefined {
  const t = value.trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) return 'A number, please.';
  if (kind === 'int' && !Number.isInteger(n)) return 'A whole number, please.';
  if (min !== undefined && n < min) return `At least ${min}.`;
  if (max !== undefined && n > max) return `At most ${max}.`;
  return undefined;
}

export function validateRotation(
  form: RotationForm, taken: readonly string[], isNew: boolean,
): FieldErrors<RotationField> {
  const e: FieldErrors<RotationField> = {};
  const id = validateId(form.id, taken, isNew);
  if (id) e.id = id;
  for (const s of ROTATION_SETTINGS) {
    if (s.kind === 'text') continue;
    const err = validateNumber(form.settings[s.key], s.kind, s.min, 'max' in s ? s.max : undefined);
    if (err) e[s.key] = err;
  }
  if (form.candidates.length === 0) e.candidates = 'Add at least one model.';
  for (const c of form.candidates) {
    const w = validateNumber(c.weight, 'number', 0);
    if (w) e[`weight-${c.key}`] = w === 'At least 0.' ? 'A weight is 0 (a backup) or more.' : w;
    if (c.model !== null && c.model.trim() === '') e[`model-${c.key}`] = 'Name the model.';
  }
  return e;
}

// --- the server's field errors

// The form field a server error's `param` (a JSON path) is about. The
// admin routes name the path in the file ("rotations.<id>.providers[1].models[0].weight";
// an autoselect's "<id>.available_models[0]…"), a user's routes in the
// document ("providers[1].weight"). Null: no field of the form; shown above it.
// The entry's own path (an id the loader refuses: "rotations.<id>") is its id.
export function relativeParam(param: string | null, prefix: string): string | null {
  if (!param) return null;
  if (prefix !== '' && param === prefix.slice(0, -1)) return 'id';
  return param.startsWith(prefix) ? param.slice(prefix.length) : param;
}

export function rotationFieldOf(param: string | null, form: RotationForm, prefix: string): RotationField | null {
  const p = relativeParam(param, prefix);
  if (p === null) return null;
  if (p === 'id') return 'id';
  const setting = ROTATION_SETTINGS.find((s) => s.key === p);
  if (setting) return setting.key;
  const m = /^providers\[(\d+)\](?:\.models\[(\d+)\])?(?:\.(\w+))?/.exec(p);
  if (!m) return p === 'providers' ? 'candidates' : null;
  // The entries as toRotation writes them: walk it again to find the candidate.
  const sent = toRotation(form).providers as Json[];
  const entry = Number(m[1]);
  let index = 0;
  for (let i = 0; i < entry && i < sent.length; i++) {
    const models = sent[i].models;
    index += Array.isArray(models) ? models.length : 1;
  }
  if (m[2] !== undefined) index += Number(m[2]);
  const c = form.candidates[index];
  if (!c) return 'candidates';
  // A weight beside its input; anything else of the entry (its name, its
  // provider, a key the gateway could not restore) beside the candidate.
  return m[3] === 'weight' ? `weight-${c.key}` : `model-${c.key}`;
}
