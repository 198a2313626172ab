// Bounded shared state (routing.max_tracked_keys): a flood of distinct model
// names cannot grow the health, learned-limit, spacing or token-window maps
// past the cap; idle entries give way first, live state (a cooling breaker,
// tokens in a limited window) is never dropped, and a store full of live
// state refuses to track a new key rather than grow.
//
// Counts and order only: the entries here live for minutes (cooldowns of
// 300 s, minute windows), far longer than any of these tests take.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, get, post, chatBody, mockProvider } from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const CAP = 40;
const FLOOD = 300;
const WIDTH = 8;

// Runs `fn(i)` for i in [0, n) with at most `width` at a time; results in order.
async function pool(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

async function adminHealth(s) {
  const r = await get(s.u('/api/admin/health'));
  assert.equal(r.status, 200, r.text);
  const b = r.json();
  for (const k of ['health', 'rate_limits', 'spacing', 'tokens']) {
    assert.ok(Array.isArray(b[k]), `${k}: ${r.text.slice(0, 500)}`);
    assert.equal(b.tracked?.[k]?.max_keys, CAP, `tracked.${k}: ${JSON.stringify(b.tracked)}`);
    assert.ok(b[k].length <= CAP, `${b[k].length} ${k} entries, cap ${CAP}`);
    assert.ok(b.tracked[k].keys <= CAP, `tracked.${k}: ${JSON.stringify(b.tracked[k])}`);
  }
  return b;
}

const ask = (s, modelName, content = 'hi') => post(s.u(CHAT), chatBody(content, { model: modelName }), { timeoutMs: 10000 });

async function upstreamModels(s) {
  const reqs = await s.mock.requests();
  return reqs.filter((q) => q.method === 'POST' && q.path.endsWith('/chat/completions')).map((q) => JSON.parse(q.body).model);
}

describe('state bounds: health', { timeout: 120000 }, () => {
  let s;
  const listed = Array.from({ length: FLOOD }, (_, i) => `fault-500-m${i}`);
  before(async () => {
    s = await startStack({
      aisbf: { routing: { max_tracked_keys: CAP, failure_threshold: 3, default_error_cooldown: 300, seed: 7 } },
      providers: (u) => ({
        // No models list: any model name is taken and sent upstream.
        open: mockProvider(u, { id: 'open', models: [], endpoint: `${u}/open/v1` }),
        listed: mockProvider(u, { id: 'listed', models: [...listed, 'fault-500-hot'], endpoint: `${u}/listed/v1` }),
        ok: mockProvider(u, { id: 'ok', models: ['mock-model'], endpoint: `${u}/ok/v1` }),
      }),
      rotations: {
        hot: { providers: [
          { provider_id: 'listed', models: [{ name: 'fault-500-hot', weight: 10 }] },
          { provider_id: 'ok', models: [{ name: 'mock-model', weight: 1 }] },
        ] },
      },
    });
  });
  after(async () => { await s?.stop(); });

  it(`${FLOOD} distinct unlisted model names answered 404 leave at most ${CAP} entries`, async () => {
    await s.mock.reset();
    const rs = await pool(FLOOD, WIDTH, (i) => ask(s, `open/mock-fault-404-n${i}`));
    for (const r of rs) assert.equal(r.status, 404, r.text.slice(0, 300));
    // Chat requests only: the gateway also fetches each provider's model list.
    assert.equal((await upstreamModels(s)).length, FLOOD);
    await adminHealth(s);
  });

  it('a cooling breaker survives a flood of idle entries; the idle ones are evicted', async () => {
    // Three failures: listed/fault-500-hot cools down for 300 s.
    for (let i = 0; i < 3; i += 1) assert.equal((await ask(s, 'listed/fault-500-hot')).status, 500);
    const before = await adminHealth(s);
    const hot = before.health.find((e) => e.key === 'listed/fault-500-hot');
    assert.equal(hot?.status, 'cooling_down', JSON.stringify(before.health));
    const evictedBefore = before.tracked.health.evicted;

    // Listed models (health is recorded for them whatever the caller's
    // policy on unlisted ones): one failure each, idle, so evicted in turn.
    const rs = await pool(FLOOD, WIDTH, (i) => ask(s, `listed/${listed[i]}`));
    for (const r of rs) assert.equal(r.status, 500, r.text.slice(0, 300));
    const afterFlood = await adminHealth(s);
    assert.ok(afterFlood.tracked.health.evicted - evictedBefore >= FLOOD - CAP,
      `evicted ${afterFlood.tracked.health.evicted - evictedBefore} of ${FLOOD} new keys`);
    assert.equal(afterFlood.tracked.health.refused, 0, JSON.stringify(afterFlood.tracked.health));
    const still = afterFlood.health.find((e) => e.key === 'listed/fault-500-hot');
    assert.equal(still?.status, 'cooling_down', `the cooling entry was dropped: ${JSON.stringify(afterFlood.health.slice(0, 5))}`);

    // And it still acts: the rotation skips it (weight 10 of 11) every time.
    await s.mock.reset();
    for (let i = 0; i < 6; i += 1) {
      const r = await post(s.u(CHAT), chatBody(`hot ${i}`, { model: 'rotation/hot' }), { timeoutMs: 10000 });
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.equal(r.headers['x-aisbf-target'], 'ok/mock-model', r.text.slice(0, 300));
    }
    assert.deepEqual(await upstreamModels(s), Array(6).fill('mock-model'));
  });
});

describe('state bounds: full of live state', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      aisbf: { routing: { max_tracked_keys: CAP, failure_threshold: 1, default_error_cooldown: 300, seed: 7 } },
      providers: (u) => ({
        // Every failure opens a breaker for 300 s: every entry is live.
        listed: mockProvider(u, {
          id: 'listed', endpoint: `${u}/listed/v1`,
          models: Array.from({ length: CAP + 20 }, (_, i) => `fault-500-c${i}`),
        }),
        // A minute window on every model name: each key holds tokens for a minute.
        tpm: mockProvider(u, { id: 'tpm', models: [], endpoint: `${u}/tpm/v1`, default_rate_limit_TPM: 100000 }),
      }),
    });
  });
  after(async () => { await s?.stop(); });

  it('a health store full of cooling breakers keeps them and tracks no new key', async () => {
    for (let i = 0; i < CAP + 20; i += 1) assert.equal((await ask(s, `listed/fault-500-c${i}`)).status, 500);
    const h = await adminHealth(s);
    assert.equal(h.health.length, CAP, JSON.stringify(h.tracked));
    assert.ok(h.health.every((e) => e.status === 'cooling_down'), JSON.stringify(h.health.slice(0, 3)));
    // The first CAP keys (in request order) hold the places; the rest were refused.
    const keys = new Set(h.health.map((e) => e.key));
    for (let i = 0; i < CAP; i += 1) assert.ok(keys.has(`listed/fault-500-c${i}`), `c${i} missing`);
    // At least once per refused key (more if a request retried it).
    assert.ok(h.tracked.health.refused >= 20, JSON.stringify(h.tracked.health));
    assert.equal(h.tracked.health.evicted, 0, JSON.stringify(h.tracked.health));
  });

  it('token windows full of live keys refuse a new key with 429 + Retry-After, and keep counting the known ones', async () => {
    const first = await pool(CAP, WIDTH, (i) => ask(s, `tpm/mock-model-t${i}`));
    for (const r of first) assert.equal(r.status, 200, r.text.slice(0, 300));
    await s.mock.reset();
    const more = await pool(10, WIDTH, (i) => ask(s, `tpm/mock-model-x${i}`));
    for (const r of more) {
      assert.equal(r.status, 429, r.text.slice(0, 300));
      assert.match(r.text, /max_tracked_keys/);
      const ra = Number(r.headers['retry-after']);
      assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 60, `Retry-After ${r.headers['retry-after']}`);
    }
    assert.equal((await upstreamModels(s)).length, 0, 'a refused key reached the upstream');
    assert.equal((await ask(s, 'tpm/mock-model-t0')).status, 200);  // a tracked key still goes
    const h = await adminHealth(s);
    assert.equal(h.tracked.tokens.keys, CAP, JSON.stringify(h.tracked.tokens));
    assert.equal(h.tracked.tokens.refused, 10, JSON.stringify(h.tracked.tokens));
  });
});
