// Usage accounting through the binary: every chat request leaves a row (its
// tokens exactly as the mock reported them, its cost from the model's
// pricing, its timing and outcome), read back with GET /api/admin/usage
// after POST /api/admin/usage/flush wrote the recorder's queue.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startStack, startGateway, streamRequest, stream, chatBody, messagesBody, delay, get, post, request,
  mockProvider, typedProvider, model, withTimeout, ANTHROPIC_VERSION, csvObjects,
} from './harness.mjs';
import { chatTokens } from './token_reference.mjs';

const TOKEN = 'usage-test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const PRICE_PROMPT = 0.000001;
const PRICE_COMPLETION = 0.000002;
// The mock streams content in 24-byte pieces: this gives ~9 of them.
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen '
  + 'sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four';

function providers(mockUrl) {
  const priced = model('mock-model', { pricing: { prompt: String(PRICE_PROMPT), completion: String(PRICE_COMPLETION) } });
  const mock = mockProvider(mockUrl, { models: [priced, 'org/nested-model', 'fault-404', 'fault-slow', 'fault-slow-400', 'fault-500', 'fault-cut'],
  });
  const anth = typedProvider('anthropic', mockUrl, { id: 'anth', models: [model('mock-model')] });
  return { mock, anth };
}

// A rotation whose weighted candidate always fails (404: another may serve)
// and whose backup (weight 0, tried last) answers.
const ROTATIONS = {
  failover: {
    model_name: 'failover',
    providers: [{ provider_id: 'mock', models: [{ name: 'fault-404', weight: 1 }, { name: 'mock-model', weight: 0 }] }],
  },
};

class Usage {
  constructor(stack) { this.s = stack; this.seen = 0; }
  async flush() {
    const r = await post(this.s.u('/api/admin/usage/flush'), undefined, { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    return r.json();
  }
  async rows(query = '') {
    await this.flush();
    const r = await get(this.s.u(`/api/admin/usage?format=csv&from=0${query}`), { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'], /^text\/csv/);
    return csvObjects(r.text);
  }
  // The row of the request just answered. The gateway queues it once its
  // serving coroutine resumes after the last byte, which may be after the
  // client read the answer: polled (bounded) until one more row exists.
  async last() {
    const want = this.seen + 1;
    const rows = await this.waitRows(want);
    assert.equal(rows.length, want, 'expected exactly one new usage row');
    return rows[rows.length - 1];
  }
  async waitRows(n, ms = 5000) {
    const until = Date.now() + ms;
    for (;;) {
      const rows = await this.rows();
      if (rows.length >= n || Date.now() > until) {
        this.seen = rows.length;
        return rows;
      }
      await delay(20);
    }
  }
  async report(query) {
    const r = await get(this.s.u(`/api/admin/usage?from=0${query}`), { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    return r.json();
  }
}

describe('usage accounting', { timeout: 120000 }, () => {
  let s;
  let usage;
  before(async () => {
    s = await startStack({
      providers, rotations: ROTATIONS, auth: { enabled: true, tokens: [TOKEN] },
      aisbf: { routing: { seed: 7 } },
    });
    usage = new Usage(s);
  });
  after(async () => { await s?.stop(); });

  it('records a plain request with the exact tokens, its cost and its timing', async () => {
    const r = await post(s.u('/v1/chat/completions'), chatBody('hello world'), { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    const u = r.json().usage;
    const row = await usage.last();
    assert.equal(row.route, 'chat');
    assert.equal(row.token_id, 'auth.tokens[0]');
    assert.equal(row.username, '');
    assert.equal(row.requested_model, 'mock/mock-model');
    assert.equal(row.provider, 'mock');
    assert.equal(row.model, 'mock-model');
    assert.equal(row.attempts, '1');
    assert.equal(Number(row.prompt_tokens), u.prompt_tokens);
    assert.equal(Number(row.completion_tokens), u.completion_tokens);
    assert.deepEqual([u.prompt_tokens, u.completion_tokens], [2, 4]);  // "hello world" → "You said: hello world"
    assert.equal(row.tokens_estimated, 'false');
    assert.ok(Math.abs(Number(row.cost) - (2 * PRICE_PROMPT + 4 * PRICE_COMPLETION)) < 1e-15, row.cost);
    assert.equal(row.status, '200');
    assert.equal(row.streamed, 'false');
    assert.equal(row.aborted, 'false');
    assert.equal(row.error_kind, '');
    assert.ok(Number(row.ttfb_ms) >= 0 && Number(row.latency_ms) >= Number(row.ttfb_ms), JSON.stringify(row));
    assert.ok(Math.abs(Date.parse(row.time) - Date.now()) < 60000, row.time);
  });

  it('a model without prices records its tokens and a null cost', async () => {
    const r = await post(s.u('/v1/chat/completions'), chatBody('a b c', { model: 'mock/org/nested-model' }),
      { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    const row = await usage.last();
    assert.equal(row.model, 'org/nested-model');
    assert.deepEqual([row.prompt_tokens, row.completion_tokens], ['3', '5']);
    assert.equal(row.cost, '');
    const report = await usage.report('&model=org%2Fnested-model');
    assert.equal(report.totals.requests, 1);
    assert.equal(report.totals.prompt_tokens, 3);
    assert.equal(report.totals.cost, null);
  });

  it('records a stream with include_usage exactly, and one without as an estimate', async () => {
    const res = await stream(s.u('/v1/chat/completions'),
      chatBody('hello stream', { stream: true, stream_options: { include_usage: true } }), { headers: AUTH });
    assert.equal(res.status, 200);
    let row = await usage.last();
    assert.equal(row.streamed, 'true');
    assert.deepEqual([row.prompt_tokens, row.completion_tokens, row.tokens_estimated], ['2', '4', 'false']);
    assert.equal(row.aborted, 'false');

    const plain = await stream(s.u('/v1/chat/completions'), chatBody('hello stream', { stream: true }), { headers: AUTH });
    assert.equal(plain.status, 200);
    row = await usage.last();
    assert.equal(row.tokens_estimated, 'true');
    assert.equal(row.streamed, 'true');
    // The prompt counted with the chat rule (mock-model: cl100k_base), the
    // answer's bytes at the request's tokens per byte.
    const prompt = chatTokens('cl100k_base', [{ role: 'user', content: 'hello stream' }]);
    const requestBytes = JSON.stringify(chatBody('hello stream', { stream: true })).length;
    assert.equal(Number(row.prompt_tokens), prompt);
    assert.equal(Number(row.completion_tokens), Math.floor(Buffer.byteLength(plain.raw) * (prompt / requestBytes) + 0.5));
  });

  it('a client that leaves mid-stream leaves an aborted row with what was delivered', async () => {
    const before = usage.seen;
    let firstEvent;
    const got = new Promise((resolve) => { firstEvent = resolve; });
    const { req, done } = streamRequest(s.u('/v1/chat/completions'),
      chatBody(LONG, { model: 'mock/fault-slow', stream: true }), { headers: AUTH, onEvent: () => firstEvent() });
    done.catch(() => { /* destroyed on purpose */ });
    await withTimeout(got, 5000, 'first event');
    req.destroy();
    const rows = await usage.waitRows(before + 1);
    assert.equal(rows.length, before + 1);
    const row = rows[rows.length - 1];
    assert.equal(row.aborted, 'true');
    assert.equal(row.streamed, 'true');
    assert.equal(row.status, '200');
    assert.equal(row.tokens_estimated, 'true');
    assert.ok(Number(row.completion_tokens) > 0, JSON.stringify(row));
  });

  it('a failed-over rotation request records both attempts and the provider that answered', async () => {
    const r = await post(s.u('/v1/chat/completions'), chatBody('hi there', { model: 'rotation/failover' }), { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    const row = await usage.last();
    assert.equal(row.rotation, 'failover');
    assert.equal(row.attempts, '2');
    assert.equal(row.provider, 'mock');
    assert.equal(row.model, 'mock-model');
    assert.deepEqual([row.prompt_tokens, row.completion_tokens], ['2', '4']);
    assert.equal(row.error_kind, '');
  });

  it('a translated request (OpenAI client, Anthropic provider) records the upstream usage', async () => {
    const r = await post(s.u('/v1/chat/completions'), chatBody('one two three', { model: 'anth/mock-model' }),
      { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    const row = await usage.last();
    assert.equal(row.provider, 'anth');
    assert.equal(row.route, 'chat');
    assert.deepEqual([row.prompt_tokens, row.completion_tokens, row.tokens_estimated], ['3', '5', 'false']);
    assert.equal(row.cost, '');
  });

  it('an Anthropic messages passthrough request, plain and streamed', async () => {
    const headers = { ...AUTH, 'anthropic-version': ANTHROPIC_VERSION };
    const r = await post(s.u('/v1/messages'), messagesBody('hello there world', { model: 'anth/mock-model' }), { headers });
    assert.equal(r.status, 200, r.text);
    const u = r.json().usage;
    let row = await usage.last();
    assert.equal(row.route, 'messages');
    assert.equal(row.provider, 'anth');
    assert.deepEqual([Number(row.prompt_tokens), Number(row.completion_tokens)], [u.input_tokens, u.output_tokens]);
    assert.deepEqual([u.input_tokens, u.output_tokens], [3, 5]);

    const st = await stream(s.u('/v1/messages'), messagesBody('hello there world', { model: 'anth/mock-model', stream: true }),
      { headers });
    assert.equal(st.status, 200);
    row = await usage.last();
    assert.equal(row.streamed, 'true');
    assert.deepEqual([row.prompt_tokens, row.completion_tokens, row.tokens_estimated], ['3', '5', 'false']);
  });

  it('legacy completions and scoped routes record under their route names', async () => {
    let r = await post(s.u('/v1/completions'), { model: 'mock/mock-model', prompt: 'four words right here' },
      { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    let row = await usage.last();
    assert.equal(row.route, 'completions');
    assert.equal(row.provider, 'mock');
    r = await post(s.u('/api/mock/chat/completions'), chatBody('x', { model: 'mock-model' }), { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    row = await usage.last();
    assert.equal(row.route, 'scoped_chat');
    assert.equal(row.requested_model, 'mock-model');
  });

  it('a request refused after admission is recorded; one refused before it is not', async () => {
    const r = await post(s.u('/v1/chat/completions'), chatBody('x', { model: 'nope/none' }), { headers: AUTH });
    assert.equal(r.status, 404, r.text);
    const row = await usage.last();
    assert.equal(row.status, '404');
    assert.equal(row.error_kind, 'not_found');
    assert.equal(row.requested_model, 'nope/none');
    assert.equal(row.attempts, '0');
    assert.equal(row.cost, '');
    const count = (await usage.rows()).length;
    const unauth = await post(s.u('/v1/chat/completions'), chatBody('x'));
    assert.equal(unauth.status, 401);
    await delay(200);  // a row would be queued by now (the 404's came within a poll)
    assert.equal((await usage.rows()).length, count);
  });

  it('group_by and bucket shape the report', async () => {
    const all = await usage.rows();
    const report = await usage.report('&group_by=provider&bucket=hour');
    assert.equal(report.totals.requests, all.length);
    const sum = (k) => all.reduce((n, row) => n + Number(row[k]), 0);
    assert.equal(report.totals.prompt_tokens, sum('prompt_tokens'));
    assert.equal(report.totals.completion_tokens, sum('completion_tokens'));
    const priced = all.filter((row) => row.cost !== '').reduce((n, row) => n + Number(row.cost), 0);
    assert.ok(Math.abs(report.totals.cost - priced) < 1e-12, `${report.totals.cost} vs ${priced}`);
    const keys = report.groups.map((g) => g.key).sort();
    assert.deepEqual(keys, ['', 'anth', 'mock']);  // '' : the 404 never reached a provider
    for (const g of report.groups) assert.deepEqual(Object.keys(g).slice(0, 2), ['key', 'requests']);
    assert.ok(report.series.length >= 1);
    for (const p of report.series) assert.match(p.t, /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
    assert.equal(report.series.reduce((n, p) => n + p.requests, 0), all.length);
    const day = await usage.report('&bucket=day&group_by=model');
    for (const p of day.series) assert.match(p.t, /^\d{4}-\d\d-\d\dT00:00:00Z$/);
    assert.ok(day.groups.some((g) => g.key === 'mock-model'));
    assert.equal(report.dropped, 0);
  });

  it('the CSV has a header line and quotes or neutralises what a client named', async () => {
    const evil = '=HYPERLINK("http://x","y"),z';
    const r = await post(s.u('/v1/chat/completions'), chatBody('x', { model: evil }), { headers: AUTH });
    assert.ok(r.status >= 400, r.text);
    const row = await usage.last();
    assert.equal(row.requested_model, `'${evil}`);
    const raw = await get(s.u('/api/admin/usage?format=csv&from=0'), { headers: AUTH });
    const [header] = raw.text.split('\r\n');
    assert.equal(header, 'time,username,token_id,route,requested_model,provider,model,rotation,attempts,'
      + 'prompt_tokens,completion_tokens,cached_tokens,cache_write_tokens,reasoning_tokens,tokens_estimated,cost,'
      + 'latency_ms,ttfb_ms,status,error_kind,streamed,aborted,effective_context,autoselected,autoselected_by');
    assert.ok(raw.text.includes(`"'=HYPERLINK(""http://x"",""y""),z"`), raw.text.slice(-400));
  });

  it('bad parameters are 400 naming the parameter; the user route is for users', async () => {
    for (const [q, param] of [['bucket=week', 'bucket'], ['from=yesterday', 'from'], ['group_by=x', 'group_by'],
      ['colour=1', 'colour']]) {
      const r = await get(s.u(`/api/admin/usage?${q}`), { headers: AUTH });
      assert.equal(r.status, 400, q);
      assert.equal(r.json().error.param, param);
      assert.match(r.json().error.message, new RegExp(`^${param}:`));
    }
    const own = await get(s.u('/api/user/usage'), { headers: AUTH });
    assert.equal(own.status, 403);  // a global token is not a user
    assert.equal((await get(s.u('/api/admin/usage'))).status, 401);
  });
});

// The report's latency percentiles as docs/config.md defines them: a
// histogram with these upper bounds (and one bucket above), the rank's
// bucket interpolated linearly and kept inside it ((lower, upper] in whole
// ms; the first bucket from 0).
const LATENCY_BOUNDS = [10, 16, 25, 40, 63, 100, 160, 250, 400, 630, 1000, 1600, 2500, 4000, 6300, 10000, 16000,
  25000, 40000, 63000, 100000, 160000, 250000, 400000, 630000, 1000000];
function percentile(latencies, q) {
  if (latencies.length === 0) return null;
  const counts = new Array(LATENCY_BOUNDS.length + 1).fill(0);
  for (const ms of latencies) {
    const i = LATENCY_BOUNDS.findIndex((b) => ms <= b);
    counts[i === -1 ? LATENCY_BOUNDS.length : i]++;
  }
  const rank = q * latencies.length;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0 || below + counts[i] < rank) { below += counts[i]; continue; }
    if (i === LATENCY_BOUNDS.length) return LATENCY_BOUNDS[i - 1];
    const lower = i === 0 ? 0 : LATENCY_BOUNDS[i - 1];
    const value = Math.round(lower + (LATENCY_BOUNDS[i] - lower) * ((rank - below) / counts[i]));
    return Math.min(Math.max(value, i === 0 ? 0 : lower + 1), LATENCY_BOUNDS[i]);
  }
  return null;
}

describe('usage errors, latency percentiles and minute buckets', { timeout: 120000 }, () => {
  let s;
  let usage;
  let rows;
  before(async () => {
    s = await startStack({ providers, auth: { enabled: true, tokens: [TOKEN] } });
    usage = new Usage(s);
    // Answered, slow (400 ms between chunks), failed upstream (502), unknown
    // model (404) and a stream that fails after its 200 head.
    const sends = [
      () => post(s.u('/v1/chat/completions'), chatBody('one'), { headers: AUTH }),
      () => post(s.u('/v1/chat/completions'), chatBody('two'), { headers: AUTH }),
      () => post(s.u('/v1/chat/completions'), chatBody('three'), { headers: AUTH }),
      () => stream(s.u('/v1/chat/completions'), chatBody('slow one', { model: 'mock/fault-slow-400', stream: true }),
        { headers: AUTH }),
      () => post(s.u('/v1/chat/completions'), chatBody('x', { model: 'mock/fault-500' }), { headers: AUTH }),
      () => post(s.u('/v1/chat/completions'), chatBody('x', { model: 'nope/none' }), { headers: AUTH }),
      () => stream(s.u('/v1/chat/completions'), chatBody('x', { model: 'mock/fault-cut', stream: true }),
        { headers: AUTH }),
    ];
    for (const send of sends) await send();
    rows = await usage.waitRows(sends.length);
    assert.equal(rows.length, sends.length);
  });
  after(async () => { await s?.stop(); });

  // docs/config.md's rule: a client route's row (not a side call's) the
  // client did not leave, with a status >= 400 or an error kind.
  const SIDE_CALLS = ['autoselect', 'classification', 'condensation'];
  const isError = (row) => row.aborted !== 'true' && !SIDE_CALLS.includes(row.route)
    && (Number(row.status) >= 400 || row.error_kind !== '');

  it('counts errors and reads p50/p95 from the raw rows (minute buckets)', async () => {
    const errors = rows.filter(isError).length;
    assert.equal(errors, 3, JSON.stringify(rows.map((r) => [r.status, r.error_kind])));
    const latencies = rows.map((r) => Number(r.latency_ms));
    assert.ok(Math.max(...latencies) >= 400, latencies.join());
    const since = Math.floor(Date.now() / 1000) - 3600;
    const minutes = await get(s.u(`/api/admin/usage?from=${since}&bucket=minute`), { headers: AUTH });
    assert.equal(minutes.status, 200, minutes.text);
    const report = minutes.json();
    assert.equal(report.totals.requests, rows.length);
    assert.equal(report.totals.errors, errors);
    assert.equal(report.totals.latency_p50_ms, percentile(latencies, 0.5));
    assert.equal(report.totals.latency_p95_ms, percentile(latencies, 0.95));
    for (const p of report.series) {
      assert.match(p.t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
      assert.equal(typeof p.latency_p50_ms, 'number');
    }
    assert.equal(report.series.reduce((n, p) => n + p.requests, 0), rows.length);
    assert.equal(report.series.reduce((n, p) => n + p.errors, 0), errors);
    // Without from: the hour before now.
    const defaulted = await get(s.u('/api/admin/usage?bucket=minute'), { headers: AUTH });
    assert.equal(defaulted.status, 200, defaulted.text);
    const { from, to } = defaulted.json();
    assert.equal(Date.parse(to) - Date.parse(from), 3600 * 1000);
  });

  it('the hourly and daily rollups give the same errors and percentiles', async () => {
    const latencies = rows.map((r) => Number(r.latency_ms));
    const now = Date.now();
    // Ranges of whole hours and whole days only: no raw edge part is read.
    const nextHour = Math.ceil((now + 1) / 3600000) * 3600;
    const nextDay = Math.ceil((now + 1) / 86400000) * 86400;
    for (const query of [`&to=${nextHour}&bucket=hour&group_by=provider`, `&to=${nextDay}&bucket=day`]) {
      const report = await usage.report(query);
      assert.equal(report.totals.requests, rows.length, query);
      assert.equal(report.totals.errors, 3, query);
      assert.equal(report.totals.latency_p50_ms, percentile(latencies, 0.5), query);
      assert.equal(report.totals.latency_p95_ms, percentile(latencies, 0.95), query);
    }
    const byProvider = await usage.report(`&to=${nextHour}&group_by=provider`);
    const mock = byProvider.groups.find((g) => g.key === 'mock');
    const mockRows = rows.filter((r) => r.provider === 'mock');
    assert.equal(mock.errors, mockRows.filter(isError).length);
    assert.equal(mock.latency_p95_ms, percentile(mockRows.map((r) => Number(r.latency_ms)), 0.95));
    const nobody = await usage.report('&user=nobody');
    assert.equal(nobody.totals.latency_p50_ms, null);
    assert.equal(nobody.totals.errors, 0);
  });

  it('minute buckets over more than 6 hours are a 400 naming bucket', async () => {
    const r = await get(s.u('/api/admin/usage?bucket=minute&from=0'), { headers: AUTH });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json().error.code, 'invalid_parameter');
    assert.equal(r.json().error.param, 'bucket');
    assert.match(r.json().error.message, /at most 6 hours/);
    const six = Math.floor(Date.now() / 1000);
    const ok = await get(s.u(`/api/admin/usage?bucket=minute&from=${six - 6 * 3600}&to=${six}`), { headers: AUTH });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('usage rows across a crash and a shutdown', { timeout: 180000 }, () => {
  let s;
  before(async () => {
    // A queue of 1,000 rows makes batches of 500 (half the queue; the
    // default is 2,000), so the kill -9 case below can lose at most 500
    // rows however fast the load runs.
    s = await startStack({ providers, auth: { enabled: true, tokens: [TOKEN] }, aisbf: { database: { usage_queue_size: 1000 } } });
  });
  after(async () => { await s?.stop(); });

  async function load(n, concurrency = 8) {
    let answered = 0;
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const r = await request(s.u('/v1/chat/completions'), { method: 'POST', body: chatBody('load'), headers: AUTH });
        if (r.status === 200) answered++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return answered;
  }

  async function restart() {
    s.gw = await startGateway(s.configDir);
    s.url = s.gw.url;
  }

  async function recorded() {
    const r = await get(s.u('/api/admin/usage?from=0'), { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    return r.json().totals.requests;
  }

  it('SIGTERM writes every queued row before exit', async () => {
    const answered = await load(50);
    assert.equal(answered, 50);
    s.gw.kill('SIGTERM');
    await s.gw.waitExit(20000);
    await restart();
    assert.equal(await recorded(), 50);
  });

  it('kill -9 under load loses at most the last unflushed batch', async () => {
    const before = await recorded();
    const answered = await load(1200);
    assert.equal(answered, 1200);
    s.gw.kill('SIGKILL');
    await s.gw.waitExit(10000);
    await restart();
    const rows = (await recorded()) - before;
    assert.ok(rows <= answered, `${rows} rows for ${answered} answers`);
    assert.ok(rows >= answered - 500, `${rows} rows for ${answered} answers: more than a batch lost`);
  });
});

describe('usage recording switched off', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({ providers, auth: { enabled: true, tokens: [TOKEN] }, aisbf: { database: { record_usage: false } } });
  });
  after(async () => { await s?.stop(); });

  it('serves chat as before, writes no row and says so on the usage routes', async () => {
    const r = await request(s.u('/v1/chat/completions'), { method: 'POST', body: chatBody('off'), headers: AUTH });
    assert.equal(r.status, 200, r.text);
    const usage = await get(s.u('/api/admin/usage?from=0'), { headers: AUTH });
    assert.equal(usage.status, 503, usage.text);
  });
});
