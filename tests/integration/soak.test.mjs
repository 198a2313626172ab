// Soak: AISBF_SOAK_SECONDS (default 120) of mixed traffic, ~8 requests in
// flight, to rotations over randomly failing upstreams (the mock's flaky-P
// models: 500, 503/529, 429, cut, close, mid-stream error) of four provider
// types on one mock, from OpenAI and Anthropic clients, streamed and not.
//
// Every request must end in either a good answer (200 and a complete,
// well-formed body or stream) or a well-formed error (a JSON error in the
// client's format with a 4xx/5xx status, or a stream that ends with an error
// event). Anything else — a malformed body, a stream that just stops, a reset
// connection, no answer within 30 s — fails the test. The counts are printed.
//
// ctest runs this file with longer backstops (tests/tests.cmake); keep
// AISBF_SOAK_SECONDS under ~240 there, or pass your own --test-timeout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, get, post, stream, chatBody, messagesBody, mockProvider, typedProvider, model,
  ANTHROPIC_VERSION,
} from './harness.mjs';

const SECONDS = Number(process.env.AISBF_SOAK_SECONDS || 120);
const CONCURRENCY = Number(process.env.AISBF_SOAK_CONCURRENCY || 8);
const REQUEST_TIMEOUT_MS = 30000;
const AHEADERS = { 'anthropic-version': ANTHROPIC_VERSION };

// mulberry32: a small seeded generator, so a run's request mix is reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau'.split(' ');

// One request of the mix: which rotation, client format, route, stream.
function pickRequest(rand, i) {
  const rotation = rand() < 0.8 ? 'soak' : 'soaknotify';
  const client = rand() < 0.6 ? 'openai' : 'anthropic';
  const streamed = rand() < 0.5;
  const route = client === 'anthropic' ? 'messages' : ['model', 'rotations', 'scoped'][Math.floor(rand() * 3)];
  const n = 1 + Math.floor(rand() * 40);
  const content = `soak ${i} ${Array.from({ length: n }, (_, k) => WORDS[(i + k) % WORDS.length]).join(' ')}`;
  return { rotation, client, streamed, route, content, notify: rotation === 'soaknotify' };
}

function send(s, q) {
  let url;
  let body;
  let headers = {};
  switch (q.route) {
    case 'model': url = s.u('/api/v1/chat/completions'); body = chatBody(q.content, { model: `rotation/${q.rotation}` }); break;
    case 'rotations': url = s.u('/api/rotations/chat/completions'); body = chatBody(q.content, { model: q.rotation }); break;
    case 'scoped': url = s.u(`/api/${q.rotation}/chat/completions`); body = chatBody(q.content, { model: q.rotation }); break;
    case 'messages':
      url = s.u('/api/v1/messages'); body = messagesBody(q.content, { model: `rotation/${q.rotation}` }); headers = AHEADERS; break;
    default: throw new Error(q.route);
  }
  if (q.streamed) {
    body.stream = true;
    if (q.client === 'openai' && q.content.length % 2 === 0) body.stream_options = { include_usage: true };
  }
  const opts = { headers, timeoutMs: REQUEST_TIMEOUT_MS };
  return q.streamed ? stream(url, body, opts) : post(url, body, opts);
}

class Malformed extends Error {}
function check(cond, what) {
  if (!cond) throw new Malformed(what);
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Malformed(`${what}: not JSON: ${String(text).slice(0, 300)}`);
  }
}

// A JSON error answer in the client's format.
function checkErrorAnswer(q, r) {
  check(r.status >= 400 && r.status <= 599, `status ${r.status}`);
  check(/application\/json/.test(String(r.headers['content-type'])), `error content-type ${r.headers['content-type']}`);
  const b = parseJson(r.text, 'error body');
  if (q.client === 'openai') {
    check(b.error && typeof b.error === 'object', 'no error object');
    check(typeof b.error.message === 'string' && b.error.message.length > 0, 'no error.message');
    check(typeof b.error.type === 'string', 'no error.type');
    check(b.error.code === null || typeof b.error.code === 'string', 'bad error.code');
  } else {
    check(b.type === 'error', 'type ≠ error');
    check(typeof b.error?.type === 'string' && typeof b.error?.message === 'string', 'bad Anthropic error');
  }
  if (r.status === 429) check(r.headers['retry-after'] !== undefined, '429 without Retry-After');
  return `error ${r.status}`;
}

// The text of a good answer: "You said: <content>", or with notifyerrors
// any non-empty text (the failure report).
function checkText(q, text) {
  check(typeof text === 'string', 'no text');
  if (text === `You said: ${q.content}`) return 'good';
  check(q.notify && text.length > 0, `wrong text: ${JSON.stringify(text.slice(0, 200))}`);
  return 'notified';
}

function checkOpenAiStream(q, r) {
  const ev = r.events;
  check(ev.length > 0, 'no events');
  const last = ev.at(-1);
  if (last.data === '[DONE]') {
    let text = '';
    let finished = false;
    for (const e of ev.slice(0, -1)) {
      const c = parseJson(e.data, 'chunk');
      check(!c.error, 'an error event before [DONE]');
      check(Array.isArray(c.choices), 'chunk without choices');
      for (const ch of c.choices) {
        text += ch.delta?.content ?? '';
        if (ch.finish_reason) finished = true;
      }
    }
    check(finished, 'no finish_reason before [DONE]');
    return checkText(q, text);
  }
  const c = parseJson(last.data, 'last event');
  check(c.error && typeof c.error.message === 'string', `stream ends without [DONE] or an error event: ${last.data.slice(0, 200)}`);
  check(!ev.some((e) => e.data === '[DONE]'), '[DONE] before the error');
  return 'stream error';
}

function checkAnthropicStream(q, r) {
  const ev = r.events;
  check(ev.length > 0, 'no events');
  for (const e of ev) check(parseJson(e.data, 'event').type === e.event, `event ${e.event} ≠ data.type`);
  check(ev[0].event === 'message_start' || ev[0].event === 'error', `first event ${ev[0].event}`);
  const last = ev.at(-1);
  if (last.event === 'message_stop') {
    const text = ev.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta)
      .filter((d) => d?.type === 'text_delta').map((d) => d.text).join('');
    check(ev.some((e) => e.event === 'message_delta'), 'no message_delta');
    return checkText(q, text);
  }
  check(last.event === 'error', `stream ends with ${last.event}, neither message_stop nor error`);
  const d = JSON.parse(last.data);
  check(typeof d.error?.type === 'string' && typeof d.error?.message === 'string', 'bad error event');
  return 'stream error';
}

// Classifies one answer; throws Malformed when it is neither good nor a well-formed error.
function classify(q, r) {
  check(!r.aborted, 'the response was cut (connection closed mid-body)');
  if (r.status !== 200) return checkErrorAnswer(q, r);
  check(typeof r.headers['x-aisbf-target'] === 'string' || q.notify, 'a 200 without x-aisbf-target');
  if (q.streamed) {
    check(/text\/event-stream/.test(String(r.headers['content-type'])), `stream content-type ${r.headers['content-type']}`);
    return q.client === 'openai' ? checkOpenAiStream(q, r) : checkAnthropicStream(q, r);
  }
  const b = parseJson(r.text, '200 body');
  if (q.client === 'openai') {
    check(b.object === 'chat.completion', `object ${b.object}`);
    check(b.choices?.[0]?.message?.role === 'assistant', 'no assistant message');
    return checkText(q, b.choices[0].message.content);
  }
  check(b.type === 'message' && b.role === 'assistant', 'not an Anthropic message');
  check(Array.isArray(b.content) && b.content[0]?.type === 'text', 'no text block');
  return checkText(q, b.content[0].text);
}

describe('soak', { timeout: (SECONDS + 90) * 1000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      mockArgs: ['--seed', '1234', '--workers', '2'],
      aisbf: {
        routing: {
          max_attempts: 5, max_attempts_per_model: 2, failure_threshold: 3,
          default_error_cooldown: 2, max_rate_limit_wait: 5, seed: 7,
        },
      },
      providers: (u) => {
        const timeouts = { connect: 2, first_byte: 10, idle: 10, total: 30 };
        const m = (names) => names.map((n) => model(n));
        return {
          soa: mockProvider(u, { id: 'soa', endpoint: `${u}/soa/v1`, models: m(['flaky-10', 'flaky-30', 'flaky-50']), timeouts }),
          sob: typedProvider('anthropic', u, { id: 'sob', endpoint: `${u}/sob/v1`, models: m(['flaky-20', 'flaky-40']), timeouts }),
          soc: typedProvider('google', u, { id: 'soc', endpoint: `${u}/soc/v1beta`, models: m(['flaky-25']), timeouts }),
          sod: typedProvider('ollama', u, { id: 'sod', endpoint: `${u}/sod`, models: m(['flaky-25']), timeouts }),
          ok: mockProvider(u, { id: 'ok', endpoint: `${u}/ok/v1`, models: ['mock-model'] }),
        };
      },
      rotations: {
        soak: {
          model_name: 'soak',
          providers: [
            { provider_id: 'soa', models: [{ name: 'flaky-10', weight: 3 }, { name: 'flaky-30', weight: 2 }, { name: 'flaky-50', weight: 1 }] },
            { provider_id: 'sob', models: [{ name: 'flaky-20', weight: 2 }, { name: 'flaky-40', weight: 1 }] },
            { provider_id: 'soc', models: [{ name: 'flaky-25', weight: 1 }] },
            { provider_id: 'sod', models: [{ name: 'flaky-25', weight: 1 }] },
          ],
        },
        soaknotify: {
          model_name: 'soaknotify',
          notifyerrors: true,
          providers: [
            { provider_id: 'soa', models: [{ name: 'flaky-50', weight: 1 }] },
            { provider_id: 'sob', models: [{ name: 'flaky-40', weight: 1 }] },
          ],
        },
      },
    });
  });
  after(async () => { await s?.stop(); });

  it(`${SECONDS} s of mixed traffic, ${CONCURRENCY} in flight: every answer good or a well-formed error`, async () => {
    const rand = rng(20261123);
    const deadline = Date.now() + SECONDS * 1000;
    const counts = {};
    const byKind = {};
    const malformed = [];
    let next = 0;
    let slowest = 0;
    const bump = (o, k) => { o[k] = (o[k] ?? 0) + 1; };

    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const i = next++;
        const q = pickRequest(rand, i);
        const kind = `${q.client}${q.streamed ? '+stream' : ''}${q.notify ? '+notify' : ''}`;
        const t0 = Date.now();
        let outcome;
        try {
          const r = await send(s, q);
          try {
            outcome = classify(q, r);
          } catch (err) {
            if (!(err instanceof Malformed)) throw err;
            outcome = 'MALFORMED';
            if (malformed.length < 20) {
              malformed.push(`#${i} ${kind} ${q.route}: ${err.message}\n    status ${r.status}, `
                + `${JSON.stringify(r.events ? r.events.slice(-3) : r.text?.slice(0, 300))}`);
            }
          }
        } catch (err) {
          outcome = 'MALFORMED';
          if (malformed.length < 20) malformed.push(`#${i} ${kind} ${q.route}: ${err.message}`);
        }
        slowest = Math.max(slowest, Date.now() - t0);
        bump(counts, outcome);
        bump(byKind, `${kind} ${outcome}`);
      }
    }));

    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const good = (counts.good ?? 0) + (counts.notified ?? 0);
    console.log(`soak: ${total} requests in ${SECONDS} s, ${good} good (incl. ${counts.notified ?? 0} notifyerrors), `
      + `${total - good - (counts.MALFORMED ?? 0)} well-formed errors, ${counts.MALFORMED ?? 0} malformed; slowest ${slowest} ms`);
    console.log(`soak outcomes: ${JSON.stringify(counts)}`);
    console.log(`soak by kind: ${JSON.stringify(Object.fromEntries(Object.entries(byKind).sort()))}`);
    const stats = await s.mock.stats();
    console.log(`soak upstream: ${JSON.stringify(stats)}`);
    const faults = {};
    for (const rq of await s.mock.requests()) bump(faults, rq.fault ?? 'none');
    console.log(`soak upstream faults (last 1000 requests): ${JSON.stringify(faults)}`);

    assert.equal(malformed.length, 0, `malformed outcomes:\n  ${malformed.join('\n  ')}`);
    assert.ok(total >= CONCURRENCY, `only ${total} requests`);
    assert.ok((counts.good ?? 0) > 0, 'no good answer at all');
  });

  it('afterwards: the gateway is alive, answers, reports health, and no upstream call is left open', async () => {
    assert.ok(s.gw.running, `the gateway exited\n${s.gw.output()}`);
    const h = await get(s.u('/health'));
    assert.equal(h.status, 200, h.text);
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('after soak', { model: 'ok/mock-model' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: after soak');
    const hh = await get(s.u('/api/admin/health'));
    assert.equal(hh.status, 200, hh.text);
    assert.ok(Array.isArray(hh.json().health), hh.text);
    await s.mock.waitStats((st) => st.received === st.completed + st.aborted, 5000);
    assert.doesNotMatch(s.gw.stderr, /AddressSanitizer|LeakSanitizer|runtime error:/, s.gw.stderr.slice(-4000));
  });
});
