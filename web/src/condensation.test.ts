import { describe, expect, it } from 'vitest';
import {
  condensationChanges, condensationForm, describeOutcome, resolveAll, resolveModel, validateCondensation, type ModelCascade,
} from './condensation';
import type { JsonObject } from './settings';

const provider = (extra: JsonObject = {}): JsonObject => ({ id: 'p', type: 'openai', endpoint: 'http://x/v1', ...extra });
const pick = (r: ModelCascade) => ({
  outcome: r.outcome, percent: r.percent, methods: r.methods, contextSize: r.contextSize, at: r.thresholdTokens,
});

describe('resolveModel: model > provider default > aisbf.json mode > built-in', () => {
  it('the model’s own settings win over the provider’s defaults, each field on its own', () => {
    const p = provider({ default_condense_context: 50, default_condense_method: ['semantic'], default_context_size: 8000 });
    const r = resolveModel('p', p, { name: 'm', condense_context: 70, context_size: 10001 }, 'inherit');
    expect(pick(r)).toEqual({
      outcome: 'on',
      percent: { value: 70, source: 'model' },
      methods: { value: ['semantic'], source: 'provider' },
      contextSize: { value: 10001, source: 'model' },
      at: 7000,  // int(10001 * 70 / 100), AISBF's rounding down
    });
  });

  it('a method name alone is a list of one; the threshold then starts at the built-in 80 %', () => {
    const r = resolveModel('p', provider(), { name: 'm', condense_method: 'conversational', context_size: 1000 }, 'inherit');
    expect(pick(r)).toMatchObject({
      outcome: 'on', percent: { value: 80, source: 'built-in' }, methods: { value: ['conversational'], source: 'model' }, at: 800,
    });
  });

  it('a threshold alone runs the built-in methods', () => {
    const r = resolveModel('p', provider({ default_condense_context: 60 }), { name: 'm', context_size: 100 }, 'inherit');
    expect(r.methods).toEqual({ value: ['algorithmic', 'sliding_window'], source: 'built-in' });
    expect(r.percent).toEqual({ value: 60, source: 'provider' });
  });

  it('nothing set: off under "inherit", the built-in settings under "enabled"', () => {
    const m = { name: 'm', context_size: 1000 };
    expect(resolveModel('p', provider(), m, 'inherit').outcome).toBe('off-unset');
    const on = resolveModel('p', provider(), m, 'enabled');
    expect(pick(on)).toMatchObject({
      outcome: 'on', percent: { value: 80, source: 'global' },
      methods: { value: ['algorithmic', 'sliding_window'], source: 'global' }, at: 800,
    });
  });

  it('"disabled" turns off whatever the layers say', () => {
    const r = resolveModel('p', provider(), { name: 'm', condense_context: 70, context_size: 1000 }, 'disabled');
    expect(r.outcome).toBe('off-disabled');
    expect(describeOutcome(r)).toBe('Off: disabled in aisbf.json');
  });

  it('0 % or an empty list on a layer stops the cascade, even under "enabled"', () => {
    const p = provider({ default_condense_context: 70, default_condense_method: ['semantic'] });
    const zero = resolveModel('p', p, { name: 'm', condense_context: 0, context_size: 1000 }, 'enabled');
    expect(zero.outcome).toBe('off-zero');
    expect(describeOutcome(zero)).toBe('Off: 0 % set by the model');
    const empty = resolveModel('p', p, { name: 'm', condense_method: [], context_size: 1000 }, 'enabled');
    expect(empty.outcome).toBe('off-empty');
    expect(empty.methods?.source).toBe('model');
  });

  it('no context size (or a 0 that lifts the provider’s): never triggers', () => {
    const p = provider({ default_condense_context: 70, default_context_size: 4000 });
    expect(resolveModel('p', p, { name: 'm' }, 'inherit').contextSize).toEqual({ value: 4000, source: 'provider' });
    const lifted = resolveModel('p', p, { name: 'm', context_size: 0 }, 'inherit');
    expect(lifted.outcome).toBe('no-context-size');
    expect(lifted.thresholdTokens).toBeNull();
    expect(describeOutcome(lifted)).toBe('Never: no context size');
  });
});

describe('resolveAll', () => {
  it('every model of every provider in order; a provider without models gets one row', () => {
    const rows = resolveAll({
      a: provider({ models: [{ name: 'a1', context_size: 1000, condense_context: 50 }, { name: 'a2' }] }),
      b: provider({ models: null, default_condense_context: 90, default_context_size: 2000 }),
      broken: 'not an object',
    }, { mode: null });
    expect(rows.map((r) => [r.provider, r.model, r.outcome, r.thresholdTokens])).toEqual([
      ['a', 'a1', 'on', 500],
      ['a', 'a2', 'off-unset', null],
      ['b', null, 'on', 1800],
    ]);
    expect(describeOutcome(rows[0])).toBe('At 500 tokens');
  });

  it('an unknown mode reads as "inherit", as the server does', () => {
    const rows = resolveAll({ a: provider({ models: [{ name: 'a1', context_size: 10 }] }) }, { mode: 'sometimes' });
    expect(rows[0].outcome).toBe('off-unset');
  });
});

describe('the condensation settings form', () => {
  const stored = { condensation_model_id: 'mock/mock-model', condensation_max_tokens: 1000, mode: null };

  it('reads null as empty; nothing changed, nothing sent', () => {
    const f = condensationForm(stored);
    expect(f).toEqual({ mode: '', condensation_model_id: 'mock/mock-model', condensation_max_tokens: '1000' });
    expect(condensationChanges(stored, f)).toEqual({});
    expect(validateCondensation(f)).toEqual({});
  });

  it('sends only what changed, typed as the server wants', () => {
    const f = { ...condensationForm(stored), mode: 'enabled', condensation_max_tokens: '800' };
    expect(condensationChanges(stored, f)).toEqual({ mode: 'enabled', condensation_max_tokens: 800 });
  });

  it('the server’s checks: mode, at least 64 whole tokens', () => {
    const f = condensationForm(stored);
    expect(validateCondensation({ ...f, mode: 'often' }).mode).toBeDefined();
    expect(validateCondensation({ ...f, condensation_max_tokens: '63' }).condensation_max_tokens).toBeDefined();
    expect(validateCondensation({ ...f, condensation_max_tokens: '64.5' }).condensation_max_tokens).toBeDefined();
    expect(validateCondensation({ ...f, condensation_max_tokens: '64' })).toEqual({});
  });
});
