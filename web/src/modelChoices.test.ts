import { describe, expect, it } from 'vitest';
import { autoselectTargets, providerModels, type ListedModel } from './modelChoices';

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
