import { describe, expect, it } from 'vitest';
import {
  autoselectFieldOf, explainTry, fromAutoselect, newCandidate, toAutoselect, tryTarget, validateAutoselect,
  validateTryPrompt, type TryAnswer,
} from './autoselect';

// AISBF's shape with our additions and keys the editor does not know.
const PICK = {
  model_name: 'Picker', description: 'Chooses', selection_model: 'mock/select', fallback: 'general',
  available_models: [
    { model_id: 'coding', description: 'Code', nsfw: false, privacy: true, weight_hint: 2 },
    { model_id: 'general', description: 'Chat', nsfw: false, privacy: false },
  ],
  classify_privacy: true, selection_timeout: 5, capabilities: ['t2t'], semantic: { margin: 0.2 },
};

describe('an autoselect in the editor and back', () => {
  it('writes back what it read, unknown keys kept', () => {
    expect(toAutoselect(fromAutoselect('pick', PICK))).toEqual(PICK);
  });
  it('semantic selection is a choice of its own', () => {
    const f = fromAutoselect('sem', { ...PICK, selection_model: 'semantic' });
    expect(f.selection).toBe('semantic');
    expect(f.selection_model).toBe('');
    expect(toAutoselect(f).selection_model).toBe('semantic');
  });
  it('flags left to aisbf.json are not written; the display name defaults to the id', () => {
    const f = fromAutoselect('fresh', { available_models: [] });
    f.candidates = [newCandidate('coding')];
    f.fallback = 'coding';
    const out = toAutoselect(f);
    expect(out).toEqual({
      model_name: 'fresh', fallback: 'coding',
      available_models: [{ model_id: 'coding', description: '', nsfw: false, privacy: false }],
    });
  });
});

describe('autoselect form checks', () => {
  const good = () => {
    const f = fromAutoselect('pick', PICK);
    return f;
  };
  it('passes a good one', () => {
    expect(validateAutoselect(good(), [], true)).toEqual({});
  });
  it('wants described candidates, once each, never an autoselect', () => {
    const f = good();
    f.candidates.push(newCandidate('coding'), newCandidate('autoselect/x'), newCandidate(''));
    const e = validateAutoselect(f, [], true);
    const [, , twice, auto, empty] = f.candidates;
    expect(e[`candidate-${twice.key}`]).toMatch(/twice/);
    expect(e[`candidate-${auto.key}`]).toMatch(/autoselect cannot/);
    expect(e[`candidate-${empty.key}`]).toMatch(/Name/);
    expect(e[`description-${twice.key}`]).toMatch(/Describe/);
  });
  it('wants a fallback and timeouts in range', () => {
    const f = good();
    f.fallback = '';
    f.selection_timeout = '0';
    f.cache_ttl = '-5';
    f.classify_window = '1.5';
    const e = validateAutoselect(f, ['pick'], true);
    expect(e.id).toMatch(/already/);
    expect(e.fallback).toMatch(/fallback/);
    expect(e.selection_timeout).toMatch(/More than 0/);
    expect(e.cache_ttl).toMatch(/At least 0/);
    expect(e.classify_window).toMatch(/whole/);
  });
  it('bounds the try prompt as the server does', () => {
    expect(validateTryPrompt('  ')).toBeDefined();
    expect(validateTryPrompt('é'.repeat(16 * 1024))).toBeUndefined();
    expect(validateTryPrompt('é'.repeat(16 * 1024 + 1))).toMatch(/32 KiB/);
  });
});

describe("the server's field errors", () => {
  it('maps admin and user paths to the candidate fields', () => {
    const f = fromAutoselect('pick', PICK);
    expect(autoselectFieldOf('pick.available_models[1].description', f, 'pick.')).toBe(`description-${f.candidates[1].key}`);
    expect(autoselectFieldOf('available_models[0].model_id', f, 'pick.')).toBe(`candidate-${f.candidates[0].key}`);
    expect(autoselectFieldOf('pick.selection_timeout', f, 'pick.')).toBe('selection_timeout');
    expect(autoselectFieldOf('semantic.weight', f, '')).toBeNull();
  });
});

describe('the try box in words', () => {
  const base: TryAnswer = {
    autoselect: 'pick', chosen: { candidate: 'coding', target: 'rotation/coding', by: 'llm' }, refusal: null,
    allowed: ['coding', 'general'], classification: { private_data: [], nsfw: false }, semantic: [],
    selection: { model: 'mock/select', answer: '<aisbf_model_autoselection>coding</aisbf_model_autoselection>', failure: null },
  };
  it('names who chose', () => {
    expect(explainTry(base)).toBe('The selection model mock/select chose it.');
    expect(explainTry({ ...base, chosen: { ...base.chosen!, by: 'fallback' },
      selection: { ...base.selection!, failure: 'the answer names no candidate' } })).toMatch(/no choice \(the answer names/);
    expect(explainTry({ ...base, chosen: null, refusal: { status: 403, code: 'no_allowed_model', message: 'private data' } }))
      .toMatch(/refused: private data/);
    expect(explainTry({ ...base, chosen: { ...base.chosen!, by: 'semantic' }, selection: null })).toMatch(/semantic/);
  });
});

describe('the try box’s autoselect', () => {
  it('keeps the one picked while it is listed, else the first (it was deleted)', () => {
    expect(tryTarget(['a', 'b', 'c'], 'b')).toBe('b');
    expect(tryTarget(['a', 'c'], 'b')).toBe('a');
    expect(tryTarget(['a'], undefined)).toBe('a');
    expect(tryTarget([], 'b')).toBeUndefined();
  });
});
