import { describe, expect, it } from 'vitest';
import { autoselectTargets, providerModels, rotationProviders, type ListedModel } from './modelChoices';

// GET /api/v1/models as a user session sees it (src/api/models_json.cpp, user_json.cpp).
const LIST: ListedModel[] = [
  { id: 'mock/mock-model', provider: 'mock' },
  { id: 'mock/org/nested-model', provider: 'mock' },
  { id: 'mock/fetched', provider: 'mock', name: 'Fetched one' },
  { id: 'rotation/coding', type: 'rotation', name: 'coding' },
  { id: 'autoselect/pick', type: 'autoselect', name: 'pick' },
  { id: 'user-provider/mine/small', provider: 'user-provider/mine' },
  { id: 'user-rotation/fast', type: 'rotation' },
  { id: 'user-autoselect/auto', type: 'autoselect' },
];

describe('what a rotation may pick', () => {
  it('global provider models for an admin, a nested model name kept whole', () => {
    expect(providerModels(LIST, 'admin').map((m) => [m.provider, m.model])).toEqual([
      ['mock', 'mock-model'], ['mock', 'org/nested-model'], ['mock', 'fetched']]);
  });
  it('a user also their own providers, by the plain id a rotation names', () => {
    const own = providerModels(LIST, 'user').find((m) => m.own);
    expect(own).toMatchObject({ provider: 'mine', model: 'small', value: 'user-provider/mine/small' });
  });
});

describe('a user’s provider of the same id as the gateway’s', () => {
  // Both saved as provider_id "openai": the user's wins (src/routing/user_config.cpp).
  const SHADOWED: ListedModel[] = [
    { id: 'openai/gpt-4o', provider: 'openai' },
    { id: 'openai/gpt-4o-mini', provider: 'openai' },
    { id: 'mock/mock-model', provider: 'mock' },
    { id: 'user-provider/openai/my-model', provider: 'user-provider/openai' },
  ];
  const own = { openai: { endpoint: 'https://api.example.com/v1', models: [{ name: 'my-model' }] } };

  it('hides the gateway’s models of that id from a user’s rotation, not from an admin’s', () => {
    const p = rotationProviders('user', own, SHADOWED);
    expect(providerModels(SHADOWED, 'user', p.own).map((m) => m.label)).toEqual([
      'mock/mock-model', 'openai/my-model (yours)']);
    expect(p.shadowed).toEqual(['openai']);
    expect(providerModels(SHADOWED, 'admin', p.own).map((m) => m.value)).toEqual([
      'openai/gpt-4o', 'openai/gpt-4o-mini', 'mock/mock-model']);
  });

  it('counts only the user’s own models for that id', () => {
    const p = rotationProviders('user', own, SHADOWED);
    expect(p.counts.get('openai')).toBe(1);
    expect(p.counts.get('mock')).toBe(1);
    expect([...p.known].sort()).toEqual(['mock', 'openai']);
  });
});

describe('the providers a rotation may name', () => {
  it('an admin: the gateway’s providers list, with their configured models', () => {
    const p = rotationProviders('admin', {
      mock: { models: [{ name: 'a' }, { name: 'b' }] }, empty: { models: [] }, bare: { endpoint: 'x' },
    }, LIST);
    expect([...p.known].sort()).toEqual(['bare', 'empty', 'mock']);
    expect(p.counts.get('mock')).toBe(2);
    expect(p.counts.get('empty')).toBe(0);
    expect(p.counts.get('bare')).toBe(0);
    expect(p.known.has('mine')).toBe(false); // a user's provider is not the gateway's
  });

  it('a user: their own and the gateway’s as the models list names them, fetched models not counted', () => {
    const p = rotationProviders('user', { mine: { models: [{ name: 'small' }] } }, LIST);
    expect([...p.known].sort()).toEqual(['mine', 'mock']);
    expect(p.counts.get('mine')).toBe(1);
    const fetched: ListedModel[] = [{ id: 'only/fetched', provider: 'only', source: 'provider' }];
    const q = rotationProviders('user', {}, fetched);
    expect(q.known.has('only')).toBe(true);
    expect(q.counts.get('only') ?? 0).toBe(0);
  });
});

describe('what an autoselect may name', () => {
  it('rotations by id and provider models, never an autoselect', () => {
    expect(autoselectTargets(LIST, 'admin').map((t) => t.value)).toEqual([
      'coding', 'mock/mock-model', 'mock/org/nested-model', 'mock/fetched']);
  });
  it('a user also their own, by their user-… ids', () => {
    const values = autoselectTargets(LIST, 'user').map((t) => t.value);
    expect(values).toContain('user-rotation/fast');
    expect(values).toContain('user-provider/mine/small');
    expect(values.some((v) => v.includes('autoselect'))).toBe(false);
  });
});
