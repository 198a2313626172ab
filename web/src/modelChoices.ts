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
// in a user's namespace their own (a user's rotation names a provider by
// its plain id; their own wins over a global one of the same id).
export function providerModels(list: readonly ListedModel[], scope: Scope): ProviderModelChoice[] {
  const out: ProviderModelChoice[] = [];
  const seen = new Set<string>();
  for (const m of list) {
    if (!m.provider || !m.id.startsWith(`${m.provider}/`)) continue;
    const own = m.provider.startsWith('user-provider/');
    if (own && scope !== 'user') continue;
    const provider = own ? m.provider.slice('user-provider/'.length) : m.provider;
    const model = m.id.slice(m.provider.length + 1);
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    out.push({ value: m.id, provider, model, own, label: own ? `${provider}/${model} (yours)` : `${provider}/${model}` });
  }
  return out;
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
