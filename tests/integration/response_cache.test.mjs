// The response cache through the binary (issue 12), memory backend, with
// aisbf-mock upstream: whether the upstream was called is what the mock
// recorded. Hits and misses, stream replay in both client formats and
// across stream/non-stream, the bypass headers, the sampling rule, answers
// that must not be kept (a failed or cut stream), TTL expiry, eviction by
// bytes, namespace isolation, and the admin stats and clear routes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startStack, get, post, stream, chatBody, messagesBody, contentOf, eventJson, anthropicTextOf, typedProvider,
  mockProvider, upstreamChatRequests, delay, tmpDir, bearer, createUser, createToken, ANTHROPIC_VERSION, MOCK_MODELS,
  request, usageCsvRows, MOCK_KEY,
} from './harness.mjs';

const det = (content, extra = {}) => chatBody(content, { temperature: 0, ...extra });
const said = (r) => r.json().choices[0].message.content;
const anthropicHeaders = { 'anthropic-version': ANTHROPIC_VERSION };
let unique = 0;
const fresh = (label) => `${label} ${process.pid} ${++unique}`;

async function upstreamCalls(s) { return (await upstreamChatRequests(s.mock)).length; }

describe('response cache', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      // Failing targets stay in use: every faulty request reaches the mock.
      aisbf: { response_cache: { enabled: true, backend: 'memory', ttl: 600 }, routing: { failure_threshold: 100 } },
      providers: (u) => ({ mock: mockProvider(u, { models: [...MOCK_MODELS, 'fault-slow-1500'] }), claude: typedProvider('anthropic', u, { id: 'claude' }) }),
    });
  });
  after(async () => { await s?.stop(); });

  it('a miss calls upstream and keeps the answer; the same request is then a hit', async () => {
    const text = fresh('first');
    const before = await upstreamCalls(s);
    const a = await post(s.u('/v1/chat/completions'), det(text));
    assert.equal(a.status, 200, a.text);
    assert.equal(a.headers['x-aisbf-cache'], 'miss');
    assert.equal(await upstreamCalls(s), before + 1);
    // Key order, whitespace and `user` do not make another request.
    const body = JSON.stringify({ user: 'someone', temperature: 0.0, messages: [{ content: text, role: 'user' }],
      model: 'mock/mock-model' }, null, 3);
    const b = await post(s.u('/v1/chat/completions'), body, { headers: { 'content-type': 'application/json' } });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.headers['x-aisbf-cache'], 'hit');
    assert.equal(await upstreamCalls(s), before + 1);
    assert.equal(said(b), said(a));
    assert.equal(said(b), `You said: ${text}`);
    assert.deepEqual(b.json().usage.prompt_tokens, a.json().usage.prompt_tokens);
    // The hit is the answer the first client got (a passthrough: the upstream's own model name).
    assert.equal(b.json().model, a.json().model);
    assert.notEqual(b.json().id, a.json().id);
  });

  it('a stored stream is replayed as a stream and as a whole answer, and the reverse', async () => {
    const text = fresh('streamed answer with several words in it');
    const before = await upstreamCalls(s);
    const first = await stream(s.u('/v1/chat/completions'), det(text, { stream: true, stream_options: { include_usage: true } }));
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-aisbf-cache'], 'miss');
    const replay = await stream(s.u('/v1/chat/completions'), det(text, { stream: true, stream_options: { include_usage: true } }));
    assert.equal(replay.headers['x-aisbf-cache'], 'hit');
    assert.equal(replay.events.at(-1).data, '[DONE]');
    assert.equal(contentOf(replay.events), contentOf(first.events));
    const usage = eventJson(replay.events).find((c) => c.usage)?.usage;
    assert.ok(usage && usage.completion_tokens > 0, replay.raw);
    const whole = await post(s.u('/v1/chat/completions'), det(text));
    assert.equal(whole.headers['x-aisbf-cache'], 'hit');
    assert.equal(said(whole), `You said: ${text}`);
    assert.equal(await upstreamCalls(s), before + 1);

    const other = fresh('whole first');
    await post(s.u('/v1/chat/completions'), det(other));
    const asStream = await stream(s.u('/v1/chat/completions'), det(other, { stream: true }));
    assert.equal(asStream.headers['x-aisbf-cache'], 'hit');
    assert.equal(contentOf(asStream.events), `You said: ${other}`);
    assert.equal(asStream.events.at(-1).data, '[DONE]');
    assert.equal(await upstreamCalls(s), before + 2);
  });

  it('Anthropic clients: passthrough and translated answers replay in their events', async () => {
    for (const model of ['claude/mock-model', 'mock/mock-model']) {
      const text = fresh(`anthropic via ${model}`);
      const before = await upstreamCalls(s);
      const body = messagesBody(text, { model, temperature: 0 });
      const first = await stream(s.u('/v1/messages'), { ...body, stream: true }, { headers: anthropicHeaders });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.headers['x-aisbf-cache'], 'miss');
      const again = await stream(s.u('/v1/messages'), { ...body, stream: true }, { headers: anthropicHeaders });
      assert.equal(again.headers['x-aisbf-cache'], 'hit', model);
      assert.equal(anthropicTextOf(again.events), anthropicTextOf(first.events));
      assert.equal(again.events.at(-1).event, 'message_stop');
      const whole = await post(s.u('/v1/messages'), body, { headers: anthropicHeaders });
      assert.equal(whole.headers['x-aisbf-cache'], 'hit');
      assert.equal(whole.json().content[0].text, `You said: ${text}`);
      assert.ok(whole.json().usage.output_tokens > 0);
      assert.equal(await upstreamCalls(s), before + 1, model);
    }
  });

  it('an OpenAI stream without usage serves streams without usage; a client that needs usage misses once', async () => {
    const text = fresh('stream without usage');
    const before = await upstreamCalls(s);
    const first = await stream(s.u('/v1/chat/completions'), det(text, { stream: true }));
    assert.equal(first.headers['x-aisbf-cache'], 'miss');
    assert.equal(contentOf(first.events), `You said: ${text}`);
    // The SDK default (no stream_options): replayed as it was, with no usage chunk.
    const again = await stream(s.u('/v1/chat/completions'), det(text, { stream: true }));
    assert.equal(again.headers['x-aisbf-cache'], 'hit');
    assert.equal(contentOf(again.events), `You said: ${text}`);
    assert.ok(eventJson(again.events).every((c) => c.usage == null));
    assert.equal(await upstreamCalls(s), before + 1);
    // A whole answer must carry usage: a miss, whose answer (with usage) replaces the entry.
    const second = await post(s.u('/v1/chat/completions'), det(text));
    assert.equal(second.headers['x-aisbf-cache'], 'miss');
    const third = await post(s.u('/v1/chat/completions'), det(text));
    assert.equal(third.headers['x-aisbf-cache'], 'hit');
    assert.ok(third.json().usage.completion_tokens > 0);
    // And a stream asking for usage is served from it, with its usage chunk.
    const withUsage = await stream(s.u('/v1/chat/completions'), det(text, { stream: true, stream_options: { include_usage: true } }));
    assert.equal(withUsage.headers['x-aisbf-cache'], 'hit');
    assert.ok(eventJson(withUsage.events).some((c) => c.usage?.completion_tokens > 0));
    assert.equal(await upstreamCalls(s), before + 2);
  });

  it("an Anthropic client's beta flags are part of the key: another flag is another answer", async () => {
    const text = fresh('beta flags');
    const body = messagesBody(text, { model: 'claude/mock-model', temperature: 0 });
    const before = await upstreamCalls(s);
    const plain = await post(s.u('/v1/messages'), body, { headers: anthropicHeaders });
    assert.equal(plain.headers['x-aisbf-cache'], 'miss', plain.text);
    const beta = { ...anthropicHeaders, 'anthropic-beta': 'interleaved-thinking-2025-05-14' };
    const flagged = await post(s.u('/v1/messages'), body, { headers: beta });
    assert.equal(flagged.headers['x-aisbf-cache'], 'miss', flagged.text);
    const again = await post(s.u('/v1/messages'), body, { headers: beta });
    assert.equal(again.headers['x-aisbf-cache'], 'hit');
    assert.equal(await upstreamCalls(s), before + 2);
  });

  it('the client bypasses the cache with Cache-Control or x-aisbf-cache', async () => {
    const text = fresh('bypassed');
    await post(s.u('/v1/chat/completions'), det(text));
    const before = await upstreamCalls(s);
    // An array is sent as two header lines: the directive in the second counts.
    for (const headers of [{ 'cache-control': 'no-cache' }, { 'cache-control': 'max-age=0, no-store' },
      { 'cache-control': ['max-age=0', 'no-store'] }, { 'x-aisbf-cache': 'bypass' }]) {
      const r = await post(s.u('/v1/chat/completions'), det(text), { headers });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['x-aisbf-cache'], 'bypass');
    }
    assert.equal(await upstreamCalls(s), before + 4);
  });

  it('sampled requests are not cached unless they carry a seed', async () => {
    const text = fresh('random');
    const before = await upstreamCalls(s);
    for (const extra of [{}, { temperature: 0.7 }]) {
      const r1 = await post(s.u('/v1/chat/completions'), chatBody(text, extra));
      const r2 = await post(s.u('/v1/chat/completions'), chatBody(text, extra));
      assert.equal(r1.headers['x-aisbf-cache'], undefined);
      assert.equal(r2.headers['x-aisbf-cache'], undefined);
    }
    assert.equal(await upstreamCalls(s), before + 4);
    const seeded = chatBody(text, { temperature: 0.7, seed: 7 });
    await post(s.u('/v1/chat/completions'), seeded);
    const hit = await post(s.u('/v1/chat/completions'), seeded);
    assert.equal(hit.headers['x-aisbf-cache'], 'hit');
    assert.equal(await upstreamCalls(s), before + 5);
  });

  it('a failed or cut stream, and an error, are never kept', async () => {
    for (const fault of ['fault-stream-error', 'fault-cut', 'fault-500']) {
      const body = det(fresh(`faulty ${fault} answer with enough words to stream a few chunks`),
        { model: `mock/${fault}`, stream: fault !== 'fault-500' });
      const before = await upstreamCalls(s);
      const r1 = await stream(s.u('/v1/chat/completions'), body);
      const r2 = await stream(s.u('/v1/chat/completions'), body);
      assert.notEqual(r2.headers['x-aisbf-cache'], 'hit', `${fault}: ${r2.raw}`);
      assert.ok(r1.status >= 200);
      assert.ok(await upstreamCalls(s) >= before + 2, fault);
    }
  });

  it('20 identical concurrent requests make one upstream call; a failing leader releases the others', async () => {
    const text = fresh('coalesced');
    const slow = det(text, { model: 'mock/fault-slow-1500' });  // the leader's call outlasts the others' arrival
    const before = await upstreamCalls(s);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(s.u('/v1/chat/completions'), slow)));
    for (const a of answers) {
      assert.equal(a.status, 200, a.text);
      assert.equal(said(a), `You said: ${text}`);
    }
    assert.equal(await upstreamCalls(s), before + 1);
    const kinds = answers.map((a) => a.headers['x-aisbf-cache']).sort();
    assert.deepEqual(kinds, [...Array(19).fill('hit'), 'miss']);

    const failing = det(fresh('failing leader'), { model: 'mock/fault-500' });
    const before2 = await upstreamCalls(s);
    const failed = await Promise.all(Array.from({ length: 20 }, () => post(s.u('/v1/chat/completions'), failing)));
    for (const f of failed) assert.equal(f.status, 500, f.text);
    assert.equal(await upstreamCalls(s), before2 + 20);  // each released follower tried on its own
  });

  it('stats count hits and misses; clear by provider and in full', async () => {
    const r = await get(s.u('/api/admin/cache/stats'));
    assert.equal(r.status, 200, r.text);
    const st = r.json();
    for (const k of ['backend', 'hits', 'misses', 'hit_rate', 'evictions', 'bytes', 'entries', 'coalesced']) {
      assert.ok(k in st, k);
    }
    assert.equal(st.backend, 'memory');
    assert.ok(st.hits > 0 && st.misses > 0 && st.entries > 0 && st.bytes > 0, r.text);
    assert.ok(st.hit_rate > 0 && st.hit_rate < 1);
    const same = await get(s.u('/dashboard/response-cache/stats'));
    assert.equal(same.status, 200);
    assert.equal(same.json().entries, st.entries);

    const bad = await post(s.u('/api/admin/cache/clear'), { color: 'red' });
    assert.equal(bad.status, 400, bad.text);
    const byProvider = await post(s.u('/api/admin/cache/clear'), { provider: 'claude' });
    assert.equal(byProvider.status, 200, byProvider.text);
    assert.ok(byProvider.json().cleared >= 1, byProvider.text);
    const after1 = (await get(s.u('/api/admin/cache/stats'))).json();
    assert.equal(after1.entries, st.entries - byProvider.json().cleared);
    const all = await post(s.u('/dashboard/response-cache/clear'), undefined);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json().cleared, after1.entries);
    const empty = (await get(s.u('/api/admin/cache/stats'))).json();
    assert.deepEqual([empty.entries, empty.bytes, empty.hits, empty.misses, empty.hit_rate], [0, 0, 0, 0, 0]);
  });
});

describe('response cache bounds', { timeout: 120000 }, () => {
  it('entries expire after the ttl', async () => {
    const s = await startStack({ aisbf: { response_cache: { enabled: true, ttl: 0.3 } } });
    try {
      const text = fresh('short lived');
      const a = await post(s.u('/v1/chat/completions'), det(text));
      assert.equal(a.headers['x-aisbf-cache'], 'miss');
      await delay(600);  // a lower bound only: later is as good
      const b = await post(s.u('/v1/chat/completions'), det(text));
      assert.equal(b.headers['x-aisbf-cache'], 'miss');
      assert.equal(await upstreamCalls(s), 2);
    } finally {
      await s.stop();
    }
  });

  it('the memory backend is bounded by bytes: the least recently used go first', async () => {
    const s = await startStack({ aisbf: { response_cache: { enabled: true, max_memory_bytes: 4096 } } });
    try {
      const texts = Array.from({ length: 12 }, (_, i) => fresh(`entry ${i} ${'word '.repeat(40)}`));
      for (const t of texts) await post(s.u('/v1/chat/completions'), det(t));
      const st = (await get(s.u('/api/admin/cache/stats'))).json();
      assert.ok(st.bytes <= 4096, JSON.stringify(st));
      assert.ok(st.evictions > 0 && st.entries < texts.length, JSON.stringify(st));
      const last = await post(s.u('/v1/chat/completions'), det(texts.at(-1)));
      assert.equal(last.headers['x-aisbf-cache'], 'hit');
      const firstAgain = await post(s.u('/v1/chat/completions'), det(texts[0]));
      assert.equal(firstAgain.headers['x-aisbf-cache'], 'miss');
    } finally {
      await s.stop();
    }
  });
});

describe('response cache namespaces', { timeout: 120000 }, () => {
  const ADMIN = 'cache-admin-token';
  const admin = bearer(ADMIN);
  let s;
  let alice;
  let bob;

  async function makeUser(username) {
    await createUser(s.url, admin, { username, password: `pw-${username}-123456` });
    return (await createToken(s.url, admin, username, { description: 'tests' })).token;
  }

  before(async () => {
    const dir = tmpDir('aisbf-cache-ns-');
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(dir, 'aisbf.db') },
        response_cache: { enabled: true } },
      rotations: { crot: { providers: [{ provider_id: 'mock', models: [{ name: 'mock-model', weight: 1 }] }] } },
    });
    alice = await makeUser('alice');
    bob = await makeUser('bob');
  });
  after(async () => { await s?.stop(); });

  it("one user's answer is never served to another", async () => {
    const body = det(fresh('the same question'));
    const before = await upstreamCalls(s);
    const a1 = await post(s.u('/v1/chat/completions'), body, { headers: bearer(alice) });
    const a2 = await post(s.u('/v1/chat/completions'), body, { headers: bearer(alice) });
    assert.deepEqual([a1.headers['x-aisbf-cache'], a2.headers['x-aisbf-cache']], ['miss', 'hit']);
    const b1 = await post(s.u('/v1/chat/completions'), body, { headers: bearer(bob) });
    assert.equal(b1.headers['x-aisbf-cache'], 'miss');
    const g1 = await post(s.u('/v1/chat/completions'), body, { headers: admin });
    assert.equal(g1.headers['x-aisbf-cache'], 'miss');
    assert.equal(await upstreamCalls(s), before + 3);

    // A clear of alice's namespace leaves bob's entry.
    const c = await post(s.u('/api/admin/cache/clear'), { namespace: 'alice' }, { headers: admin });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json().cleared, 1);
    const a3 = await post(s.u('/v1/chat/completions'), body, { headers: bearer(alice) });
    const b2 = await post(s.u('/v1/chat/completions'), body, { headers: bearer(bob) });
    assert.deepEqual([a3.headers['x-aisbf-cache'], b2.headers['x-aisbf-cache']], ['miss', 'hit']);
  });

  it('a hit is a usage row with cost 0 and the tokens it saved', async () => {
    const body = det(fresh('counted in usage'));
    await post(s.u('/v1/chat/completions'), body, { headers: bearer(alice) });
    const hit = await post(s.u('/v1/chat/completions'), body, { headers: bearer(alice) });
    assert.equal(hit.headers['x-aisbf-cache'], 'hit');
    const flushed = await post(s.u('/api/admin/usage/flush'), undefined, { headers: admin });
    assert.equal(flushed.status, 200, flushed.text);
    const r = await get(s.u('/api/admin/usage?format=csv&from=0'), { headers: admin });
    assert.equal(r.status, 200, r.text);
    const [header, ...lines] = r.text.trim().split('\r\n').map((l) => l.split(','));
    const rows = lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
    const last = rows.filter((row) => row.username === 'alice').at(-1);
    assert.ok(last, r.text);
    assert.equal(last.attempts, '0', JSON.stringify(last));
    assert.equal(Number(last.cost), 0, JSON.stringify(last));
    assert.ok(Number(last.prompt_tokens) > 0 && Number(last.completion_tokens) > 0, JSON.stringify(last));
  });

  it('a hit passes the quota gate as a request that costs nothing', async () => {
    const quinn = bearer(await makeUser('quinn'));
    const patch = async (quotas) => {
      const r = await request(s.u('/api/admin/users/quinn'), { method: 'PATCH', body: { quotas }, headers: admin });
      assert.equal(r.status, 200, r.text);
    };
    const ask = (body) => post(s.u('/v1/chat/completions'), body, { headers: quinn });
    await patch({ requests_per_day: 4 });
    const body = det(fresh('counted by the quota'));
    assert.equal((await ask(body)).headers['x-aisbf-cache'], 'miss');
    // A spent token budget refuses a miss, not a hit: a hit adds nothing to it.
    await patch({ requests_per_day: 4, tokens_per_day: 1 });
    const spent = await ask(det(fresh('over the token budget')));
    assert.equal(spent.status, 429, spent.text);
    assert.match(spent.json().error.message, /tokens_per_day/);
    for (let i = 2; i <= 4; i++) {
      const hit = await ask(body);
      assert.equal(hit.status, 200, `request ${i}: ${hit.text}`);
      assert.equal(hit.headers['x-aisbf-cache'], 'hit');
    }
    // The fifth request is refused by the request count, hit or miss alike.
    const hit = await ask(body);
    const miss = await ask(det(fresh('a fifth')));
    for (const r of [hit, miss]) {
      assert.equal(r.status, 429, r.text);
      assert.equal(r.json().error.code, 'quota_exceeded');
      assert.match(String(r.headers['retry-after']), /^[1-9][0-9]*$/);
    }
    assert.equal(hit.json().error.message, miss.json().error.message);
    assert.match(hit.json().error.message, /requests_per_day/);
  });

  it("a rotation's hit names the provider and model that answered in its usage row", async () => {
    const body = det(fresh('a rotation answers'), { model: 'rotation/crot' });
    const first = await post(s.u('/v1/chat/completions'), body, { headers: bearer(alice) });
    assert.equal(first.headers['x-aisbf-cache'], 'miss', first.text);
    const hit = await post(s.u('/v1/chat/completions'), body, { headers: bearer(alice) });
    assert.equal(hit.headers['x-aisbf-cache'], 'hit', hit.text);
    const rows = (await usageCsvRows(s, admin)).filter((row) => row.username === 'alice' && row.rotation === 'crot');
    assert.equal(rows.length, 2, JSON.stringify(rows));
    for (const row of rows) {
      assert.equal(row.provider, 'mock', JSON.stringify(row));
      assert.equal(row.model, 'mock-model', JSON.stringify(row));
    }
    assert.deepEqual(rows.map((row) => row.attempts), ['1', '0']);
  });

  it("a user's own provider and rotation are cached in her namespace, apart from the global ones", async () => {
    const uma = bearer(await makeUser('uma'));
    // Her providers may reach the local mock.
    const allowed = await request(s.u('/api/admin/users/uma'), { method: 'PATCH', body: { allow_private_endpoints: true }, headers: admin });
    assert.equal(allowed.status, 200, allowed.text);
    // Her own provider has the global one's id.
    const own = await request(s.u('/api/user/providers/mock'), { method: 'PUT', headers: uma,
      body: { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }] } });
    assert.ok(own.status === 200 || own.status === 201, own.text);
    const rot = await request(s.u('/api/user/rotations/urot'), { method: 'PUT', headers: uma,
      body: { model_name: 'urot', providers: [{ provider_id: 'mock', models: [{ name: 'mock-model' }] }] } });
    assert.ok(rot.status === 200 || rot.status === 201, rot.text);
    const text = fresh('her own targets');
    const before = await upstreamCalls(s);
    for (const model of ['user-provider/mock/mock-model', 'user-rotation/urot', 'mock/mock-model', 'rotation/crot']) {
      const first = await post(s.u('/v1/chat/completions'), det(text, { model }), { headers: uma });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.headers['x-aisbf-cache'], 'miss', model);
      const again = await post(s.u('/v1/chat/completions'), det(text, { model }), { headers: uma });
      assert.equal(again.headers['x-aisbf-cache'], 'hit', model);
      assert.equal(said(again), said(first));
    }
    assert.equal(await upstreamCalls(s), before + 4);
    // Her rotation's hit names her provider in its usage row, as its miss did.
    const rows = (await usageCsvRows(s, admin)).filter((row) => row.username === 'uma' && row.rotation.includes('urot'));
    assert.equal(rows.length, 2, JSON.stringify(rows));
    assert.equal(rows[1].provider, rows[0].provider, JSON.stringify(rows));
    assert.ok(rows[1].provider.length > 0 && rows[1].model === 'mock-model', JSON.stringify(rows));
  });

  it('stats and clear are for admins only', async () => {
    for (const [method, p] of [['GET', '/api/admin/cache/stats'], ['POST', '/api/admin/cache/clear'],
      ['GET', '/dashboard/response-cache/stats'], ['POST', '/dashboard/response-cache/clear']]) {
      const send = method === 'GET' ? (h) => get(s.u(p), { headers: h }) : (h) => post(s.u(p), undefined, { headers: h });
      assert.equal((await send(bearer(alice))).status, 403, p);
      assert.equal((await send({})).status, 401, p);
      assert.equal((await send(admin)).status, 200, p);
    }
  });
});
