// The condensation cascade for each provider model, as the gateway resolves
// it (src/routing/rotation.cpp cascade_condensation, routing/condense_defaults.hpp;
// docs/config.md "Context condensation"): `condense_context` (a percent of
// context_size) and `condense_method` (a name or a list) are each taken from
// the first layer that sets them, the model's entry > the provider's
// `default_*`; then aisbf.json's `feature_controls.context_condensation.mode`:
// "disabled" turns it off everywhere, "enabled" condenses the models no layer
// sets anything for; a threshold without methods runs the built-in methods,
// methods without a threshold start at the built-in percent. 0 % or an empty
// list on a layer stops the cascade (off). A model without a context_size
// (model > provider default, a 0 lifts it) never reaches its threshold.
// Pure, tested in condensation.test.ts.
import type { Json, JsonObject } from './settings';

export const DEFAULT_PERCENT = 80;
export const DEFAULT_METHODS = ['algorithmic', 'sliding_window'] as const;
export const METHODS = [
  'hierarchical', 'conversational', 'semantic', 'algorithmic', 'sliding_window', 'importance_based', 'entity_aware',
  'code_aware',
] as const;

export type Mode = 'enabled' | 'disabled' | 'inherit';

export interface CondensationSettings {
  condensation_model_id: string | null;
  condensation_max_tokens: number | null;
  mode: string | null;
}

// Where a value comes from: the model's entry, its provider's `default_*`,
// the built-in default (triggered by methods alone or by the global mode).
export type Source = 'model' | 'provider' | 'built-in' | 'global';

export type Outcome =
  | 'on' // condenses at `thresholdTokens`
  | 'no-context-size' // has settings but no context_size: never triggers
  | 'off-disabled' // aisbf.json mode "disabled"
  | 'off-zero' // a layer set 0 %
  | 'off-empty' // a layer set an empty method list
  | 'off-unset'; // nothing set anywhere (mode "inherit")

export interface ModelCascade {
  provider: string;
  model: string | null; // null: a provider without a models list (any model name)
  outcome: Outcome;
  percent: { value: number; source: Source } | null;
  methods: { value: string[]; source: Source } | null;
  contextSize: { value: number; source: 'model' | 'provider' } | null;
  thresholdTokens: number | null;
}

export function modeOf(settings: Pick<CondensationSettings, 'mode'>): Mode {
  return settings.mode === 'enabled' || settings.mode === 'disabled' ? settings.mode : 'inherit';
}

type Layer = { obj: JsonObject; prefix: string; source: 'model' | 'provider' };

function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

function firstPercent(layers: Layer[]): { value: number; source: Source } | null {
  for (const l of layers) {
    const v = l.obj[`${l.prefix}condense_context`];
    if (typeof v === 'number') return { value: v, source: l.source };
  }
  return null;
}

function firstMethods(layers: Layer[]): { value: string[]; source: Source } | null {
  for (const l of layers) {
    const v = l.obj[`${l.prefix}condense_method`];
    if (typeof v === 'string') return { value: [v], source: l.source };
    if (Array.isArray(v)) return { value: v.filter((x): x is string => typeof x === 'string'), source: l.source };
  }
  return null;
}

function firstContextSize(layers: Layer[]): { value: number; source: 'model' | 'provider' } | null {
  for (const l of layers) {
    const v = l.obj[`${l.prefix}context_size`];
    if (typeof v === 'number') return v > 0 ? { value: v, source: l.source } : null; // 0 lifts it
  }
  return null;
}

export function resolveModel(provider: string, providerEntry: JsonObject, model: JsonObject | null, mode: Mode): ModelCascade {
  const layers: Layer[] = [
    ...(model ? [{ obj: model, prefix: '', source: 'model' as const }] : []),
    { obj: providerEntry, prefix: 'default_', source: 'provider' },
  ];
  const out: ModelCascade = {
    provider,
    model: model && typeof model.name === 'string' ? model.name : null,
    outcome: 'off-unset',
    percent: null,
    methods: null,
    contextSize: firstContextSize(layers),
    thresholdTokens: null,
  };
  if (mode === 'disabled') {
    out.outcome = 'off-disabled';
    return out;
  }
  let percent = firstPercent(layers);
  let methods = firstMethods(layers);
  if (!percent && (methods || mode === 'enabled')) percent = { value: DEFAULT_PERCENT, source: methods ? 'built-in' : 'global' };
  if (!percent) return out;
  out.percent = percent;
  if (percent.value <= 0) {
    out.outcome = 'off-zero';
    return out;
  }
  if (!methods) methods = { value: [...DEFAULT_METHODS], source: percent.source === 'global' ? 'global' : 'built-in' };
  out.methods = methods;
  if (methods.value.length === 0) {
    out.outcome = 'off-empty';
    return out;
  }
  if (!out.contextSize) {
    out.outcome = 'no-context-size';
    return out;
  }
  out.outcome = 'on';
  out.thresholdTokens = Math.floor((out.contextSize.value * percent.value) / 100);
  return out;
}

// Every model of every provider (GET /api/admin/providers' `providers`), in
// file order; a provider without a models list gets one row for any model.
export function resolveAll(providers: Record<string, Json>, settings: Pick<CondensationSettings, 'mode'>): ModelCascade[] {
  const mode = modeOf(settings);
  const rows: ModelCascade[] = [];
  for (const [id, entry] of Object.entries(providers)) {
    if (!isObject(entry)) continue;
    const models = Array.isArray(entry.models) ? entry.models.filter(isObject) : [];
    if (models.length === 0) rows.push(resolveModel(id, entry, null, mode));
    for (const m of models) rows.push(resolveModel(id, entry, m, mode));
  }
  return rows;
}

export function describeSource(source: Source): string {
  switch (source) {
    case 'model': return 'the model';
    case 'provider': return 'provider default';
    case 'built-in': return 'built-in';
    case 'global': return 'aisbf.json mode “enabled”';
  }
}

export function describeOutcome(row: ModelCascade): string {
  switch (row.outcome) {
    case 'on': return `At ${row.thresholdTokens!.toLocaleString('en')} tokens`;
    case 'no-context-size': return 'Never: no context size';
    case 'off-disabled': return 'Off: disabled in aisbf.json';
    case 'off-zero': return `Off: 0 % set by ${describeSource(row.percent!.source)}`;
    case 'off-empty': return `Off: no method, set by ${describeSource(row.methods!.source)}`;
    case 'off-unset': return 'Off: nothing set';
  }
}

// --- the settings form (PUT /api/admin/condensation): the server's checks
// (config_edit.cpp put_condensation) before sending.

export interface CondensationForm {
  mode: string; // '' : not set (reads as inherit)
  condensation_model_id: string;
  condensation_max_tokens: string;
}

export function condensationForm(s: CondensationSettings): CondensationForm {
  return {
    mode: s.mode ?? '',
    condensation_model_id: s.condensation_model_id ?? '',
    condensation_max_tokens: s.condensation_max_tokens === null ? '' : String(s.condensation_max_tokens),
  };
}

export function validateCondensation(f: CondensationForm): Partial<Record<keyof CondensationForm, string>> {
  const e: Partial<Record<keyof CondensationForm, string>> = {};
  if (f.mode !== '' && f.mode !== 'enabled' && f.mode !== 'disabled' && f.mode !== 'inherit') {
    e.mode = 'Choose enabled, disabled or inherit.';
  }
  const t = f.condensation_max_tokens.trim();
  if (t !== '' && (!/^\d+$/.test(t) || Number(t) < 64)) e.condensation_max_tokens = 'Enter a whole number of at least 64.';
  if (/[\u0000-\u001f\u007f]/.test(f.condensation_model_id)) e.condensation_model_id = 'No control characters.';
  return e;
}

// The fields that changed, as the server takes them (it cannot unset one:
// an emptied field is left as stored).
export function condensationChanges(before: CondensationSettings, f: CondensationForm): Partial<CondensationSettings> {
  const out: Partial<CondensationSettings> = {};
  if (f.mode !== '' && f.mode !== (before.mode ?? '')) out.mode = f.mode;
  if (f.condensation_model_id !== '' && f.condensation_model_id !== (before.condensation_model_id ?? '')) {
    out.condensation_model_id = f.condensation_model_id;
  }
  const t = f.condensation_max_tokens.trim();
  if (t !== '' && Number(t) !== before.condensation_max_tokens) out.condensation_max_tokens = Number(t);
  return out;
}
