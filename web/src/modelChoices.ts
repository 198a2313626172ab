// What the rotation and autoselect editors offer to pick from: the models
// list the gateway answers the signed-in caller (GET /api/v1/models: the
// global providers' models, configured and fetched, the rotations and
// autoselects, and for a user their own `user-…` ids). Pure, tested in
// modelChoices.test.ts.

export interface ListedModel {
  id: string;
  provider?: string; // set on a provider's model: "mock", or "user-provider/<id>" for a user's own
  type?: string; // "rotation" | "autoselect" on the gateway's own
  name?: string;
  context_size?: number;
  capabilities?: string[];
  source?: string; // "provider": fetched from the provider, not in its configuration
}

// One model a rotation can name: its entry's provider_id and model name.
export interface ProviderModelChoice {
  value: string; // "provider/model" (a user's own: "user-provider/<id>/<model>"), unique
  provider: string; // provider_id as a rotation entry names it
  model: string;
  own: boolean; // the user's own provider
  label: string;
}

export type Scope = 'admin' | 'user';

// The provider models a rotation in `scope` may use: the global ones, and
// in a user's namespace their own. A user's rotation names a provider by
// its plain id and their own wins over a global one of the same id
// (src/routing/user_config.cpp), so the global models of a provider in
// `shadowedBy` (the caller's own provider ids) are left out: picked, they
// would be asked of the caller's provider.
export function providerModels(
  list: readonly ListedModel[], scope: Scope, shadowedBy: ReadonlySet<string> = new Set(),
): ProviderModelChoice[] {
  const out: ProviderModelChoice[] = [];
  const seen = new Set<string>();
  for (const m of list) {
    if (!m.provider || !m.id.startsWith(`${m.provider}/`)) continue;
    const own = m.provider.startsWith('user-provider/');
    if (own && scope !== 'user') continue;
    if (!own && scope === 'user' && shadowedBy.has(m.provider)) continue;
    const provider = own ? m.provider.slice('user-provider/'.length) : m.provider;
    const model = m.id.slice(m.provider.length + 1);
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    out.push({ value: m.id, provider, model, own, label: own ? `${provider}/${model} (yours)` : `${provider}/${model}` });
  }
  return out;
}

// The providers a rotation of `scope` may name, as the gateway reads them
// (src/routing/rotation.cpp): an entry naming none of them is skipped, and
// an entry without models shares its weight among the models its provider
// lists in its configuration (not the fetched ones).
export interface RotationProviders {
  known: ReadonlySet<string>; // provider ids an entry may name
  counts: ReadonlyMap<string, number>; // configured models per provider id
  own: ReadonlySet<string>; // user scope: the caller's own providers
  shadowed: string[]; // user scope: the gateway's providers hidden by one of the caller's own of the same id
}

type Entries = Readonly<Record<string, unknown>>;

const modelsOf = (entry: unknown): number => {
  const models = typeof entry === 'object' && entry !== null ? (entry as { models?: unknown }).models : undefined;
  return Array.isArray(models) ? models.length : 0;
};

// `listed`: the providers the scope's API lists (GET /api/admin/providers:
// the gateway's; GET /api/user/providers: the caller's own), id → entry.
// A user cannot list the gateway's providers: theirs are read from the
// models list (each with models; one listing none is not in it).
export function rotationProviders(scope: Scope, listed: Entries, models: readonly ListedModel[]): RotationProviders {
  const known = new Set<string>();
  const counts = new Map<string, number>();
  for (const [id, entry] of Object.entries(listed)) {
    known.add(id);
    counts.set(id, modelsOf(entry));
  }
  const own = scope === 'user' ? new Set(known) : new Set<string>();
  const shadowed = new Set<string>();
  if (scope === 'user') {
    for (const m of models) {
      if (!m.provider || m.provider.startsWith('user-provider/')) continue;
      if (own.has(m.provider)) {
        shadowed.add(m.provider);
        continue;
      }
      known.add(m.provider);
      if (m.source !== 'provider') counts.set(m.provider, (counts.get(m.provider) ?? 0) + 1);
    }
  }
  return { known, counts, own, shadowed: [...shadowed] };
}

// What an autoselect may name (a candidate, the selection model, the
// fallback), as autoselect.json writes it: a rotation by its id, a provider
// model as `provider/model`; in a user's namespace also their own, by the
// `user-…` ids their models list shows. Never an autoselect.
export interface TargetChoice {
  value: string;
  label: string;
  kind: 'rotation' | 'model';
}

export function autoselectTargets(list: readonly ListedModel[], scope: Scope): TargetChoice[] {
  const out: TargetChoice[] = [];
  for (const m of list) {
    if (m.type === 'rotation' && m.id.startsWith('rotation/')) {
      out.push({ value: m.id.slice('rotation/'.length), label: `${m.id.slice('rotation/'.length)} (rotation)`, kind: 'rotation' });
    } else if (m.type === 'rotation' && m.id.startsWith('user-rotation/') && scope === 'user') {
      out.push({ value: m.id, label: `${m.id} (your rotation)`, kind: 'rotation' });
    }
  }
  for (const p of providerModels(list, scope)) out.push({ value: p.value, label: p.own ? `${p.value} (yours)` : p.value, kind: 'model' });
  return out;
}
