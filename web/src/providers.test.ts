import { describe, expect, it } from 'vitest';
import {
  addPicked, applyPreset, destinationChanged, emptyForm, entryFromForm, fieldOfParam, filterModels, formatLatency,
  formatPrice, formatTokens, formFromEntry, isMasked, keyAfterDestination, keyRequired, modelFromUpstream, presetFor,
  providerUrl, ADMIN_SCOPE, USER_SCOPE, validateProvider, type PresetInfo, type UpstreamModel,
} from './providers';

const PRESETS: PresetInfo[] = [
  { id: 'type:openai', name: 'openai', label: 'OpenAI-compatible', kind: 'type', endpoint: 'https://api.openai.com/v1',
    api_key_required: true, notes: '', template: { type: 'openai', endpoint: 'https://api.openai.com/v1', api_key_required: true } },
  { id: 'preset:groq', name: 'groq', label: 'groq', kind: 'preset', endpoint: 'https://api.groq.com/openai/v1',
    api_key_required: true, notes: 'drops logprobs', template: { type: 'groq', endpoint: 'https://api.groq.com/openai/v1', api_key_required: true } },
  { id: 'preset:azure_openai', name: 'azure_openai', label: 'azure_openai', kind: 'preset', endpoint: '',
    api_key_required: true, notes: '', template: { type: 'azure_openai', endpoint: '', api_key_required: true, api_version: '2024-10-21' } },
  { id: 'preset:vllm', name: 'vllm', label: 'vllm', kind: 'preset', endpoint: 'http://localhost:8000/v1',
    api_key_required: false, notes: 'no key needed', template: { type: 'vllm', endpoint: 'http://localhost:8000/v1', api_key_required: false } },
];

const STORED = {
  id: 'mine', name: 'Mine', type: 'openai', endpoint: 'http://127.0.0.1:9/v1', api_key: 'sk-…wxyz', api_key_required: true,
  rate_limit: 0.5, default_context_size: 128000, timeouts: { connect: 5 }, is_subscription: false,
  kilo_config: { credentials_file: '~/.kilo' },
  models: [{ name: 'gpt-4o', context_size: 128000, capabilities: ['vision'], pricing: { prompt: '0.0000025' }, top_provider: { x: 1 } }],
};

describe('entries and forms', () => {
  it('round-trips an entry, keeping every key the form does not edit', () => {
    const form = formFromEntry('mine', STORED);
    expect(form.keyMode).toBe('keep');
    expect(form.storedKey).toBe('sk-…wxyz');
    expect(form.models[0].capabilities).toBe('vision');
    const entry = entryFromForm(form);
    expect(entry).toMatchObject({
      name: 'Mine', type: 'openai', endpoint: 'http://127.0.0.1:9/v1', api_key: 'sk-…wxyz', api_key_required: true,
      rate_limit: 0.5, default_context_size: 128000, timeouts: { connect: 5 }, is_subscription: false,
      kilo_config: { credentials_file: '~/.kilo' },
    });
    expect(entry.models).toEqual([
      { name: 'gpt-4o', context_size: 128000, capabilities: ['vision'], pricing: { prompt: '0.0000025' }, top_provider: { x: 1 } },
    ]);
    expect(entry).not.toHaveProperty('id');
  });
  it('sends the stored key back masked while kept, the new one when replaced, the stored one when the new is left empty', () => {
    const form = formFromEntry('mine', STORED);
    expect(entryFromForm({ ...form, keyMode: 'replace', api_key: ' sk-new-key-123 ' }).api_key).toBe('sk-new-key-123');
    // "Replace" with nothing typed removes nothing: the stored key stays.
    expect(entryFromForm({ ...form, keyMode: 'replace', api_key: '' }).api_key).toBe('sk-…wxyz');
    expect(entryFromForm({ ...form, keyMode: 'replace', api_key: '  ' }).api_key).toBe('sk-…wxyz');
    expect(validateProvider({ ...form, keyMode: 'replace', api_key: '' }, { isNew: false, takenIds: [], presets: PRESETS }).api_key).toBeUndefined();
    const fresh = formFromEntry('x', { type: 'ollama', endpoint: 'http://h:11434' });
    expect(fresh.keyMode).toBe('new');
    expect(entryFromForm(fresh)).not.toHaveProperty('api_key');
  });
  it('leaves out empty numbers instead of writing zeros', () => {
    const entry = entryFromForm({ ...emptyForm(), type: 'openai', endpoint: 'https://x/v1' });
    expect(entry).not.toHaveProperty('rate_limit');
    expect(entry).not.toHaveProperty('timeouts');
    expect(entry).not.toHaveProperty('default_context_size');
    expect(entry.models).toEqual([]);
  });
  it('tells a masked key from a real one', () => {
    expect(isMasked('sk-…wxyz')).toBe(true);
    expect(isMasked('…')).toBe(true);
    expect(isMasked('sk-abcdwxyz')).toBe(false);
    expect(isMasked('')).toBe(false);
  });
  it('builds URLs of the scope, the id escaped', () => {
    expect(providerUrl(ADMIN_SCOPE, 'a b', '/test')).toBe('/api/admin/providers/a%20b/test');
    expect(providerUrl(USER_SCOPE, 'x')).toBe('/api/user/providers/x');
  });
});

describe('checks before sending', () => {
  const opts = { isNew: true, takenIds: ['taken'], presets: PRESETS };
  const good = { ...emptyForm(), id: 'new', type: 'openai', endpoint: 'https://api.example.com/v1', api_key: 'sk-1234567890' };
  it('passes a good provider', () => {
    expect(validateProvider(good, opts)).toEqual({});
  });
  it('wants an id that is free and usable in a model id', () => {
    expect(validateProvider({ ...good, id: '' }, opts).id).toBeDefined();
    expect(validateProvider({ ...good, id: 'a/b' }, opts).id).toMatch(/"\/"/);
    expect(validateProvider({ ...good, id: 'a b' }, opts).id).toBeDefined();
    expect(validateProvider({ ...good, id: 'taken' }, opts).id).toMatch(/exists/);
    expect(validateProvider({ ...good, id: 'é'.repeat(65) }, opts).id).toMatch(/128 bytes/);
    expect(validateProvider({ ...good, id: 'taken' }, { ...opts, isNew: false }).id).toBeUndefined();
  });
  it('wants an http(s) endpoint without query, fragment or credentials, unless a preset gives one', () => {
    expect(validateProvider({ ...good, endpoint: '' }, opts).endpoint).toBeDefined();
    expect(validateProvider({ ...good, endpoint: 'ftp://x' }, opts).endpoint).toMatch(/http/);
    expect(validateProvider({ ...good, endpoint: 'https://x/v1?a=1' }, opts).endpoint).toMatch(/query/);
    expect(validateProvider({ ...good, endpoint: 'https://u:p@x/v1' }, opts).endpoint).toMatch(/credentials/);
    expect(validateProvider({ ...good, endpoint: 'not a url' }, opts).endpoint).toBeDefined();
    expect(validateProvider({ ...good, type: 'groq', endpoint: '' }, opts).endpoint).toBeUndefined();
    expect(validateProvider({ ...good, type: 'openai', preset: 'groq', endpoint: '' }, opts).endpoint).toBeUndefined();
    expect(validateProvider({ ...good, type: 'azure_openai', endpoint: '' }, opts).endpoint).toBeDefined();
  });
  it('asks for a key when one is needed, and never takes a masked one as new', () => {
    expect(validateProvider({ ...good, api_key: '' }, opts).api_key).toMatch(/needs a key/);
    expect(validateProvider({ ...good, api_key: '', api_key_required: false }, opts).api_key).toBeUndefined();
    expect(validateProvider({ ...good, api_key: 'sk-…wxyz' }, opts).api_key).toMatch(/masked/);
    expect(validateProvider({ ...good, api_key: 'a\nb' }, opts).api_key).toBeDefined();
    const kept = { ...good, keyMode: 'keep' as const, storedKey: 'sk-…wxyz', api_key: '' };
    expect(validateProvider(kept, opts).api_key).toBeUndefined();
    expect(validateProvider({ ...kept, keyMode: 'replace' }, opts).api_key).toBeUndefined(); // empty: kept
    expect(validateProvider({ ...kept, keyMode: 'replace', keyForced: true }, opts).api_key).toMatch(/enter the key again/);
    expect(validateProvider({ ...kept, keyMode: 'replace', keyForced: true, api_key_required: false }, opts).api_key).toBeUndefined();
  });
  it('checks numbers and models field by field', () => {
    const bad = {
      ...good, rate_limit: '-1', timeouts: { ...good.timeouts, total: '0' },
      defaults: { ...good.defaults, default_context_size: '1.5' },
      models: [
        { name: 'm', context_size: 'x', rate_limit: '', rate_limit_TPM: '0', capabilities: '', extra: {} },
        { name: 'm', context_size: '', rate_limit: '', rate_limit_TPM: '', capabilities: '', extra: {} },
        { name: ' ', context_size: '', rate_limit: '', rate_limit_TPM: '', capabilities: '', extra: {} },
      ],
    };
    const e = validateProvider(bad, opts);
    expect(e.rate_limit).toMatch(/0 or more/);
    expect(e['timeouts.total']).toMatch(/above 0/);
    expect(e.default_context_size).toMatch(/whole/);
    expect(e['models.0.context_size']).toBeDefined();
    expect(e['models.0.rate_limit_TPM']).toBeDefined();
    expect(e['models.1.name']).toMatch(/twice/);
    expect(e['models.2.name']).toBeDefined();
    expect(e['models.0.name']).toBeUndefined();
  });
});

describe('whether a key is needed', () => {
  it('is written only when the entry had it or it was edited; else the preset decides', () => {
    const groq = formFromEntry('g', { type: 'groq', api_key: 'gsk…1234' });
    expect(groq.api_key_required).toBeNull();
    expect(keyRequired(groq, PRESETS)).toBe(true); // the preset's default, shown as such
    expect(entryFromForm(groq)).not.toHaveProperty('api_key_required'); // not flipped to false
    expect(entryFromForm({ ...groq, api_key_required: false }).api_key_required).toBe(false); // edited
    const vllm = formFromEntry('v', { type: 'vllm' });
    expect(keyRequired(vllm, PRESETS)).toBe(false);
    expect(keyRequired(formFromEntry('o', { type: 'openai', endpoint: 'https://x/v1' }), PRESETS)).toBe(false); // no preset: none
    expect(keyRequired(formFromEntry('o', { type: 'vllm', api_key_required: true }), PRESETS)).toBe(true);
    expect(entryFromForm(formFromEntry('f', { type: 'openai', api_key_required: false })).api_key_required).toBe(false);
  });
  it("asks for a key by the preset's default when the entry says nothing", () => {
    const opts = { isNew: false, takenIds: [], presets: PRESETS };
    const groq = formFromEntry('g', { type: 'groq' });
    expect(validateProvider(groq, opts).api_key).toMatch(/needs a key/);
    expect(validateProvider(formFromEntry('v', { type: 'vllm' }), opts).api_key).toBeUndefined();
  });
});

describe('a stored key and a new destination', () => {
  const saved = formFromEntry('mine', STORED);
  const edit = (patch: Partial<typeof saved>, from = saved) => keyAfterDestination({ ...from, ...patch }, PRESETS);
  it('keeps the key while the entry goes where it went', () => {
    for (const patch of [{ name: 'Other' }, { endpoint: 'http://127.0.0.1:9/v2' }, { endpoint: 'HTTP://127.0.0.1:9/v1/' }, { api: 'chat' }]) {
      const next = edit(patch);
      expect(next.keyMode, JSON.stringify(patch)).toBe('keep');
      expect(destinationChanged(next, PRESETS)).toBe(false);
    }
  });
  it('asks for the key again when the endpoint, type, preset or api changes, and says why', () => {
    for (const patch of [
      { endpoint: 'https://attacker.example/v1' }, { endpoint: 'http://127.0.0.1:10/v1' }, { type: 'groq' },
      { preset: 'groq' }, { api: 'responses' },
    ]) {
      const next = edit(patch);
      expect(next.keyMode, JSON.stringify(patch)).toBe('replace');
      expect(next.keyForced).toBe(true);
      // The masked key is never sent to the new destination (the server would refuse it).
      expect(entryFromForm(next)).not.toHaveProperty('api_key');
      expect(validateProvider(next, { isNew: false, takenIds: [], presets: PRESETS }).api_key).toMatch(/changed: enter the key again/);
      expect(entryFromForm({ ...next, api_key: 'sk-new-key-123' }).api_key).toBe('sk-new-key-123');
    }
  });
  it('keeps the stored key again once the destination is back, unless a key was typed', () => {
    const away = edit({ endpoint: 'https://attacker.example/v1' });
    const back = edit({ endpoint: 'http://127.0.0.1:9/v1' }, away);
    expect(back).toMatchObject({ keyMode: 'keep', keyForced: false });
    const typed = edit({ endpoint: 'http://127.0.0.1:9/v1' }, { ...away, api_key: 'sk-typed-123' });
    expect(typed).toMatchObject({ keyMode: 'replace', keyForced: false, api_key: 'sk-typed-123' });
  });
  it("counts a preset's default endpoint as the one left empty", () => {
    const groq = formFromEntry('g', { type: 'groq', api_key: 'gsk…1234' });
    expect(keyAfterDestination({ ...groq, endpoint: 'https://api.groq.com/openai/v1' }, PRESETS).keyMode).toBe('keep');
    expect(keyAfterDestination({ ...groq, endpoint: 'https://api.groq.example/v1' }, PRESETS).keyMode).toBe('replace');
  });
  it('leaves a new provider and one without a stored key alone', () => {
    expect(keyAfterDestination({ ...emptyForm(), endpoint: 'https://x/v1' }, PRESETS).keyMode).toBe('new');
    const keyless = formFromEntry('k', { type: 'ollama', endpoint: 'http://h:11434' });
    expect(keyAfterDestination({ ...keyless, endpoint: 'http://other:11434' }, PRESETS).keyMode).toBe('new');
  });
});

describe("the server's field errors", () => {
  it('maps the admin API file paths and the relative ones to the same fields', () => {
    expect(fieldOfParam('providers.mine.endpoint', 'mine')).toBe('endpoint');
    expect(fieldOfParam('endpoint', 'mine')).toBe('endpoint');
    expect(fieldOfParam('providers.mine.models[2].name', 'mine')).toBe('models.2.name');
    expect(fieldOfParam('models[1].context_size', 'mine')).toBe('models.1.context_size');
    expect(fieldOfParam('models[1].pricing.prompt', 'mine')).toBe('models.1.name');
    expect(fieldOfParam('providers.mine.timeouts.connect', 'mine')).toBe('timeouts.connect');
    expect(fieldOfParam('providers["a b"].api_key', 'a b')).toBe('api_key');
    expect(fieldOfParam('providers.mine', 'mine')).toBe('id');
    expect(fieldOfParam('', 'mine')).toBe('id');
    expect(fieldOfParam('id', 'mine')).toBe('id');
    expect(fieldOfParam('kilo_config.x', 'mine')).toBeNull();
    expect(fieldOfParam(null, 'mine')).toBeNull();
  });
});

describe('presets', () => {
  it('applies a template, keeping what the user typed elsewhere', () => {
    const typed = { ...emptyForm(), id: 'g', api_key: 'sk-1234567890', models: [{ name: 'm', context_size: '', rate_limit: '', rate_limit_TPM: '', capabilities: '', extra: {} }] };
    const groq = applyPreset(typed, PRESETS[1]);
    expect(groq).toMatchObject({ id: 'g', type: 'groq', endpoint: 'https://api.groq.com/openai/v1', api_key: 'sk-1234567890', name: 'groq' });
    expect(groq.models).toHaveLength(1);
    expect(presetFor(groq, PRESETS)?.name).toBe('groq');
    const vllm = applyPreset(groq, PRESETS[3]);
    expect(vllm.api_key_required).toBe(false);
    expect(vllm.name).toBe('groq'); // a name typed (or set) stays
    const azure = applyPreset(emptyForm(), PRESETS[2]);
    expect(entryFromForm(azure).api_version).toBe('2024-10-21');
    expect(applyPreset(emptyForm(), PRESETS[0]).name).toBe('');
  });
});

describe('fetched models', () => {
  const models: UpstreamModel[] = [
    { id: 'gpt-4o', name: 'GPT-4o', context_size: 128000, pricing: { prompt: 0.0000025, completion: 0.00001 }, capabilities: ['vision'], configured: false },
    { id: 'mock-model', capabilities: [], configured: true },
    { id: 'org/nested', capabilities: ['function_calling'], configured: false },
  ];
  it('become model entries with what the provider told of them', () => {
    expect(modelFromUpstream(models[0])).toMatchObject({ name: 'gpt-4o', context_size: '128000', capabilities: 'vision', extra: { pricing: { prompt: 0.0000025, completion: 0.00001 } } });
    expect(modelFromUpstream(models[1]).extra).toEqual({});
  });
  it('are added once', () => {
    const form = { ...emptyForm(), models: [{ name: 'mock-model', context_size: '', rate_limit: '', rate_limit_TPM: '', capabilities: '', extra: {} }] };
    const next = addPicked(form, models);
    expect(next.models.map((m) => m.name)).toEqual(['mock-model', 'gpt-4o', 'org/nested']);
    expect(entryFromForm(next).models).toContainEqual({ name: 'gpt-4o', context_size: 128000, capabilities: ['vision'], pricing: { prompt: 0.0000025, completion: 0.00001 } });
  });
  it('filter by id or name', () => {
    expect(filterModels(models, 'gpt').map((m) => m.id)).toEqual(['gpt-4o']);
    expect(filterModels(models, '4O').map((m) => m.id)).toEqual(['gpt-4o']);
    expect(filterModels(models, ' ')).toHaveLength(3);
  });
  it('format latency, prices and sizes for people', () => {
    expect(formatLatency(12.3)).toBe('12 ms');
    expect(formatLatency(1534)).toBe('1.53 s');
    expect(formatLatency(undefined)).toBe('');
    expect(formatPrice(0.0000025)).toBe('$2.50 / 1M');
    expect(formatPrice(0)).toBe('$0 / 1M');
    expect(formatTokens(128000)).toBe('128k');
    expect(formatTokens(1048576)).toBe('1.05M');
    expect(formatTokens(512)).toBe('512');
  });
});
