// "The ids the user routes list are exactly the ids that work" (issue 9),
// walked: every id every listing route gives a user is sent a chat (OpenAI
// and Anthropic doors, the scoped route it came from) and looked up on the
// single-model routes; each works (200; an autoselect through the one
// candidate it has). Another user's ids do not: 404 everywhere, and
// never in that user's lists. One mock serves every provider.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startStack, request, get, post, chatBody, messagesBody, mockProvider, assertError, assertAnthropicError, tmpDir,
  MOCK_KEY, ANTHROPIC_VERSION, bearer,
} from './harness.mjs';

const ADMIN = 'walk-admin-token';
const admin = bearer(ADMIN);
const put = (url, body, headers) => request(url, { method: 'PUT', body, headers });
const anthropicHeaders = (token) => ({ 'x-api-key': token, 'anthropic-version': ANTHROPIC_VERSION });

async function makeUser(s, username) {
  const u = await post(s.u('/api/admin/users'), { username, password: `pw-${username}-123456`, role: 'user' },
    { headers: admin });
  assert.equal(u.status, 201, u.text);
  const allow = await request(s.u(`/api/admin/users/${username}`),
    { method: 'PATCH', body: { allow_private_endpoints: true }, headers: admin });  // the mock is on loopback
  assert.equal(allow.status, 200, allow.text);
  const t = await post(s.u(`/api/admin/users/${username}/tokens`), { description: 'walk' }, { headers: admin });
  assert.equal(t.status, 201, t.text);
  return t.json().token;
}

async function putDoc(s, token, kind, id, body) {
  const r = await put(s.u(`/api/user/${kind}/${id}`), body, bearer(token));
  assert.equal(r.status, 201, `${kind}/${id}: ${r.text}`);
}

// The configured ids of an OpenAI-shaped list: the models a provider's own
// list reports (`source: "provider"`, the mock's fault models among them)
// are the upstream's catalogue, not configured targets.
async function openaiIds(s, route, headers) {
  const r = await get(s.u(route), { headers });
  assert.equal(r.status, 200, `${route}: ${r.text}`);
  return r.json().data.filter((m) => m.source !== 'provider').map((m) => m.id);
}

async function anthropicIds(s, token) {
  const r = await get(s.u('/v1/models'), { headers: anthropicHeaders(token) });
  assert.equal(r.status, 200, r.text);
  const fetched = new Set((await get(s.u('/v1/models'), { headers: bearer(token) })).json().data
    .filter((m) => m.source === 'provider').map((m) => m.id));
  return r.json().data.map((m) => m.id).filter((id) => !fetched.has(id));
}

const isAutoselect = (id) => /^(user-)?autoselect\//.test(id);

// A chat on `route` naming `id`: 200 echoing the message; an autoselect's
// through its one candidate, which the answer names.
async function assertChatWorks(s, route, id, headers, anthropic = false) {
  const body = anthropic ? messagesBody(`walk ${id}`, { model: id }) : chatBody(`walk ${id}`, { model: id });
  const r = await post(s.u(route), body, { headers });
  assert.equal(r.status, 200, `${route} ${id}: ${r.text}`);
  if (isAutoselect(id)) assert.match(r.headers['x-aisbf-autoselected'], /^(grot|team); by=only$/, `${route} ${id}`);
  const text = anthropic ? r.json().content[0].text : r.json().choices[0].message.content;
  assert.equal(text, `You said: walk ${id}`, `${route} ${id}`);
}

describe('user namespaces: every listed id works, and only for its owner', { timeout: 180000 }, () => {
  let s;
  let alice;
  let bob;
  const lists = {};  // route → ids alice got

  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-walk-'), 'aisbf.db') } },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model', 'org/nested-model'] }) }),
      rotations: { grot: { model_name: 'grot', providers: [{ provider_id: 'mock', models: [{ name: 'mock-model' }] }] } },
    });
    const g = await put(s.u('/api/admin/autoselects/gpick'),
      { model_name: 'gpick', description: 'global pick', fallback: 'grot', available_models: [{ model_id: 'grot', description: 'r' }] },
      admin);
    assert.equal(g.status, 201, g.text);
    alice = await makeUser(s, 'alice');
    bob = await makeUser(s, 'bob');
    const own = { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY };
    await putDoc(s, alice, 'providers', 'mine', { ...own, models: [{ name: 'mock-model' }, { name: 'org/nested-model' }] });
    await putDoc(s, alice, 'rotations', 'team',
      { model_name: 'team', providers: [{ provider_id: 'mine', models: [{ name: 'mock-model' }] }, { provider_id: 'mock' }] });
    await putDoc(s, alice, 'autoselects', 'pick',
      { model_name: 'pick', description: 'mine', fallback: 'team', available_models: [{ model_id: 'team', description: 't' }] });
    await putDoc(s, bob, 'providers', 'bobs', { ...own, models: [{ name: 'mock-model' }] });
    await putDoc(s, bob, 'rotations', 'bteam', { model_name: 'bteam', providers: [{ provider_id: 'bobs' }] });

    const h = bearer(alice);
    for (const route of ['/api/user/models', '/api/user/providers/models', '/api/user/rotations/models',
      '/api/user/autoselects/models', '/api/u/alice/models', '/api/v1/models', '/v1/models', '/api/models', '/models',
      '/api/mine/models', '/api/rotations/models', '/api/autoselect/models']) {
      lists[route] = await openaiIds(s, route, h);
    }
    lists['/v1/models (anthropic)'] = await anthropicIds(s, alice);
  });
  after(async () => { await s?.stop(); });

  it('the lists hold the user\'s own ids where they belong', () => {
    const own = ['user-provider/mine/mock-model', 'user-provider/mine/org/nested-model', 'user-rotation/team',
      'user-autoselect/pick'];
    const global = ['mock/mock-model', 'mock/org/nested-model', 'rotation/grot', 'autoselect/gpick'];
    for (const route of ['/api/user/models', '/api/u/alice/models', '/api/v1/models', '/v1/models', '/api/models',
      '/models', '/v1/models (anthropic)']) {
      assert.deepEqual([...lists[route]].sort(), [...own, ...global].sort(), route);
    }
    assert.deepEqual(lists['/api/user/providers/models'], own.slice(0, 2));
    assert.deepEqual(lists['/api/user/rotations/models'], ['user-rotation/team']);
    assert.deepEqual(lists['/api/user/autoselects/models'], ['user-autoselect/pick']);
    assert.deepEqual(lists['/api/mine/models'], own.slice(0, 2));
    assert.deepEqual(lists['/api/rotations/models'].sort(), ['rotation/grot', 'user-rotation/team']);
    assert.deepEqual(lists['/api/autoselect/models'], ['autoselect/gpick', 'user-autoselect/pick']);
  });

  it('every listed id answers a chat on the user and global doors, OpenAI and Anthropic', async () => {
    const ids = [...new Set(Object.values(lists).flat())];
    assert.equal(ids.length, 8, ids.join(','));
    for (const id of ids) {
      await assertChatWorks(s, '/api/user/chat/completions', id, bearer(alice));
      await assertChatWorks(s, '/v1/chat/completions', id, bearer(alice));
    }
    for (const id of lists['/v1/models (anthropic)']) {
      await assertChatWorks(s, '/v1/messages', id, anthropicHeaders(alice), true);
      await assertChatWorks(s, '/api/user/v1/messages', id, anthropicHeaders(alice), true);
    }
  });

  it('every listed id answers on the scoped route it was listed under', async () => {
    for (const id of lists['/api/mine/models']) {
      await assertChatWorks(s, '/api/mine/chat/completions', id, bearer(alice));
      await assertChatWorks(s, '/api/mine/v1/messages', id, anthropicHeaders(alice), true);
    }
    // A user's rotation and autoselect by their bare ids as the scope, as global ones are.
    await assertChatWorks(s, '/api/team/chat/completions', 'user-rotation/team', bearer(alice));
    await assertChatWorks(s, '/api/pick/chat/completions', 'user-autoselect/pick', bearer(alice));
    for (const id of lists['/api/rotations/models']) {
      await assertChatWorks(s, '/api/rotations/chat/completions', id, bearer(alice));
    }
    for (const id of lists['/api/autoselect/models']) {
      await assertChatWorks(s, '/api/autoselect/chat/completions', id, bearer(alice));
    }
  });

  it('every listed id is found by every single-model lookup route', async () => {
    const ids = [...new Set(Object.values(lists).flat())];
    for (const id of ids) {
      for (const route of ['/api/v1/models/', '/v1/models/', '/api/models/', '/models/']) {
        const r = await get(s.u(route + id), { headers: bearer(alice) });
        assert.equal(r.status, 200, `${route}${id}: ${r.text}`);
        assert.equal(r.json().id, id);
      }
    }
  });

  it("another user's ids do not work and are not listed", async () => {
    const theirs = [...new Set(Object.values(lists).flat())].filter((id) => id.startsWith('user-'));
    assert.equal(theirs.length, 4, theirs.join(','));
    for (const id of theirs) {
      for (const route of ['/api/user/chat/completions', '/v1/chat/completions']) {
        assertError(await post(s.u(route), chatBody('x', { model: id }), { headers: bearer(bob) }), 404, 'model_not_found');
      }
      assertError(await get(s.u(`/api/v1/models/${id}`), { headers: bearer(bob) }), 404, 'model_not_found');
      const m = await post(s.u('/v1/messages'), messagesBody('x', { model: id }), { headers: anthropicHeaders(bob) });
      assertAnthropicError(m, 404);
    }
    assertError(await post(s.u('/api/mine/chat/completions'), chatBody('x', { model: 'mock-model' }),
      { headers: bearer(bob) }), 404, 'model_not_found');
    assertError(await get(s.u('/api/mine/models'), { headers: bearer(bob) }), 404, 'model_not_found');
    assertError(await post(s.u('/api/rotations/chat/completions'), chatBody('x', { model: 'user-rotation/team' }),
      { headers: bearer(bob) }), 404, 'model_not_found');
    // Bob's lists: his own ids, none of alice's; and his own work.
    const bobIds = [...(await openaiIds(s, '/api/user/models', bearer(bob))), ...(await anthropicIds(s, bob)),
      ...(await openaiIds(s, '/v1/models', bearer(bob)))];
    assert.ok(!bobIds.some((id) => theirs.includes(id)), bobIds.join(','));
    assert.ok(bobIds.includes('user-rotation/bteam'), bobIds.join(','));
    await assertChatWorks(s, '/v1/chat/completions', 'user-rotation/bteam', bearer(bob));
    // The global token has no user namespace: alice's ids are unknown to it too.
    assertError(await get(s.u('/api/v1/models/user-rotation/team'), { headers: admin }), 404, 'model_not_found');
  });
});
