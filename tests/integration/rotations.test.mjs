// Rotations: weighted choice among candidates, failover before the first
// byte, the all-failed answer (503 / 429 + Retry-After / notifyerrors),
// provider health (cooldown, reset, half-open trial), request spacing across
// workers, the rotation listings and the simple rotations.json format.
//
// Every provider here has its own endpoint prefix on the one mock
// (`${mockUrl}/<id>/v1`), so the mock's records say which provider a request
// came through; and each test uses providers of its own, so the health state
// one test builds up does not leak into another.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, get, post, request, stream, chatBody, messagesBody, mockProvider, model, closedPort, delay,
  assertError, assertStreamEndsWithError, assertAnthropicError, assertAnthropicStreamEndsWithError,
  contentOf, eventJson, anthropicTextOf, ANTHROPIC_VERSION,
} from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const MESSAGES = '/api/v1/messages';
const AHEADERS = { 'anthropic-version': ANTHROPIC_VERSION };
const TIMEOUT_MS = 10000;

// A provider on the mock whose upstream paths start with /<id>/.
function prov(mockUrl, id, models, extra = {}) {
  return mockProvider(mockUrl, { id, models, endpoint: `${mockUrl}/${id}/v1`, ...extra });
}

// The gateway's upstream client retries once, on a fresh connection, when a
// reused keep-alive connection closes before any byte of the answer (a stale
// pooled connection looks exactly like the mock's fault-close). So an attempt
// at a fault-close model may reach the mock twice.
function assertUpstreamCount(upstreamCount, tried, what) {
  const closes = tried.filter((a) => a.target.endsWith('fault-close')).length;
  assert.ok(upstreamCount >= tried.length && upstreamCount <= tried.length + closes,
    `${what}: ${upstreamCount} upstream requests for ${tried.length} attempts (${closes} at fault-close)`);
}

// A full-format rotation from [provider, model, weight, extra?] entries.
function rot(entries, extra = {}) {
  const providers = [];
  for (const [provider_id, name, weight, more = {}] of entries) {
    let p = providers.find((x) => x.provider_id === provider_id);
    if (!p) providers.push(p = { provider_id, models: [] });
    p.models.push({ name, weight, ...more });
  }
  return { providers, ...extra };
}

// The chat requests the mock got through provider `pid`: [{model, at, ...record}].
async function upstream(s, pid) {
  const reqs = await s.mock.requests();
  return reqs.filter((q) => q.method === 'POST' && q.path.startsWith(`/${pid}/`) && q.path.endsWith('/chat/completions'))
    .map((q) => ({ ...q, model: JSON.parse(q.body).model, at: q.received_at_ms }));
}

const ROUTES = ['model', 'rotations', 'rotations-prefixed', 'scoped', 'anthropic'];

// One request to rotation `id` through `route`.
async function ask(s, id, { route = 'model', streamed = false, content = 'hello rotation', timeoutMs = TIMEOUT_MS } = {}) {
  let url;
  let body;
  let headers = {};
  switch (route) {
    case 'model': url = s.u(CHAT); body = chatBody(content, { model: `rotation/${id}` }); break;
    case 'rotations': url = s.u('/api/rotations/chat/completions'); body = chatBody(content, { model: id }); break;
    case 'rotations-prefixed':
      url = s.u('/api/rotations/chat/completions'); body = chatBody(content, { model: `rotation/${id}` }); break;
    case 'scoped': url = s.u(`/api/${id}/chat/completions`); body = chatBody(content, { model: id }); break;
    case 'anthropic':
      url = s.u(MESSAGES); body = messagesBody(content, { model: `rotation/${id}` }); headers = AHEADERS; break;
    default: throw new Error(`route ${route}`);
  }
  if (streamed) body.stream = true;
  const r = streamed ? await stream(url, body, { headers, timeoutMs }) : await post(url, body, { headers, timeoutMs });
  return { ...r, route, streamed, content, ctx: `${route}${streamed ? ' stream' : ''} → ${r.status} ${(r.text ?? '').slice(0, 600)}` };
}

// Asserts a complete, good answer ("You said: <content>") in the route's
// format; returns the x-aisbf-target header.
function assertGood(r) {
  assert.equal(r.status, 200, r.ctx);
  const want = `You said: ${r.content}`;
  if (r.route === 'anthropic') {
    if (r.streamed) {
      assert.equal(r.events.at(-1)?.event, 'message_stop', r.ctx);
      assert.equal(anthropicTextOf(r.events), want, r.ctx);
    } else {
      const b = JSON.parse(r.text);
      assert.equal(b.type, 'message', r.ctx);
      assert.equal(b.content?.[0]?.text, want, r.ctx);
    }
  } else if (r.streamed) {
    assert.equal(r.events.at(-1)?.data, '[DONE]', r.ctx);
    assert.equal(contentOf(r.events), want, r.ctx);
  } else {
    assert.equal(JSON.parse(r.text).choices?.[0]?.message?.content, want, r.ctx);
  }
  const target = r.headers['x-aisbf-target'];
  assert.equal(typeof target, 'string', `no x-aisbf-target: ${r.ctx}`);
  const attempts = Number(r.headers['x-aisbf-attempts']);
  assert.ok(Number.isInteger(attempts) && attempts >= 1 && attempts <= 5,
    `x-aisbf-attempts ${r.headers['x-aisbf-attempts']}: ${r.ctx}`);
  return target;
}

// The OpenAI all-failed error body: {"error":{..., "code":"all_candidates_failed","attempts":[...]}}.
function assertAllFailed(r, status) {
  assert.equal(r.status, status, r.ctx ?? r.text);
  const e = assertError({ ...r, json: () => JSON.parse(r.text) }, status, 'all_candidates_failed');
  assert.ok(Array.isArray(e.attempts), `no attempts list: ${r.text}`);
  for (const a of e.attempts) {
    assert.equal(typeof a.target, 'string', JSON.stringify(a));
    if (a.skipped) {
      assert.equal(a.skipped, true, JSON.stringify(a));
    } else {
      assert.ok(a.status == null || Number.isInteger(a.status), JSON.stringify(a));
    }
    assert.ok(a.error === undefined || typeof a.error === 'string', JSON.stringify(a));
  }
  return e;
}

async function health(s) {
  const r = await get(s.u('/api/admin/health'));
  assert.equal(r.status, 200, r.text);
  const b = r.json();
  for (const k of ['health', 'rate_limits', 'spacing', 'tokens']) assert.ok(Array.isArray(b[k]), `${k}: ${r.text}`);
  return b;
}

function healthOf(h, key) {
  return h.health.find((e) => e.key === key);
}

function resetHealth(s, key) {
  const body = key === undefined ? undefined : { key };
  return request(s.u('/api/admin/health/reset'), {
    method: 'POST', body, headers: body === undefined ? { 'content-length': '0' } : {},
  });
}

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

describe('rotations', { timeout: 90000 }, () => {
  let s;
  before(async () => {
    const dead = await closedPort();
    s = await startStack({
      aisbf: {
        routing: {
          max_attempts: 5, max_attempts_per_model: 2, failure_threshold: 3,
          default_error_cooldown: 300, max_rate_limit_wait: 2, seed: 42,
        },
      },
      providers: (u) => ({
        ok: prov(u, 'ok', ['mock-model']),
        f500: prov(u, 'f500', ['fault-500']),
        // Retry-After 60 s: the block outlasts the 20 requests of its test, however slow the machine.
        f429: prov(u, 'f429', ['fault-429-60']),
        f401: prov(u, 'f401', ['fault-401']),
        f404: prov(u, 'f404', ['fault-404']),
        unsup: prov(u, 'unsup', ['mock-model'], { type: 'cohere' }),
        plain: prov(u, 'plain', [model('mock-model', { capabilities: ['t2t'] })]),
        tooled: prov(u, 'tooled', [model('mock-model', { capabilities: ['t2t', 'function_calling', 'vision'] })]),
        tpm: prov(u, 'tpm', [model('mock-model', { rate_limit_TPM: 100 })]),
        tpm2: prov(u, 'tpm2', [model('mock-model', { rate_limit_TPM: 100 })]),
        fclose: prov(u, 'fclose', ['fault-close']),
        fhang: prov(u, 'fhang', ['fault-hang'], { timeouts: { connect: 2, first_byte: 1, idle: 1, total: 10 } }),
        dead: prov(`http://127.0.0.1:${dead}`, 'dead', ['mock-model'], { timeouts: { connect: 2 } }),
        fcutns: prov(u, 'fcutns', ['fault-cut']),
        pcut1: prov(u, 'pcut1', ['fault-cut']),
        pcut2: prov(u, 'pcut2', ['fault-cut']),
        allf: prov(u, 'allf', ['fault-500', 'fault-503', 'fault-close']),
        allf2: prov(u, 'allf2', ['fault-500', 'fault-503', 'fault-close']),
        pallrl: prov(u, 'pallrl', ['fault-429-30', 'fault-429-20']),
        n500: prov(u, 'n500', ['fault-500']),
        p400: prov(u, 'p400', ['fault-400', 'mock-model']),
        h: prov(u, 'h', [model('fault-500', { error_cooldown: 60 }), 'mock-model']),
        ho: prov(u, 'ho', [model('fault-500', { error_cooldown: 3 }), 'mock-model']),
        wa: prov(u, 'wa', ['mock-model']),
        wb: prov(u, 'wb', ['mock-model']),
        sp: prov(u, 'sp', ['mock-model'], { rate_limit: 0.3 }),
        // 30 s apart: the next slot stays past max_rate_limit_wait (2 s) for the whole test.
        slow: prov(u, 'slow', ['mock-model'], { rate_limit: 30 }),
        slow2: prov(u, 'slow2', ['mock-model'], { rate_limit: 30 }),
        psimple: prov(u, 'psimple', ['mock-model', 'gpt-4o-mini']),
      }),
      rotations: {
        fo_500: rot([['f500', 'fault-500', 10], ['ok', 'mock-model', 1]]),
        fo_429: rot([['f429', 'fault-429-60', 10], ['ok', 'mock-model', 1]]),
        fo_401: rot([['f401', 'fault-401', 10], ['ok', 'mock-model', 1]]),
        fo_404: rot([['f404', 'fault-404', 10], ['ok', 'mock-model', 1]]),
        caps: rot([['plain', 'mock-model', 10], ['tooled', 'mock-model', 1]]),
        capsnone: rot([['plain', 'mock-model', 1]]),
        unsupported: rot([['unsup', 'mock-model', 10], ['ok', 'mock-model', 1]]),
        tpmrot: rot([['tpm', 'mock-model', 1], ['ok', 'mock-model', 0]]),
        tpmalone: rot([['tpm2', 'mock-model', 1]]),
        fo_close: rot([['fclose', 'fault-close', 10], ['ok', 'mock-model', 1]]),
        fo_hang: rot([['fhang', 'fault-hang', 10], ['ok', 'mock-model', 1]]),
        fo_refused: rot([['dead', 'mock-model', 10], ['ok', 'mock-model', 1]]),
        cut_ns: rot([['fcutns', 'fault-cut', 10], ['ok', 'mock-model', 1]]),
        cut1: rot([['pcut1', 'fault-cut', 10]]),
        cut2: rot([['pcut2', 'fault-cut', 10]]),
        allfail: rot([['allf', 'fault-500', 1], ['allf', 'fault-503', 1], ['allf', 'fault-close', 1]]),
        maxatt: rot([['allf2', 'fault-500', 1], ['allf2', 'fault-503', 1], ['allf2', 'fault-close', 1]], { max_attempts: 2 }),
        allrl: rot([['pallrl', 'fault-429-30', 1], ['pallrl', 'fault-429-20', 1]]),
        notify: rot([['n500', 'fault-500', 1]], { notifyerrors: true }),
        r400: rot([['p400', 'fault-400', 10], ['p400', 'mock-model', 1]]),
        health: rot([['h', 'fault-500', 10], ['h', 'mock-model', 1]]),
        halfopen: rot([['ho', 'fault-500', 10], ['ho', 'mock-model', 1]]),
        weights: rot([['wa', 'mock-model', 3], ['wb', 'mock-model', 1]]),
        spaced: rot([['sp', 'mock-model', 1]]),
        waitonly: rot([['slow', 'mock-model', 1]]),
        waitfo: rot([['slow2', 'mock-model', 10], ['ok', 'mock-model', 1]]),
        simple: { model_name: 'simple', providers: [{ provider_id: 'psimple', weight: 2 }] },
      },
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  describe('failover before the first byte', () => {
    const kinds = [
      ['500', 'fo_500', 'f500'],
      ['429 (Retry-After 60)', 'fo_429', 'f429', { blocks: true }],
      ['401 (upstream auth)', 'fo_401', 'f401'],
      ['404 (the model is missing upstream)', 'fo_404', 'f404'],
      ['a closed connection', 'fo_close', 'fclose', { staleRetry: true }],
      ['a hang (first_byte timeout 1 s)', 'fo_hang', 'fhang'],
      ['a refused connection', 'fo_refused', null],
    ];
    for (const [what, id, badProvider, { staleRetry = false, blocks = false } = {}] of kinds) {
      it(`top-weighted entry fails with ${what}: every request is answered, on every route, streamed or not`, async () => {
        let badSeen = 0;
        for (let rep = 0; rep < 2; rep += 1) {
          for (const route of ROUTES) {
            for (const streamed of [false, true]) {
              await s.mock.reset();
              const r = await ask(s, id, { route, streamed, content: `${id} ${route} ${rep}` });
              assert.equal(assertGood(r), 'ok/mock-model', r.ctx);
              if (badProvider === null) continue;
              const bad = await upstream(s, badProvider);
              const good = await upstream(s, 'ok');
              badSeen += bad.length;
              assert.equal(good.length, 1, `${r.ctx}\n${JSON.stringify(good)}`);
              // Every attempt reached the mock here, so the count must agree
              // (but for the client's stale-connection retry, see above).
              const attempts = Number(r.headers['x-aisbf-attempts']);
              const ctx = `x-aisbf-attempts ${attempts} vs ${bad.length}+${good.length} upstream requests: ${r.ctx}`;
              if (staleRetry) {
                assert.ok(attempts >= 1 + Math.min(bad.length, 1) && attempts <= bad.length + good.length, ctx);
              } else {
                assert.equal(attempts, bad.length + good.length, ctx);
              }
            }
          }
        }
        if (badProvider !== null) assert.ok(badSeen >= 1, 'the broken entry (weight 10 of 11) was never tried');
        if (blocks) {
          // The upstream's Retry-After (60 s) blocks the key: one request, then none.
          assert.equal(badSeen, 1, `${badProvider} got ${badSeen} requests despite its Retry-After`);
          const rl = (await health(s)).rate_limits.find((e) => e.key === `${badProvider}/fault-429-60`);
          assert.ok(rl && rl.blocked_for_s > 0 && rl.blocked_for_s <= 60, `rate_limits: ${JSON.stringify(rl)}`);
          assert.ok(rl.rate_limited_count >= 1, JSON.stringify(rl));
        }
      });
    }

    it('a non-stream answer cut mid-body fails over (nothing reached the client yet)', async () => {
      for (let i = 0; i < 6; i += 1) {
        const r = await ask(s, 'cut_ns', { content: `cut ${i}` });
        assert.equal(assertGood(r), 'ok/mock-model', r.ctx);
      }
    });
  });

  describe('after the first byte there is no failover', () => {
    it('OpenAI stream cut by the upstream ends with an error event, one upstream attempt', async () => {
      const r = await ask(s, 'cut1', { streamed: true, content: 'a b c d e f g h i j k l m n o p q r s t u v w x y z' });
      assertStreamEndsWithError(r);
      assert.ok(contentOf(r.events).length > 0, `nothing relayed before the cut: ${r.raw.slice(0, 1000)}`);
      assert.equal((await upstream(s, 'pcut1')).length, 1);
    });

    it('Anthropic stream cut by the upstream ends with event: error, one upstream attempt', async () => {
      const r = await ask(s, 'cut2', { route: 'anthropic', streamed: true, content: 'a b c d e f g h i j k l m n o p q r s t u v w x y z' });
      assertAnthropicStreamEndsWithError(r);
      assert.equal((await upstream(s, 'pcut2')).length, 1);
    });
  });

  describe('all candidates failed', () => {
    it('503 all_candidates_failed listing each attempt; later requests list the cooled-down entries as skipped', async () => {
      const r = await ask(s, 'allfail');
      const e = assertAllFailed(r, 503);
      const tried = e.attempts.filter((a) => !a.skipped);
      assert.ok(tried.length >= 3 && tried.length <= 5, `attempts: ${JSON.stringify(e.attempts)}`);
      const targets = ['allf/fault-500', 'allf/fault-503', 'allf/fault-close'];
      for (const t of targets) {
        const n = tried.filter((a) => a.target === t).length;
        assert.ok(n >= 1 && n <= 2, `${t} tried ${n} times: ${JSON.stringify(e.attempts)}`);
        assert.ok(e.message.includes(t), `message does not list ${t}: ${e.message}`);
      }
      assertUpstreamCount((await upstream(s, 'allf')).length, tried, 'allfail');
      const codes = new Set(tried.map((a) => a.status));
      assert.ok(codes.has(500) && codes.has(503), `statuses: ${JSON.stringify(e.attempts)}`);

      // Keep failing until every entry cools down (failure_threshold 3).
      for (let i = 0; i < 3; i += 1) assertAllFailed(await ask(s, 'allfail'), 503);
      await s.mock.reset();
      const last = await ask(s, 'allfail');
      const le = assertAllFailed(last, 503);
      assert.equal(le.attempts.length, 3, JSON.stringify(le.attempts));
      assert.ok(le.attempts.every((a) => a.skipped === true), `not all skipped: ${JSON.stringify(le.attempts)}`);
      assert.equal((await upstream(s, 'allf')).length, 0, 'a cooled-down entry still got requests');

      // A stream request: nothing was sent yet, so a plain HTTP 503.
      const st = await ask(s, 'allfail', { streamed: true });
      assertAllFailed(st, 503);
      // The Anthropic route: 503 in Anthropic's format.
      const an = await ask(s, 'allfail', { route: 'anthropic' });
      assertAnthropicError(an, 503);
    });

    it('max_attempts on the rotation caps the attempts', async () => {
      const e = assertAllFailed(await ask(s, 'maxatt'), 503);
      const tried = e.attempts.filter((a) => !a.skipped);
      assert.ok(tried.length >= 1 && tried.length <= 2, JSON.stringify(e.attempts));
      assertUpstreamCount((await upstream(s, 'allf2')).length, tried, 'maxatt');
    });

    it('every candidate rate limited → 429 with Retry-After; the blocked keys get no requests', async () => {
      const r = await ask(s, 'allrl');
      const e = assertAllFailed(r, 429);
      assert.ok(e.attempts.length >= 2, JSON.stringify(e.attempts));
      const ra = Number(r.headers['retry-after']);
      assert.ok(Number.isFinite(ra) && ra >= 1 && ra <= 30, `Retry-After: ${r.headers['retry-after']}`);
      await s.mock.reset();
      const again = await ask(s, 'allrl');
      const e2 = assertAllFailed(again, 429);
      assert.ok(e2.attempts.every((a) => a.skipped === true), JSON.stringify(e2.attempts));
      const ra2 = Number(again.headers['retry-after']);
      assert.ok(Number.isFinite(ra2) && ra2 >= 1 && ra2 <= 30, `Retry-After: ${again.headers['retry-after']}`);
      assert.equal((await upstream(s, 'pallrl')).length, 0, 'a key blocked by Retry-After still got requests');
      const st = await ask(s, 'allrl', { streamed: true });
      assertAllFailed(st, 429);
      assert.ok(st.headers['retry-after'], 'stream: no Retry-After');
    });

    it('notifyerrors: 200 with the failure as an assistant message (plain, stream, Anthropic)', async () => {
      const r = await ask(s, 'notify');
      assert.equal(r.status, 200, r.ctx);
      const b = JSON.parse(r.text);
      const text = b.choices?.[0]?.message?.content;
      assert.equal(b.choices?.[0]?.message?.role, 'assistant', r.ctx);
      assert.equal(typeof text, 'string', r.ctx);
      assert.ok(text.includes('n500/fault-500'), `message does not name the attempt: ${text}`);

      const st = await ask(s, 'notify', { streamed: true });
      assert.equal(st.status, 200, st.ctx);
      assert.equal(st.events.at(-1)?.data, '[DONE]', st.ctx);
      assert.ok(!eventJson(st.events).some((c) => c.error), `an error event: ${st.raw.slice(0, 1000)}`);
      const streamed = contentOf(st.events);
      assert.ok(streamed.includes('n500/fault-500'), `streamed message: ${streamed}`);

      const an = await ask(s, 'notify', { route: 'anthropic' });
      assert.equal(an.status, 200, an.ctx);
      const ab = JSON.parse(an.text);
      assert.equal(ab.type, 'message', an.ctx);
      assert.ok(String(ab.content?.[0]?.text).includes('n500/fault-500'), an.ctx);
    });
  });

  it('an upstream 400 is returned as is, not failed over', async () => {
    let seen400 = 0;
    for (let i = 0; i < 8; i += 1) {
      await s.mock.reset();
      const r = await ask(s, 'r400', { content: `bad ${i}` });
      const up = await upstream(s, 'p400');
      if (r.status === 200) {
        assert.equal(assertGood(r), 'p400/mock-model');
        continue;
      }
      seen400 += 1;
      const e = assertError({ ...r, json: () => JSON.parse(r.text) }, 400);
      assert.match(e.message, /rejected by mock fault-400/, r.ctx);
      assert.deepEqual(up.map((q) => q.model), ['fault-400'], 'failed over after a 400');
    }
    assert.ok(seen400 >= 1, 'fault-400 (weight 10 of 11) never chosen');
  });

  describe('health', () => {
    it('3 consecutive failures cool an entry down: visible in /api/admin/health, skipped, and reset brings it back', async () => {
      for (let i = 0; i < 12; i += 1) assertGood(await ask(s, 'health', { content: `h ${i}` }));
      const bad = (await upstream(s, 'h')).filter((q) => q.model === 'fault-500');
      assert.equal(bad.length, 3, `fault-500 got ${bad.length} requests; failure_threshold is 3`);

      const h = await health(s);
      const e = healthOf(h, 'h/fault-500');
      assert.ok(e, `no h/fault-500 in ${JSON.stringify(h.health)}`);
      assert.equal(e.status, 'cooling_down', JSON.stringify(e));
      assert.ok(e.consecutive_failures >= 3, JSON.stringify(e));
      assert.ok(e.cooldown_left_s > 0 && e.cooldown_left_s <= 60, JSON.stringify(e));
      assert.equal(typeof e.last_error, 'string', JSON.stringify(e));
      assert.equal(e.trial_in_flight, false, JSON.stringify(e));
      const okEntry = healthOf(h, 'h/mock-model');
      if (okEntry) assert.equal(okEntry.status, 'healthy', JSON.stringify(okEntry));

      const unknown = await resetHealth(s, 'nope/never');
      assert.equal(unknown.status, 200, unknown.text);
      assert.deepEqual(unknown.json(), { reset: false });
      const rs = await resetHealth(s, 'h/fault-500');
      assert.equal(rs.status, 200, rs.text);
      assert.deepEqual(rs.json(), { reset: true });
      const after = healthOf(await health(s), 'h/fault-500');
      if (after) {
        assert.equal(after.status, 'healthy', JSON.stringify(after));
        assert.equal(after.consecutive_failures, 0, JSON.stringify(after));
      }
      await s.mock.reset();
      for (let i = 0; i < 5; i += 1) assertGood(await ask(s, 'health', { content: `h2 ${i}` }));
      const again = (await upstream(s, 'h')).filter((q) => q.model === 'fault-500');
      assert.ok(again.length >= 1 && again.length <= 3, `after reset fault-500 got ${again.length}`);

      const all = await resetHealth(s);
      assert.equal(all.status, 200, all.text);
      assert.equal(typeof all.json().reset, 'boolean', all.text);
      const cleared = healthOf(await health(s), 'h/fault-500');
      if (cleared) assert.equal(cleared.status, 'healthy', JSON.stringify(cleared));
    });

    // error_cooldown 3 s: the reads of the state right after a failure must
    // come before the cooldown ends, with room for a loaded machine.
    it('after error_cooldown (3 s) exactly one trial request goes to the entry, even under concurrency', async () => {
      for (let i = 0; i < 15; i += 1) {
        assertGood(await ask(s, 'halfopen', { content: `ho ${i}` }));
        if ((await upstream(s, 'ho')).filter((q) => q.model === 'fault-500').length >= 3) break;
      }
      const e = healthOf(await health(s), 'ho/fault-500');
      assert.ok(e, 'no ho/fault-500 health entry');
      assert.equal(e.status, 'cooling_down', JSON.stringify(e));
      assert.ok(e.cooldown_left_s <= 3, JSON.stringify(e));
      await delay(3300);  // any longer is fine too: a half-open entry waits for its trial
      await s.mock.reset();
      const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => ask(s, 'halfopen', { content: `burst ${i}` })));
      for (const r of burst) assert.equal(assertGood(r), 'ho/mock-model', r.ctx);
      const trials = (await upstream(s, 'ho')).filter((q) => q.model === 'fault-500');
      assert.equal(trials.length, 1, `${trials.length} requests to the half-open entry`);
      const e2 = healthOf(await health(s), 'ho/fault-500');
      assert.equal(e2?.status, 'cooling_down', `after a failed trial: ${JSON.stringify(e2)}`);
      assert.equal(e2.trial_in_flight, false, JSON.stringify(e2));
      assert.equal(e2.consecutive_failures, e.consecutive_failures + 1, `the trial's failure: ${JSON.stringify(e2)}`);
    });
  });

  it('weights are roughly respected (3:1 over 200 requests)', async () => {
    const results = await pool(200, 8, (i) => ask(s, 'weights', { streamed: i % 2 === 1, content: `w ${i}` }));
    const counts = {};
    for (const r of results) {
      const t = assertGood(r);
      counts[t] = (counts[t] ?? 0) + 1;
    }
    const a = counts['wa/mock-model'] ?? 0;
    const b = counts['wb/mock-model'] ?? 0;
    assert.equal(a + b, 200, JSON.stringify(counts));
    assert.ok(a >= 124 && a <= 174, `wa got ${a} of 200 (weight 3:1, expected ~150): ${JSON.stringify(counts)}`);
    assert.equal((await upstream(s, 'wa')).length, a);
    assert.equal((await upstream(s, 'wb')).length, b);
  });

  it('a candidate of a provider type this build lacks is passed over', async () => {
    for (let i = 0; i < 4; i += 1) {
      assert.equal(assertGood(await ask(s, 'unsupported', { content: `unsupported ${i}` })), 'ok/mock-model');
    }
  });

  it('declared capabilities: tools and images go only to models that declare them', async () => {
    const tool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } };
    for (let i = 0; i < 4; i += 1) {
      const r = await post(s.u(CHAT), chatBody(`caps ${i}`, { model: 'rotation/caps', tools: [tool] }));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['x-aisbf-target'], 'tooled/mock-model', r.text);
      const img = await post(s.u(CHAT), {
        model: 'rotation/caps',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'see' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
      });
      assert.equal(img.status, 200, img.text);
      assert.equal(img.headers['x-aisbf-target'], 'tooled/mock-model', img.text);
    }
    // Without tools or images the weights decide: the heavier, plain model gets some.
    const plainSeen = (await Promise.all(Array.from({ length: 8 }, (_, i) => ask(s, 'caps', { content: `w ${i}` }))))
      .filter((r) => assertGood(r) === 'plain/mock-model').length;
    assert.ok(plainSeen >= 1, 'the plain model never served a request without tools');
    // No candidate can serve tools: a 400 that says so, nothing sent upstream.
    await s.mock.reset();
    const none = await post(s.u(CHAT), chatBody('x', { model: 'rotation/capsnone', tools: [tool] }));
    assertError(none, 400, 'unsupported_capability');
    assert.equal((await upstream(s, 'plain')).length, 0);
  });

  it('rate_limit_TPM: a model whose minute window cannot take the request is skipped; the window holds real usage', async () => {
    // 127 prompt tokens counted (120 of text in cl100k_base, 7 of the chat
    // rule's overhead) against a limit of 100: the first request fits only
    // because the window is empty. One word for the mock, whose usage counts words.
    const content = '-x'.repeat(120);
    assert.equal(assertGood(await ask(s, 'tpmrot', { content })), 'tpm/mock-model');
    // Settled with the mock's real usage (a few words), not the estimate.
    // The gateway settles just after the answer is written, so the client
    // can read the view first: wait for the settlement (order, not time;
    // the bound of 200 reads only ends a broken run).
    let t;
    for (let i = 0; i < 200; i += 1) {
      t = (await health(s)).tokens.find((e) => e.key === 'tpm/mock-model');
      if (t && t.last_minute < 20) break;
      await delay(25);
    }
    assert.ok(t && t.last_minute > 0 && t.last_minute < 20, `tokens: ${JSON.stringify(t)}`);
    // Now the estimate does not fit: the backup serves, tpm gets nothing.
    assert.equal(assertGood(await ask(s, 'tpmrot', { content })), 'ok/mock-model');
    assert.equal((await upstream(s, 'tpm')).length, 1);

    assert.equal(assertGood(await ask(s, 'tpmalone', { content })), 'tpm2/mock-model');
    const r = await ask(s, 'tpmalone', { content });
    const e = assertAllFailed(r, 429);
    assert.ok(e.attempts.every((a) => a.rate_limited), JSON.stringify(e.attempts));
    const wait = Number(r.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${r.headers['retry-after']}`);
    assert.equal((await upstream(s, 'tpm2')).length, 1);
  });

  describe('rate_limit spacing', () => {
    // The gateway sends each request at or after its slot (slots are
    // `interval` apart), but an arrival at the mock can lag its slot by
    // however long a loaded machine takes to schedule the send. So: lower
    // bounds only, with slack. The span from the first arrival to the last
    // is shortened only by the first one's lag; each gap by one lag. A
    // third of the interval per gap still tells spacing (gaps of ~300 ms)
    // from none (gaps of ~0).
    const assertSpaced = (reqs, intervalMs) => {
      const at = reqs.map((q) => q.at).sort((x, y) => x - y);
      const gaps = at.slice(1).map((t, i) => t - at[i]);
      const shown = `gaps ${gaps.map((g) => g.toFixed(1)).join(', ')} ms, interval ${intervalMs}`;
      assert.ok(at.at(-1) - at[0] >= (at.length - 1) * intervalMs - intervalMs / 2, shown);
      assert.ok(gaps.every((g) => g >= intervalMs / 3), shown);
    };

    it('concurrent requests through a rotation reach the upstream ≥ rate_limit apart, across workers', async () => {
      const rs = await Promise.all(Array.from({ length: 5 }, (_, i) => ask(s, 'spaced', { content: `sp ${i}`, streamed: i % 2 === 0 })));
      for (const r of rs) assert.equal(assertGood(r), 'sp/mock-model', r.ctx);
      const reqs = await upstream(s, 'sp');
      assert.equal(reqs.length, 5);
      assertSpaced(reqs, 300);
    });

    it('direct provider requests and rotation requests share the spacing', async () => {
      await delay(350);
      const direct = (i) => post(s.u(CHAT), chatBody(`d ${i}`, { model: 'sp/mock-model' }), { timeoutMs: TIMEOUT_MS });
      const rs = await Promise.all([
        ...Array.from({ length: 3 }, (_, i) => direct(i)),
        ...Array.from({ length: 3 }, (_, i) => ask(s, 'spaced', { content: `r ${i}` })),
      ]);
      for (const r of rs) assert.equal(r.status, 200, r.text);
      const reqs = await upstream(s, 'sp');
      assert.equal(reqs.length, 6);
      assertSpaced(reqs, 300);
    });

    it('a wait over max_rate_limit_wait: 429 + Retry-After when nothing else can serve, else failover', async () => {
      assertGood(await ask(s, 'waitonly', { content: 'first' }));
      const t0 = Date.now();
      const r = await ask(s, 'waitonly', { content: 'second', timeoutMs: 60000 });
      // Waiting for the slot would take ~30 s; refusing takes a request's time.
      assert.ok(Date.now() - t0 < 20000, `took ${Date.now() - t0} ms`);
      assertAllFailed(r, 429);
      const ra = Number(r.headers['retry-after']);
      assert.ok(Number.isFinite(ra) && ra >= 1 && ra <= 31, `Retry-After: ${r.headers['retry-after']}`);
      const d = await post(s.u(CHAT), chatBody('direct', { model: 'slow/mock-model' }), { timeoutMs: TIMEOUT_MS });
      assertError(d, 429);
      assert.ok(d.headers['retry-after'], 'direct: no Retry-After');
      assert.equal((await upstream(s, 'slow')).length, 1);

      let servedBySlow = false;
      for (let i = 0; i < 8 && !servedBySlow; i += 1) {
        servedBySlow = assertGood(await ask(s, 'waitfo', { content: `wf ${i}` })) === 'slow2/mock-model';
      }
      assert.ok(servedBySlow, 'slow2 (weight 10 of 11) never served');
      // slow2's next slot is ~30 s away, past max_rate_limit_wait: the backup
      // serves at once (a wait would end at slow2, which got one request only).
      for (let i = 0; i < 3; i += 1) {
        const rr = await ask(s, 'waitfo', { content: `after ${i}` });
        assert.equal(assertGood(rr), 'ok/mock-model', rr.ctx);
      }
      assert.equal((await upstream(s, 'slow2')).length, 1);
    });
  });

  describe('listings', () => {
    it('GET /api/rotations lists each rotation with its candidates', async () => {
      const r = await get(s.u('/api/rotations'));
      assert.equal(r.status, 200, r.text);
      const b = r.json();
      assert.equal(b.object, 'list', r.text);
      const w = b.data.find((x) => x.id === 'weights');
      assert.ok(w, r.text.slice(0, 2000));
      assert.equal(w.object, 'rotation');
      assert.equal(w.model_name, 'weights');
      assert.equal(w.notifyerrors, false);
      assert.deepEqual(w.candidates.map((c) => [c.provider, c.model, c.weight]),
        [['wa', 'mock-model', 3], ['wb', 'mock-model', 1]]);
      assert.equal(b.data.find((x) => x.id === 'notify')?.notifyerrors, true);
      assert.equal(b.data.length, 27, b.data.map((x) => x.id).join(' '));
    });

    it('GET /api/rotations/models and /api/v1/models list rotation/<id>', async () => {
      const r = await get(s.u('/api/rotations/models'));
      assert.equal(r.status, 200, r.text);
      const b = r.json();
      assert.equal(b.object, 'list');
      const ids = b.data.map((m) => m.id);
      for (const id of ['rotation/weights', 'rotation/simple', 'rotation/fo_500']) assert.ok(ids.includes(id), `${id} not in ${ids}`);
      assert.ok(ids.every((id) => id.startsWith('rotation/')), ids.join(' '));
      for (const m of b.data) assert.equal(m.object, 'model', JSON.stringify(m));
      const all = await get(s.u('/api/v1/models'));
      assert.equal(all.status, 200, all.text);
      const allIds = all.json().data.map((m) => m.id);
      for (const id of ids) assert.ok(allIds.includes(id), `${id} missing from /api/v1/models`);
    });
  });

  it('simple format: the provider\'s own models are the candidates', async () => {
    const seen = new Set();
    for (let i = 0; i < 20; i += 1) seen.add(assertGood(await ask(s, 'simple', { content: `s ${i}` })));
    assert.deepEqual([...seen].sort(), ['psimple/gpt-4o-mini', 'psimple/mock-model']);
    const r = await get(s.u('/api/rotations'));
    const simple = r.json().data.find((x) => x.id === 'simple');
    assert.deepEqual(simple.candidates.map((c) => [c.provider, c.model]).sort(),
      [['psimple', 'gpt-4o-mini'], ['psimple', 'mock-model']]);
    const models = (await upstream(s, 'psimple')).map((q) => q.model);
    assert.deepEqual([...new Set(models)].sort(), ['gpt-4o-mini', 'mock-model']);
  });

  it('the gateway still serves a plain provider model after all of that', async () => {
    const r = await post(s.u(CHAT), chatBody('alive', { model: 'ok/mock-model' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: alive');
  });
});

describe('rotations: notifyerrors at the top of rotations.json', { timeout: 30000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (u) => ({ n: prov(u, 'n', ['fault-500']), ok: prov(u, 'ok', ['mock-model']) }),
      notifyerrors: true,
      rotations: {
        inherits: rot([['n', 'fault-500', 1]]),
        optout: rot([['n', 'fault-500', 1]], { notifyerrors: false }),
      },
    });
  });
  after(async () => { await s?.stop(); });

  it('a rotation without its own flag answers 200 with the failure text', async () => {
    const r = await ask(s, 'inherits');
    assert.equal(r.status, 200, r.ctx);
    assert.ok(String(JSON.parse(r.text).choices?.[0]?.message?.content).includes('n/fault-500'), r.ctx);
    const st = await ask(s, 'inherits', { streamed: true });
    assert.equal(st.status, 200, st.ctx);
    assert.equal(st.events.at(-1)?.data, '[DONE]', st.ctx);
    assert.ok(contentOf(st.events).includes('n/fault-500'), st.ctx);
  });

  it('a rotation with notifyerrors:false still gets the error', async () => {
    assertAllFailed(await ask(s, 'optout'), 503);
  });
});
