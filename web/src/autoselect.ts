// An autoselect (autoselect.json's entry, or a user's autoselect document)
// as the editor holds it, and back; the form's checks; the try box's
// answer in words. Pure, tested in autoselect.test.ts. The keys and their
// meaning: docs/config.md "Autoselect"; the loader: src/config/load_autoselect.cpp.
import { newKey, relativeParam, validateId, validateNumber, type Json, type Tri } from './rotation';
import { byteLength, type FieldErrors } from './validation';

export interface AutoselectCandidate {
  key: string;
  model_id: string;
  description: string;
  nsfw: boolean;
  privacy: boolean;
  extra: Json; // other keys of the entry, kept
}

export interface AutoselectForm {
  id: string;
  model_name: string;
  description: string;
  selection: 'model' | 'semantic'; // who chooses: a model, or semantic selection (selection_model "semantic")
  selection_model: string; // with 'model'; empty: AISBF's default "general"
  fallback: string;
  candidates: AutoselectCandidate[];
  classify_privacy: Tri;
  classify_nsfw: Tri;
  classify_semantic: Tri;
  classify_nsfw_model: string;
  classify_window: string;
  selection_timeout: string;
  cache_ttl: string;
  raw: Json;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v : '');
const tri = (v: unknown): Tri => (v === true ? 'on' : v === false ? 'off' : 'default');

export function fromAutoselect(id: string, raw: Json): AutoselectForm {
  const models = Array.isArray(raw.available_models) ? raw.available_models : [];
  const selection = str(raw.selection_model);
  return {
    id,
    model_name: str(raw.model_name),
    description: str(raw.description),
    selection: selection === 'semantic' ? 'semantic' : 'model',
    selection_model: selection === 'semantic' ? '' : selection,
    fallback: str(raw.fallback),
    candidates: models.map((m) => {
      const o = isObject(m) ? m : {};
      const { model_id, description, nsfw, privacy, ...extra } = o;
      return { key: newKey(), model_id: str(model_id), description: str(description), nsfw: nsfw === true,
        privacy: privacy === true, extra };
    }),
    classify_privacy: tri(raw.classify_privacy),
    classify_nsfw: tri(raw.classify_nsfw),
    classify_semantic: tri(raw.classify_semantic),
    classify_nsfw_model: str(raw.classify_nsfw_model),
    classify_window: num(raw.classify_window),
    selection_timeout: num(raw.selection_timeout),
    cache_ttl: num(raw.cache_ttl),
    raw,
  };
}

export function emptyAutoselect(): AutoselectForm {
  return fromAutoselect('', { available_models: [] });
}

export function newCandidate(model_id = ''): AutoselectCandidate {
  return { key: newKey(), model_id, description: '', nsfw: false, privacy: false, extra: {} };
}

const EDITED = ['model_name', 'description', 'selection_model', 'fallback', 'available_models', 'classify_privacy',
  'classify_nsfw', 'classify_semantic', 'classify_nsfw_model', 'classify_window', 'selection_timeout', 'cache_ttl'];

function numberOf(s: string): number | string {
  const n = Number(s.trim());
  return s.trim() !== '' && Number.isFinite(n) ? n : s.trim();
}

export function toAutoselect(form: AutoselectForm): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(form.raw)) if (!EDITED.includes(k)) out[k] = v;
  out.model_name = form.model_name.trim() || form.id.trim();
  if (form.description.trim() !== '' || 'description' in form.raw) out.description = form.description.trim();
  const selection = form.selection === 'semantic' ? 'semantic' : form.selection_model.trim();
  if (selection !== '') out.selection_model = selection;
  if (form.fallback.trim() !== '') out.fallback = form.fallback.trim();
  out.available_models = form.candidates.map((c) => ({
    model_id: c.model_id.trim(), description: c.description, nsfw: c.nsfw, privacy: c.privacy, ...c.extra,
  }));
  for (const k of ['classify_privacy', 'classify_nsfw', 'classify_semantic'] as const) {
    if (form[k] !== 'default') out[k] = form[k] === 'on';
  }
  if (form.classify_nsfw_model.trim() !== '') out.classify_nsfw_model = form.classify_nsfw_model.trim();
  for (const k of ['classify_window', 'selection_timeout', 'cache_ttl'] as const) {
    if (form[k].trim() !== '') out[k] = numberOf(form[k]);
  }
  return out;
}

export type AutoselectField =
  | 'id' | 'model_name' | 'selection_model' | 'fallback' | 'candidates' | 'classify_nsfw_model'
  | 'classify_window' | 'selection_timeout' | 'cache_ttl' | `candidate-${string}` | `description-${string}`;

// docs/config.md: selection_timeout > 0 and at most 3600 s; cache_ttl 0 to
// 30 days; classify_window >= 0.
export function validateAutoselect(
  form: AutoselectForm, taken: readonly string[], isNew: boolean,
): FieldErrors<AutoselectField> {
  const e: FieldErrors<AutoselectField> = {};
  const id = validateId(form.id, taken, isNew);
  if (id) e.id = id.replace('rotation/<id>', 'autoselect/<id>');
  if (form.candidates.length === 0) e.candidates = 'Add at least one candidate to choose from.';
  const seen = new Set<string>();
  for (const c of form.candidates) {
    const m = c.model_id.trim();
    if (m === '') e[`candidate-${c.key}`] = 'Name the rotation or model.';
    else if (m.startsWith('autoselect/') || m.startsWith('user-autoselect/')) {
      e[`candidate-${c.key}`] = 'An autoselect cannot be a candidate of another.';
    } else if (seen.has(m)) e[`candidate-${c.key}`] = `${m} is listed twice.`;
    seen.add(m);
    if (c.description.trim() === '') e[`description-${c.key}`] = 'Describe what it is good at: that is what the choice reads.';
    else if (byteLength(c.description) > 4096) e[`description-${c.key}`] = 'At most 4096 bytes.';
  }
  if (form.selection === 'model' && form.selection_model.trim() === 'semantic') {
    e.selection_model = 'Choose "Semantic selection" above instead.';
  }
  if (form.fallback.trim() === '' && form.candidates.length > 0) {
    e.fallback = 'Name a fallback: it serves when the selection fails.';
  }
  const timeout = validateNumber(form.selection_timeout, 'number', 0, 3600);
  if (timeout) e.selection_timeout = timeout;
  else if (form.selection_timeout.trim() !== '' && Number(form.selection_timeout) <= 0) e.selection_timeout = 'More than 0 seconds.';
  const ttl = validateNumber(form.cache_ttl, 'number', 0, 30 * 86400);
  if (ttl) e.cache_ttl = ttl;
  const window = validateNumber(form.classify_window, 'int', 0);
  if (window) e.classify_window = window;
  return e;
}

export function autoselectFieldOf(param: string | null, form: AutoselectForm, prefix: string): AutoselectField | null {
  const p = relativeParam(param, prefix);
  if (p === null) return null;
  const m = /^available_models\[(\d+)\](?:\.(\w+))?/.exec(p);
  if (m) {
    const c = form.candidates[Number(m[1])];
    if (!c) return 'candidates';
    return m[2] === 'description' ? `description-${c.key}` : `candidate-${c.key}`;
  }
  if (p === 'available_models') return 'candidates';
  if (p === 'semantic' || p.startsWith('semantic.')) return null;
  const direct = ['id', 'model_name', 'selection_model', 'fallback', 'classify_nsfw_model', 'classify_window',
    'selection_timeout', 'cache_ttl'] as const;
  return (direct as readonly string[]).includes(p) ? (p as AutoselectField) : null;
}

// --- the try box

export interface TryAnswer {
  autoselect: string;
  chosen: { candidate: string; target: string; by: 'llm' | 'semantic' | 'cache' | 'fallback' | 'only' } | null;
  refusal: { status: number; code: string; message: string } | null;
  allowed: string[];
  classification: { private_data: string[]; nsfw: boolean };
  semantic: { model_id: string; score: number }[];
  selection: { model: string; answer: string; failure: string | null } | null;
}

// The autoselect the try box runs: the one picked while it is still
// listed, else the first (the picked one was deleted meanwhile).
export function tryTarget(ids: readonly string[], picked: string | undefined): string | undefined {
  return picked !== undefined && ids.includes(picked) ? picked : ids[0];
}

// Why the choice was made, in a sentence.
export function explainTry(a: TryAnswer): string {
  if (!a.chosen) return `A request like this would be refused: ${a.refusal?.message ?? 'no candidate may serve it'}.`;
  const sel = a.selection;
  switch (a.chosen.by) {
    case 'llm':
      return `The selection model ${sel?.model ?? ''} chose it.`.replace('  ', ' ');
    case 'semantic':
      return 'Its description matched the prompt best (semantic selection), clearly enough that no model was asked.';
    case 'cache':
      return 'An earlier request of the same conversation chose it; the choice is reused.';
    case 'only':
      return 'It is the only candidate left for this prompt: nothing to choose.';
    case 'fallback':
      if (sel?.failure) return `The fallback: the selection model ${sel.model} gave no choice (${sel.failure}).`;
      if (a.classification.private_data.length > 0) return 'The fallback: personal data is never shown to the selection model.';
      return 'The fallback: no selection could be made.';
  }
  return '';
}

export function validateTryPrompt(prompt: string): string | undefined {
  if (prompt.trim() === '') return 'Write a message to choose a model for.';
  if (byteLength(prompt) > 32 * 1024) return 'At most 32 KiB.';
  return undefined;
}
