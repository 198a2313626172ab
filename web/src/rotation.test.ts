import { describe, expect, it } from 'vitest';
import {
  candidateFrom, formatShare, fromRotation, moveCandidate, rotationFieldOf, rotationShares, shares, toRotation,
  validateRotation, weightOf,
} from './rotation';

// A key as the gateway's answers show it (src/auth/secret_box.cpp
// mask_secret): its first 3 and last 4 characters around "…"; a key under
// 12 characters is "…" alone. Sent back unchanged, the gateway puts the
// stored key back: the one of the stored entries with the same provider_id
// whose key masks alike (src/api/admin_config_json.cpp), wherever the entry
// moved; a masked value matching none, or several different keys, is refused.
const mask = (key: string) => (key.length < 12 ? '…' : `${key.slice(0, 3)}…${key.slice(-4)}`);

// docs/config.md's example, with keys of its own the editor must keep.
const CODING = {
  model_name: 'coding', notifyerrors: false, max_attempts: 4, default_error_cooldown: 120, pricing: { prompt: 1 },
  providers: [
    { provider_id: 'openai', api_key: mask('sk-proj-abcdefgh1234'), models: [
      { name: 'gpt-4o', weight: 3, rate_limit: 2 }, { name: 'gpt-4o-mini', weight: 1 }] },
    { provider_id: 'groq', weight: 2 },
    { provider_id: 'ollama', weight: 0 },
  ],
};

describe('weights as the gateway reads them', () => {
  it('takes an empty weight as 1 and anything not positive as a backup', () => {
    expect(weightOf('')).toBe(1);
    expect(weightOf(' 2.5 ')).toBe(2.5);
    expect(weightOf('0')).toBe(0);
    expect(weightOf('-1')).toBe(0);
    expect(weightOf('abc')).toBe(0);
  });

  it('shares the traffic by weight; 0 is a backup in file order', () => {
    const s = shares([{ weight: '3' }, { weight: '1' }, { weight: '2' }, { weight: '0' }, { weight: '0' }]);
    expect(s.map((x) => x.share)).toEqual([0.5, 1 / 6, 1 / 3, 0, 0]);
    expect(s.map((x) => x.role)).toEqual(['weighted', 'weighted', 'weighted', 'backup', 'backup']);
    expect(s.map((x) => x.backupRank)).toEqual([undefined, undefined, undefined, 1, 2]);
  });

  it('absent weights are equal shares', () => {
    expect(shares([{ weight: '' }, { weight: '' }, { weight: '' }, { weight: '' }]).map((x) => x.share)).toEqual([
      0.25, 0.25, 0.25, 0.25]);
  });

  it('every weight 0: the first backup takes the traffic', () => {
    const s = shares([{ weight: '0' }, { weight: '0' }]);
    expect(s.map((x) => x.share)).toEqual([1, 0]);
    expect(s.map((x) => x.role)).toEqual(['backup', 'backup']);
  });

  it('skips an unknown provider and a simple entry whose provider lists no models', () => {
    const s = shares([{ weight: '1', known: false }, { weight: '', models: 0 }, { weight: '1' }, { weight: '3', models: 2 }]);
    expect(s.map((x) => x.role)).toEqual(['skipped', 'skipped', 'weighted', 'weighted']);
    expect(s.map((x) => x.share)).toEqual([0, 0, 0.25, 0.75]);
    // Only skipped and backups: the first live backup serves.
    expect(shares([{ weight: '1', known: false }, { weight: '0' }]).map((x) => x.share)).toEqual([0, 1]);
  });

  it('a rotation’s candidates: an unknown provider and a whole provider listing no models are skipped', () => {
    const f = fromRotation('coding', CODING); // openai: 2 models; groq, ollama: whole providers
    const providers = { known: new Set(['openai', 'groq', 'ollama']), counts: new Map([['groq', 3], ['ollama', 0]]) };
    const s = rotationShares(f.candidates, providers);
    expect(s.map((x) => x.role)).toEqual(['weighted', 'weighted', 'weighted', 'skipped']);
    expect(s.map((x) => x.share)).toEqual([0.5, 1 / 6, 1 / 3, 0]);
    // groq unknown to the gateway (deleted, say): skipped, the others share all.
    const gone = rotationShares(f.candidates, { known: new Set(['openai', 'ollama']), counts: providers.counts });
    expect(gone.map((x) => x.role)).toEqual(['weighted', 'weighted', 'skipped', 'skipped']);
    expect(gone.map((x) => x.share)).toEqual([0.75, 0.25, 0, 0]);
  });

  it('formats shares as percentages', () => {
    expect(formatShare(0.75)).toBe('75 %');
    expect(formatShare(1 / 3)).toBe('33.3 %');
    expect(formatShare(1)).toBe('100 %');
    expect(formatShare(0)).toBe('0 %');
    expect(formatShare(0.0004)).toBe('< 0.1 %');
  });
});

describe('a rotation in the editor and back', () => {
  it('reads both of AISBF formats into candidates', () => {
    const f = fromRotation('coding', CODING);
    expect(f.candidates.map((c) => [c.provider, c.model, c.weight])).toEqual([
      ['openai', 'gpt-4o', '3'], ['openai', 'gpt-4o-mini', '1'], ['groq', null, '2'], ['ollama', null, '0']]);
    expect(f.settings.max_attempts).toBe('4');
    expect(f.settings.default_error_cooldown).toBe('120');
    expect(f.notifyerrors).toBe('off');
  });

  it('writes back what it read, unknown keys and provider keys kept', () => {
    expect(toRotation(fromRotation('coding', CODING))).toEqual(CODING);
  });

  it('keeps a reorder, moving models out of their entry with its keys', () => {
    const f = fromRotation('coding', CODING);
    f.candidates = moveCandidate(f.candidates, 1, 1); // gpt-4o-mini after groq
    const out = toRotation(f).providers as Record<string, unknown>[];
    expect(out.map((e) => e.provider_id)).toEqual(['openai', 'groq', 'openai', 'ollama']);
    // Both halves carry the entry's masked key exactly as read, under its
    // provider_id: what the gateway matches to put the stored key back.
    expect(out[0]).toEqual({ provider_id: 'openai', api_key: 'sk-…1234', models: [{ name: 'gpt-4o', weight: 3, rate_limit: 2 }] });
    expect(out[2]).toEqual({ provider_id: 'openai', api_key: 'sk-…1234', models: [{ name: 'gpt-4o-mini', weight: 1 }] });
  });

  it('moves and removes entries with their own masked keys, short ones too', () => {
    const raw = {
      providers: [
        { provider_id: 'openai', api_key: mask('sk-first-key-0001'), models: [{ name: 'a' }] },
        { provider_id: 'groq', api_key: mask('gsk-short'), weight: 2 },
        { provider_id: 'mock', api_key: mask('tiny'), weight: 1 },
      ],
    };
    expect(raw.providers.map((e) => e.api_key)).toEqual(['sk-…0001', '…', '…']);
    const f = fromRotation('r', raw);
    f.candidates = moveCandidate(f.candidates, 2, -1); // mock before groq
    f.candidates = f.candidates.filter((c) => c.provider !== 'openai');
    const out = toRotation(f).providers as Record<string, unknown>[];
    // Each key stays with its provider_id: the gateway tells the two "…" apart by it.
    expect(out).toEqual([
      { provider_id: 'mock', api_key: '…', weight: 1 },
      { provider_id: 'groq', api_key: '…', weight: 2 },
    ]);
  });

  it('adds picked models of one provider into one entry; empty settings are left out', () => {
    const f = fromRotation('new', { providers: [] });
    f.candidates = [candidateFrom('mock', 'a'), candidateFrom('mock', 'b'), candidateFrom('other', 'c')];
    f.candidates[1].weight = '3';
    f.settings.max_attempts = ' 3 ';
    f.notifyerrors = 'on';
    expect(toRotation(f)).toEqual({
      max_attempts: 3, notifyerrors: true,
      providers: [{ provider_id: 'mock', models: [{ name: 'a' }, { name: 'b', weight: 3 }] },
        { provider_id: 'other', models: [{ name: 'c' }] }],
    });
  });

  it('moves within bounds only', () => {
    expect(moveCandidate(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveCandidate(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
    expect(moveCandidate(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
  });
});

describe('rotation form checks', () => {
  const good = () => {
    const f = fromRotation('fast', { providers: [] });
    f.candidates = [candidateFrom('mock', 'a')];
    return f;
  };
  it('passes a good rotation', () => {
    expect(validateRotation(good(), ['other'], true)).toEqual({});
  });
  it('wants an id that is free and fits a model id', () => {
    const f = good();
    expect(validateRotation({ ...f, id: '' }, [], true).id).toMatch(/id/);
    expect(validateRotation({ ...f, id: 'a b' }, [], true).id).toMatch(/Letters/);
    expect(validateRotation({ ...f, id: 'x'.repeat(129) }, [], true).id).toMatch(/128/);
    expect(validateRotation(f, ['fast'], true).id).toMatch(/already/);
    expect(validateRotation(f, ['fast'], false).id).toBeUndefined();
  });
  it('wants candidates with weights of 0 or more and settings in range', () => {
    const f = good();
    f.candidates[0].weight = '-1';
    f.settings.max_attempts = '0';
    f.settings.default_error_cooldown = '1.5';
    f.settings.default_condense_context = '101';
    const e = validateRotation(f, [], true);
    expect(e[`weight-${f.candidates[0].key}`]).toMatch(/0 \(a backup\)/);
    expect(e.max_attempts).toMatch(/At least 1/);
    expect(e.default_error_cooldown).toMatch(/whole/);
    expect(e.default_condense_context).toMatch(/At most 100/);
    expect(validateRotation({ ...good(), candidates: [] }, [], true).candidates).toBeDefined();
  });
});

describe("the server's field errors beside the fields", () => {
  it('maps a JSON path, admin or user, to the candidate or setting', () => {
    const f = fromRotation('coding', CODING);
    const [gpt4o, mini, groq] = f.candidates;
    expect(rotationFieldOf('rotations.coding.providers[0].models[1].weight', f, 'rotations.coding.')).toBe(`weight-${mini.key}`);
    expect(rotationFieldOf('providers[0].models[0].name', f, 'rotations.coding.')).toBe(`model-${gpt4o.key}`);
    expect(rotationFieldOf('providers[1].weight', f, '')).toBe(`weight-${groq.key}`);
    // A key the gateway could not restore: beside its candidate, not a weight.
    expect(rotationFieldOf('rotations.coding.providers[0].api_key', f, 'rotations.coding.')).toBe(`model-${gpt4o.key}`);
    expect(rotationFieldOf('rotations.coding.max_attempts', f, 'rotations.coding.')).toBe('max_attempts');
    expect(rotationFieldOf('providers', f, '')).toBe('candidates');
    expect(rotationFieldOf('rotations.coding', f, 'rotations.coding.')).toBe('id');
    expect(rotationFieldOf('id', f, '')).toBe('id');
    expect(rotationFieldOf('providers.mock.endpoint', f, 'rotations.coding.')).toBeNull();
    expect(rotationFieldOf(null, f, '')).toBeNull();
  });
});
