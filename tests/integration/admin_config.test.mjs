// The admin config API through the binary: providers, rotations and
// autoselects one entry at a time, settings, condensation, prompts and the
// OpenAPI document. Edits are validated like a reload (400 naming the JSON
// path, nothing written), written atomically (0600, unknown keys kept),
// and take effect at once; secrets never appear in an answer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AISBF_BIN, startStack, startGateway, request, post, chatBody, assertError, mockProvider, streamRequest,
  contentOf, runCli, gatewayEnv, MOCK_MODELS, MOCK_KEY, delay,
  noteSecrets, secretsIn,
} from './harness.mjs';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const PROVIDER_KEY = 'sk-provider-secret-key-9876';
const ROTATION_KEYS = ['sk-rotation-key-aaaa-1111', 'sk-rotation-key-bbbb-2222', 'k-one', 'k-two'];
const SECRETS = [ADMIN_TOKEN, PROVIDER_KEY, 'mcp-secret-token-abcdef', 'mysql-secret-password-xyz', ...ROTATION_KEYS];
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

// Every answer of the suite, to check that no secret ever appears in one.
const seen = [];
async function api(s, method, p, body, headers = {}) {
  const opts = { method, headers: { ...auth, ...headers } };
  if (body !== undefined) opts.body = body;
  else if (method !== 'GET') opts.headers['content-length'] = '0';
  const r = await request(s.u(p), opts);
  seen.push(`${method} ${p} → ${r.status} ${r.text}`);
  return r;
}
const readJson = (s, f) => JSON.parse(fs.readFileSync(path.join(s.configDir, f), 'utf8'));
const modeOf = (s, f) => fs.statSync(path.join(s.configDir, f)).mode & 0o777;

// A provider on the mock (its key is the mock's own, 'mock-key').
function provider(s, id, extra = {}) {
  return mockProvider(s.mock.url, { id, ...extra });
}

async function chatVia(s, providerId) {
  return post(s.u('/api/v1/chat/completions'), chatBody(`via ${providerId}`, { model: `${providerId}/mock-model` }),
    { headers: auth });
}

describe('admin config API', { timeout: 120000 }, () => {
  let s;
  let started; // aisbf.json as the gateway read it when it started
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN_TOKEN] },
      aisbf: {
        mcp: { enabled: false, autoselect_tokens: ['mcp-secret-token-abcdef'] },
        database: { type: 'sqlite', mysql_password: 'mysql-secret-password-xyz' },
      },
      // The mock provider's key is the mock's; `keyed` holds a long secret.
      providers: (url) => ({
        mock: mockProvider(url, { models: [...MOCK_MODELS, 'fault-slow-300'] }),
        keyed: { ...mockProvider(url, { id: 'keyed' }), api_key: PROVIDER_KEY, x_vendor: { keep: [1, 2] } },
      }),
    });
    started = readJson(s, 'aisbf.json');
  });
  after(async () => { await s?.stop(); });

  it('needs the admin token; the OpenAPI document does not', async () => {
    assertError(await request(s.u('/api/admin/providers')), 401);
    assertError(await request(s.u('/api/admin/providers'), { headers: { authorization: 'Bearer nope' } }), 401);
    const doc = await request(s.u('/api/openapi.json'));
    assert.equal(doc.status, 200, doc.text);
    const spec = doc.json();
    assert.match(spec.openapi, /^3\.1\./);
    assert.ok(spec.paths['/api/admin/providers/{id}'].put, 'the admin routes are described');
    assert.ok(spec.paths['/v1/models/{model_id}'].get);
  });

  it('GET lists the providers as written, keys masked', async () => {
    const r = await api(s, 'GET', '/api/admin/providers');
    assert.equal(r.status, 200, r.text);
    const { providers } = r.json();
    assert.deepEqual(Object.keys(providers), ['mock', 'keyed']);
    assert.equal(providers.keyed.api_key, 'sk-…9876');
    assert.deepEqual(providers.keyed.x_vendor, { keep: [1, 2] });
    const one = await api(s, 'GET', '/api/admin/providers/keyed');
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json().id, 'keyed');
    assert.equal(one.json().provider.api_key, 'sk-…9876');
    assertError(await api(s, 'GET', '/api/admin/providers/nope'), 404, 'not_found');
  });

  it('PUT of a new provider → 201, in effect at once; again → 200; files stay 0600', async () => {
    assertError(await chatVia(s, 'second'), 404);
    const created = await api(s, 'PUT', '/api/admin/providers/second', provider(s, 'second'));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json().provider.api_key, '…');
    const c = await chatVia(s, 'second');
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json().choices[0].message.content, 'You said: via second');
    const again = await api(s, 'PUT', '/api/admin/providers/second', { ...provider(s, 'second'), name: 'Renamed' });
    assert.equal(again.status, 200, again.text);
    assert.equal(readJson(s, 'providers.json').providers.second.name, 'Renamed');
    assert.equal(modeOf(s, 'providers.json'), 0o600);
  });

  it('unknown keys and the order of the rest are kept', async () => {
    const file = path.join(s.configDir, 'providers.json');
    const doc = readJson(s, 'providers.json');
    noteSecrets(secretsIn(doc));
    fs.writeFileSync(file, JSON.stringify({ comment: 'mine', ...doc, trailer: { x: 1 } }, null, 2), { mode: 0o600 });
    const r = await api(s, 'PUT', '/api/admin/providers/keyed', { ...provider(s, 'keyed'), api_key: PROVIDER_KEY, new_field: true });
    assert.equal(r.status, 200, r.text);
    const after = readJson(s, 'providers.json');
    assert.deepEqual(Object.keys(after), ['comment', 'providers', 'trailer']);
    assert.deepEqual(Object.keys(after.providers), ['mock', 'keyed', 'second']);
    assert.equal(after.providers.keyed.new_field, true);
    assert.deepEqual(after.providers.mock, doc.providers.mock);
    assert.match(fs.readFileSync(file, 'utf8'), /^\{\n {2}"comment": "mine",\n {2}"providers": \{\n {4}"mock": \{/);
  });

  it('a masked key sent back keeps the stored key', async () => {
    const got = (await api(s, 'GET', '/api/admin/providers/keyed')).json().provider;
    assert.equal(got.api_key, 'sk-…9876');
    const r = await api(s, 'PUT', '/api/admin/providers/keyed', { ...got, name: 'Keyed again' });
    assert.equal(r.status, 200, r.text);
    const stored = readJson(s, 'providers.json').providers.keyed;
    assert.equal(stored.api_key, PROVIDER_KEY);
    assert.equal(stored.name, 'Keyed again');
    const wrong = await api(s, 'PUT', '/api/admin/providers/keyed', { ...got, api_key: 'sk-…0000' });
    assert.equal(assertError(wrong, 400, 'masked_value').param, 'providers.keyed.api_key');
  });

  it('a rotation’s entries reordered or removed keep their own masked keys; keys masking alike are refused', async () => {
    const [A, B, ONE, TWO] = ROTATION_KEYS;
    const entry = (provider_id, api_key, name) => ({ provider_id, api_key, models: [{ name }] });
    const put = (body) => api(s, 'PUT', '/api/admin/rotations/keys', body);
    const stored = () => readJson(s, 'rotations.json').rotations.keys.providers;
    const keysOf = (providers) => providers.map((e) => e.api_key);
    assert.equal((await put({ providers: [
      entry('keyed', A, 'mock-model'), entry('mock', ONE, 'mock-model'), entry('keyed', B, 'mock-model'),
      entry('mock', TWO, 'org/nested-model')] })).status, 201);
    const read = (await api(s, 'GET', '/api/admin/rotations/keys')).json().rotation.providers;
    assert.deepEqual(keysOf(read), ['sk-…1111', '…', 'sk-…2222', '…']);

    // Reversed, each sent back as read: each keeps its key (the two "…" of
    // mock told apart by being unchanged).
    assert.equal((await put({ providers: [...read].reverse() })).status, 200);
    assert.deepEqual(keysOf(stored()), [TWO, B, ONE, A]);
    // The first keyed entry removed, the other edited: B stays with it.
    const again = (await api(s, 'GET', '/api/admin/rotations/keys')).json().rotation.providers;
    const edited = [again[0], { ...again[1], models: [{ name: 'mock-model', weight: 3 }] }, again[2]];
    assert.equal((await put({ providers: edited })).status, 200);
    assert.deepEqual(keysOf(stored()), [TWO, B, ONE]);
    assert.deepEqual(stored()[1].models, [{ name: 'mock-model', weight: 3 }]);
    // A mock entry edited: "…" may be either of mock's keys; refused, naming it.
    const last = (await api(s, 'GET', '/api/admin/rotations/keys')).json().rotation.providers;
    const refused = await put({ providers: [{ ...last[0], models: [{ name: 'mock-model', weight: 5 }] }, last[1], last[2]] });
    assert.equal(assertError(refused, 400, 'masked_value').param, 'rotations.keys.providers[0].api_key');
    assert.deepEqual(keysOf(stored()), [TWO, B, ONE]);
    assert.equal((await api(s, 'DELETE', '/api/admin/rotations/keys')).status, 204);
  });

  it('bad input → 400 naming the JSON path; nothing written', async () => {
    const before = fs.readFileSync(path.join(s.configDir, 'providers.json'), 'utf8');
    const bad = await api(s, 'PUT', '/api/admin/providers/second', { ...provider(s, 'second'), endpoint: 5 });
    const e = assertError(bad, 400, 'invalid_config');
    assert.equal(e.param, 'providers.second.endpoint');
    assert.ok(bad.json().diagnostics.some((d) => d.file === 'providers.json' && d.path === 'providers.second.endpoint'));
    assertError(await api(s, 'PUT', '/api/admin/providers/second', provider(s, 'other')), 400, 'id_mismatch');
    assertError(await api(s, 'PUT', '/api/admin/providers/second', [1, 2]), 400, 'invalid_body');
    assertError(await api(s, 'PUT', '/api/admin/providers/models', provider(s, 'models')), 400, 'invalid_config');
    assert.equal(fs.readFileSync(path.join(s.configDir, 'providers.json'), 'utf8'), before);
  });

  it('rotations and autoselects: 201/200/204/404, and 409 for what is in use', async () => {
    const rotation = { model_name: 'rot', providers: [{ provider_id: 'second', models: [{ name: 'mock-model' }] }] };
    assert.equal((await api(s, 'PUT', '/api/admin/rotations/rot', rotation)).status, 201);
    assert.equal((await api(s, 'PUT', '/api/admin/rotations/rot', rotation)).status, 200);
    const used = await api(s, 'DELETE', '/api/admin/providers/second');
    assert.match(assertError(used, 409, 'conflict').message, /rotation "rot"/);
    const pick = { model_name: 'pick', description: 'd', fallback: 'rot', available_models: [{ model_id: 'rot', description: 'd' }] };
    assert.equal((await api(s, 'PUT', '/api/admin/autoselects/pick', pick)).status, 201);
    assert.deepEqual(Object.keys((await api(s, 'GET', '/api/admin/autoselects')).json().autoselects), ['pick']);
    assert.equal((await api(s, 'GET', '/api/admin/rotations/rot')).json().rotation.model_name, 'rot');
    assert.match(assertError(await api(s, 'DELETE', '/api/admin/rotations/rot'), 409, 'conflict').message, /"pick"/);
    const rc = await post(s.u('/api/rotations/chat/completions'), chatBody('rot', { model: 'rot' }), { headers: auth });
    assert.equal(rc.status, 200, rc.text);

    assert.equal((await api(s, 'DELETE', '/api/admin/autoselects/pick')).status, 204);
    assert.equal((await api(s, 'DELETE', '/api/admin/rotations/rot')).status, 204);
    assert.equal((await api(s, 'DELETE', '/api/admin/providers/second')).status, 204);
    assertError(await api(s, 'DELETE', '/api/admin/providers/second'), 404, 'not_found');
    assertError(await api(s, 'DELETE', '/api/admin/rotations/rot'), 404, 'not_found');
    assertError(await api(s, 'GET', '/api/admin/autoselects/pick'), 404, 'not_found');
    assertError(await chatVia(s, 'second'), 404);
    assert.deepEqual(readJson(s, 'rotations.json').rotations, {});
    assert.equal(modeOf(s, 'rotations.json'), 0o600);
  });

  it('state-changing routes refuse another Origin and non-JSON bodies', async () => {
    assertError(await api(s, 'PUT', '/api/admin/providers/x', provider(s, 'x'), { origin: 'http://evil.example' }),
      403, 'cross_site_request');
    assertError(await api(s, 'PUT', '/api/admin/providers/x', 'x=1', { 'content-type': 'text/plain' }), 415);
    assertError(await api(s, 'GET', '/api/admin/providers/x', undefined), 404);
  });

  it('settings: secrets masked, masked values keep them, restart_required named', async () => {
    const r = await api(s, 'GET', '/api/admin/settings');
    assert.equal(r.status, 200, r.text);
    const { settings } = r.json();
    assert.deepEqual(settings.auth.tokens, ['adm…cdef']);
    // What applies at the next start and what aisbf keeps without acting on it, for the dashboard's marks.
    for (const p of ['server.host', 'server.port', 'server.idle_timeout', 'database', 'response_cache.backend']) {
      assert.ok(r.json().start_only.includes(p), p);
    }
    for (const p of ['server.max_body_bytes', 'auth', 'response_cache.ttl', 'adaptive_rate_limiting']) {
      assert.ok(!r.json().start_only.some((q) => q === p || p.startsWith(`${q}.`)), p);
    }
    assert.ok(r.json().unused.includes('smtp'));
    assert.ok(r.json().start_only.includes('tor.control_port') && !r.json().start_only.includes('tor.socks_port'));
    assert.equal(settings.database.mysql_password, 'mys…-xyz');
    settings.server.port = 17999;
    settings.extra_section = { kept: true };
    const put = await api(s, 'PUT', '/api/admin/settings', settings);
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json().restart_required, ['server.port']);
    assert.deepEqual(put.json().start_only, r.json().start_only);
    const file = readJson(s, 'aisbf.json');
    assert.deepEqual(file.auth.tokens, [ADMIN_TOKEN]);
    assert.equal(file.database.mysql_password, 'mysql-secret-password-xyz');
    assert.deepEqual(file.mcp.autoselect_tokens, ['mcp-secret-token-abcdef']);
    assert.deepEqual(file.extra_section, { kept: true });
    assert.equal(modeOf(s, 'aisbf.json'), 0o600);
    // The token still admits (auth came back unchanged).
    assert.equal((await api(s, 'GET', '/api/admin/settings')).status, 200);
    const bad = await api(s, 'PUT', '/api/admin/settings', { server: { port: 'x' } });
    assert.equal(assertError(bad, 400, 'invalid_config').param, 'server.port');
  });

  it('settings: restart_required measured from the start, on GET too; a change put back clears it', async () => {
    // The previous test wrote server.port: still waiting, whatever was written since.
    let r = await api(s, 'GET', '/api/admin/settings');
    assert.deepEqual(r.json().restart_required, ['server.port']);
    const { settings } = r.json();
    const put = await api(s, 'PUT', '/api/admin/settings', { server: { ...settings.server, idle_timeout: 77 } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json().restart_required, ['server.port', 'server.idle_timeout']);
    const back = await api(s, 'PUT', '/api/admin/settings', { server: started.server });
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.json().restart_required, []);
    r = await api(s, 'GET', '/api/admin/settings');
    assert.deepEqual(r.json().restart_required, []);
    assert.ok(r.json().start_only.includes('dashboard.password'), 'read at a start only (while no admin exists)');
  });

  it('settings: auth off with a listener that is not loopback is refused, naming auth.enabled', async () => {
    const { settings } = (await api(s, 'GET', '/api/admin/settings')).json();
    const fileBefore = fs.readFileSync(path.join(s.configDir, 'aisbf.json'), 'utf8');
    const exposed = [
      { server: { ...settings.server, host: '0.0.0.0' }, auth: { ...settings.auth, enabled: false } },
      { server: { ...settings.server, host: '192.0.2.10' }, auth: { ...settings.auth, enabled: false } },
      { server: { ...settings.server, host: '::' }, auth: { tokens: settings.auth.tokens } }, // absent: off
    ];
    for (const body of exposed) {
      const r = await api(s, 'PUT', '/api/admin/settings', body);
      assert.equal(assertError(r, 400, 'auth_required').param, 'auth.enabled', JSON.stringify(body));
    }
    assert.equal(fs.readFileSync(path.join(s.configDir, 'aisbf.json'), 'utf8'), fileBefore, 'nothing written');
    // Off on loopback, or on with any address: written.
    let r = await api(s, 'PUT', '/api/admin/settings', { auth: { ...settings.auth, enabled: false } });
    assert.equal(r.status, 200, r.text);
    assert.equal(readJson(s, 'aisbf.json').auth.enabled, false);
    // Then moving the listener off loopback is refused too.
    r = await api(s, 'PUT', '/api/admin/settings', { server: { ...settings.server, host: '0.0.0.0' } });
    assert.equal(assertError(r, 400, 'auth_required').param, 'auth.enabled');
    r = await api(s, 'PUT', '/api/admin/settings', { auth: settings.auth });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(readJson(s, 'aisbf.json').auth, { enabled: true, tokens: [ADMIN_TOKEN] });
    r = await api(s, 'PUT', '/api/admin/settings', { server: { ...settings.server, host: '0.0.0.0' } });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json().restart_required.includes('server.host'));
    r = await api(s, 'PUT', '/api/admin/settings', { server: started.server });
    assert.equal(r.status, 200, r.text);
  });

  it('settings: a URL whose password comes back masked keeps it when the host is edited', async () => {
    const url = 'postgresql://app:pg-secret-password-1@db.internal:5432/aisbf';
    SECRETS.push('pg-secret-password-1');
    const { settings } = (await api(s, 'GET', '/api/admin/settings')).json();
    let r = await api(s, 'PUT', '/api/admin/settings', { database: { ...settings.database, postgres_url: url } });
    assert.equal(r.status, 200, r.text);
    const masked = r.json().settings.database.postgres_url;
    assert.match(masked, /^postgresql:\/\/app:pg-…rd-1@db\.internal:5432\/aisbf$/);
    const edited = masked.replace('db.internal:5432', 'db2.internal:6543');
    r = await api(s, 'PUT', '/api/admin/settings', { database: { ...r.json().settings.database, postgres_url: edited } });
    assert.equal(r.status, 200, r.text);
    assert.equal(readJson(s, 'aisbf.json').database.postgres_url, 'postgresql://app:pg-secret-password-1@db2.internal:6543/aisbf');
    // A masked password that stands for none stored: refused, nothing written.
    r = await api(s, 'PUT', '/api/admin/settings',
      { database: { ...settings.database, postgres_url: 'postgresql://app:xyz…abcd@db:5432/aisbf' } });
    assert.equal(assertError(r, 400, 'masked_value').param, 'database.postgres_url');
    const { database } = readJson(s, 'aisbf.json');
    delete database.postgres_url;
    r = await api(s, 'PUT', '/api/admin/settings', { database });
    assert.equal(r.status, 200, r.text);
  });

  it('condensation: kept where AISBF keeps it', async () => {
    const put = await api(s, 'PUT', '/api/admin/condensation',
      { condensation_model_id: 'mock/mock-model', condensation_max_tokens: 800, mode: 'enabled' });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json(), { condensation_model_id: 'mock/mock-model', condensation_max_tokens: 800, mode: 'enabled' });
    const file = readJson(s, 'aisbf.json');
    assert.equal(file.internal_model.condensation_model_id, 'mock/mock-model');
    assert.equal(file.internal_model.condensation_max_tokens, 800);
    assert.equal(file.feature_controls.context_condensation.mode, 'enabled');
    assert.deepEqual((await api(s, 'GET', '/api/admin/condensation')).json().mode, 'enabled');
    assert.equal(assertError(await api(s, 'PUT', '/api/admin/condensation', { mode: 'often' }), 400).param, 'mode');
    assert.equal(assertError(await api(s, 'PUT', '/api/admin/condensation', { condensation_max_tokens: 3 }), 400).param,
      'condensation_max_tokens');
  });

  it('prompts: a fixed list of names, 256 KiB at most', async () => {
    // Every prompt file is written with its built-in text at first start;
    // without the file, the built-in text is answered, marked as such (AISBF's
    // dashboard shows its shipped default).
    assert.equal(fs.readFileSync(path.join(s.configDir, 'classify_nsfw.md'), 'utf8'),
      (await api(s, 'GET', '/api/admin/prompts/classify_nsfw')).json().content);
    fs.rmSync(path.join(s.configDir, 'autoselect.md'));
    const builtin = await api(s, 'GET', '/api/admin/prompts/autoselect');
    assert.equal(builtin.status, 200, builtin.text);
    assert.equal(builtin.json().default, true);
    assert.match(builtin.json().content, /<aisbf_model_autoselection>/);
    assert.ok(!fs.existsSync(path.join(s.configDir, 'autoselect.md')), 'a GET wrote the file');
    // A prompt file written at first start: a file, not a default.
    const semantic = (await api(s, 'GET', '/api/admin/prompts/condensation_semantic')).json();
    assert.equal(semantic.default, false);
    assert.equal(semantic.content, fs.readFileSync(path.join(s.configDir, 'condensation_semantic.md'), 'utf8'));
    assert.notEqual(semantic.content, builtin.json().content);
    const put = await api(s, 'PUT', '/api/admin/prompts/autoselect', { content: '# Pick a model\n' });
    assert.equal(put.status, 200, put.text);
    assert.equal(fs.readFileSync(path.join(s.configDir, 'autoselect.md'), 'utf8'), '# Pick a model\n');
    const got = await api(s, 'GET', '/api/admin/prompts/autoselect');
    assert.deepEqual(got.json(), { name: 'autoselect', content: '# Pick a model\n', default: false,
      default_text: builtin.json().content });
    assertError(await api(s, 'GET', '/api/admin/prompts/passwd'), 404, 'not_found');
    assertError(await api(s, 'GET', '/api/admin/prompts/..%2Faisbf.json'), 404, 'not_found');
    assertError(await api(s, 'PUT', '/api/admin/prompts/nope', { content: 'x' }), 404, 'not_found');
    assertError(await api(s, 'PUT', '/api/admin/prompts/condensation_semantic', { text: 'x' }), 400, 'invalid_body');
    assertError(await api(s, 'PUT', '/api/admin/prompts/condensation_semantic', { content: 'x'.repeat(256 * 1024 + 1) }),
      413, 'content_too_large');
    assert.equal((await api(s, 'PUT', '/api/admin/prompts/condensation_semantic', { content: 'y'.repeat(256 * 1024) })).status, 200);
  });

  it('after a write the snapshot is what a reload of the files gives', async () => {
    assert.equal((await api(s, 'PUT', '/api/admin/providers/third', provider(s, 'third'))).status, 201);
    const lists = async () => Promise.all(['providers', 'rotations', 'autoselects', 'settings', 'condensation']
      .map(async (k) => (await api(s, 'GET', `/api/admin/${k}`)).json()));
    const beforeReload = await lists();
    const r = await api(s, 'POST', '/api/admin/reload');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await lists(), beforeReload);
  });

  it('concurrent edits and reloads do not lose an edit', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `par${i}`);
    const answers = await Promise.all([
      ...ids.map((id) => api(s, 'PUT', `/api/admin/providers/${id}`, provider(s, id))),
      api(s, 'POST', '/api/admin/reload'),
      api(s, 'POST', '/api/admin/reload'),
    ]);
    assert.deepEqual(answers.map((r) => r.status), [...ids.map(() => 201), 200, 200]);
    const inFile = Object.keys(readJson(s, 'providers.json').providers);
    const live = Object.keys((await api(s, 'GET', '/api/admin/providers')).json().providers);
    for (const id of ids) {
      assert.ok(inFile.includes(id), `${id} lost from the file: ${inFile}`);
      assert.ok(live.includes(id), `${id} lost from the snapshot: ${live}`);
    }
    assert.deepEqual(live, inFile);
    for (const id of ids) assert.equal((await api(s, 'DELETE', `/api/admin/providers/${id}`)).status, 204);
  });

  it('a stream started before a PUT finishes on the old snapshot', async () => {
    const original = (await api(s, 'GET', '/api/admin/providers/mock')).json().provider;
    const order = [];
    let put;
    const { done } = streamRequest(s.u('/api/v1/chat/completions'),
      chatBody('slow', { model: 'mock/fault-slow-300', stream: true }), {
        headers: auth,
        timeoutMs: 30000,
        onEvent: () => {
          if (put) return;
          // The mock provider now points at a port nothing listens on (another
          // endpoint: its key is given again, a masked one would be refused).
          put = api(s, 'PUT', '/api/admin/providers/mock', { ...original, endpoint: 'http://127.0.0.1:9/v1', api_key: MOCK_KEY })
            .then((r) => { order.push('put'); return r; });
        },
      });
    const res = await done;
    order.push('stream end');
    assert.equal((await put).status, 200);
    assert.deepEqual(order, ['put', 'stream end']);
    assert.equal(res.status, 200);
    assert.equal(res.events.at(-1).data, '[DONE]');
    assert.match(contentOf(res.events), /You said: slow/);
    const moved = await chatVia(s, 'mock');
    assert.equal(moved.status, 502, moved.text);
    // Back at the mock's endpoint the saved key is the one for port 9: the
    // masked key read before the move stands for nothing there any more.
    const masked = await api(s, 'PUT', '/api/admin/providers/mock', original);
    assertError(masked, 400, 'masked_value');
    assert.equal(masked.json().error.param, 'providers.mock.api_key');
    assert.equal((await api(s, 'PUT', '/api/admin/providers/mock', { ...original, api_key: MOCK_KEY })).status, 200);
    assert.equal((await chatVia(s, 'mock')).status, 200);
    // Now unchanged, the masked key keeps the stored one.
    const shown = (await api(s, 'GET', '/api/admin/providers/mock')).json().provider;
    assert.equal((await api(s, 'PUT', '/api/admin/providers/mock', { ...shown, name: 'Mock again' })).status, 200);
    assert.equal((await chatVia(s, 'mock')).status, 200);
  });

  it('no answer of this suite contains a secret', () => {
    assert.ok(seen.length > 40, `only ${seen.length} answers seen`);
    for (const text of seen) for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} in: ${text.slice(0, 300)}`);
  });
});

describe('admin config writes survive kill -9', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  it('leaves the old or the new providers.json, valid and loadable', async () => {
    for (let round = 0; round < 3; round += 1) {
      const names = [];
      const acknowledged = [];
      let killed = false;
      let failure = null;
      const writes = (async () => {
        for (let i = 0; i < 200; i += 1) {
          const name = `round ${round} write ${i}`;
          names.push(name);
          try {
            const r = await request(s.u('/api/admin/providers/churn'), {
              method: 'PUT', body: mockProvider(s.mock.url, { id: 'churn', name }),
            });
            if (r.status !== 200 && r.status !== 201) throw new Error(`${r.status} ${r.text}`);
            acknowledged.push(name);
          } catch (err) {
            if (!killed) failure = err;
            return;  // else the gateway was killed under this write
          }
        }
      })();
      // Kill after a few writes, while the next is in flight.
      while (acknowledged.length < 3 + round * 2 && !failure) await delay(5);
      if (failure) throw failure;
      killed = true;
      s.gw.kill('SIGKILL');
      await s.gw.waitExit(10000);
      await writes;

      const text = fs.readFileSync(path.join(s.configDir, 'providers.json'), 'utf8');
      const doc = JSON.parse(text);
      const name = doc.providers.churn.name;
      const last = acknowledged.at(-1);
      const next = names[names.indexOf(last) + 1];
      assert.ok(name === last || name === next, `round ${round}: ${name}, acknowledged ${last}`);
      const check = await runCli(AISBF_BIN, ['check-config', '--config-dir', s.configDir], { env: gatewayEnv() });
      assert.equal(check.code, 0, check.output);
      // The kill may or may not land inside a write: plant a temp file as a
      // killed writer leaves one, and a look-alike that is not the writer's.
      fs.writeFileSync(path.join(s.configDir, `.providers.json.tmp-Ab${round}xYz`), '{"half": ');
      fs.writeFileSync(path.join(s.configDir, 'notes.tmp-keep'), 'mine');
      s.gw = await startGateway(s.configDir);
      s.url = s.gw.url;
      const left = fs.readdirSync(s.configDir).filter((n) => /\.tmp-[A-Za-z0-9]{6}$/.test(n));
      assert.deepEqual(left, [], `temp files after the restart: ${left}`);
      assert.ok(fs.existsSync(path.join(s.configDir, 'notes.tmp-keep')), 'a file that is not the writer\'s was removed');
    }
  });
});
