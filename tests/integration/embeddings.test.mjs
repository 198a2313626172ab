// The embeddings routes through the binary against aisbf-mock, for every
// provider type: an OpenAI-compatible upstream gets the client's body with
// only `model` replaced (base64, dimensions, token arrays pass; floats turned
// into base64 by the gateway when the upstream ignores it), Gemini's
// embedContent / batchEmbedContents (outputDimensionality, taskType from the
// `task_type` extension) and Ollama's /api/embed translated to OpenAI's
// shape, base64 made by the gateway. A rotation fails over; a model that
// cannot embed, an autoselect and bad input are 400s in OpenAI's shape; an
// oversized answer is a 502; each request is one usage row with its cost.
// In a user's namespace, `user-provider/…` and `user-rotation/…` ids embed
// for their owner alone, on the global routes and the user routes.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, request, get, post, mockProvider, typedProvider, model, usageCsvRows, assertError, tmpDir, createUser,
  createToken, bearer, MOCK_KEY, delay,
} from './harness.mjs';
import path from 'node:path';
import http from 'node:http';

const EMB = '/v1/embeddings';

// The little-endian float32 values of a base64 string (what OpenAI sends, and the SDK decodes).
function floats(b64) {
  const buf = Buffer.from(b64, 'base64');
  assert.equal(buf.length % 4, 0, `base64 of ${buf.length} bytes is no float32 array`);
  return Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
}
// JSON numbers as the float32 values they stand for.
const asFloat32 = (v) => v.map((x) => Math.fround(x));

function assertListShape(body, n) {
  assert.equal(body.object, 'list');
  assert.equal(body.data.length, n);
  body.data.forEach((d, i) => {
    assert.equal(d.object, 'embedding');
    assert.equal(d.index, i);
  });
  assert.equal(typeof body.model, 'string');
  assert.ok(body.usage.prompt_tokens > 0, JSON.stringify(body.usage));
  assert.equal(body.usage.total_tokens, body.usage.prompt_tokens);
}

const PRICED = { prompt: '0.000001', completion: '0' };

describe('embeddings routes', { timeout: 90000 }, () => {
  let s;
  const embed = (body, path = EMB) => post(s.u(path), body);
  const lastUpstream = async (re) => {
    const reqs = (await s.mock.requests()).filter((q) => re.test(q.path));
    assert.ok(reqs.length > 0, `no upstream request matched ${re}`);
    return { path: reqs.at(-1).path, body: JSON.parse(reqs.at(-1).body), headers: reqs.at(-1).headers };
  };
  // The vector the mock's OpenAI route gives a text, asked directly.
  const direct = async (input, extra = {}) => {
    const r = await post(s.mock.u('/v1/embeddings'), { model: 'embed-model', input, ...extra },
      { headers: { authorization: `Bearer ${MOCK_KEY}` } });
    assert.equal(r.status, 200, r.text);
    return r.json().data.map((d) => d.embedding);
  };

  before(async () => {
    s = await startStack({
      providers: (url) => ({
        mock: mockProvider(url, {
          models: [model('embed-model', { pricing: PRICED }), model('embed-fault-500'), model('embed-fault-400')],
        }),
        google: typedProvider('google', url, { models: [model('embed-model')] }),
        ollama: typedProvider('ollama', url, { models: [model('embed-model')] }),
        anthropic: typedProvider('anthropic', url, { models: [model('claude-embedder')] }),
      }),
      rotations: {
        // The weighted candidate fails (500); the backup (weight 0) serves.
        failover: { providers: [
          { provider_id: 'mock', models: [{ name: 'embed-fault-500', weight: 1 }] },
          { provider_id: 'ollama', models: [{ name: 'embed-model', weight: 0 }] },
        ] },
        // An Anthropic candidate is never asked for embeddings.
        mixed: { providers: [
          { provider_id: 'anthropic', models: [{ name: 'claude-embedder', weight: 5 }] },
          { provider_id: 'google', models: [{ name: 'embed-model', weight: 1 }] },
        ] },
        chatonly: { providers: [{ provider_id: 'anthropic', models: [{ name: 'claude-embedder', weight: 1 }] }] },
        badinput: { providers: [
          { provider_id: 'mock', models: [{ name: 'embed-fault-400', weight: 1 }] },
          { provider_id: 'ollama', models: [{ name: 'embed-model', weight: 0 }] },
        ] },
      },
      autoselect: {
        pick: { model_name: 'pick', description: 'x', fallback: 'mock/embed-model',
          available_models: [{ model_id: 'mock/embed-model', description: 'embeddings' }] },
      },
      server: { max_upstream_body_bytes: 262144, metrics: true },
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => {
    await s.mock.reset();
    // A failed candidate cools down: each test starts from healthy targets.
    const reset = await post(s.u('/api/admin/health/reset'));
    assert.equal(reset.status, 200, reset.text);
  });

  it('OpenAI-compatible: the body passes with only the model replaced; floats relayed', async () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const r = await post(s.u(EMB), { model: 'mock/embed-model', input: 'hello embedding world', user: 'u-1' },
      { headers: { traceparent: trace } });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assertListShape(body, 1);
    assert.equal(body.usage.prompt_tokens, 3);  // the mock counts words
    const up = await lastUpstream(/\/v1\/embeddings$/);
    assert.deepEqual(up.body, { model: 'embed-model', input: 'hello embedding world', user: 'u-1' });
    assert.equal(up.headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.equal(up.headers['x-request-id'], r.headers['x-request-id']);
    assert.equal(up.headers.traceparent, trace);
    assert.deepEqual(body.data[0].embedding, (await direct('hello embedding world'))[0]);
  });

  it('OpenAI-compatible: base64, dimensions and token arrays pass as the client sent them', async () => {
    const r = await embed({ model: 'mock/embed-model', input: ['one two', 'three'], encoding_format: 'base64',
      dimensions: 4 });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assertListShape(body, 2);
    const up = await lastUpstream(/\/v1\/embeddings$/);
    assert.equal(up.body.encoding_format, 'base64');
    assert.equal(up.body.dimensions, 4);
    const want = await direct(['one two', 'three'], { dimensions: 4 });
    assert.deepEqual(body.data.map((d) => floats(d.embedding)), want.map(asFloat32));

    const tokens = await embed({ model: 'mock/embed-model', input: [[1, 2, 3], [40, 50]] });
    assert.equal(tokens.status, 200, tokens.text);
    assertListShape(tokens.json(), 2);
    assert.deepEqual((await lastUpstream(/\/v1\/embeddings$/)).body.input, [[1, 2, 3], [40, 50]]);
  });

  it('Gemini: one string → embedContent with taskType and outputDimensionality; model named as the client did', async () => {
    const r = await embed({ model: 'google/embed-model', input: 'hello world', dimensions: 4,
      task_type: 'RETRIEVAL_QUERY' });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assertListShape(body, 1);
    assert.equal(body.model, 'google/embed-model');
    assert.equal(body.data[0].embedding.length, 4);
    const up = await lastUpstream(/:embedContent$/);
    assert.equal(up.path, '/v1beta/models/embed-model:embedContent');
    assert.deepEqual(up.body, { model: 'models/embed-model', content: { parts: [{ text: 'hello world' }] },
      taskType: 'RETRIEVAL_QUERY', outputDimensionality: 4 });
    // The mock gives every protocol the same vector for a text: the first 4 of the 8.
    const full = (await direct('hello world'))[0];
    assert.deepEqual(asFloat32(body.data[0].embedding), asFloat32(full.slice(0, 4)));
  });

  it('Gemini: an array → batchEmbedContents; base64 made by the gateway equals the floats', async () => {
    const texts = ['alpha beta', 'gamma'];
    const f = await embed({ model: 'google/embed-model', input: texts });
    assert.equal(f.status, 200, f.text);
    assertListShape(f.json(), 2);
    const up = await lastUpstream(/:batchEmbedContents$/);
    assert.equal(up.body.requests.length, 2);
    assert.equal(up.body.requests[1].content.parts[0].text, 'gamma');
    const b = await embed({ model: 'google/embed-model', input: texts, encoding_format: 'base64' });
    assert.equal(b.status, 200, b.text);
    const decoded = b.json().data.map((d) => floats(d.embedding));
    assert.deepEqual(decoded, f.json().data.map((d) => asFloat32(d.embedding)));
    assert.deepEqual(decoded, (await direct(texts)).map(asFloat32));
  });

  it('Ollama: /api/embed with dimensions, its token count as usage', async () => {
    const r = await embed({ model: 'ollama/embed-model', input: ['one two three', 'four'], dimensions: 3 });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assertListShape(body, 2);
    assert.equal(body.usage.prompt_tokens, 4);  // prompt_eval_count: the mock's words
    assert.ok(body.data.every((d) => d.embedding.length === 3));
    const up = await lastUpstream(/\/api\/embed$/);
    assert.deepEqual(up.body, { model: 'embed-model', input: ['one two three', 'four'], dimensions: 3 });
  });

  it('every door: /api/v1, /api/embeddings, /api/{provider}/embeddings and its /v1, /api/rotations/embeddings', async () => {
    for (const [path, m] of [['/api/v1/embeddings', 'mock/embed-model'], ['/api/embeddings', 'ollama/embed-model'],
      ['/api/google/embeddings', 'embed-model'], ['/api/google/v1/embeddings', 'embed-model'],
      ['/api/rotations/embeddings', 'failover'],
      ['/api/failover/embeddings', 'anything']]) {
      const r = await embed({ model: m, input: 'door test' }, path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assertListShape(r.json(), 1);
    }
  });

  it('a rotation fails over: the first provider answers 500, the next serves', async () => {
    const r = await embed({ model: 'rotation/failover', input: ['fail over please'] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-target'], 'ollama/embed-model');
    assert.equal(r.headers['x-aisbf-attempts'], '2');
    const paths = (await s.mock.requests()).map((q) => q.path);
    assert.ok(paths.some((p) => p.endsWith('/v1/embeddings')), paths.join());
    assert.ok(paths.some((p) => p.endsWith('/api/embed')), paths.join());
    // Metrics count each attempt by target and outcome, and the failover.
    const m = await get(s.u('/metrics'));
    assert.equal(m.status, 200, m.text);
    const sample = (...parts) => m.text.split('\n')
      .find((l) => !l.startsWith('#') && parts.every((p) => l.includes(p)));
    const counted = (...parts) => Number(sample(...parts)?.split(' ').at(-1) ?? 0);
    assert.ok(counted('aisbf_upstream_attempts_total{', 'provider="mock"', 'model="embed-fault-500"',
      'outcome="upstream_status"') >= 1, m.text);
    assert.ok(counted('aisbf_upstream_attempts_total{', 'provider="ollama"', 'model="embed-model"', 'outcome="ok"') >= 1);
    assert.ok(counted('aisbf_failovers_total') >= 1);
    // A 400 is the request's fault: no failover.
    const bad = await embed({ model: 'rotation/badinput', input: 'x' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await s.mock.requests()).filter((q) => q.path.endsWith('/api/embed')).length, 1);
  });

  it('a rotation skips models that cannot embed; one with none is a 400 naming it', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await embed({ model: 'rotation/mixed', input: 'skip the chat model' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['x-aisbf-target'], 'google/embed-model');
    }
    assert.equal((await s.mock.requests()).filter((q) => q.path.includes('/messages')).length, 0);
    const none = await embed({ model: 'rotation/chatonly', input: 'x' });
    assertError(none, 400, 'unsupported_operation');
    assert.match(none.json().error.message, /rotation\/chatonly.*create embeddings.*anthropic/);
  });

  it('a model that cannot embed, token arrays to a translating upstream, an autoselect: 400 naming them', async () => {
    const anth = await embed({ model: 'anthropic/claude-embedder', input: 'x' });
    assertError(anth, 400, 'unsupported_operation');
    assert.match(anth.json().error.message, /'anthropic\/claude-embedder' cannot create embeddings: provider type 'anthropic' has no embeddings API/);
    assert.equal(anth.json().error.param, 'model');
    const tokens = await embed({ model: 'google/embed-model', input: [1, 2, 3] });
    assertError(tokens, 400, 'unsupported_operation');
    assert.match(tokens.json().error.message, /google\/embed-model.*token arrays/);
    const auto = await embed({ model: 'autoselect/pick', input: 'x' });
    assertError(auto, 400, 'unsupported_operation');
    assert.match(auto.json().error.message, /autoselect\/pick/);
    assert.equal((await s.mock.requests()).length, 0);
  });

  it('bad input: 400 in OpenAI\'s error shape naming the parameter', async () => {
    const cases = [
      [{ input: 'x' }, 'model'],
      [{ model: 'mock/embed-model' }, 'input'],
      [{ model: 'mock/embed-model', input: '' }, 'input'],
      [{ model: 'mock/embed-model', input: [] }, 'input'],
      [{ model: 'mock/embed-model', input: ['ok', 3] }, 'input[1]'],
      [{ model: 'mock/embed-model', input: { text: 'x' } }, 'input'],
      [{ model: 'mock/embed-model', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
      [{ model: 'mock/embed-model', input: 'x', dimensions: 0 }, 'dimensions'],
      [{ model: 'mock/embed-model', input: 'x', dimensions: 'big' }, 'dimensions'],
      [{ model: 'mock/embed-model', input: 'x', task_type: 7 }, 'task_type'],
      // Only Gemini's task types: nothing else reaches an upstream body.
      [{ model: 'google/embed-model', input: 'x', task_type: 'retrieval_query' }, 'task_type'],
      [{ model: 'google/embed-model', input: 'x', task_type: 'RETRIEVAL_QUERY", "x": "y' }, 'task_type'],
    ];
    for (const [body, param] of cases) {
      const r = await embed(body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      const e = r.json().error;
      assert.equal(e.type, 'invalid_request_error', r.text);
      assert.equal(e.param, param, r.text);
    }
    const notJson = await post(s.u(EMB), 'not json', { headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400, notJson.text);
    assert.equal(notJson.json().error.type, 'invalid_request_error');
    const unknown = await embed({ model: 'nosuch/model', input: 'x' });
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal((await s.mock.requests()).length, 0);
  });

  it('an answer past max_upstream_body_bytes is a 502, not relayed', async () => {
    // 8 inputs of 8192 floats: well over the 256 KiB this stack allows.
    const r = await embed({ model: 'mock/embed-model', input: Array(8).fill('big answer'), dimensions: 8192 });
    assert.equal(r.status, 502, r.text.slice(0, 300));
    assert.ok(r.text.length < 4096);
  });

  it('each request is one usage row: route, rotation, attempts, tokens, cost, estimate flag', async () => {
    await embed({ model: 'mock/embed-model', input: 'priced words here' });
    await embed({ model: 'rotation/failover', input: 'usage over rotation' });
    await embed({ model: 'google/embed-model', input: 'counted by the gateway' });
    let rows = [];
    // A row is recorded just after its answer is sent: flush again until it is in.
    for (const until = Date.now() + 30000; Date.now() < until; await delay(20)) {
      rows = (await usageCsvRows(s)).filter((r) => r.route === 'embeddings');
      if (rows.some((r) => r.requested_model === 'google/embed-model')) break;
    }
    const priced = rows.findLast((r) => r.requested_model === 'mock/embed-model' && r.status === '200');
    assert.ok(priced, JSON.stringify(rows));
    assert.equal(priced.prompt_tokens, '3');
    assert.equal(priced.completion_tokens, '0');
    assert.equal(priced.tokens_estimated, 'false');
    assert.equal(Number(priced.cost), 3 * 0.000001);
    assert.equal(priced.provider, 'mock');
    const rotated = rows.findLast((r) => r.requested_model === 'rotation/failover');
    assert.equal(rotated.rotation, 'failover');
    assert.equal(rotated.attempts, '2');
    assert.equal(rotated.provider, 'ollama');
    assert.equal(rotated.prompt_tokens, '3');
    const gem = rows.findLast((r) => r.requested_model === 'google/embed-model');
    assert.equal(gem.tokens_estimated, 'true');
    assert.ok(Number(gem.prompt_tokens) > 0);
  });
});

// An upstream of its own on 127.0.0.1, for what aisbf-mock does not do:
// OpenAI-compatible `/v1/embeddings` that answers 200 with an `error`
// object (model `err200`) or floats whatever `encoding_format` asked
// (model `floats`), and Gemini batchEmbedContents answers of a known size
// (1000 values of "0.125" per vector, about 6 KB each).
async function scriptedEmbedder() {
  const seen = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ path: req.url, body });
      const json = (status, value) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const ask = JSON.parse(body || '{}');
      if (req.url.endsWith(':batchEmbedContents')) {
        json(200, { embeddings: ask.requests.map(() => ({ values: Array(1000).fill(0.125) })) });
      } else if (req.url.endsWith('/v1/embeddings') && ask.model === 'err200') {
        json(200, { error: { message: 'Insufficient balance', type: 'billing', code: 'quota' } });
      } else if (req.url.endsWith('/v1/embeddings')) {
        const inputs = Array.isArray(ask.input) ? ask.input : [ask.input];
        json(200, { object: 'list', model: ask.model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
          data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [1, -2, 0.5] })) });
      } else {
        json(404, { error: { message: 'not here' } });
      }
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${srv.address().port}`;
  return { url, seen, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }) };
}

describe('embeddings: what an upstream may answer', { timeout: 60000 }, () => {
  let s;
  let up;
  const embed = (body) => post(s.u(EMB), body);
  before(async () => {
    up = await scriptedEmbedder();
    s = await startStack({
      providers: (u) => ({
        mock: mockProvider(u, { models: ['embed-model'] }),
        script: mockProvider(up.url, { id: 'script', models: ['err200', 'floats'] }),
        gem: typedProvider('google', up.url, { id: 'gem', models: [model('embed-model')] }),
      }),
      rotations: {
        // The first answers 200 with an error object: a failure, so the backup serves.
        billing: { providers: [
          { provider_id: 'script', models: [{ name: 'err200', weight: 1 }] },
          { provider_id: 'mock', models: [{ name: 'embed-model', weight: 0 }] },
        ] },
      },
      server: { max_upstream_body_bytes: 500000 },
    });
  });
  after(async () => { await s?.stop(); await up?.close(); });

  it('a 200 with an `error` object and no `data` is a failure: 502 direct, failover in a rotation', async () => {
    const r = await embed({ model: 'rotation/billing', input: 'x' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-target'], 'mock/embed-model');
    assert.equal(r.headers['x-aisbf-attempts'], '2');
    assertListShape(r.json(), 1);
    // The failure cooled the target down: healthy again, then asked directly.
    assert.equal((await post(s.u('/api/admin/health/reset'))).status, 200);
    const direct = await embed({ model: 'script/err200', input: 'x' });
    const e = assertError(direct, 502);
    assert.match(e.message, /Insufficient balance/);
  });

  it('base64 asked of an upstream that answers floats: the gateway encodes them', async () => {
    up.seen.length = 0;
    const r = await embed({ model: 'script/floats', input: ['a', 'b'], encoding_format: 'base64' });
    assert.equal(r.status, 200, r.text);
    assert.equal(JSON.parse(up.seen.at(-1).body).encoding_format, 'base64');
    assert.deepEqual(r.json().data.map((d) => floats(d.embedding)), [[1, -2, 0.5], [1, -2, 0.5]]);
    const f = await embed({ model: 'script/floats', input: 'a' });
    assert.deepEqual(f.json().data[0].embedding, [1, -2, 0.5]);
  });

  it("Gemini's batches together are held to max_upstream_body_bytes, as one answer is", async () => {
    // 64 texts: one batch of about 390 KB, under the 500,000 allowed.
    up.seen.length = 0;
    const one = await embed({ model: 'gem/embed-model', input: Array(64).fill('t') });
    assert.equal(one.status, 200, one.text.slice(0, 300));
    assert.equal(one.json().data.length, 64);
    assert.equal(up.seen.length, 1);
    // 128 texts: two batches, each under the cap alone, together over it.
    up.seen.length = 0;
    const two = await embed({ model: 'gem/embed-model', input: Array(128).fill('t') });
    const e = assertError(two, 502);
    assert.match(e.message, /more than/);
    assert.equal(up.seen.length, 2);
  });
});

describe('embeddings in a user namespace', { timeout: 60000 }, () => {
  const ADMIN = 'emb-admin-token';
  const admin = { authorization: `Bearer ${ADMIN}` };
  const put = (url, body, opts = {}) => request(url, { ...opts, method: 'PUT', body });
  let s;
  let alice;
  let bob;
  const makeUser = async (username) => {
    await createUser(s.url, admin, { username });
    return (await createToken(s.url, admin, username)).token;
  };

  before(async () => {
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-embns-'), 'aisbf.db') } },
      providers: (u) => ({ mock: mockProvider(u, { models: ['embed-model'] }) }),
    });
    alice = await makeUser('alice');
    bob = await makeUser('bob');
    const allow = await request(s.u('/api/admin/users/alice'), { method: 'PATCH', headers: admin,
      body: { allow_private_endpoints: true } });
    assert.equal(allow.status, 200, allow.text);
    const mine = await put(s.u('/api/user/providers/mine'), {
      type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY,
      models: [{ name: 'own-embedder' }, { name: 'embed-fault-500' }],
    }, { headers: bearer(alice) });
    assert.equal(mine.status, 201, mine.text);
    // Her own failing model first, then the operator's provider as a backup.
    const team = await put(s.u('/api/user/rotations/team'), {
      model_name: 'team', providers: [
        { provider_id: 'mine', models: [{ name: 'embed-fault-500', weight: 1 }] },
        { provider_id: 'mock', models: [{ name: 'embed-model', weight: 0 }] }],
    }, { headers: bearer(alice) });
    assert.equal(team.status, 201, team.text);
  });
  after(async () => { await s?.stop(); });

  it("user-provider/… embeds for its owner on the global, user and named routes, with the provider's key", async () => {
    await s.mock.reset();
    const calls = [['/v1/embeddings', bearer(alice)], ['/api/user/embeddings', bearer(alice)],
      ['/api/u/alice/embeddings', admin]];
    for (const [route, headers] of calls) {
      const r = await post(s.u(route), { model: 'user-provider/mine/own-embedder', input: `via ${route}` }, { headers });
      assert.equal(r.status, 200, `${route}: ${r.text}`);
      assert.equal(r.json().data.length, 1);
    }
    const seen = (await s.mock.requests()).filter((q) => q.path.endsWith('/embeddings'));
    assert.equal(seen.length, 3);
    for (const q of seen) {
      assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
      assert.equal(JSON.parse(q.body).model, 'own-embedder');
    }
  });

  it("another user, and a global token, do not see it (404)", async () => {
    const r = await post(s.u('/api/user/embeddings'), { model: 'user-provider/mine/own-embedder', input: 'x' },
      { headers: bearer(bob) });
    assertError(r, 404, 'model_not_found');
    const g = await post(s.u('/v1/embeddings'), { model: 'user-provider/mine/own-embedder', input: 'x' },
      { headers: admin });
    assertError(g, 404, 'model_not_found');
  });

  it('user-rotation/… fails over from her model to the operator\'s; the usage row is hers', async () => {
    const r = await post(s.u('/v1/embeddings'), { model: 'user-rotation/team', input: 'team work' },
      { headers: bearer(alice) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-target'], 'mock/embed-model');
    assert.equal(r.headers['x-aisbf-attempts'], '2');
    let row;
    for (const until = Date.now() + 30000; !row && Date.now() < until; await delay(20)) {
      row = (await usageCsvRows(s, admin)).find((x) => x.requested_model === 'user-rotation/team');
    }
    assert.ok(row, 'no usage row');
    assert.equal(row.username, 'alice');
    assert.equal(row.route, 'embeddings');
    assert.equal(row.attempts, '2');
    assert.equal(row.status, '200');
  });
});
