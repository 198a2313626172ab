// Image generation and the content proxy through the binary (issue 17):
// OpenAI-compatible passthrough, Gemini's IMAGE modality translated to
// OpenAI's b64_json shape, a rotation failing over, the 400 for a model
// that cannot, the usage row; and /api/proxy/{id}: the ids (random, 128
// bits), who may fetch them (the namespace that got them: others get 404),
// the SSRF rules (only the provider's own origin or public addresses, the
// resolved address checked, no redirects), the size cap, expiry, and the
// upstream's Content-Type and Content-Length passed on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {
  startStack, request, get, post, mockProvider, typedProvider, assertError, tmpDir, delay, usageCsvRows,
  createUser, createToken, bearer, MOCK_KEY,
} from './harness.mjs';

const ADMIN = 'images-admin-token';
const admin = bearer(ADMIN);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
const PROXY_PATH = /^\/api\/proxy\/([A-Za-z0-9_-]+)$/;

function providers(u) {
  return {
    mock: mockProvider(u, { models: ['dall-e-3', 'gpt-image-1', 'fault-500', 'mock-model'] }),
    google: typedProvider('google', u, { models: [{ name: 'gemini-image', context_size: 32000 }] }),
    anthropic: typedProvider('anthropic', u, { models: [{ name: 'mock-model', context_size: 32000 }] }),
  };
}

const rotations = {
  pics: { providers: [{ provider_id: 'mock', models: [{ name: 'fault-500', weight: 1 }, { name: 'dall-e-3', weight: 0 }] }] },
  textonly: { providers: [{ provider_id: 'anthropic', models: [{ name: 'mock-model' }] }] },
};

function generate(s, body, headers = admin, route = '/api/v1/images/generations') {
  return post(s.u(route), { prompt: 'a red fox in the snow', ...body }, { headers });
}

// The ids a url answer holds, each checked against the proxy's path shape.
function proxyIds(r) {
  assert.equal(r.status, 200, r.text);
  return r.json().data.map((d) => {
    const m = PROXY_PATH.exec(d.url);
    assert.ok(m, `not a proxied URL: ${d.url}`);
    return m[1];
  });
}

async function imageRequests(mock) {
  return (await mock.requests()).filter((q) => q.path.endsWith('/images/generations') || q.path.includes(':generateContent'));
}

// A local HTTP server that counts the requests it gets (an address the proxy must refuse).
async function countingServer() {
  let hits = 0;
  const srv = http.createServer((req, res) => { hits++; res.writeHead(200, { 'content-type': 'image/png' }); res.end(PNG_SIGNATURE); });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: srv.address().port, hits: () => hits, close: () => new Promise((r) => srv.close(r)) };
}

describe('images and the content proxy', { timeout: 120000 }, () => {
  let s;
  let alice;
  let bob;
  let mockPort;
  before(async () => {
    const dir = tmpDir('aisbf-images-');
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: {
        database: { type: 'sqlite', sqlite_path: path.join(dir, 'aisbf.db') },
        media: { proxy_urls: true, proxy_ttl: 300 },
      },
      providers,
      rotations: () => rotations,
    });
    mockPort = new URL(s.mock.url).port;
    await createUser(s.url, admin, { username: 'alice' });
    await createUser(s.url, admin, { username: 'bob' });
    alice = (await createToken(s.url, admin, 'alice')).token;
    bob = (await createToken(s.url, admin, 'bob')).token;
  });
  after(async () => { await s?.stop(); });

  it('OpenAI-compatible: the body goes on with only the model rewritten; b64_json relayed', async () => {
    await s.mock.reset();
    const r = await generate(s, { model: 'mock/gpt-image-1', size: '1024x1024', quality: 'low' });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assert.equal(body.data.length, 1);
    assert.ok(Buffer.from(body.data[0].b64_json, 'base64').subarray(0, 8).equals(PNG_SIGNATURE));
    assert.equal(body.usage.output_tokens, 272);
    const [sent] = await imageRequests(s.mock);
    assert.match(sent.path, /\/v1\/images\/generations$/);
    const upstream = JSON.parse(sent.body);
    assert.deepEqual(upstream, { model: 'gpt-image-1', prompt: 'a red fox in the snow', size: '1024x1024', quality: 'low' });
  });

  it('AISBF routes: /api/images/generations (provider/model in the body) and /api/{provider}/images/generations', async () => {
    const a = await generate(s, { model: 'mock/gpt-image-1' }, admin, '/api/images/generations');
    assert.equal(a.status, 200, a.text);
    const b = await generate(s, { model: 'gpt-image-1' }, admin, '/api/mock/images/generations');
    assert.equal(b.status, 200, b.text);
    const c = await generate(s, { model: 'mock/gpt-image-1' }, admin, '/v1/images/generations');
    assert.equal(c.status, 200, c.text);
    assert.equal((await generate(s, { model: 'mock/gpt-image-1' }, {})).status, 401);
  });

  it('Gemini: n images are n generateContent calls with the IMAGE modality, answered as b64_json', async () => {
    await s.mock.reset();
    const r = await generate(s, { model: 'google/gemini-image', n: 2, size: '1536x1024' });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assert.equal(body.data.length, 2);
    for (const d of body.data) assert.ok(Buffer.from(d.b64_json, 'base64').subarray(0, 8).equals(PNG_SIGNATURE));
    assert.notEqual(body.data[0].b64_json, body.data[1].b64_json);
    assert.equal(body.usage.output_tokens, 2 * 1290);
    assert.ok(Number.isInteger(body.created));
    const sent = await imageRequests(s.mock);
    assert.equal(sent.length, 2);
    for (const q of sent) {
      assert.match(q.path, /^\/v1beta\/models\/gemini-image:generateContent$/);
      const g = JSON.parse(q.body);
      // TEXT too: some Gemini image models refuse image-only output.
      assert.deepEqual(g.generationConfig, { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:2' } });
      assert.equal(g.contents[0].parts[0].text, 'a red fox in the snow');
    }
  });

  it('a model that cannot: 400 naming the model and the operation, nothing sent', async () => {
    await s.mock.reset();
    const r = await generate(s, { model: 'anthropic/mock-model' });
    assert.equal(assertError(r, 400, 'unsupported_operation').param, 'model');
    assert.match(r.json().error.message, /anthropic\/mock-model.*images\/generations/);
    const rot = await generate(s, { model: 'rotation/textonly' });
    assertError(rot, 400, 'unsupported_operation');
    assert.match(rot.json().error.message, /textonly.*images\/generations/);
    assert.equal((await imageRequests(s.mock)).length, 0);
    assertError(await generate(s, { model: 'mock/dall-e-3', n: 11 }), 400);
    assertError(await post(s.u('/api/v1/images/generations'), { model: 'mock/dall-e-3' }, { headers: admin }), 400);
  });

  it('stream: true is a 400 naming `stream` (the answer is one JSON body), nothing sent', async () => {
    await s.mock.reset();
    for (const model of ['mock/gpt-image-1', 'google/gemini-image']) {
      const r = await generate(s, { model, stream: true, partial_images: 2 });
      const e = assertError(r, 400, 'unsupported_parameter');
      assert.equal(e.param, 'stream');
      assert.match(e.message, /stream/);
    }
    assert.equal((await imageRequests(s.mock)).length, 0);
    assert.equal((await generate(s, { model: 'mock/gpt-image-1', stream: false })).status, 200);
  });

  it('a rotation fails over like chat: fault-500 first, then its backup dall-e-3', async () => {
    await s.mock.reset();
    const r = await generate(s, { model: 'rotation/pics', response_format: 'b64_json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-target'], 'mock/dall-e-3');
    const models = (await imageRequests(s.mock)).map((q) => JSON.parse(q.body).model);
    assert.deepEqual(models, ['fault-500', 'dall-e-3']);
  });

  it('a url answer is rewritten to /api/proxy/{id}: 128-bit random ids, the bytes intact, type and length passed', async () => {
    const direct = await get(s.mock.u('/__mock/image/4242.png'));
    assert.equal(direct.status, 200);
    const r = await generate(s, { model: 'mock/dall-e-3', n: 3, response_format: 'url', mock_image_url: s.mock.u('/__mock/image/4242.png') });
    const ids = proxyIds(r);
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) {
      assert.equal(Buffer.from(id, 'base64url').length, 16, id);  // 128 bits
      const f = await get(s.u(`/api/proxy/${id}`), { headers: admin });
      assert.equal(f.status, 200, f.text);
      assert.equal(f.headers['content-type'], 'image/png');
      assert.equal(Number(f.headers['content-length']), direct.buf.length);
      assert.equal(f.headers['x-content-type-options'], 'nosniff');
      assert.equal(sha256(f.buf), sha256(direct.buf));
    }
    // The mock's own URLs too (answered with its Host): distinct images.
    const own = proxyIds(await generate(s, { model: 'mock/dall-e-3', n: 2 }));
    const [a, b] = await Promise.all(own.map((id) => get(s.u(`/api/proxy/${id}`), { headers: admin })));
    assert.ok(a.buf.subarray(0, 8).equals(PNG_SIGNATURE) && b.buf.subarray(0, 8).equals(PNG_SIGNATURE));
    assert.notEqual(sha256(a.buf), sha256(b.buf));
    // Many ids: all distinct, no shared prefix structure.
    const many = proxyIds(await generate(s, { model: 'mock/dall-e-3', n: 10 }));
    assert.equal(new Set(many).size, 10);
  });

  it('HEAD: the head alone (type and length), so a pipelined request after it is read right', async () => {
    const [id] = proxyIds(await generate(s, { model: 'mock/dall-e-3' }));
    const raw = await new Promise((resolve, reject) => {
      const c = net.connect(Number(new URL(s.url).port), '127.0.0.1', () => c.write(
        `HEAD /api/proxy/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n` +
        'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
      const chunks = [];
      c.on('data', (d) => chunks.push(d));
      c.on('end', () => resolve(Buffer.concat(chunks)));
      c.on('error', reject);
      c.setTimeout(5000, () => c.destroy(new Error('timed out')));
    });
    const text = raw.toString('latin1');
    assert.ok(!raw.includes(PNG_SIGNATURE), 'no body after a HEAD');
    const heads = text.split('HTTP/1.1 ').slice(1);
    assert.equal(heads.length, 2, text.slice(0, 400));
    assert.match(heads[0], /^200 /);
    assert.match(heads[0], /content-type: image\/png/i);
    assert.match(heads[0], /content-length: \d+/i);
    assert.match(heads[1], /^200 [^]*\{"status":"ok"\}$/);
  });

  it('only the namespace that got an id may fetch it: others get 404, not 403', async () => {
    const [globalId] = proxyIds(await generate(s, { model: 'mock/dall-e-3' }));
    const [aliceId] = proxyIds(await generate(s, { model: 'mock/dall-e-3' }, bearer(alice)));
    assert.equal((await get(s.u(`/api/proxy/${aliceId}`), { headers: bearer(alice) })).status, 200);
    assertError(await get(s.u(`/api/proxy/${aliceId}`), { headers: bearer(bob) }), 404, 'content_not_found');
    assertError(await get(s.u(`/api/proxy/${aliceId}`), { headers: admin }), 404, 'content_not_found');
    assertError(await get(s.u(`/api/proxy/${globalId}`), { headers: bearer(alice) }), 404, 'content_not_found');
    assert.equal((await get(s.u(`/api/proxy/${globalId}`))).status, 401);
    assertError(await get(s.u(`/api/proxy/${crypto.randomBytes(16).toString('base64url')}`), { headers: admin }), 404);
  });

  it("a user's own provider (user-provider/…): served in their namespace, its loopback origin allowed as the admin allowed it", async () => {
    const allow = await request(s.u('/api/admin/users/alice'), { method: 'PATCH', headers: admin, body: { allow_private_endpoints: true } });
    assert.equal(allow.status, 200, allow.text);
    const put = await request(s.u('/api/user/providers/mine'), {
      method: 'PUT', headers: bearer(alice),
      body: { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'dall-e-3' }] },
    });
    assert.equal(put.status, 201, put.text);
    const r = await generate(s, { model: 'user-provider/mine/dall-e-3' }, bearer(alice));
    const [id] = proxyIds(r);
    const f = await get(s.u(`/api/proxy/${id}`), { headers: bearer(alice) });
    assert.equal(f.status, 200, f.text);
    assert.ok(f.buf.subarray(0, 8).equals(PNG_SIGNATURE));
    assertError(await get(s.u(`/api/proxy/${id}`), { headers: bearer(bob) }), 404, 'content_not_found');
    assertError(await generate(s, { model: 'user-provider/mine/dall-e-3' }, bearer(bob)), 404);

    // The provider is looked up at each fetch: the admin revokes the
    // allowance, and the id made under it no longer reaches the loopback origin.
    const [later] = proxyIds(await generate(s, { model: 'user-provider/mine/dall-e-3' }, bearer(alice)));
    const revoke = await request(s.u('/api/admin/users/alice'), { method: 'PATCH', headers: admin, body: { allow_private_endpoints: false } });
    assert.equal(revoke.status, 200, revoke.text);
    assertError(await get(s.u(`/api/proxy/${id}`), { headers: bearer(alice) }), 502, 'content_address_refused');
    // Allowed again, then the provider deleted: gone, so public addresses only.
    assert.equal((await request(s.u('/api/admin/users/alice'), { method: 'PATCH', headers: admin, body: { allow_private_endpoints: true } })).status, 200);
    assert.equal((await get(s.u(`/api/proxy/${later}`), { headers: bearer(alice) })).status, 200);
    const del = await request(s.u('/api/user/providers/mine'), { method: 'DELETE', headers: bearer(alice) });
    assert.ok(del.status === 200 || del.status === 204, del.text);
    assertError(await get(s.u(`/api/proxy/${later}`), { headers: bearer(alice) }), 502, 'content_address_refused');
  });

  it('SSRF: another port on 127.0.0.1, another name for the same host, and redirects are refused', async () => {
    const other = await countingServer();
    try {
      const cases = [
        [`http://127.0.0.1:${other.port}/x.png`, 'content_address_refused'],
        [`http://localhost:${mockPort}/__mock/image/1.png`, 'content_address_refused'],
        [`http://[::1]:${mockPort}/__mock/image/1.png`, 'content_address_refused'],
        [`http://[::ffff:127.0.0.1]:${other.port}/x.png`, 'content_address_refused'],
        [`http://0.0.0.0:${other.port}/x.png`, 'content_address_refused'],
        [`http://2130706433:${other.port}/x.png`, 'content_address_refused'],  // 127.0.0.1 as one number
        ['http://169.254.169.254/latest/meta-data/', 'content_address_refused'],
        [s.mock.u(`/__mock/redirect?to=${encodeURIComponent(`http://localhost:${other.port}/x.png`)}`), 'content_redirect_refused'],
        [s.mock.u(`/__mock/redirect?to=${encodeURIComponent('/__mock/image/1.png')}`), 'content_redirect_refused'],
      ];
      for (const [url, code] of cases) {
        const [id] = proxyIds(await generate(s, { model: 'mock/dall-e-3', mock_image_url: url }));
        const f = await get(s.u(`/api/proxy/${id}`), { headers: admin });
        assertError(f, 502, code);
        assert.doesNotMatch(f.text, /127\.0\.0\.1|localhost/, 'the refusal names no address');
      }
      assert.equal(other.hits(), 0, 'the refused address was never connected to');
    } finally {
      await other.close();
    }
  });

  it('usage: one row per request with the tokens the upstream reported', async () => {
    await generate(s, { model: 'mock/gpt-image-1', prompt: 'three little words' });
    const rows = (await usageCsvRows(s, admin)).filter((r) => r.requested_model === 'mock/gpt-image-1');
    const last = rows.at(-1);
    assert.equal(last.route, 'images_generations');
    assert.equal(last.provider, 'mock');
    assert.equal(Number(last.prompt_tokens), 3);
    assert.equal(Number(last.completion_tokens), 272);
    assert.equal(Number(last.status), 200);
  });
});

// An OpenAI-compatible provider of its own on 127.0.0.1 whose image URLs
// point back at it and answer chunked, without a length: the first piece at
// once, the rest only when the test says (`release`).
async function chunkedProvider() {
  let release;
  let released = new Promise((r) => { release = r; });
  const srv = http.createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const name = JSON.parse(body).prompt.includes('big') ? 'big' : 'small';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ created: 1, data: [{ url: `http://127.0.0.1:${srv.address().port}/img/${name}` }] }));
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'image/webp' });  // chunked: no Content-Length
    res.write(Buffer.alloc(300, 1));
    released.then(() => { res.write(Buffer.alloc(300, 2)); res.end(Buffer.alloc(req.url.endsWith('big') ? 900 : 0, 3)); });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    release: () => { release(); released = Promise.resolve(); },
    rearm: () => { released = new Promise((r) => { release = r; }); },
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  };
}

// GET with the body's pieces reported as they come; resolves {status, headers, body, complete}.
function fetchPieces(url, headers, onPiece) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const pieces = [];
      res.on('data', (c) => { pieces.push(c); onPiece(Buffer.concat(pieces).length); });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(pieces), complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(pieces), complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(pieces), complete: false }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timed out')));
  });
}

describe('content proxy bounds: size cap, expiry, streaming', { timeout: 60000 }, () => {
  let s;
  let local;
  before(async () => {
    local = await chunkedProvider();
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: { media: { proxy_urls: true, proxy_ttl: 1, proxy_max_bytes: 1000 } },
      providers: (u) => ({
        mock: mockProvider(u, { models: ['dall-e-3'] }),
        local: mockProvider(local.url, { id: 'local', models: ['img'], endpoint: `${local.url}/v1` }),
      }),
    });
  });
  after(async () => { await s?.stop(); await local?.close(); });

  it('a body is streamed as it arrives, chunked when the upstream gave no length (the provider\'s own loopback origin)', async () => {
    local.rearm();
    const [id] = proxyIds(await generate(s, { model: 'local/img' }));
    const r = await fetchPieces(s.u(`/api/proxy/${id}`), admin, (n) => { if (n >= 300) local.release(); });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/webp');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.ok(r.complete);
    assert.equal(r.body.length, 600);  // the second piece was sent only after the client had the first
  });

  it('a chunked body growing past media.proxy_max_bytes is cut, never completed', async () => {
    local.rearm();
    const [id] = proxyIds(await generate(s, { model: 'local/img', prompt: 'a big one please, big' }));
    const r = await fetchPieces(s.u(`/api/proxy/${id}`), admin, (n) => { if (n >= 300) local.release(); });
    assert.equal(r.status, 200);
    assert.equal(r.complete, false);
    assert.ok(r.body.length <= 1000, `${r.body.length} bytes passed the cap`);
  });

  it('a body past media.proxy_max_bytes is refused before any byte', async () => {
    const [id] = proxyIds(await generate(s, { model: 'mock/dall-e-3' }));
    assertError(await get(s.u(`/api/proxy/${id}`), { headers: admin }), 502, 'content_too_large');
  });

  it('an id expires after media.proxy_ttl: served, then 404', async () => {
    const png = s.mock.u('/__mock/redirect?to=x');  // any URL: the order of answers is what counts
    const [id] = proxyIds(await generate(s, { model: 'mock/dall-e-3', mock_image_url: png }));
    const first = await get(s.u(`/api/proxy/${id}`), { headers: admin });
    assertError(first, 502, 'content_redirect_refused');  // known to the proxy: fetched
    let status = first.status;
    for (let i = 0; i < 100 && status !== 404; i++) {
      await delay(100);
      status = (await get(s.u(`/api/proxy/${id}`), { headers: admin })).status;
    }
    assert.equal(status, 404, 'the id never expired');
  });

  it('with proxy_urls the b64_json answers are unchanged', async () => {
    const r = await generate(s, { model: 'mock/dall-e-3', response_format: 'b64_json' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json().data[0].b64_json.length > 100);
    assert.equal(r.json().data[0].url, undefined);
  });
});

// An upstream of its own on 127.0.0.1 that answers what the prompt asks
// for: `many` (11 image URLs), `long` (one URL of 5000 bytes), `ten`
// (10 URLs), and Gemini generateContent answers of `geminiBytes` each.
async function scriptedProvider({ geminiBytes = 300000 } = {}) {
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const base = `http://127.0.0.1:${srv.address().port}/img`;
      if (req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not here"}}');
        return;
      }
      if (req.url.includes(':generateContent')) {
        const data = Buffer.alloc(geminiBytes, 7).toString('base64').slice(0, geminiBytes);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data } }] }, finishReason: 'STOP' }],
          usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1290, totalTokenCount: 1293 },
        }));
        return;
      }
      const prompt = JSON.parse(body).prompt;
      const count = prompt === 'many' ? 11 : prompt === 'ten' ? 10 : 1;
      const url = (i) => (prompt === 'long' ? `${base}/${'a'.repeat(5000)}` : `${base}/${i}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ created: 1, data: Array.from({ length: count }, (_, i) => ({ url: url(i) })) }));
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${srv.address().port}`;
  return { url, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }) };
}

// The id map's memory is bounded by what an answer may hold and by each
// namespace's share; Gemini's n answers together by max_upstream_body_bytes.
describe('content proxy limits: URLs per answer, URL length, a namespace\'s share, Gemini\'s total', { timeout: 60000 }, () => {
  let s;
  let up;
  let alice;
  before(async () => {
    up = await scriptedProvider();
    const dir = tmpDir('aisbf-images-limits-');
    s = await startStack({
      auth: { enabled: true, tokens: [ADMIN] },
      aisbf: {
        database: { type: 'sqlite', sqlite_path: path.join(dir, 'aisbf.db') },
        media: { proxy_urls: true, proxy_ttl: 300, proxy_max_entries: 32 },
        server: { max_upstream_body_bytes: 500000 },
      },
      providers: (u) => ({
        mock: mockProvider(u, { models: ['dall-e-3'] }),
        script: mockProvider(up.url, { id: 'script', models: ['img'], endpoint: `${up.url}/v1` }),
        gem: typedProvider('google', up.url, { id: 'gem', models: [{ name: 'gemini-image', context_size: 32000 }] }),
      }),
    });
    await createUser(s.url, admin, { username: 'alice' });
    alice = (await createToken(s.url, admin, 'alice')).token;
  });
  after(async () => { await s?.stop(); await up?.close(); });

  it('more than 10 image URLs in one answer: 502 content_url_refused, nothing kept; 10 are fine', async () => {
    const r = await generate(s, { model: 'script/img', prompt: 'many' });
    const e = assertError(r, 502, 'content_url_refused');
    assert.match(e.message, /more than 10/);
    assert.doesNotMatch(r.text, /127\.0\.0\.1/);
    const ten = proxyIds(await generate(s, { model: 'script/img', prompt: 'ten' }));
    assert.equal(ten.length, 10);
  });

  it('an image URL longer than 4096 bytes: 502 content_url_refused', async () => {
    const e = assertError(await generate(s, { model: 'script/img', prompt: 'long' }), 502, 'content_url_refused');
    assert.match(e.message, /4096/);
  });

  it("one namespace's many ids push out its own oldest, not another namespace's", async () => {
    // proxy_max_entries 32: a namespace keeps at most 10 (a sixteenth, at least one answer's).
    const [aliceId] = proxyIds(await generate(s, { model: 'mock/dall-e-3' }, bearer(alice)));
    const mine = [];
    for (let i = 0; i < 4; i++) mine.push(...proxyIds(await generate(s, { model: 'mock/dall-e-3', n: 10 })));
    assert.equal(mine.length, 40);
    const f = await get(s.u(`/api/proxy/${aliceId}`), { headers: bearer(alice) });
    assert.equal(f.status, 200, f.text);
    assert.ok(f.buf.subarray(0, 8).equals(PNG_SIGNATURE));
    assertError(await get(s.u(`/api/proxy/${mine[0]}`), { headers: admin }), 404, 'content_not_found');
    assert.equal((await get(s.u(`/api/proxy/${mine.at(-1)}`), { headers: admin })).status, 200);
  });

  it("Gemini's n answers together are held to server.max_upstream_body_bytes", async () => {
    const one = await generate(s, { model: 'gem/gemini-image', n: 1 });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json().data.length, 1);
    assertError(await generate(s, { model: 'gem/gemini-image', n: 2 }), 502, 'upstream_response_too_large');
  });
});

describe('content proxy off', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({ providers: (u) => ({ mock: mockProvider(u, { models: ['dall-e-3'] }) }) });
  });
  after(async () => { await s?.stop(); });

  it('URLs are relayed as the upstream sent them', async () => {
    const r = await post(s.u('/v1/images/generations'), { model: 'mock/dall-e-3', prompt: 'x' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.json().data[0].url, new RegExp(`^http://127\\.0\\.0\\.1:${new URL(s.mock.url).port}/__mock/image/\\d+\\.png$`));
  });
});
