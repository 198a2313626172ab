// GET /metrics (issue 16): known traffic (chats, a stream, a cached answer,
// a rotation whose first candidate answers 429, an upstream error, an
// unknown model), then one scrape parsed by a strict Prometheus text parser
// whose counts must match exactly; metrics_token and metrics_allow; the
// access log (one line per request, with its id); x-request-id from a
// trusted proxy and traceparent passed upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  startStack, mockProvider, chatBody, post, get, stream, tmpDir, delay, upstreamChatRequests, noteSecrets,
} from './harness.mjs';

const METRICS_TOKEN = 'metrics-token-4f1b2c3d9e';
noteSecrets(METRICS_TOKEN);

// ---------------------------------------------------------------- parser

// The text format 0.0.4, strictly: # HELP / # TYPE lines, then samples
// `name{label="value",…} number`; every sample's family declared by a TYPE
// line before it; a family's samples contiguous; label values with \\, \"
// and \n escapes only; no duplicate series. Returns the samples (series
// key → value) and the families' types.
export function parsePrometheus(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const types = new Map();
  const samples = new Map();
  const nameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
  let lastType = null;
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      assert.match(type, /^(counter|gauge|histogram|summary|untyped)$/, where);
      assert.ok(!types.has(name), `family declared twice: ${where}`);
      types.set(name, type);
      lastType = name;
      continue;
    }
    assert.ok(!line.startsWith('#') && line.length > 0, `unexpected line: ${where}`);
    const name = line.match(nameRe)?.[0];
    assert.ok(name, where);
    let rest = line.slice(name.length);
    const labels = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const m = rest.match(/^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/);
        assert.ok(m, `bad label at "${rest}": ${where}`);
        assert.ok(!(m[1] in labels), `label repeated: ${where}`);
        labels[m[1]] = m[2].replace(/\\(["\\n])/g, (_, c) => (c === 'n' ? '\n' : c));
        rest = rest.slice(m[0].length);
        if (!m[3]) assert.ok(rest.startsWith('}'), where);
      }
      rest = rest.slice(1);
    }
    const value = rest.match(/^ (\S+)$/)?.[1];
    assert.ok(value !== undefined, `no value: ${where}`);
    const number = value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
    assert.ok(value === 'NaN' || !Number.isNaN(number), `bad number: ${where}`);
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `sample before its TYPE: ${where}`);
    if (family !== name) assert.equal(types.get(family), 'histogram', where);
    // A family's samples are contiguous, right after its TYPE line.
    assert.equal(family, lastType, `a ${family} sample after the TYPE of ${lastType}: ${where}`);
    const key = seriesKey(name, labels);
    assert.ok(!samples.has(key), `duplicate series: ${where}`);
    samples.set(key, number);
  }
  return { types, samples };
}

function seriesKey(name, labels) {
  const parts = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${parts.join(',')}}`;
}

const value = (m, name, labels = {}) => m.samples.get(seriesKey(name, labels)) ?? 0;

// A request is counted when its handler's frame ends, just after its answer
// went out: a client on another connection may scrape first. So: scrape
// until `ready(metrics)` holds (bounded), then assert exact counts.
async function scrapeWhen(url, ready, headers = {}) {
  let last;
  for (let i = 0; i < 100; i++) {
    const r = await get(url, { headers });
    assert.equal(r.status, 200, r.text);
    last = { response: r, metrics: parsePrometheus(r.text) };
    if (ready(last.metrics)) return last;
    await delay(20);
  }
  return last;
}

// ---------------------------------------------------------------- the suite

const det = (content, extra = {}) => chatBody(content, { temperature: 0, ...extra });
let unique = 0;
const fresh = (label) => `${label} ${process.pid} ${++unique}`;

describe('metrics and the access log', { timeout: 120000 }, () => {
  let s;
  let logFile;
  before(async () => {
    logFile = path.join(tmpDir('aisbf-access-'), 'access.log');
    s = await startStack({
      server: {
        metrics_token: METRICS_TOKEN,
        metrics_allow: ['192.0.2.0/24'],  // not the test's loopback: the token is needed
        access_log: logFile,
        log_format: 'json',
        trusted_proxies: ['127.0.0.1'],
      },
      aisbf: { response_cache: { enabled: true, backend: 'memory', ttl: 600 }, routing: { seed: 7 } },
      providers: (u) => ({
        ok: mockProvider(u, { id: 'ok', models: ['mock-model', 'fault-500'] }),
        f429: mockProvider(u, { id: 'f429', models: ['fault-429-60'] }),
        anth: mockProvider(u, { id: 'anth', type: 'anthropic', models: ['mock-model'] }),
      }),
      rotations: {
        fo: { model_name: 'fo', providers: [
          { provider_id: 'f429', models: [{ name: 'fault-429-60', weight: 1000 }] },
          { provider_id: 'ok', models: [{ name: 'mock-model', weight: 1 }] },
        ] },
      },
    });
  });
  after(async () => { await s?.stop(); });

  it('counts known traffic exactly', async () => {
    const answers = [];  // {status, id, route}
    const note = (r, route = 'chat') => { answers.push({ status: r.status, id: r.headers['x-request-id'], route }); return r; };
    let promptTokens = 0;
    let completionTokens = 0;
    let okAttempts = 0;
    // Three plain chats, one repeated (a cache hit).
    const texts = [fresh('a'), fresh('b'), fresh('c')];
    for (const t of texts) {
      const r = note(await post(s.u('/v1/chat/completions'), det(t, { model: 'ok/mock-model' })));
      assert.equal(r.status, 200, r.text);
      promptTokens += r.json().usage.prompt_tokens;
      completionTokens += r.json().usage.completion_tokens;
      okAttempts += 1;
    }
    const hit = note(await post(s.u('/v1/chat/completions'), det(texts[0], { model: 'ok/mock-model' })));
    assert.equal(hit.status, 200);
    assert.equal(hit.headers['x-aisbf-cache'], 'hit');
    // A stream with usage.
    const st = await stream(s.u('/v1/chat/completions'),
      det(fresh('streamed'), { model: 'ok/mock-model', stream: true, stream_options: { include_usage: true } }));
    note(st);
    assert.equal(st.status, 200);
    const usage = st.events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data).usage).find(Boolean);
    promptTokens += usage.prompt_tokens;
    completionTokens += usage.completion_tokens;
    okAttempts += 1;
    // The rotation: its heavy first candidate answers 429, the other serves.
    const fo = note(await post(s.u('/v1/chat/completions'), det(fresh('rotation'), { model: 'rotation/fo' })));
    assert.equal(fo.status, 200, fo.text);
    const failovers = Number(fo.headers['x-aisbf-attempts']) - 1;
    assert.equal(failovers, 1, 'the 429 candidate was tried first (weight 1000 to 1)');
    promptTokens += fo.json().usage.prompt_tokens;
    completionTokens += fo.json().usage.completion_tokens;
    okAttempts += 1;
    // An upstream error, and a model nobody serves.
    const bad = note(await post(s.u('/v1/chat/completions'), det(fresh('error'), { model: 'ok/fault-500' })));
    assert.ok(bad.status >= 500, bad.text);
    const unknown = note(await post(s.u('/v1/chat/completions'), det(fresh('x'), { model: 'nobody/none' })));
    assert.equal(unknown.status, 404, unknown.text);

    // Not allowed: no token, a wrong one.
    const denied = note(await get(s.u('/metrics')), 'metrics');
    assert.equal(denied.status, 403);
    const wrong = note(await get(s.u('/metrics'), { headers: { authorization: 'Bearer nope' } }), 'metrics');
    assert.equal(wrong.status, 403);

    const settled = (x) => value(x, 'aisbf_request_duration_seconds_count', { route: 'chat' }) === 8 &&
      value(x, 'aisbf_requests_total', { route: 'metrics', code: '403' }) === 2 && value(x, 'aisbf_active_requests') === 1;
    const { response: scrape, metrics: m } = await scrapeWhen(s.u('/metrics'), settled,
      { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.match(scrape.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    // Earlier scrapes (waiting for the counts to settle) are requests too.
    const scrapes = value(m, 'aisbf_requests_total', { route: 'metrics', code: '200' });
    for (let i = 0; i < scrapes; i++) answers.push({ status: 200, id: null, route: 'metrics' });

    const byStatus = {};
    for (const a of answers) byStatus[`${a.route} ${a.status}`] = (byStatus[`${a.route} ${a.status}`] ?? 0) + 1;
    for (const [key, n] of Object.entries(byStatus)) {
      const [route, code] = key.split(' ');
      assert.equal(value(m, 'aisbf_requests_total', { route, code }), n, `requests ${key}`);
    }
    assert.equal(value(m, 'aisbf_chat_requests_total', { format: 'openai_chat' }), 8);
    assert.equal(value(m, 'aisbf_upstream_attempts_total', { provider: 'ok', model: 'mock-model', outcome: 'ok' }),
      okAttempts);
    assert.equal(value(m, 'aisbf_upstream_attempts_total', { provider: 'f429', model: 'fault-429-60', outcome: 'rate_limited' }), 1);
    assert.equal(value(m, 'aisbf_upstream_attempts_total', { provider: 'ok', model: 'fault-500', outcome: 'upstream_status' }), 1);
    assert.equal(value(m, 'aisbf_failovers_total'), failovers);
    assert.equal(value(m, 'aisbf_tokens_total', { provider: 'ok', model: 'mock-model', direction: 'in' }), promptTokens);
    assert.equal(value(m, 'aisbf_tokens_total', { provider: 'ok', model: 'mock-model', direction: 'out' }), completionTokens);
    assert.equal(value(m, 'aisbf_upstream_requests_total', { provider: 'ok', model: 'mock-model', code: '2xx' }), okAttempts);
    assert.equal(value(m, 'aisbf_response_cache_total', { result: 'hit' }), 1);
    // Every temperature-0 chat that reached resolution looked the cache up.
    assert.equal(value(m, 'aisbf_response_cache_total', { result: 'miss' }), 6);
    // The upstream error left a health entry (a 429 goes to the rate limits instead).
    const health = [...m.samples].filter(([k]) => k.startsWith('aisbf_target_health{') &&
      k.includes('model="fault-500"') && k.includes('provider="ok"'));
    assert.equal(health.length, 1, [...m.samples.keys()].filter((k) => k.includes('health')).join('\n'));
    assert.equal(health[0][1], 1);
    assert.match(health[0][0], /state="(healthy|cooling_down|half_open)"/);
    assert.equal(value(m, 'aisbf_ttfb_seconds_count'), 6);  // the answers that came from an attempt
    assert.equal(value(m, 'aisbf_upstream_seconds_count', { provider: 'ok', model: 'mock-model' }), okAttempts);
    // Gateway overhead is the time to the first byte less EVERY attempt's
    // upstream time (the 429 before the failover too) and the rate_limit
    // waits: the sums match to the microsecond rounding of each observation.
    const sumOf = (prefix) => [...m.samples].filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);
    const upstreamSum = sumOf('aisbf_upstream_seconds_sum{');
    const attempts = sumOf('aisbf_upstream_seconds_count{');
    assert.equal(attempts, okAttempts + 2, 'the 429 and the 500 attempts too');
    const gap = value(m, 'aisbf_ttfb_seconds_sum') - value(m, 'aisbf_gateway_overhead_seconds_sum') - upstreamSum -
      value(m, 'aisbf_rate_limit_wait_seconds_total');
    assert.ok(Math.abs(gap) <= (attempts + 2 * 6 + 1) * 1e-6, `ttfb - overhead - upstream - waits = ${gap} s`);
    assert.equal(value(m, 'aisbf_active_requests'), 1);  // the scrape itself
    assert.equal(value(m, 'aisbf_active_streams'), 0);
    const build = [...m.samples].filter(([k]) => k.startsWith('aisbf_build_info{'));
    assert.equal(build.length, 1);
    assert.equal(build[0][1], 1);
    assert.ok(value(m, 'aisbf_open_connections') >= 1);
    assert.equal(value(m, 'aisbf_request_duration_seconds_count', { route: 'chat' }), 8);

    // The access log: one line per answer, its id and status; the scrape's
    // line too (written when it ended).
    answers.push({ status: 200, id: scrape.headers['x-request-id'], route: 'metrics' });
    let lines = [];
    for (let i = 0; i < 100; i++) {
      lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
      if (lines.length >= answers.length) break;
      await delay(50);
    }
    assert.equal(lines.length, answers.length, lines.join('\n'));
    const parsed = lines.map((l) => JSON.parse(l));
    assert.equal(parsed.filter((p) => p.route === 'metrics' && p.status === 200).length, scrapes + 1);
    for (const a of answers.filter((x) => x.id !== null)) {
      const mine = parsed.filter((p) => p.request_id === a.id);
      assert.equal(mine.length, 1, `one line for ${a.id}`);
      assert.equal(mine[0].status, a.status);
      assert.equal(mine[0].route, a.route);
      assert.ok(mine[0].latency_us >= 0);
    }
    assert.ok(!fs.readFileSync(logFile, 'utf8').includes(METRICS_TOKEN));
  });

  it('keeps a trusted proxy\'s x-request-id and passes it and a traceparent upstream', async () => {
    const trace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const text = fresh('trace');
    const r = await post(s.u('/v1/chat/completions'), chatBody(text, { model: 'ok/mock-model' }),
      { headers: { 'x-request-id': 'proxy-id-42', traceparent: trace } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-request-id'], 'proxy-id-42');
    const sent = (await upstreamChatRequests(s.mock)).find((q) => q.body.includes(text));
    assert.equal(sent.headers['x-request-id'], 'proxy-id-42');
    assert.equal(sent.headers.traceparent, trace);
    // A translated call (an Anthropic upstream for an OpenAI client) carries them too.
    const text2 = fresh('trace translated');
    const t = await post(s.u('/v1/chat/completions'), chatBody(text2, { model: 'anth/mock-model' }),
      { headers: { traceparent: trace } });
    assert.equal(t.status, 200, t.text);
    const sent2 = (await upstreamChatRequests(s.mock)).find((q) => q.body.includes(text2));
    assert.equal(sent2.headers.traceparent, trace);
    assert.equal(sent2.headers['x-request-id'], t.headers['x-request-id']);
    // An unsafe one is replaced; errors carry the id too.
    const e = await post(s.u('/v1/chat/completions'), chatBody('x', { model: 'nobody/none' }),
      { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.equal(e.status, 404);
    assert.match(e.headers['x-request-id'], /^req_/);
  });

  it('an answer the HTTP layer sends itself carries an x-request-id and leaves its access line', async () => {
    // A malformed Content-Length: answered by the server before any handler.
    const raw = await new Promise((resolve, reject) => {
      const sock = net.connect(Number(new URL(s.url).port), '127.0.0.1');
      let got = '';
      sock.on('data', (d) => { got += d; });
      sock.on('end', () => resolve(got));
      sock.on('error', reject);
      sock.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12x\r\n\r\n');
      sock.end();
    });
    assert.match(raw, /^HTTP\/1\.1 400 /, raw);
    const id = raw.match(/\r\nx-request-id: (\S+)\r\n/i)?.[1];
    assert.match(id ?? '', /^req_/, raw);
    let line;
    for (let i = 0; i < 100 && !line; i++) {
      line = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
        .find((p) => p.request_id === id);
      if (!line) await delay(50);
    }
    assert.ok(line, `an access line for ${id}`);
    assert.equal(line.status, 400);
    assert.equal(line.route, '-');
    assert.equal(line.client, '127.0.0.1');
  });

  it('metrics_allow checks the client a trusted proxy forwards, never the proxy itself', async () => {
    // The peer (127.0.0.1) is a trusted proxy: its X-Forwarded-For names the client.
    const allowed = await get(s.u('/metrics'), { headers: { 'x-forwarded-for': '192.0.2.5' } });
    assert.equal(allowed.status, 200, allowed.text);
    const outside = await get(s.u('/metrics'), { headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(outside.status, 403);
    // A client's own entry left of the proxy's is not believed.
    const spoofed = await get(s.u('/metrics'), { headers: { 'x-forwarded-for': '192.0.2.5, 203.0.113.9' } });
    assert.equal(spoofed.status, 403);
    const token = await get(s.u('/metrics'),
      { headers: { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(token.status, 200);
  });
});

describe('metrics defaults', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ server: { access_log: false } }); });
  after(async () => { await s?.stop(); });

  it('loopback may scrape without a token; x-request-id from an untrusted peer is not kept', async () => {
    const r = await get(s.u('/metrics'));
    assert.equal(r.status, 200, r.text);
    parsePrometheus(r.text);
    const c = await post(s.u('/v1/chat/completions'), chatBody('hi'), { headers: { 'x-request-id': 'mine' } });
    assert.equal(c.status, 200);
    assert.notEqual(c.headers['x-request-id'], 'mine');
    const { metrics: again } = await scrapeWhen(s.u('/metrics'),
      (x) => value(x, 'aisbf_requests_total', { route: 'chat', code: '200' }) === 1);
    assert.equal(value(again, 'aisbf_requests_total', { route: 'chat', code: '200' }), 1);
    assert.ok(value(again, 'aisbf_requests_total', { route: 'metrics', code: '200' }) >= 1);
  });

  it('a loopback peer relaying for someone (X-Forwarded-For, Forwarded) without trusted_proxies needs the token', async () => {
    // nginx on the same host, trusted_proxies unset: every client would be 127.0.0.1.
    const xff = await get(s.u('/metrics'), { headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(xff.status, 403);
    const fwd = await get(s.u('/metrics'), { headers: { forwarded: 'for=203.0.113.9' } });
    assert.equal(fwd.status, 403);
    const local = await get(s.u('/metrics'), { headers: { 'x-forwarded-for': '127.0.0.1' } });
    assert.equal(local.status, 403, 'an untrusted peer\'s forwarding headers are not read at all');
    assert.equal((await get(s.u('/metrics'))).status, 200);
  });

  it('answers the HTTP layer sends itself (malformed, overloaded) are counted', async () => {
    const raw = await new Promise((resolve, reject) => {
      const sock = net.connect(new URL(s.url).port, '127.0.0.1', () => sock.write('NOT HTTP\r\n\r\n'));
      let got = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => { got += d; });
      sock.on('end', () => resolve(got));
      sock.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    const { metrics } = await scrapeWhen(s.u('/metrics'), (x) => value(x, 'aisbf_server_answers_total', { code: '400' }) === 1);
    assert.equal(value(metrics, 'aisbf_server_answers_total', { code: '400' }), 1);
    assert.equal(value(metrics, 'aisbf_server_answers_total', { code: '503' }), 0);
    assert.equal(metrics.types.get('aisbf_server_answers_total'), 'counter');
  });

  it('server.metrics false: 404', async () => {
    const off = await startStack({ server: { metrics: false } });
    try {
      assert.equal((await get(off.u('/metrics'))).status, 404);
    } finally {
      await off.stop();
    }
  });
});
