// The dashboard's provider tools through the binary and aisbf-mock: the
// presets, "test connection" (the model list and a one-token chat, timed)
// and "fetch models", on saved providers and unsaved drafts, for the admin's
// global providers and a user's own: success, an upstream that refuses the
// key, one that hangs (the provider's timeouts, capped), an unknown
// provider, another user's provider, and who may call what. The key never
// appears in an answer or in the gateway's output (an upstream that echoes
// it included); a masked key never leaves for another endpoint (a second
// mock plays the attacker's); probes are bounded per namespace.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startStack, startMock, request, get, post, mockProvider, assertError, tmpDir, loginReady, initialAdminPassword,
  MOCK_KEY,
} from './harness.mjs';

const ADMIN = 'global-admin-token-pt';
const admin = { authorization: `Bearer ${ADMIN}` };
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const put = (url, body, opts = {}) => request(url, { ...opts, method: 'PUT', body });
const patch = (url, body, opts = {}) => request(url, { ...opts, method: 'PATCH', body });
const WRONG_KEY = 'sk-wrong-upstream-secret-4242';
const USER_KEY = 'sk-user-draft-secret-9191';
// The mock refuses this key with the key itself in its message (tools/mock/README.md, "Key faults").
const ECHO_KEY = 'sk-fault-echo-key-secret-7373';

// What reached a mock besides its control routes.
const upstreamRequests = async (mock) => (await mock.requests()).filter((q) => !q.path.startsWith('/__mock'));

async function makeUser(s, username) {
  const u = await post(s.u('/api/admin/users'), { username, password: `pw-${username}-123456`, role: 'user' }, { headers: admin });
  assert.equal(u.status, 201, u.text);
  const t = await post(s.u(`/api/admin/users/${username}/tokens`), { description: 'tests' }, { headers: admin });
  assert.equal(t.status, 201, t.text);
  return t.json().token;
}

describe('provider tools', { timeout: 90000 }, () => {
  let s;
  let attacker;  // a second mock: where a stolen masked key would be sent
  let alice;
  let bob;

  before(async () => {
    const dir = tmpDir('aisbf-provider-tools-');
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(dir, 'aisbf.db') } },
      providers: (u) => ({
        mock: mockProvider(u, { models: ['mock-model', 'org/nested-model'] }),
        wrongkey: mockProvider(u, { id: 'wrongkey', api_key: WRONG_KEY, models: ['mock-model'] }),
        // A hanging upstream: its own timeouts end the chat (the list answers).
        slow: mockProvider(u, { id: 'slow', models: ['fault-hang'], timeouts: { first_byte: 1, total: 2 } }),
        nomodels: mockProvider(u, { id: 'nomodels', models: [] }),
        echokey: mockProvider(u, { id: 'echokey', api_key: ECHO_KEY, models: ['mock-model'] }),
        // The ChatGPT backend: stream-only, no model list.
        codex: { ...mockProvider(u, { id: 'codex', models: ['mock-model', 'fault-stream-error'] }), type: 'codex', endpoint: `${u}/backend-api` },
      }),
    });
    attacker = await startMock();
    alice = await makeUser(s, 'alice');
    bob = await makeUser(s, 'bob');
    const p = await patch(s.u('/api/admin/users/alice'), { allow_private_endpoints: true }, { headers: admin });
    assert.equal(p.status, 200, p.text);
    const own = await put(s.u('/api/user/providers/own'), {
      type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }],
    }, { headers: bearer(alice) });
    assert.equal(own.status, 201, own.text);
  });
  after(async () => {
    if (s) {
      const out = s.gw.proc?.stdout ?? s.gw.stdout ?? '';
      const err = s.gw.proc?.stderr ?? s.gw.stderr ?? '';
      for (const key of [WRONG_KEY, USER_KEY, MOCK_KEY, ECHO_KEY]) {
        assert.ok(!`${out}${err}`.includes(key), `the gateway logged a provider key (${key.slice(0, 6)}…)`);
      }
    }
    await Promise.all([s?.stop(), attacker?.stop()]);
  });

  it('presets: the built types and the OpenAI-compatible presets, for any signed-in caller', async () => {
    for (const headers of [admin, bearer(alice)]) {
      const r = await get(s.u('/api/admin/provider-presets'), { headers });
      assert.equal(r.status, 200, r.text);
      const ids = r.json().presets.map((p) => p.id);
      for (const id of ['type:openai', 'type:anthropic', 'type:ollama', 'preset:groq', 'preset:openrouter', 'preset:vllm']) {
        assert.ok(ids.includes(id), `${id} in ${ids}`);
      }
      const groq = r.json().presets.find((p) => p.id === 'preset:groq');
      assert.deepEqual(groq.template, { type: 'groq', endpoint: 'https://api.groq.com/openai/v1', api_key_required: true });
    }
    assert.equal((await get(s.u('/api/admin/provider-presets'))).status, 401);
  });

  it('test connection: the list and a one-token chat, each timed, with the provider key', async () => {
    await s.mock.reset();
    const r = await post(s.u('/api/admin/providers/mock/test'), undefined, { headers: admin });
    assert.equal(r.status, 200, r.text);
    const report = r.json();
    assert.equal(report.ok, true, r.text);
    assert.equal(report.provider, 'mock');
    assert.equal(report.models.ok, true);
    assert.ok(report.models.count >= 4, r.text);
    assert.ok(report.models.latency_ms >= 0 && report.models.latency_ms < 5000, r.text);
    assert.equal(report.chat.ok, true);
    assert.equal(report.chat.model, 'mock-model');
    assert.equal(typeof report.chat.reply, 'string');
    assert.ok(report.chat.latency_ms > 0 && report.chat.latency_ms < 5000, r.text);
    const chats = await s.mock.chatRequests();
    assert.equal(chats.length, 1);
    const body = JSON.parse(chats[0].body);
    assert.equal(body.model, 'mock-model');
    assert.equal(body.max_tokens ?? body.max_completion_tokens, 1);
    assert.equal(chats[0].headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.ok(!r.text.includes(MOCK_KEY));
    // A model named by the caller.
    const named = await post(s.u('/api/admin/providers/mock/test'), { model: 'org/nested-model' }, { headers: admin });
    assert.equal(named.json().chat.model, 'org/nested-model');
    assert.equal(named.json().chat.ok, true, named.text);
    // No configured model: the first the list reports.
    const first = await post(s.u('/api/admin/providers/nomodels/test'), undefined, { headers: admin });
    assert.equal(first.json().ok, true, first.text);
    assert.equal(first.json().chat.model, 'mock-model');
  });

  it('an upstream that refuses the key: both steps fail as values, the key nowhere', async () => {
    const r = await post(s.u('/api/admin/providers/wrongkey/test'), undefined, { headers: admin });
    assert.equal(r.status, 200, r.text);
    const report = r.json();
    assert.equal(report.ok, false);
    assert.equal(report.models.ok, false);
    assert.equal(report.models.error.status, 502, r.text);
    assert.match(report.models.error.message, /wrongkey/);
    assert.equal(report.chat.ok, false);
    assert.equal(report.chat.error.status, 502);
    assert.ok(!r.text.includes(WRONG_KEY), r.text);
    const list = await get(s.u('/api/admin/providers/wrongkey/upstream-models'), { headers: admin });
    assertError(list, 502);
    assert.ok(!list.text.includes(WRONG_KEY), list.text);
  });

  it('an upstream that repeats the key in its refusal: the key is still nowhere', async () => {
    await s.mock.reset();
    const r = await post(s.u('/api/admin/providers/echokey/test'), undefined, { headers: admin });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().ok, false, r.text);
    assert.equal(r.json().models.ok, false, r.text);
    assert.equal(r.json().chat.ok, false, r.text);
    assert.ok(!r.text.includes(ECHO_KEY), r.text);
    // The mock did echo it (else this test could not fail).
    const seen = await upstreamRequests(s.mock);
    assert.ok(seen.length >= 2, JSON.stringify(seen));
    const direct = await get(`${s.mock.url}/v1/models`, { headers: { authorization: `Bearer ${ECHO_KEY}` } });
    assert.equal(direct.status, 401);
    assert.ok(direct.text.includes(ECHO_KEY), direct.text);
    const list = await get(s.u('/api/admin/providers/echokey/upstream-models'), { headers: admin });
    assertError(list, 502);
    assert.ok(!list.text.includes(ECHO_KEY), list.text);
    // A draft with the key typed in: the same.
    const draft = { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: ECHO_KEY, models: [{ name: 'mock-model' }] };
    const d = await post(s.u('/api/admin/providers/fresh/test'), { provider: draft }, { headers: admin });
    assert.equal(d.json().ok, false, d.text);
    assert.ok(!d.text.includes(ECHO_KEY), d.text);
  });

  it('a stream-only chat that reports an error event is a failure', async () => {
    const ok = await post(s.u('/api/admin/providers/codex/test'), { model: 'mock-model' }, { headers: admin });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json().models.ok, null, ok.text);  // codex has no model list
    assert.equal(ok.json().chat.ok, true, ok.text);
    assert.match(ok.json().chat.reply, /You said/, ok.text);
    const bad = await post(s.u('/api/admin/providers/codex/test'), { model: 'fault-stream-error' }, { headers: admin });
    assert.equal(bad.status, 200, bad.text);
    assert.equal(bad.json().ok, false, bad.text);
    assert.equal(bad.json().chat.ok, false, bad.text);
    assert.match(bad.json().chat.error.message, /mid-stream failure/, bad.text);
  });

  it('a hanging upstream: the chat ends at the provider timeout with a 504 verdict', async () => {
    const started = Date.now();
    const r = await post(s.u('/api/admin/providers/slow/test'), undefined, { headers: admin, timeoutMs: 15000 });
    const took = Date.now() - started;
    assert.equal(r.status, 200, r.text);
    const report = r.json();
    assert.equal(report.models.ok, true);
    assert.equal(report.chat.model, 'fault-hang');
    assert.equal(report.chat.ok, false, r.text);
    assert.equal(report.chat.error.status, 504, r.text);
    assert.ok(report.chat.latency_ms >= 900 && report.chat.latency_ms < 4000, r.text);
    assert.ok(took < 8000, `took ${took} ms`);
    // The gateway still serves.
    assert.equal((await get(s.u('/health'))).status, 200);
  });

  it('fetch models: the upstream list with what is configured marked', async () => {
    const r = await get(s.u('/api/admin/providers/mock/upstream-models'), { headers: admin });
    assert.equal(r.status, 200, r.text);
    const list = r.json();
    assert.equal(list.object, 'list');
    assert.equal(list.provider, 'mock');
    const byId = Object.fromEntries(list.data.map((m) => [m.id, m]));
    assert.equal(byId['mock-model'].configured, true);
    assert.equal(byId['gpt-4o-mini'].configured, false);
    assert.ok(Array.isArray(byId['gpt-4o-mini'].capabilities));
  });

  it('an unknown provider is a 404; the admin routes refuse users', async () => {
    assertError(await post(s.u('/api/admin/providers/nope/test'), undefined, { headers: admin }), 404, 'not_found');
    assertError(await get(s.u('/api/admin/providers/nope/upstream-models'), { headers: admin }), 404, 'not_found');
    assertError(await post(s.u('/api/admin/providers/mock/test'), undefined, { headers: bearer(alice) }), 403);
    assertError(await get(s.u('/api/admin/providers/mock/upstream-models'), { headers: bearer(alice) }), 403);
    assertError(await post(s.u('/api/admin/providers/mock/test')), 401);
  });

  it('a session needs its CSRF token to test', async () => {
    const session = await loginReady(s.url, 'admin', initialAdminPassword(s.configDir));
    const forged = await post(s.u('/api/admin/providers/mock/test'), undefined, { headers: session.headers(false) });
    assert.equal(forged.status, 403, forged.text);
    assert.doesNotMatch(forged.text, /password_change_required/);
    const r = await post(s.u('/api/admin/providers/mock/test'), undefined, { headers: session.headers() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().ok, true, r.text);
    // Reading the list is no write: the cookie alone does.
    assert.equal((await get(s.u('/api/admin/providers/mock/upstream-models'), { headers: session.headers(false) })).status, 200);
  });

  it('drafts: probed unsaved, checked as a save would be, a masked key meaning the saved one', async () => {
    const draft = { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [] };
    const listed = await post(s.u('/api/admin/providers/fresh/upstream-models'), { provider: draft }, { headers: admin });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.json().data.some((m) => m.id === 'mock-model'));
    const tested = await post(s.u('/api/admin/providers/fresh/test'), { provider: draft }, { headers: admin });
    assert.equal(tested.json().ok, true, tested.text);
    assertError(await get(s.u('/api/admin/providers/fresh'), { headers: admin }), 404);  // nothing saved

    // The saved provider's entry as the API shows it (key masked), edited: the stored key is used.
    const shown = (await get(s.u('/api/admin/providers/mock'), { headers: admin })).json().provider;
    assert.notEqual(shown.api_key, MOCK_KEY);
    const edited = await post(s.u('/api/admin/providers/mock/test'), { provider: { ...shown, models: [] } }, { headers: admin });
    assert.equal(edited.json().ok, true, edited.text);
    // A mask that is no saved key's is refused at its field.
    const bad = await post(s.u('/api/admin/providers/fresh/test'), { provider: { ...draft, api_key: shown.api_key } }, { headers: admin });
    assertError(bad, 400, 'masked_value');
    assert.equal(bad.json().error.param, 'api_key');
    // The loader's errors name the field; so does a URL that is no http(s) one.
    const noType = await post(s.u('/api/admin/providers/fresh/test'), { provider: { endpoint: draft.endpoint } }, { headers: admin });
    assertError(noType, 400, 'invalid_config');
    assert.equal(noType.json().error.param, 'type');
    const ftp = await post(s.u('/api/admin/providers/fresh/test'), { provider: { ...draft, endpoint: 'ftp://x/v1' } }, { headers: admin });
    assertError(ftp, 400, 'invalid_config');
    assert.equal(ftp.json().error.param, 'endpoint');
    const reserved = await post(s.u('/api/admin/providers/rotations/test'), { provider: draft }, { headers: admin });
    assertError(reserved, 400, 'invalid_config');
    assert.equal(reserved.json().error.param, 'id');
    assert.match(reserved.json().error.message, /reserved/);
    const extra = await post(s.u('/api/admin/providers/fresh/test'), { provider: draft, other: 1 }, { headers: admin });
    assertError(extra, 400, 'invalid_body');
    assert.equal(extra.json().error.param, 'other');
  });

  it("a user tests their own providers only, and a draft of theirs keeps off private addresses", async () => {
    const own = await post(s.u('/api/user/providers/own/test'), undefined, { headers: bearer(alice) });
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json().ok, true, own.text);
    assert.equal(own.json().provider, 'own');
    const list = await get(s.u('/api/user/providers/own/upstream-models'), { headers: bearer(alice) });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json().data.find((m) => m.id === 'mock-model').configured, true);
    // Bob has no provider "own": alice's is not his to test.
    assertError(await post(s.u('/api/user/providers/own/test'), undefined, { headers: bearer(bob) }), 404, 'not_found');
    assertError(await get(s.u('/api/user/providers/own/upstream-models'), { headers: bearer(bob) }), 404, 'not_found');
    // Nor may he name the admin's global providers here.
    assertError(await post(s.u('/api/user/providers/mock/test'), undefined, { headers: bearer(bob) }), 404, 'not_found');
    // A draft of Bob's pointing at the loopback mock: refused at connect (no private endpoints for him).
    await s.mock.reset();
    const draft = { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: USER_KEY, models: [{ name: 'mock-model' }] };
    const r = await post(s.u('/api/user/providers/mine/test'), { provider: draft }, { headers: bearer(bob) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().ok, false, r.text);
    assert.equal(r.json().models.ok, false);
    assert.match(r.json().models.error.message, /private|loopback|public/i, r.text);
    assert.equal(r.json().chat.ok, false);
    assert.ok(!r.text.includes(USER_KEY));
    assert.equal((await s.mock.requests()).filter((q) => !q.path.startsWith('/__mock')).length, 0, 'nothing reached the mock');
    // The global token is no user: /api/user/… is refused.
    assertError(await post(s.u('/api/user/providers/own/test'), undefined, { headers: admin }), 403);
  });

  it('a masked key is only sent where it was saved to go: drafts and saves elsewhere are refused', async () => {
    await attacker.reset();
    const elsewhere = `${attacker.url}/v1`;
    // The admin's provider, as the API shows it.
    const shown = (await get(s.u('/api/admin/providers/mock'), { headers: admin })).json().provider;
    assert.notEqual(shown.api_key, MOCK_KEY);
    for (const tail of ['/test', '/upstream-models']) {
      const r = await post(s.u(`/api/admin/providers/mock${tail}`), { provider: { ...shown, endpoint: elsewhere } }, { headers: admin });
      assertError(r, 400, 'masked_value');
      assert.equal(r.json().error.param, 'api_key');
      assert.match(r.json().error.message, /endpoint changed: enter the key again/);
    }
    // Another type (here a preset with its own endpoint) is another destination too.
    const typed = await post(s.u('/api/admin/providers/mock/test'), { provider: { ...shown, type: 'groq', endpoint: '' } }, { headers: admin });
    assertError(typed, 400, 'masked_value');
    const save = await put(s.u('/api/admin/providers/mock'), { ...shown, endpoint: elsewhere }, { headers: admin });
    assertError(save, 400, 'masked_value');
    assert.equal(save.json().error.param, 'providers.mock.api_key');
    assert.equal((await get(s.u('/api/admin/providers/mock'), { headers: admin })).json().provider.endpoint, shown.endpoint);

    // A user's own provider: a leaked token of theirs cannot send the key away either.
    const own = (await get(s.u('/api/user/providers/own'), { headers: bearer(alice) })).json();
    assert.notEqual(own.api_key, MOCK_KEY);
    const draft = await post(s.u('/api/user/providers/own/test'), { provider: { ...own, endpoint: elsewhere } }, { headers: bearer(alice) });
    assertError(draft, 400, 'masked_value');
    assert.equal(draft.json().error.param, 'api_key');
    const list = await post(s.u('/api/user/providers/own/upstream-models'), { provider: { ...own, endpoint: elsewhere } }, { headers: bearer(alice) });
    assertError(list, 400, 'masked_value');
    const userSave = await put(s.u('/api/user/providers/own'), { ...own, endpoint: elsewhere }, { headers: bearer(alice) });
    assertError(userSave, 400, 'masked_value');
    assert.equal(userSave.json().error.param, 'api_key');
    assert.equal((await upstreamRequests(attacker)).length, 0, 'nothing reached the other endpoint');

    // Where it was saved to go, the masked key still stands for the stored one.
    await s.mock.reset();
    const same = await post(s.u('/api/user/providers/own/test'), { provider: { ...own, name: 'Renamed' } }, { headers: bearer(alice) });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json().ok, true, same.text);
    assert.equal((await s.mock.chatRequests())[0].headers.authorization, `Bearer ${MOCK_KEY}`);
    const kept = await put(s.u('/api/user/providers/own'), { ...own, name: 'Renamed' }, { headers: bearer(alice) });
    assert.equal(kept.status, 200, kept.text);
    assert.equal((await post(s.u('/api/user/providers/own/test'), undefined, { headers: bearer(alice) })).json().ok, true);
    const adminKept = await put(s.u('/api/admin/providers/mock'), { ...shown, name: 'Mock renamed' }, { headers: admin });
    assert.equal(adminKept.status, 200, adminKept.text);
    assert.equal((await post(s.u('/api/admin/providers/mock/test'), undefined, { headers: admin })).json().ok, true);
    // The key typed again may go elsewhere: it is the caller's to give.
    const typedAgain = await post(s.u('/api/user/providers/own/test'), { provider: { ...own, endpoint: elsewhere, api_key: MOCK_KEY } }, { headers: bearer(alice) });
    assert.equal(typedAgain.json().ok, true, typedAgain.text);
    assert.ok((await upstreamRequests(attacker)).length > 0);
  });

  it('a draft is a POST: a GET with a body is refused and probes nothing', async () => {
    await attacker.reset();
    const body = JSON.stringify({ provider: { type: 'openai', endpoint: `${attacker.url}/v1`, api_key: MOCK_KEY, models: [] } });
    // Framed explicitly: Node sends a GET's body only with its length.
    const framed = (h) => ({ ...h, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    const r = await request(s.u('/api/admin/providers/mock/upstream-models'), { method: 'GET', body, headers: framed(admin) });
    assertError(r, 400, 'invalid_body');
    assert.match(r.json().error.message, /POST/);
    const u = await request(s.u('/api/user/providers/own/upstream-models'), { method: 'GET', body, headers: framed(bearer(alice)) });
    assertError(u, 400, 'invalid_body');
    assert.equal((await upstreamRequests(attacker)).length, 0);
  });

  it('at most two probes run at once per namespace; a third is told to come back', async () => {
    await s.mock.reset();
    // Two tests of the hanging provider: each holds its slot until its chat times out (2 s).
    const running = [1, 2].map(() => post(s.u('/api/admin/providers/slow/test'), undefined, { headers: admin, timeoutMs: 15000 }));
    // Both are past their model list and into the chat.
    await s.mock.waitStats((st) => st.received >= 4, 5000);
    const third = await post(s.u('/api/admin/providers/mock/test'), undefined, { headers: admin });
    assertError(third, 429, 'probes_busy');
    assert.ok(Number(third.headers['retry-after']) > 0, JSON.stringify(third.headers));
    assertError(await get(s.u('/api/admin/providers/mock/upstream-models'), { headers: admin }), 429, 'probes_busy');
    // A user's namespace is its own.
    const mine = await post(s.u('/api/user/providers/own/test'), undefined, { headers: bearer(alice) });
    assert.equal(mine.status, 200, mine.text);
    for (const r of await Promise.all(running)) assert.equal(r.status, 200, r.text);
    // The slots are free again.
    const after = await post(s.u('/api/admin/providers/mock/test'), undefined, { headers: admin });
    assert.equal(after.status, 200, after.text);

    // The same bound for a user.
    await s.mock.reset();
    const slowDraft = { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'fault-hang' }], timeouts: { first_byte: 1, total: 2 } };
    const userRunning = [1, 2].map(() => post(s.u('/api/user/providers/own/test'), { provider: slowDraft }, { headers: bearer(alice), timeoutMs: 15000 }));
    await s.mock.waitStats((st) => st.received >= 4, 5000);
    assertError(await post(s.u('/api/user/providers/own/test'), undefined, { headers: bearer(alice) }), 429, 'probes_busy');
    for (const r of await Promise.all(userRunning)) assert.equal(r.status, 200, r.text);
  });
});
