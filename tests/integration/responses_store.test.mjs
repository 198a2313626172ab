// Stored OpenAI Responses through the binary (issue 14): an answer is kept
// unless `store: false`; previous_response_id continues it on any provider
// type (the whole conversation goes upstream, the old instructions do not);
// GET, DELETE and GET …/input_items of kept responses, per namespace (a
// user's, or the global one for global tokens) with another namespace's
// id a 404; a failed answer is not kept; expiry (a tiny TTL) and a restart
// with SQLite; a response is there the moment its answer is (continued,
// fetched or deleted at once); each namespace keeps its newest max_stored. Users and tokens are made through the admin API with a
// global token (which counts as an admin).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, startGateway, typedProviders, request, get, post, stream, assertError, upstreamChatRequests, delay,
  createUser, createToken, bearer,
} from './harness.mjs';

const ADMIN = 'global-admin-token';
const admin = { authorization: `Bearer ${ADMIN}` };
const del = (url, opts = {}) => request(url, { ...opts, method: 'DELETE' });
async function userToken(s, username) {
  await createUser(s.url, admin, { username });
  return (await createToken(s.url, admin, username)).token;
}
const text = (response) => response.output.filter((i) => i.type === 'message').map((i) => i.content[0].text).join('');


// A kept response is visible the moment its answer is: no polling anywhere.
const retrieve = (s, id, headers = admin, path = '/v1/responses') => get(s.u(`${path}/${id}`), { headers });

async function create(s, body, headers = admin, path = '/v1/responses') {
  const r = await post(s.u(path), body, { headers });
  assert.equal(r.status, 200, r.text);
  return r.json();
}

describe('stored responses', { timeout: 120000 }, () => {
  let s;
  let alice;
  let bob;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      providers: (u) => typedProviders(u, ['openai', 'anthropic', 'google']),
    });
    alice = await userToken(s, 'alice');
    bob = await userToken(s, 'bob');
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a continuation on another provider type sends the whole conversation, without the old instructions', async () => {
    const first = await create(s, { model: 'openai/mock-model', input: 'first question', instructions: 'OLD-RULE' });
    assert.equal((await retrieve(s, first.id)).status, 200);
    await s.mock.reset();
    const second = await create(s, {
      model: 'anthropic/mock-model', previous_response_id: first.id, input: 'second question', instructions: 'NEW-RULE',
    });
    assert.notEqual(second.id, first.id);
    assert.equal(text(second), 'You said: second question');
    const [q] = await upstreamChatRequests(s.mock);
    assert.match(q.path, /\/v1\/messages/);
    const sent = JSON.parse(q.body);
    const turns = sent.messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((c) => c.text).join('')));
    assert.deepEqual(turns, ['first question', 'You said: first question', 'second question']);
    assert.ok(!q.body.includes('OLD-RULE'), q.body);
    assert.ok(q.body.includes('NEW-RULE'), q.body);
    // And a third turn, streamed, on a third type: the chain grows.
    await s.mock.reset();
    const r = await stream(s.u('/v1/responses'), { model: 'google/mock-model', previous_response_id: second.id, input: 'third', stream: true },
      { headers: admin });
    assert.equal(r.status, 200, r.text);
    const [g] = await upstreamChatRequests(s.mock);
    const contents = JSON.parse(g.body).contents.map((c) => c.parts.map((p) => p.text).join(''));
    assert.deepEqual(contents, ['first question', 'You said: first question', 'second question', 'You said: second question', 'third']);
  });

  it('a streamed answer is kept as its response.completed carried it', async () => {
    const r = await stream(s.u('/v1/responses'), { model: 'anthropic/mock-model', input: 'stream and keep', stream: true },
      { headers: admin });
    assert.equal(r.status, 200, r.text);
    const completed = JSON.parse(r.events.at(-1).data);
    assert.equal(completed.type, 'response.completed');
    const got = await retrieve(s, completed.response.id);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json(), completed.response);
  });

  it('store:false is not kept, nor is a failed answer', async () => {
    const unkept = await create(s, { model: 'openai/mock-model', input: 'forget me', store: false });
    const failed = await stream(s.u('/v1/responses'), { model: 'anthropic/fault-stream-error', input: 'break this stream please', stream: true },
      { headers: admin });
    const failedId = JSON.parse(failed.events.at(-1).data).response.id;
    const later = await create(s, { model: 'openai/mock-model', input: 'keep me' });
    assert.equal((await retrieve(s, later.id)).status, 200);
    for (const id of [unkept.id, failedId]) {
      assertError(await get(s.u(`/v1/responses/${id}`), { headers: admin }), 404);
      const r = await post(s.u('/v1/responses'), { model: 'openai/mock-model', previous_response_id: id, input: 'x' }, { headers: admin });
      const e = assertError(r, 400, 'previous_response_not_found');
      assert.equal(e.param, 'previous_response_id');
      assert.equal(e.message, `Previous response with id '${id}' not found.`);
    }
    assert.equal((await upstreamChatRequests(s.mock)).length, 3);  // the continuations went nowhere
  });

  it('namespaces: a user\'s responses are theirs; another namespace gets a 404', async () => {
    const mine = await create(s, { model: 'openai/mock-model', input: 'alice asks' }, bearer(alice));
    assert.equal((await retrieve(s, mine.id, bearer(alice))).status, 200);
    assert.equal((await get(s.u(`/api/user/v1/responses/${mine.id}`), { headers: bearer(alice) })).status, 200);
    assert.equal((await get(s.u(`/api/u/alice/v1/responses/${mine.id}`), { headers: admin })).status, 200);
    for (const [path, headers] of [
      [`/v1/responses/${mine.id}`, bearer(bob)],
      [`/v1/responses/${mine.id}`, admin],  // the global namespace is not alice's
      [`/api/u/bob/v1/responses/${mine.id}`, admin],
      [`/v1/responses/${mine.id}/input_items`, bearer(bob)],
    ]) assertError(await get(s.u(path), { headers }), 404);
    assertError(await del(s.u(`/v1/responses/${mine.id}`), { headers: bearer(bob) }), 404);
    const r = await post(s.u('/v1/responses'), { model: 'openai/mock-model', previous_response_id: mine.id, input: 'steal' },
      { headers: bearer(bob) });
    assertError(r, 400, 'previous_response_not_found');
    // Another user's namespace by name is forbidden to bob, whatever the id.
    assertError(await get(s.u(`/api/u/alice/v1/responses/${mine.id}`), { headers: bearer(bob) }), 403);
    // Alice continues her own, on the user route.
    const next = await create(s, { model: 'openai/mock-model', previous_response_id: mine.id, input: 'alice again' },
      bearer(alice), '/api/user/v1/responses');
    assert.equal(text(next), 'You said: alice again');
    // Still there for alice after bob's attempts.
    assert.equal((await get(s.u(`/v1/responses/${mine.id}`), { headers: bearer(alice) })).status, 200);
  });

  it('DELETE answers deleted once; then GET and DELETE are 404s', async () => {
    const one = await create(s, { model: 'openai/mock-model', input: 'delete me' });
    assert.equal((await retrieve(s, one.id)).status, 200);
    const d = await del(s.u(`/v1/responses/${one.id}`), { headers: admin });
    assert.equal(d.status, 200, d.text);
    assert.deepEqual(d.json(), { id: one.id, object: 'response', deleted: true });
    const g = assertError(await get(s.u(`/v1/responses/${one.id}`), { headers: admin }), 404);
    assert.equal(g.message, `Response with id '${one.id}' not found.`);
    assertError(await del(s.u(`/api/v1/responses/${one.id}`), { headers: admin }), 404);
    assertError(await get(s.u('/v1/responses/resp_never_made'), { headers: admin }), 404);
  });

  it('a response is there the moment its answer is: continued, fetched and deleted at once', async () => {
    // The row is written off the request path, after the answer: these
    // requests are sent the instant the answer arrives, many times over.
    for (let i = 0; i < 30; ++i) {
      let id;
      if (i % 2 === 0) {
        id = (await create(s, { model: 'openai/mock-model', input: `turn ${i}` })).id;
      } else {
        const r = await stream(s.u('/v1/responses'), { model: 'openai/mock-model', input: `turn ${i}`, stream: true },
          { headers: admin });
        assert.equal(r.status, 200, r.text);
        id = JSON.parse(r.events.at(-1).data).response.id;
      }
      const next = await post(s.u('/v1/responses'), { model: 'openai/mock-model', previous_response_id: id, input: 'again' },
        { headers: admin });
      assert.equal(next.status, 200, `turn ${i}: ${next.text}`);
      assert.equal(text(next.json()), 'You said: again');
    }
    for (let i = 0; i < 30; ++i) {
      const one = await create(s, { model: 'openai/mock-model', input: `fetch ${i}` });
      const got = await retrieve(s, one.id);
      assert.equal(got.status, 200, `fetch ${i}: ${got.text}`);
      assert.equal(got.json().id, one.id);
      const items = await get(s.u(`/v1/responses/${one.id}/input_items`), { headers: admin });
      assert.equal(items.status, 200, items.text);
      assert.equal(items.json().data[0].content[0].text, `fetch ${i}`);
    }
    for (let i = 0; i < 30; ++i) {
      const one = await create(s, { model: 'openai/mock-model', input: `delete ${i}` });
      const d = await del(s.u(`/v1/responses/${one.id}`), { headers: admin });
      assert.equal(d.status, 200, `delete ${i}: ${d.text}`);
      assertError(await retrieve(s, one.id), 404);
      assertError(await del(s.u(`/v1/responses/${one.id}`), { headers: admin }), 404);
    }
  });

  it('input_items lists the conversation with ids, a page at a time', async () => {
    const first = await create(s, { model: 'openai/mock-model', input: 'one' });
    const second = await create(s, {
      model: 'openai/mock-model', previous_response_id: first.id,
      input: [{ role: 'user', content: 'two' }, { role: 'user', content: [{ type: 'input_text', text: 'three' }] }],
    });
    const all = await get(s.u(`/v1/responses/${second.id}/input_items?order=asc`), { headers: admin });
    assert.equal(all.status, 200, all.text);
    const list = all.json();
    assert.equal(list.object, 'list');
    assert.equal(list.has_more, false);
    // one, the first answer, two, three; every item has an id, and the first answer keeps its own.
    assert.equal(list.data.length, 4);
    assert.ok(list.data.every((i) => typeof i.id === 'string' && i.id.length > 0));
    assert.equal(new Set(list.data.map((i) => i.id)).size, 4);
    assert.equal(list.data[1].id, first.output[0].id);
    assert.deepEqual(list.data.map((i) => i.role), ['user', 'assistant', 'user', 'user']);
    assert.equal(list.data[2].content[0].type, 'input_text');
    assert.equal(list.data[2].content[0].text, 'two');
    assert.equal(list.first_id, list.data[0].id);
    assert.equal(list.last_id, list.data[3].id);
    // Default order: newest first, 20 a page.
    const desc = (await get(s.u(`/v1/responses/${second.id}/input_items`), { headers: admin })).json();
    assert.deepEqual(desc.data.map((i) => i.id), list.data.map((i) => i.id).reverse());
    // Pages of two.
    const p1 = (await get(s.u(`/v1/responses/${second.id}/input_items?order=asc&limit=2`), { headers: admin })).json();
    assert.deepEqual(p1.data.map((i) => i.id), list.data.slice(0, 2).map((i) => i.id));
    assert.equal(p1.has_more, true);
    const p2 = (await get(s.u(`/v1/responses/${second.id}/input_items?order=asc&limit=2&after=${p1.last_id}`), { headers: admin })).json();
    assert.deepEqual(p2.data.map((i) => i.id), list.data.slice(2).map((i) => i.id));
    assert.equal(p2.has_more, false);
    const bad = await get(s.u(`/v1/responses/${second.id}/input_items?limit=0`), { headers: admin });
    assert.equal(assertError(bad, 400).param, 'limit');
  });
});

describe('stored responses: expiry and restarts', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { responses: { store_ttl_seconds: 2 } },
      providers: (u) => typedProviders(u, ['openai']),
    });
  });
  after(async () => { await s?.stop(); });

  it('a response past its TTL is gone for GET, input_items and continuations', async () => {
    const one = await create(s, { model: 'openai/mock-model', input: 'short-lived' });
    assert.equal((await retrieve(s, one.id)).status, 200);
    await delay(2100);
    assertError(await get(s.u(`/v1/responses/${one.id}`), { headers: admin }), 404);
    assertError(await get(s.u(`/v1/responses/${one.id}/input_items`), { headers: admin }), 404);
    const r = await post(s.u('/v1/responses'), { model: 'openai/mock-model', previous_response_id: one.id, input: 'x' }, { headers: admin });
    assertError(r, 400, 'previous_response_not_found');
  });
});

// The default TTL here: a restart under a loaded, sanitised build may take
// longer than a tiny TTL.
describe('stored responses: restarts and per-namespace bounds', { timeout: 120000 }, () => {
  let s;
  let carol;
  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { responses: { max_stored: 2 } },
      server: { max_body_bytes: 16384 },
      providers: (u) => typedProviders(u, ['openai']),
    });
    carol = await userToken(s, 'carol');
  });
  after(async () => { await s?.stop(); });

  it('a response that could only be continued with a 413 is not kept', async () => {
    // The mock echoes the input: request and response hold ~10 KB each, past the 16 KiB body limit together.
    const big = await create(s, { model: 'openai/mock-model', input: 'x'.repeat(10000) });
    assertError(await retrieve(s, big.id), 404);
    const r = await post(s.u('/v1/responses'), { model: 'openai/mock-model', previous_response_id: big.id, input: 'x' },
      { headers: admin });
    assertError(r, 400, 'previous_response_not_found');
    const small = await create(s, { model: 'openai/mock-model', input: 'x'.repeat(100) });
    assert.equal((await retrieve(s, small.id)).status, 200);
  });

  it('one namespace past max_stored loses its oldest; another keeps its own', async () => {
    const global = await create(s, { model: 'openai/mock-model', input: 'the global namespace' });
    const carols = [];
    for (let i = 0; i < 3; ++i) carols.push(await create(s, { model: 'openai/mock-model', input: `carol ${i}` }, bearer(carol)));
    // Pruned after the third write: wait for it (ordering, not a time bound).
    const deadline = Date.now() + 10000;
    while ((await retrieve(s, carols[0].id, bearer(carol))).status !== 404) {
      assert.ok(Date.now() < deadline, 'carol\'s oldest was never pruned');
      await delay(25);
    }
    for (const c of carols.slice(1)) assert.equal((await retrieve(s, c.id, bearer(carol))).status, 200);
    assert.equal((await retrieve(s, global.id)).status, 200);
  });

  it('kept responses survive a restart (SQLite)', async () => {
    const one = await create(s, { model: 'openai/mock-model', input: 'remember across restarts' });
    assert.equal((await retrieve(s, one.id)).status, 200);
    await s.gw.stop();  // SIGTERM: the DB threads finish their writes
    s.gw = await startGateway(s.configDir);
    s.url = s.gw.url;
    const got = await get(s.u(`/v1/responses/${one.id}`), { headers: admin });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json().id, one.id);
    const next = await create(s, { model: 'openai/mock-model', previous_response_id: one.id, input: 'still there?' });
    assert.equal(text(next), 'You said: still there?');
  });
});
