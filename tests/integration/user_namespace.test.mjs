// User namespaces through the binary (issue 9): users' own providers and
// rotations under user-provider/… and user-rotation/…, the /api/user/… and
// /api/u/{username}/… routes and who may use them, keys sealed in SQLite and
// masked in answers, and the SSRF rule (a user's provider may not reach a
// private address, checked when saved and again at connect time, unless an
// admin allows it). Users and tokens are made through the admin API with a
// global token (which counts as an admin).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, request, get, post, chatBody, mockProvider, assertError, tmpDir, MOCK_KEY,
} from './harness.mjs';

const ADMIN = 'global-admin-token';
const admin = { authorization: `Bearer ${ADMIN}` };
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const put = (url, body, opts = {}) => request(url, { ...opts, method: 'PUT', body });
const del = (url, opts = {}) => request(url, { ...opts, method: 'DELETE' });
const patch = (url, body, opts = {}) => request(url, { ...opts, method: 'PATCH', body });
// Chat answers echo the last user message.
const said = (r) => r.json().choices[0].message.content;

async function makeUser(s, username) {
  const u = await post(s.u('/api/admin/users'), { username, password: `pw-${username}-123456`, role: 'user' },
    { headers: admin });
  assert.equal(u.status, 201, u.text);
  const t = await post(s.u(`/api/admin/users/${username}/tokens`), { description: 'tests' }, { headers: admin });
  assert.equal(t.status, 201, t.text);
  return t.json().token;
}

describe('user namespaces', { timeout: 120000 }, () => {
  let s;
  let alice;
  let bob;
  let dbPath;
  const aliceKey = 'sk-alice-upstream-secret-0001';
  let mockPort;

  before(async () => {
    const dir = tmpDir('aisbf-userns-');
    dbPath = path.join(dir, 'aisbf.db');
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: dbPath } },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model'] }) }),
    });
    mockPort = new URL(s.mock.url).port;
    alice = await makeUser(s, 'alice');
    bob = await makeUser(s, 'bob');
    // Alice may use her local mock: an admin allows private endpoints for her.
    const p = await patch(s.u('/api/admin/users/alice'), { allow_private_endpoints: true }, { headers: admin });
    assert.equal(p.status, 200, p.text);
    // `vault` holds a key only to be masked and sealed (the mock takes MOCK_KEY
    // alone); it lists no models, so it adds no id to the lists.
    const v = await put(s.u('/api/user/providers/vault'), {
      type: 'openai', endpoint: 'https://api.example.com/v1', api_key: aliceKey,
    }, { headers: bearer(alice) });
    assert.equal(v.status, 201, v.text);
    const r = await put(s.u('/api/user/providers/mine'), {
      type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY,
      models: [{ name: 'mock-model' }, { name: 'org/nested-model' }],
    }, { headers: bearer(alice) });
    assert.equal(r.status, 201, r.text);
    const rot = await put(s.u('/api/user/rotations/team'), {
      model_name: 'team', providers: [{ provider_id: 'mine', models: [{ name: 'mock-model' }] }, { provider_id: 'mock' }],
    }, { headers: bearer(alice) });
    assert.equal(rot.status, 201, rot.text);
  });
  after(async () => { await s?.stop(); });

  it('answers mask the key; the database holds no plaintext key', async () => {
    const one = await get(s.u('/api/user/providers/vault'), { headers: bearer(alice) });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json().api_key, 'sk-…0001');
    const list = await get(s.u('/api/user/providers'), { headers: bearer(alice) });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json().providers.vault.api_key, 'sk-…0001');
    assert.equal(list.json().providers.mine.api_key, '…');  // a short key shows nothing
    assert.ok(!list.text.includes(aliceKey));
    let stored = '';
    for (const f of [dbPath, `${dbPath}-wal`]) if (fs.existsSync(f)) stored += fs.readFileSync(f).toString('latin1');
    assert.ok(stored.includes('enc:v1:'), 'the sealed key is in the database');
    assert.ok(!stored.includes(aliceKey), 'no plaintext key in the database');
  });

  it("user-provider/… works for its owner on the global and the user route; the user's token never reaches the upstream",
    async () => {
      await s.mock.reset();
      for (const p of ['/api/v1/chat/completions', '/api/user/chat/completions']) {
        const r = await post(s.u(p), chatBody(`via ${p}`, { model: 'user-provider/mine/mock-model' }),
          { headers: bearer(alice) });
        assert.equal(r.status, 200, r.text);
        assert.equal(said(r), `You said: via ${p}`);
      }
      const seen = await s.mock.chatRequests();
      assert.equal(seen.length, 2);
      for (const q of seen) {
        assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);  // the provider's key, not the caller's
        assert.ok(!JSON.stringify(q.headers).includes(alice), 'the user token was forwarded');
        assert.equal(JSON.parse(q.body).model, 'mock-model');
      }
    });

  it("a user's provider is invisible to another user", async () => {
    const r = await post(s.u('/api/user/chat/completions'), chatBody('x', { model: 'user-provider/mine/mock-model' }),
      { headers: bearer(bob) });
    assertError(r, 404, 'model_not_found');
    assert.deepEqual((await get(s.u('/api/user/providers'), { headers: bearer(bob) })).json(), { providers: {} });
    assert.equal((await get(s.u('/api/user/providers/mine'), { headers: bearer(bob) })).status, 404);
    const ids = (await get(s.u('/api/user/models'), { headers: bearer(bob) })).json().data.map((m) => m.id);
    assert.ok(ids.includes('mock/mock-model'));
    assert.ok(!ids.some((id) => id.startsWith('user-')), ids.join(','));
  });

  it('global and anonymous-style callers have no user namespace: user-… ids are 404', async () => {
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('x', { model: 'user-provider/mine/mock-model' }),
      { headers: admin });
    assertError(r, 404, 'model_not_found');
    assert.equal((await get(s.u('/api/user/models'), { headers: admin })).status, 403);
  });

  it('the ids the user routes list are exactly the ids that work', async () => {
    // Models the mock's own list reports (fault models among them) are the
    // global catalog's, not configured: left out of the calls.
    const listed = (await get(s.u('/api/user/models'), { headers: bearer(alice) })).json().data
      .filter((m) => m.source !== 'provider').map((m) => m.id);
    const own = listed.filter((id) => id.startsWith('user-'));
    assert.deepEqual(own.sort(),
      ['user-provider/mine/mock-model', 'user-provider/mine/org/nested-model', 'user-rotation/team'].sort());
    assert.ok(listed.includes('mock/mock-model'));
    const global = (await get(s.u('/api/v1/models'), { headers: bearer(alice) })).json().data
      .filter((m) => m.source !== 'provider').map((m) => m.id);
    assert.deepEqual(global.sort(), [...listed].sort());
    for (const id of listed) {
      const r = await post(s.u('/api/user/chat/completions'), chatBody(`call ${id}`, { model: id }),
        { headers: bearer(alice) });
      assert.equal(r.status, 200, `${id}: ${r.text}`);
      assert.equal(said(r), `You said: call ${id}`);
    }
    const provModels = (await get(s.u('/api/user/providers/models'), { headers: bearer(alice) })).json().data;
    assert.deepEqual(provModels.map((m) => m.id).sort(),
      ['user-provider/mine/mock-model', 'user-provider/mine/org/nested-model']);
    const rotModels = (await get(s.u('/api/user/rotations/models'), { headers: bearer(alice) })).json().data;
    assert.deepEqual(rotModels.map((m) => m.id), ['user-rotation/team']);
  });

  it('/api/u/{username}/… : the user, admins and global tokens; others 403; unknown users 404 only to admins',
    async () => {
      const body = chatBody('explicit', { model: 'user-provider/mine/mock-model' });
      for (const h of [bearer(alice), admin]) {
        const r = await post(s.u('/api/u/alice/chat/completions'), body, { headers: h });
        assert.equal(r.status, 200, r.text);
        assert.equal(said(r), 'You said: explicit');
        const m = await get(s.u('/api/u/alice/models'), { headers: h });
        assert.equal(m.status, 200, m.text);
        assert.ok(m.json().data.some((e) => e.id === 'user-rotation/team'));
        const p = await get(s.u('/api/u/alice/providers'), { headers: h });
        assert.equal(p.json().providers.vault.api_key, 'sk-…0001');
      }
      assertError(await post(s.u('/api/u/alice/chat/completions'), body, { headers: bearer(bob) }), 403);
      assertError(await get(s.u('/api/u/alice/models'), { headers: bearer(bob) }), 403);
      assertError(await get(s.u('/api/u/nobody/models'), { headers: admin }), 404);
      assertError(await get(s.u('/api/u/nobody/models'), { headers: bearer(bob) }), 403);
      assertError(await post(s.u('/api/u/nobody/chat/completions'), body, { headers: bearer(bob) }), 403);
      assertError(await get(s.u('/api/u/alice/models')), 401);
    });

  it('writes: 400 naming the path, 409 across kinds, 200 on replace, 204 on delete, 404 after', async () => {
    const h = { headers: bearer(bob) };
    const bad = await put(s.u('/api/user/providers/p1'),
      { type: 'openai', endpoint: 'https://api.example.com/v1', models: [{ name: 'm', context_size: 'big' }] }, h);
    const e = assertError(bad, 400);
    assert.equal(e.param, 'models[0].context_size');
    const rot = await put(s.u('/api/user/rotations/r1'), { model_name: 'r', providers: [{ provider_id: 'ghost' }] }, h);
    assert.equal(assertError(rot, 400).param, 'providers[0].provider_id');
    const ok = { type: 'openai', endpoint: 'https://api.example.com/v1', api_key: 'sk-bob-key-99998888', models: [{ name: 'm' }] };
    assert.equal((await put(s.u('/api/user/providers/p1'), ok, h)).status, 201);
    // The masked key sent back keeps the stored one.
    const again = await put(s.u('/api/user/providers/p1'), { ...ok, api_key: 'sk-…8888', name: 'renamed' }, h);
    assert.equal(again.status, 200, again.text);
    // A masked value that is not the stored key's mask is refused, never
    // stored as the key; and a new document has no key to keep.
    const stale = await put(s.u('/api/user/providers/p1'), { ...ok, api_key: 'sk-…7777' }, h);
    assert.match(assertError(stale, 400).message, /masked value that matches no stored secret/);
    const fresh = await put(s.u('/api/user/providers/p9'), { ...ok, api_key: 'sk-…8888' }, h);
    assert.match(assertError(fresh, 400).message, /masked value that matches no stored secret/);
    assertError(await put(s.u('/api/user/rotations/p1'), { model_name: 'x', providers: [{ provider_id: 'mock' }] }, h), 409);
    assert.equal((await del(s.u('/api/user/providers/p1'), h)).status, 204);
    assert.equal((await del(s.u('/api/user/providers/p1'), h)).status, 404);
    assert.equal((await get(s.u('/api/user/providers/p1'), h)).status, 404);
  });

  it('SSRF: private endpoints refused at save time, naming `endpoint`', async () => {
    const h = { headers: bearer(bob) };
    for (const endpoint of ['http://127.0.0.1:9/v1', 'http://localhost:9/v1', 'http://[::1]:9/v1', 'http://0.0.0.0:9/v1',
      'http://[::ffff:127.0.0.1]:9/v1', 'http://169.254.169.254/v1', 'http://10.0.0.1/v1', 'http://2130706433/v1',
      'http://0177.0.0.1/v1']) {
      const r = await put(s.u('/api/user/providers/evil'), { type: 'openai', endpoint, models: [{ name: 'm' }] }, h);
      const e = assertError(r, 400, 'private_endpoint_refused');
      assert.equal(e.param, 'endpoint', endpoint);
    }
  });

  it('SSRF at connect time: a name resolving to loopback, allowed by an admin, refused again once revoked (pooled connections included)',
    async () => {
      // Carol is allowed while saving a provider at `localhost` (a DNS name
      // that resolves to loopback), so the save-time check passes.
      const carol = await makeUser(s, 'carol');
      const allow = (v) => patch(s.u('/api/admin/users/carol'), { allow_private_endpoints: v }, { headers: admin });
      assert.equal((await allow(true)).status, 200);
      const saved = await put(s.u('/api/user/providers/local'), {
        type: 'openai', endpoint: `http://localhost:${mockPort}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }],
      }, { headers: bearer(carol) });
      assert.equal(saved.status, 201, saved.text);
      const call = (n) => post(s.u('/api/user/chat/completions'), chatBody(`c${n}`, { model: 'user-provider/local/mock-model' }),
        { headers: bearer(carol) });
      await s.mock.reset();
      for (let i = 0; i < 2; i += 1) assert.equal((await call(i)).status, 200);  // a pooled connection now exists
      assert.equal((await s.mock.chatRequests()).length, 2);

      assert.equal((await allow(false)).status, 200);
      await s.mock.reset();
      const refused = await call(9);
      const e = assertError(refused, 403, 'private_endpoint_refused');
      assert.match(e.message, /provider '.*local'/);
      assert.match(e.message, /loopback/);
      assert.ok(!e.message.includes('127.0.0.1') && !e.message.includes('::1'), e.message);
      assert.equal((await s.mock.chatRequests()).length, 0, 'the mock received nothing');

      assert.equal((await allow(true)).status, 200);
      assert.equal((await call(10)).status, 200);
    });
});
